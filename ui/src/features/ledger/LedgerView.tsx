import { useCallback, useEffect, useMemo, useState } from "react";
import {
  commands,
  type AccountDto,
  type BalancePoint,
  type CoverageDto,
  type ErrorView,
  type TransactionFilter,
  type MonthTotalsView,
  type StatementDto,
} from "../../ipc/bindings";
import { ErrorBox } from "../import/ReviewScreen";
import { BalanceChart } from "../ledger-view/charts/BalanceChart";
import { IncomeExpenseChart } from "../ledger-view/charts/IncomeExpenseChart";
import { CoverageStrips } from "../ledger-view/CoverageStrip";
import { DetailPane, type TxDetail } from "../ledger-view/DetailPane";
import { formatMoney } from "../ledger-view/format";
import { VirtualTable, type SortState, type TxRow } from "../ledger-view/VirtualTable";
import "./ledger.css";
import { ipcFailure } from "../../ipc/ipcFailure";

type Tab = "transactions" | "charts" | "statements";

interface Props {
  accounts: AccountDto[];
  /** The account picked in the sidebar (null: all). */
  accountId: number | null;
  onAccountChange: (id: number | null) => void;
  /** Bumped by the parent when the ledger changed (a statement filed): everything reloads. */
  version: number;
  /** After a deletion here: the parent reloads the accounts. */
  onChanged: () => void;
}

/** The ledger: the transaction table with filters and search, charts, statements and coverage. */
export function LedgerView({ accounts, accountId, onAccountChange, version, onChanged }: Props) {
  const [tab, setTab] = useState<Tab>("transactions");
  return (
    <section className="ledger-view" data-testid="ledger-view">
      <nav className="tabs" aria-label="Ledger views">
        {(
          [
            ["transactions", "Transactions"],
            ["charts", "Charts"],
            ["statements", "Statements & coverage"],
          ] as const
        ).map(([key, title]) => (
          <button
            key={key}
            type="button"
            className={tab === key ? "tab active" : "tab"}
            aria-pressed={tab === key}
            data-testid={`tab-${key}`}
            onClick={() => {
              setTab(key);
            }}
          >
            {title}
          </button>
        ))}
      </nav>
      {tab === "transactions" && (
        <TransactionsTab
          accounts={accounts}
          accountId={accountId}
          onAccountChange={onAccountChange}
          version={version}
          onChanged={onChanged}
        />
      )}
      {tab === "charts" && (
        <ChartsTab accounts={accounts} accountId={accountId} version={version} />
      )}
      {tab === "statements" && (
        <StatementsTab accounts={accounts} version={version} onChanged={onChanged} />
      )}
    </section>
  );
}

interface Filters {
  from: string;
  to: string;
  minAmount: string;
  maxAmount: string;
  text: string;
}

const NO_FILTERS: Filters = { from: "", to: "", minAmount: "", maxAmount: "", text: "" };

/** `value` once it has stopped changing for `ms` (search as you type without a query per key). */
function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => {
      setSettled(value);
    }, ms);
    return () => {
      clearTimeout(t);
    };
  }, [value, ms]);
  return settled;
}

