import { useCallback, useEffect, useState } from "react";
import {
  commands,
  events,
  type BankRegistration,
  type BankSyncChanged,
  type ConnectionDto,
  type ErrorView,
  type SandboxKind,
  type SyncReportDto,
} from "../../ipc/bindings";
import { ipcFailure } from "../../ipc/ipcFailure";
import { stopQuietly } from "../../ipc/stopQuietly";
import { formatSyncedAt } from "./syncTime";
import { ConnectBankForm } from "./ConnectBankForm";
import "./banks.css";

const STATE_TEXT: Record<string, string> = {
  ok: "synced",
  reconnect: "connect again",
  action_needed: "the bank needs you",
  error: "last sync failed",
};

const SANDBOXES: { kind: SandboxKind; label: string; wait: string }[] = [
  {
    kind: "budgea",
    label: "Aggregator (Budgea API)",
    wait: "Approve the connection in the sandbox bank's window…",
  },
  {
    kind: "belfius",
    label: "PSD2 bank (Belfius API)",
    wait: "Give your consent in the sandbox bank's window…",
  },
  {
    kind: "abnamro",
    label: "Business account (ABN AMRO API)",
    wait: "Connecting with the sandbox's client credentials…",
  },
];

type Result = Awaited<ReturnType<typeof commands.syncConnection>>;

/** "Fetching account 2 of 3 (Savings)… 120 transactions" while a sync runs. */
export function progressText(p: BankSyncChanged): string {
  if (p.phase === "filing") return "Filing into your ledger…";
  if (p.accounts === 0) return "Asking the bank for its accounts…";
  const name = p.accountName !== null ? ` (${p.accountName})` : "";
  return `Fetching account ${String(p.account)} of ${String(p.accounts)}${name}… ${String(p.transactions)} transactions so far`;
}

function reportText(what: string, r: SyncReportDto): string {
  return `${what}: ${String(r.added)} new, ${String(r.updated)} changed, ${String(r.linked)} matched to statement rows, ${String(r.removed)} removed`;
}

/**
 * Bank connections in the sidebar: each with its state, last sync and live progress, "Sync now"
 * and "Reconnect"; and the offline sandbox banks to try each connect flow (their pages open in
 * a window of their own). Syncs started by the schedule show here too.
 */
