import type { ReactNode } from "react";
import type { AccountDto } from "../../ipc/bindings";

/** The main area. With no accounts yet it explains what Folio will do with a statement. */
export function MainArea({
  accounts,
  top,
  ledger,
}: {
  accounts: AccountDto[];
  top?: ReactNode;
  /** The ledger views, shown once there is an account. */
  ledger?: ReactNode;
}) {
  if (accounts.length > 0) {
    return (
      <main className="main with-ledger" data-testid="main-area">
        {top}
        {ledger}
      </main>
    );
  }
  return (
    <main className="main" data-testid="main-area">
      {top}
      <div className="welcome">
        <h1>Welcome to Folio</h1>
        <p className="muted">
          Your ledger is empty. Bring in a bank statement and Folio does the rest, on this computer:
        </p>
        <ol className="steps">
          <li>
            <strong>Reads it</strong> — account, period, balances and every transaction, from any
            bank.
          </li>
          <li>
            <strong>Proves it</strong> — opening balance plus every amount must equal the closing
            balance.
          </li>
          <li>
            <strong>Files it</strong> — into your encrypted ledger, without duplicates.
          </li>
        </ol>
      </div>
    </main>
  );
}
