import type { ReactNode } from "react";
import type { AccountDto } from "../../ipc/bindings";
import { formatMoney } from "../ledger-view/format";
import { formatSyncedAt } from "../banks/syncTime";

/**
 * The balance to show: what the bank reported at the last sync when that is at least as recent
 * as the latest printed statement (a feed brings only recent rows, so their sum is not the
 * balance), else the latest printed closing balance, else the ledger's own sum.
 */
export function shownBalance(a: AccountDto): { amount: string; caption: string | null } {
  if (
    a.bankBalance !== null &&
    (a.statementDate === null || (a.bankBalanceDate ?? "9999") >= a.statementDate)
  ) {
    return {
      amount: a.bankBalance,
      caption:
        a.bankBalanceDate !== null
          ? `on ${a.bankBalanceDate}, as the bank reports`
          : "as the bank reports",
    };
  }
  if (a.statementBalance !== null) {
    return {
      amount: a.statementBalance,
      caption: a.statementDate !== null ? `on ${a.statementDate}, as printed` : "as printed",
    };
  }
  return { amount: a.balance, caption: null };
}

/** The accounts, with their balances; an inviting drop target while there are none. */
export function AccountsSidebar({
  accounts,
  onImport,
  selected = null,
  onSelect,
  banks,
}: {
  accounts: AccountDto[];
  onImport: () => void;
  /** The account the ledger view shows (null: all). */
  selected?: number | null;
  onSelect?: (id: number | null) => void;
  /** The bank connections section, below the accounts. */
  banks?: ReactNode;
}) {
  return (
    <aside className="sidebar" aria-label="Accounts">
      <button
        type="button"
        className="primary import-button"
        data-testid="import-button"
        onClick={onImport}
      >
        Import statements…
      </button>
      <h2 className="sidebar-title">Accounts</h2>
      {accounts.length === 0 ? (
        <div className="empty-state" data-testid="empty-state">
          <DocumentIcon />
          <p className="empty-title">Drop a statement PDF here</p>
          <p className="muted small">
            Any bank, text or scanned. It is read on this computer and never leaves it.
          </p>
        </div>
      ) : (
        <ul className="account-list" data-testid="account-list">
          {accounts.map((a) => (
            <li
              key={a.id}
              className={`account selectable${selected === a.id ? " selected" : ""}`}
              data-testid="account"
              aria-current={selected === a.id ? "true" : undefined}
              onClick={() => {
                onSelect?.(selected === a.id ? null : a.id);
              }}
            >
              <span className="account-name">{a.name}</span>
              <span className="account-meta muted small">
                {[a.bank, a.masked].filter(Boolean).join(" · ")}
              </span>
              <span className="account-balance" data-testid="account-balance">
                {formatMoney(shownBalance(a).amount, a.currency)}
              </span>
              {shownBalance(a).caption !== null && (
                <span className="muted small">{shownBalance(a).caption}</span>
              )}
              {a.lastSyncedAt !== null && (
                <span className="muted small" data-testid="account-synced">
                  synced {formatSyncedAt(a.lastSyncedAt)}
                </span>
              )}
              {!a.balanceMatches && (
                <span
                  className="small balance-check"
                  data-testid="balance-mismatch"
                  title="The first statement's opening balance plus every transaction filed does not give the latest printed balance: a statement is probably missing."
                >
                  Ledger sum {formatMoney(a.computedBalance, a.currency)}: a statement is missing?
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
      {banks}
    </aside>
  );
}

function DocumentIcon() {
  return (
    <svg className="empty-icon" viewBox="0 0 48 48" aria-hidden="true">
      <path d="M12 4h17l9 9v29a2 2 0 0 1-2 2H12a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z" />
      <path d="M29 4v9h9" />
      <path d="M24 20v14M18 28l6 6 6-6" />
    </svg>
  );
}