function TransactionsTab({ accounts, accountId, onAccountChange, version, onChanged }: Props) {
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [sort, setSort] = useState<SortState>({ key: "date", descending: true });
  const settled = useDebounced(filters, 200);
  const [count, setCount] = useState<{ key: string; n: number } | null>(null);
  const [error, setError] = useState<ErrorView | null>(null);
  const [selected, setSelected] = useState<number | null>(null);
  const [detail, setDetail] = useState<TxDetail | null>(null);
  const [deleting, setDeleting] = useState(false);
  const [refresh, setRefresh] = useState(0);

  const filter: TransactionFilter = useMemo(
    () => ({
      accountId,
      from: settled.from || null,
      to: settled.to || null,
      minAmount: settled.minAmount || null,
      maxAmount: settled.maxAmount || null,
      text: settled.text || null,
      sort: sort.key,
      descending: sort.descending,
    }),
    [accountId, settled, sort],
  );
  const queryKey = `${JSON.stringify(filter)}#${String(version)}#${String(refresh)}`;

  useEffect(() => {
    let live = true;
    commands.countTransactions(filter).then(
      (r) => {
        if (!live) return;
        if (r.status === "ok") {
          setCount({ key: queryKey, n: r.data });
          setError(null);
        } else {
          setCount({ key: queryKey, n: 0 });
          setError(r.error);
        }
      },
      (e: unknown) => {
        if (live) setError(ipcFailure(e));
      },
    );
    return () => {
      live = false;
    };
  }, [filter, queryKey]);

  const fetchRows = useCallback(
    async (offset: number, limit: number): Promise<TxRow[]> => {
      const r = await commands.listTransactions(filter, offset, limit);
      if (r.status === "error") throw new Error(`${r.error.title}: ${r.error.message}`);
      return r.data;
    },
    [filter],
  );

  useEffect(() => {
    if (selected === null) return;
    let live = true;
    commands.transactionDetail(selected).then(
      (r) => {
        if (!live) return;
        if (r.status === "error") {
          setError(r.error);
          return;
        }
        const { row, statement } = r.data;
        setDetail({
          ...row,
          statement:
            statement === null
              ? null
              : {
                  id: statement.id,
                  fileName: statement.fileName,
                  periodStart: statement.periodStart,
                  periodEnd: statement.periodEnd,
                  transactions: statement.transactions,
                },
        });
      },
      (e: unknown) => {
        if (live) setError(ipcFailure(e));
      },
    );
    return () => {
      live = false;
    };
  }, [selected, version, refresh]);
  // The pane shows the selected transaction only: a late answer for another one is not shown.
  const shownDetail = detail !== null && detail.id === selected ? detail : null;

  const deleteStatement = (statementId: number) => {
    setDeleting(true);
    commands.deleteStatement(statementId).then(
      (r) => {
        setDeleting(false);
        if (r.status === "error") {
          setError(r.error);
          return;
        }
        setSelected(null);
        setRefresh((n) => n + 1);
        onChanged();
      },
      (e: unknown) => {
        setDeleting(false);
        setError(ipcFailure(e));
      },
    );
  };

  const set = (key: keyof Filters) => (e: { target: { value: string } }) => {
    setFilters((f) => ({ ...f, [key]: e.target.value }));
  };
  const shown = count !== null && count.key === queryKey ? count.n : null;

  return (
    <div className="transactions-tab">
      <div className="filters" role="search">
        <input
          type="search"
          className="search"
          placeholder="Search descriptions…"
          aria-label="Search descriptions"
          value={filters.text}
          data-testid="filter-text"
          onChange={set("text")}
        />
        <AccountSelect accounts={accounts} value={accountId} onChange={onAccountChange} all />
        <label className="small muted">
          From
          <input
            type="date"
            value={filters.from}
            data-testid="filter-from"
            onChange={set("from")}
          />
        </label>
        <label className="small muted">
          To
          <input type="date" value={filters.to} data-testid="filter-to" onChange={set("to")} />
        </label>
        <label className="small muted">
          Amount
          <input
            className="amount-input"
            inputMode="decimal"
            placeholder="min"
            value={filters.minAmount}
            data-testid="filter-min"
            onChange={set("minAmount")}
          />
          –
          <input
            className="amount-input"
            inputMode="decimal"
            placeholder="max"
            value={filters.maxAmount}
            data-testid="filter-max"
            onChange={set("maxAmount")}
          />
        </label>
        {filters !== NO_FILTERS && (
          <button
            type="button"
            data-testid="filter-clear"
            onClick={() => {
              setFilters(NO_FILTERS);
            }}
          >
            Clear
          </button>
        )}
      </div>
      <p className="muted small count" data-testid="tx-count">
        {shown === null
          ? "Counting…"
          : `${shown.toLocaleString("en-US")} ${shown === 1 ? "transaction" : "transactions"}`}
        {shown !== null &&
          shown > 0 &&
          selected === null &&
          " · select one to see where it came from"}
      </p>
      {error !== null && <ErrorBox error={error} />}
      <div className={selected === null ? "table-and-detail" : "table-and-detail with-detail"}>
        <div className="table-wrap">
          <VirtualTable
            rowCount={error === null ? shown : 0}
            fetchRows={fetchRows}
            queryKey={queryKey}
            sort={sort}
            onSortChange={setSort}
            selectedId={selected}
            onSelect={(row) => {
              setSelected(row.id);
            }}
            onFetchError={(e) => {
              setError(ipcFailure(e));
            }}
          />
        </div>
        {selected !== null && (
          <DetailPane
            detail={shownDetail}
            onDeleteStatement={deleteStatement}
            deleting={deleting}
          />
        )}
      </div>
    </div>
  );
}

function AccountSelect({
  accounts,
  value,
  onChange,
  all,
}: {
  accounts: AccountDto[];
  value: number | null;
  onChange: (id: number | null) => void;
  all: boolean;
}) {
  return (
    <select
      aria-label="Account"
      value={value === null ? "" : String(value)}
      data-testid="filter-account"
      onChange={(e) => {
        onChange(e.target.value === "" ? null : Number(e.target.value));
      }}
    >
      {all && <option value="">All accounts</option>}
      {accounts.map((a) => (
        <option key={a.id} value={String(a.id)}>
          {a.name}
        </option>
      ))}
    </select>
  );
}

