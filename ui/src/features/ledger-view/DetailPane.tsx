import { useEffect, useRef, useState } from "react";
import { formatMoney, isNegativeAmount } from "./format";
import "./ledger-view.css";

/** The statement a transaction was read from. */
export interface StatementRef {
  id: number;
  fileName: string;
  periodStart: string;
  periodEnd: string;
  /** Number of transactions the statement contributed. */
  transactions: number;
}

/** One transaction with everything the detail pane shows. Amounts are exact decimal strings. */
export interface TxDetail {
  id: number;
  date: string;
  valueDate: string | null;
  description: string;
  amount: string;
  currency: string;
  balance: string | null;
  accountName: string;
  statement: StatementRef | null;
  /** Page of the statement the transaction was read from (1-based). */
  page: number | null;
}

export interface DetailPaneProps {
  /** The selected transaction, or null when nothing is selected. */
  detail: TxDetail | null;
  /** Called only after the user confirmed the deletion in place. */
  onDeleteStatement: (statementId: number) => void;
  /** True while a deletion is under way: the buttons are disabled. */
  deleting?: boolean;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** One selected transaction, where it came from, and a guarded way to delete its statement. */
export function DetailPane({ detail, onDeleteStatement, deleting = false }: DetailPaneProps) {
  // The statement a confirmation is showing for: selecting another one cancels it.
  const [confirming, setConfirming] = useState<number | null>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const statement = detail?.statement ?? null;
  const isConfirming = statement !== null && confirming === statement.id;

  useEffect(() => {
    if (isConfirming) cancelRef.current?.focus();
  }, [isConfirming]);

  if (detail === null) {
    return (
      <section
        className="lv-detail lv-detail-empty"
        data-testid="detail-pane"
        aria-label="Transaction"
      >
        Select a transaction to see its details.
      </section>
    );
  }

  const negative = isNegativeAmount(detail.amount);
  return (
    <section className="lv-detail" data-testid="detail-pane" aria-label="Transaction">
      <p
        className={negative ? "lv-detail-amount lv-negative" : "lv-detail-amount"}
        data-testid="detail-amount"
      >
        {formatMoney(detail.amount, detail.currency)}
      </p>
      <p className="lv-detail-description" data-testid="detail-description">
        {detail.description}
      </p>
      <dl className="lv-detail-list">
        <dt>Date</dt>
        <dd data-testid="detail-date">{detail.date}</dd>
        <dt>Value date</dt>
        <dd data-testid="detail-value-date">{detail.valueDate ?? "—"}</dd>
        <dt>Balance after</dt>
        <dd
          data-testid="detail-balance"
          className={
            detail.balance !== null && isNegativeAmount(detail.balance) ? "lv-negative" : undefined
          }
        >
          {detail.balance === null ? "—" : formatMoney(detail.balance, detail.currency)}
        </dd>
        <dt>Account</dt>
        <dd data-testid="detail-account">{detail.accountName}</dd>
      </dl>

      <div className="lv-detail-section">
        <h3>Source</h3>
        {statement === null ? (
          <p className="muted small" data-testid="detail-no-statement">
            Not read from a statement.
          </p>
        ) : (
          <>
            <dl className="lv-detail-list">
              <dt>Statement</dt>
              <dd data-testid="detail-statement">{statement.fileName}</dd>
              <dt>Period</dt>
              <dd data-testid="detail-period">
                {statement.periodStart} – {statement.periodEnd}
              </dd>
              <dt>Page</dt>
              <dd data-testid="detail-page">{detail.page ?? "—"}</dd>
              <dt>Transactions</dt>
              <dd>{statement.transactions}</dd>
            </dl>
            {isConfirming ? (
              <div
                className="lv-confirm"
                role="alertdialog"
                aria-label="Confirm deletion"
                data-testid="detail-confirm"
                onKeyDown={(e) => {
                  if (e.key === "Escape") setConfirming(null);
                }}
              >
                <p>
                  Delete <strong>{statement.fileName}</strong> and its{" "}
                  {plural(statement.transactions, "transaction", "transactions")}?
                </p>
                <div className="lv-actions">
                  <button
                    type="button"
                    className="lv-button lv-button-danger-solid"
                    disabled={deleting}
                    onClick={() => {
                      setConfirming(null);
                      onDeleteStatement(statement.id);
                    }}
                  >
                    Delete
                  </button>
                  <button
                    type="button"
                    className="lv-button"
                    ref={cancelRef}
                    disabled={deleting}
                    onClick={() => {
                      setConfirming(null);
                    }}
                  >
                    Cancel
                  </button>
                </div>
              </div>
            ) : (
              <div className="lv-actions">
                <button
                  type="button"
                  className="lv-button lv-button-danger"
                  disabled={deleting}
                  onClick={() => {
                    setConfirming(statement.id);
                  }}
                >
                  {deleting ? "Deleting…" : "Delete statement…"}
                </button>
              </div>
            )}
          </>
        )}
      </div>
    </section>
  );
}
