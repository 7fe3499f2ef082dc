import type { AccountDto } from "../../ipc/bindings";

/** The main area. With no accounts yet it explains what Folio will do with a statement. */
export function MainArea({ accounts }: { accounts: AccountDto[] }) {
  if (accounts.length > 0) {
    const count = accounts.reduce((n, a) => n + a.transactionCount, 0);
    return (
      <main className="main" data-testid="main-area">
        <h1>Ledger</h1>
        <p className="muted">
          {accounts.length} {accounts.length === 1 ? "account" : "accounts"}, {count} transactions.
        </p>
      </main>
    );
  }
  return (
    <main className="main" data-testid="main-area">
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
