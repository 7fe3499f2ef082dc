import type { ErrorView } from "../../ipc/bindings";

interface Props {
  error: ErrorView;
  dataDir: string | null;
  onRetry: () => void;
  retrying: boolean;
}

/** The ledger could not be opened: what is missing, how to fix it, and a way to try again. */
export function LockedScreen({ error, dataDir, onRetry, retrying }: Props) {
  return (
    <div className="center-screen">
      <section className="locked-card" data-testid="locked-screen" aria-labelledby="locked-title">
        <LockIcon />
        <h1 id="locked-title">{error.title}</h1>
        <p className="locked-message">{error.message}</p>
        <p className="locked-hint" data-testid="locked-hint">
          {error.hint}
        </p>
        {dataDir !== null && (
          <p className="muted small">
            Ledger folder: <code>{dataDir}</code>
          </p>
        )}
        <p className="muted small">
          Error code: <code data-testid="locked-code">{error.code}</code>
        </p>
        <button type="button" className="primary" onClick={onRetry} disabled={retrying}>
          {retrying ? "Trying…" : "Try again"}
        </button>
      </section>
    </div>
  );
}

function LockIcon() {
  return (
    <svg className="locked-icon" viewBox="0 0 24 24" aria-hidden="true">
      <rect x="4" y="10" width="16" height="11" rx="2" />
      <path d="M8 10V7a4 4 0 0 1 8 0v3" />
    </svg>
  );
}