export function BanksSection({ version, onChanged }: { version: number; onChanged: () => void }) {
  const [connections, setConnections] = useState<ConnectionDto[]>([]);
  const [busy, setBusy] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<ErrorView | null>(null);
  const [refresh, setRefresh] = useState(0);
  const [progress, setProgress] = useState<Record<number, BankSyncChanged>>({});
  const [choosing, setChoosing] = useState(false);
  const [removing, setRemoving] = useState<number | null>(null);
  const [ownAccess, setOwnAccess] = useState(false);

  useEffect(() => {
    let live = true;
    commands.listConnections().then(
      (r) => {
        if (!live) return;
        if (r.status === "ok") setConnections(r.data);
        else setError(r.error);
      },
      (e: unknown) => {
        if (live) setError(ipcFailure(e));
      },
    );
    return () => {
      live = false;
    };
  }, [version, refresh]);

  useEffect(() => {
    let live = true;
    let unlisten: (() => void) | undefined;
    events.bankSyncChanged
      .listen((e) => {
        if (!live) return;
        const p = e.payload;
        setProgress((current) => {
          const others = Object.fromEntries(
            Object.entries(current).filter(([id]) => Number(id) !== p.connectionId),
          );
          return p.phase === "done" || p.phase === "failed"
            ? others
            : { ...others, [p.connectionId]: p };
        });
        if (p.phase === "done" || p.phase === "failed") {
          setRefresh((n) => n + 1);
          // A scheduled sync filed rows nobody asked for: the ledger shows them now.
          if (p.scheduled && p.phase === "done") onChanged();
        }
      })
      .then(
        (stop) => {
          if (live) unlisten = stop;
          else stopQuietly(stop);
        },
        (e: unknown) => {
          if (live) setError(ipcFailure(e));
        },
      );
    return () => {
      live = false;
      if (unlisten) stopQuietly(unlisten);
    };
  }, [onChanged]);

  const after = useCallback(
    (what: string) => (r: Result) => {
      setBusy(null);
      setRefresh((n) => n + 1);
      if (r.status === "ok") {
        setError(null);
        setMessage(reportText(what, r.data));
        onChanged();
      } else {
        setMessage(null);
        setError(r.error);
      }
    },
    [onChanged],
  );

  const failed = (e: unknown) => {
    setBusy(null);
    setError(ipcFailure(e));
  };

  const connectSandbox = (kind: SandboxKind, wait: string) => {
    setBusy("connect");
    setChoosing(false);
    setError(null);
    setMessage(wait);
    commands.connectSandboxBank(kind).then(after("Sandbox bank connected"), failed);
  };

  const connectOwn = (registration: BankRegistration, label: string | null) => {
    setBusy("connect");
    setError(null);
    setMessage(
      registration.provider === "abnamro"
        ? "Connecting with your client credentials…"
        : "Finish in the bank's window…",
    );
    commands.connectBank(registration, label).then((r) => {
      if (r.status === "ok") setOwnAccess(false);
      after("Bank connected")(r);
    }, failed);
  };

  const syncNow = (c: ConnectionDto) => {
    setBusy(`sync-${String(c.id)}`);
    setError(null);
    setMessage(null);
    commands.syncConnection(c.id).then(after(`${c.label} synced`), failed);
  };

  const reconnect = (c: ConnectionDto) => {
    setBusy(`reconnect-${String(c.id)}`);
    setError(null);
    setMessage("Connect again in the bank's window…");
    commands.reconnectConnection(c.id).then(after(`${c.label} connected again`), failed);
  };

  const remove = (c: ConnectionDto) => {
    setBusy(`remove-${String(c.id)}`);
    setRemoving(null);
    setError(null);
    commands.removeConnection(c.id).then((r) => {
      setBusy(null);
      setRefresh((n) => n + 1);
      if (r.status === "ok") {
        setMessage(`${c.label} removed; its accounts and transactions stay in your ledger`);
        onChanged();
      } else {
        setMessage(null);
        setError(r.error);
      }
    }, failed);
  };

  return (
    <section className="banks" aria-label="Bank connections" data-testid="banks">
      <h2 className="sidebar-title">Banks</h2>
      <ul className="connection-list">
        {connections.map((c) => {
          const running = progress[c.id];
          return (
            <li
              key={c.id}
              className="connection"
              data-testid="connection"
              data-state={c.state}
              data-last-sync={c.lastSyncAt ?? ""}
            >
              <span className="connection-name">{c.label}</span>
              <span
                className={`small ${c.state === "ok" ? "muted" : "bad"}`}
                title={c.stateDetail ?? undefined}
                data-testid="connection-state"
              >
                {STATE_TEXT[c.state] ?? c.state}
                {c.lastSyncAt !== null ? ` · ${formatSyncedAt(c.lastSyncAt)}` : ""}
              </span>
              {c.state !== "ok" && c.stateDetail !== null && (
                <span className="small muted connection-detail">{c.stateDetail}</span>
              )}
              {running !== undefined && (
                <span className="small sync-progress" data-testid="sync-progress" role="status">
                  {progressText(running)}
                </span>
              )}
              <span className="connection-actions">
                <button
                  type="button"
                  className="link-button"
                  disabled={busy !== null || running !== undefined}
                  data-testid="sync-now"
                  onClick={() => {
                    syncNow(c);
                  }}
                >
                  {busy === `sync-${String(c.id)}` ? "Syncing…" : "Sync now"}
                </button>
                {c.state !== "ok" && c.provider === "sandbox" && (
                  <button
                    type="button"
                    className="link-button"
                    disabled={busy !== null || running !== undefined}
                    data-testid="reconnect"
                    onClick={() => {
                      reconnect(c);
                    }}
                  >
                    Reconnect
                  </button>
                )}
                {removing === c.id ? (
                  <span className="small">
                    Remove it?{" "}
                    <button
                      type="button"
                      className="link-button"
                      data-testid="remove-confirm"
                      onClick={() => {
                        remove(c);
                      }}
                    >
                      Yes, remove
                    </button>{" "}
                    <button
                      type="button"
                      className="link-button"
                      onClick={() => {
                        setRemoving(null);
                      }}
                    >
                      Keep
                    </button>
                  </span>
                ) : (
                  <button
                    type="button"
                    className="link-button"
                    disabled={busy !== null || running !== undefined}
                    data-testid="remove"
                    title="Forget this connection and its keys; its accounts and transactions stay"
                    onClick={() => {
                      setRemoving(c.id);
                    }}
                  >
                    Remove
                  </button>
                )}
                {c.state !== "ok" && c.provider !== "sandbox" && (
                  <span className="small muted">
                    Connect again: <code>folio connect {c.provider}</code>
                  </span>
                )}
              </span>
            </li>
          );
        })}
      </ul>
      {choosing ? (
        <div className="sandbox-choices" data-testid="sandbox-choices">
          <p className="small muted">Sandbox banks hold test data and run on this computer.</p>
          {SANDBOXES.map((s) => (
            <button
              key={s.kind}
              type="button"
              className="connect-button"
              disabled={busy !== null}
              data-testid={`connect-sandbox-${s.kind}`}
              onClick={() => {
                connectSandbox(s.kind, s.wait);
              }}
            >
              {s.label}
            </button>
          ))}
          <button
            type="button"
            className="link-button"
            onClick={() => {
              setChoosing(false);
            }}
          >
            Cancel
          </button>
        </div>
      ) : (
        <button
          type="button"
          className="connect-button"
          disabled={busy !== null}
          data-testid="connect-sandbox"
          onClick={() => {
            setChoosing(true);
          }}
        >
          {busy === "connect" ? "Waiting for the bank…" : "Connect a sandbox bank (test data)…"}
        </button>
      )}
      {ownAccess ? (
        <ConnectBankForm
          busy={busy !== null}
          onSubmit={connectOwn}
          onCancel={() => {
            setOwnAccess(false);
          }}
        />
      ) : (
        <button
          type="button"
          className="link-button"
          disabled={busy !== null}
          data-testid="connect-own"
          onClick={() => {
            setOwnAccess(true);
          }}
        >
          Connect with your own API access (Budgea, Belfius, ABN AMRO)…
        </button>
      )}
      {message !== null && (
        <p className="small ok" data-testid="bank-message">
          {message}
        </p>
      )}
      {error !== null && (
        <p className="small bad" role="alert" data-testid="bank-error" data-code={error.code}>
          {error.message} {error.hint}
        </p>
      )}
    </section>
  );
}
