import { useCallback, useEffect, useState } from "react";
import { commands, type ConnectionDto, type ErrorDto } from "../../ipc/bindings";
import "./banks.css";

function ipcError(e: unknown): ErrorDto {
  return {
    code: "INTERNAL",
    title: "Folio's window lost contact with its backend",
    message: e instanceof Error ? e.message : String(e),
    hint: "Restart Folio. Your ledger was not changed.",
  };
}

const STATE_TEXT: Record<string, string> = {
  ok: "synced",
  reconnect: "connect again",
  action_needed: "the bank needs you",
  error: "last sync failed",
};

/**
 * Bank connections in the sidebar: each with its state and last sync, "Sync now", and the
 * offline sandbox bank to try the whole connect flow (its page opens in a window of its own).
 */
export function BanksSection({ version, onChanged }: { version: number; onChanged: () => void }) {
  const [connections, setConnections] = useState<ConnectionDto[]>([]);
  const [busy, setBusy] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<ErrorDto | null>(null);
  const [refresh, setRefresh] = useState(0);

  useEffect(() => {
    let live = true;
    commands.listConnections().then(
      (r) => {
        if (!live) return;
        if (r.status === "ok") setConnections(r.data);
        else setError(r.error);
      },
      (e: unknown) => {
        if (live) setError(ipcError(e));
      },
    );
    return () => {
      live = false;
    };
  }, [version, refresh]);

  const after = useCallback(
    (what: string) => (r: Awaited<ReturnType<typeof commands.syncConnection>>) => {
      setBusy(null);
      setRefresh((n) => n + 1);
      if (r.status === "ok") {
        setError(null);
        setMessage(
          `${what}: ${String(r.data.added)} new, ${String(r.data.updated)} changed, ${String(r.data.removed)} removed`,
        );
        onChanged();
      } else {
        setMessage(null);
        setError(r.error);
      }
    },
    [onChanged],
  );

  const connectSandbox = () => {
    setBusy("connect");
    setError(null);
    setMessage("Approve the connection in the sandbox bank's window…");
    commands.connectSandboxBank().then(after("Sandbox bank connected"), (e: unknown) => {
      setBusy(null);
      setError(ipcError(e));
    });
  };

  const syncNow = (c: ConnectionDto) => {
    setBusy(`sync-${String(c.id)}`);
    setError(null);
    setMessage(null);
    commands.syncConnection(c.id).then(after(`${c.label} synced`), (e: unknown) => {
      setBusy(null);
      setError(ipcError(e));
    });
  };

  return (
    <section className="banks" aria-label="Bank connections" data-testid="banks">
      <h2 className="sidebar-title">Banks</h2>
      <ul className="connection-list">
        {connections.map((c) => (
          <li key={c.id} className="connection" data-testid="connection" data-state={c.state}>
            <span className="connection-name">{c.label}</span>
            <span
              className={`small ${c.state === "ok" ? "muted" : "bad"}`}
              title={c.stateDetail ?? undefined}
            >
              {STATE_TEXT[c.state] ?? c.state}
              {c.lastSyncAt !== null
                ? ` · ${c.lastSyncAt.replace("T", " ").replace("Z", " UTC")}`
                : ""}
            </span>
            <button
              type="button"
              className="link-button"
              disabled={busy !== null}
              data-testid="sync-now"
              onClick={() => {
                syncNow(c);
              }}
            >
              {busy === `sync-${String(c.id)}` ? "Syncing…" : "Sync now"}
            </button>
          </li>
        ))}
      </ul>
      <button
        type="button"
        className="connect-button"
        disabled={busy !== null}
        data-testid="connect-sandbox"
        onClick={connectSandbox}
      >
        {busy === "connect" ? "Waiting for the bank…" : "Connect the sandbox bank (test data)"}
      </button>
      <p className="muted small">
        Budgea, Belfius and ABN AMRO connect with Folio&apos;s registration at each provider:{" "}
        <code>folio connect</code> for now.
      </p>
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