function ChartsTab({
  accounts,
  accountId,
  version,
}: {
  accounts: AccountDto[];
  accountId: number | null;
  version: number;
}) {
  const [months, setMonths] = useState<MonthTotalsView[]>([]);
  const [balanceAccount, setBalanceAccount] = useState<number | null>(
    accountId ?? accounts[0]?.id ?? null,
  );
  const [points, setPoints] = useState<BalancePoint[]>([]);
  const [error, setError] = useState<ErrorView | null>(null);

  useEffect(() => {
    let live = true;
    commands.monthlyTotals(accountId).then(
      (r) => {
        if (!live) return;
        if (r.status === "ok") setMonths(r.data);
        else setError(r.error);
      },
      (e: unknown) => {
        if (live) setError(ipcFailure(e));
      },
    );
    return () => {
      live = false;
    };
  }, [accountId, version]);

  useEffect(() => {
    if (balanceAccount === null) return;
    let live = true;
    commands.balanceHistory(balanceAccount).then(
      (r) => {
        if (!live) return;
        if (r.status === "ok") setPoints(r.data);
        else setError(r.error);
      },
      (e: unknown) => {
        if (live) setError(ipcFailure(e));
      },
    );
    return () => {
      live = false;
    };
  }, [balanceAccount, version]);

  // Money of different currencies is never added up: one chart per currency.
  const currencies = [...new Set(months.map((m) => m.currency))].sort();
  const balanceCurrency = accounts.find((a) => a.id === balanceAccount)?.currency ?? "";

  return (
    <div className="charts-tab" data-testid="charts">
      {error !== null && <ErrorBox error={error} />}
      <h2>Money in and out per month</h2>
      {currencies.length === 0 && <p className="muted">No transactions yet.</p>}
      {currencies.map((c) => (
        <figure key={c} className="chart" data-testid="income-figure">
          <figcaption className="muted small">{c}</figcaption>
          <IncomeExpenseChart months={months.filter((m) => m.currency === c)} currency={c} />
        </figure>
      ))}
      <h2>
        Balance over time{" "}
        <AccountSelect
          accounts={accounts}
          value={balanceAccount}
          onChange={setBalanceAccount}
          all={false}
        />
      </h2>
      <figure className="chart" data-testid="balance-figure">
        <BalanceChart points={points} currency={balanceCurrency} />
      </figure>
    </div>
  );
}

function StatementsTab({
  accounts,
  version,
  onChanged,
}: {
  accounts: AccountDto[];
  version: number;
  onChanged: () => void;
}) {
  const [statements, setStatements] = useState<StatementDto[]>([]);
  const [coverage, setCoverage] = useState<CoverageDto[]>([]);
  const [confirming, setConfirming] = useState<number | null>(null);
  const [error, setError] = useState<ErrorView | null>(null);
  const [refresh, setRefresh] = useState(0);

  useEffect(() => {
    let live = true;
    Promise.all([commands.listStatements(), commands.coverage()]).then(
      ([s, c]) => {
        if (!live) return;
        if (s.status === "ok") setStatements(s.data);
        else setError(s.error);
        if (c.status === "ok") setCoverage(c.data);
        else setError(c.error);
      },
      (e: unknown) => {
        if (live) setError(ipcFailure(e));
      },
    );
    return () => {
      live = false;
    };
  }, [version, refresh]);

  const name = (id: number) => accounts.find((a) => a.id === id)?.name ?? `Account ${String(id)}`;
  const remove = (id: number) => {
    commands.deleteStatement(id).then(
      (r) => {
        setConfirming(null);
        if (r.status === "error") setError(r.error);
        else {
          setRefresh((n) => n + 1);
          onChanged();
        }
      },
      (e: unknown) => {
        setError(ipcFailure(e));
      },
    );
  };

  return (
    <div className="statements-tab">
      {error !== null && <ErrorBox error={error} />}
      <h2>Months covered by statements</h2>
      <CoverageStrips
        accounts={coverage.map((c) => ({
          accountName: name(c.accountId),
          covered: c.covered,
          missing: c.missing,
        }))}
      />
      <h2>Statements</h2>
      <table className="statements" data-testid="statements">
        <thead>
          <tr>
            <th>File</th>
            <th>Account</th>
            <th>Period</th>
            <th className="num">Opening</th>
            <th className="num">Closing</th>
            <th className="num">Rows</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {statements.map((s) => (
            <tr key={s.id} data-testid="statement-row">
              <td>
                {s.fileName}
                {!s.reconciled && <span className="bad small"> · does not add up</span>}
              </td>
              <td>{name(s.accountId)}</td>
              <td>
                {s.periodStart} – {s.periodEnd}
              </td>
              <td className="num">{formatMoney(s.opening, s.currency)}</td>
              <td className="num">{formatMoney(s.closing, s.currency)}</td>
              <td className="num">{s.transactions}</td>
              <td className="num">
                {confirming === s.id ? (
                  <span className="confirm">
                    Delete it and its {s.transactions} transactions?{" "}
                    <button
                      type="button"
                      className="danger"
                      data-testid="confirm-delete"
                      onClick={() => {
                        remove(s.id);
                      }}
                    >
                      Delete
                    </button>{" "}
                    <button
                      type="button"
                      onClick={() => {
                        setConfirming(null);
                      }}
                    >
                      Cancel
                    </button>
                  </span>
                ) : (
                  <button
                    type="button"
                    data-testid="delete-statement"
                    onClick={() => {
                      setConfirming(s.id);
                    }}
                  >
                    Delete…
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
