import { useCallback, useEffect, useState } from "react";
import { commands, type AccountDto, type ErrorView, type LedgerStatus } from "../../ipc/bindings";
import { ipcFailure } from "../../ipc/ipcFailure";

export type Unlocked = Extract<LedgerStatus, { state: "unlocked" }>;
export type Locked = Extract<LedgerStatus, { state: "locked" }>;

/** What the window shows: still asking the keychain, the open ledger, or why it is locked. */
export type LedgerView =
  | { kind: "opening" }
  | { kind: "unlocked"; status: Unlocked; accounts: AccountDto[] }
  | { kind: "locked"; status: Locked }
  | { kind: "failed"; error: ErrorView };

async function load(): Promise<LedgerView> {
  const status = await commands.ledgerStatus();
  if (status.status === "error") return { kind: "failed", error: status.error };
  if (status.data.state === "locked") return { kind: "locked", status: status.data };
  const accounts = await commands.listAccounts();
  if (accounts.status === "error") return { kind: "failed", error: accounts.error };
  return { kind: "unlocked", status: status.data, accounts: accounts.data };
}

/** Opens the ledger (the keychain is the login) and loads what the window shows. */
export function useLedger(): {
  view: LedgerView;
  retry: () => void;
  retrying: boolean;
  /** Loads again without the retry state (after a statement was filed, say). */
  reload: () => void;
} {
  const [view, setView] = useState<LedgerView>({ kind: "opening" });
  const [attempt, setAttempt] = useState(0);
  const [retrying, setRetrying] = useState(false);

  useEffect(() => {
    let live = true;
    const show = (next: LedgerView) => {
      if (!live) return;
      setView(next);
      setRetrying(false);
    };
    load().then(show, (e: unknown) => {
      show({ kind: "failed", error: ipcFailure(e) });
    });
    return () => {
      live = false;
    };
  }, [attempt]);

  const retry = useCallback(() => {
    setRetrying(true);
    setAttempt((n) => n + 1);
  }, []);

  const reload = useCallback(() => {
    setAttempt((n) => n + 1);
  }, []);

  return { view, retry, retrying, reload };
}
