import type { Unlocked } from "../features/ledger/useLedger";

/** Always visible: the ledger is encrypted, with what, and where it lives. */
export function StatusLine({ status }: { status: Unlocked }) {
  return (
    <footer className="status-line" data-testid="status-line">
      <span className="status-encrypted">
        <svg viewBox="0 0 24 24" aria-hidden="true" className="status-icon">
          <rect x="5" y="11" width="14" height="10" rx="2" />
          <path d="M8 11V8a4 4 0 0 1 8 0v3" />
        </svg>
        Encrypted
      </span>
      <span className="muted">{status.cipher} · AES-256 · key in your OS keychain</span>
      <span className="status-path" title={status.ledgerFile} data-testid="status-path">
        {status.ledgerFile}
      </span>
    </footer>
  );
}
