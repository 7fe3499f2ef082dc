import { formatMonth, monthKey, monthRange, parseMonth } from "./format";
import "./ledger-view.css";

export interface AccountCoverage {
  accountName: string;
  /** Months with a statement, "YYYY-MM-01". */
  covered: string[];
  /** Months without one, "YYYY-MM-01". */
  missing: string[];
}

export type CoverageStripProps = AccountCoverage;

export type MonthState = "covered" | "missing" | "unknown";

export interface CoverageCell {
  month: string;
  state: MonthState;
}

function monthOf(iso: string): string | null {
  const p = parseMonth(iso);
  return p === null ? null : monthKey(p.year, p.month);
}

/**
 * One cell per month from the earliest to the latest month listed. A month listed as covered
 * is covered even if also listed as missing; a month in neither list is "unknown".
 */
export function coverageCells(covered: string[], missing: string[]): CoverageCell[] {
  const cov = new Set(covered.map(monthOf).filter((m): m is string => m !== null));
  const miss = new Set(missing.map(monthOf).filter((m): m is string => m !== null));
  const all = [...cov, ...miss].sort();
  const first = all[0];
  const last = all[all.length - 1];
  if (first === undefined || last === undefined) return [];
  return monthRange(first, last).map((month) => ({
    month,
    state: cov.has(month) ? "covered" : miss.has(month) ? "missing" : "unknown",
  }));
}

const LABEL: Record<MonthState, string> = {
  covered: "covered",
  missing: "missing",
  unknown: "no information",
};

/** Which months of one account have a statement: covered cells solid, missing ones hatched with a "!". */
export function CoverageStrip({ accountName, covered, missing }: CoverageStripProps) {
  const cells = coverageCells(covered, missing);
  const years = new Map<number, CoverageCell[]>();
  for (const cell of cells) {
    const year = parseMonth(cell.month)?.year ?? 0;
    const list = years.get(year);
    if (list === undefined) years.set(year, [cell]);
    else list.push(cell);
  }
  const missingCount = cells.filter((c) => c.state === "missing").length;
  const summary =
    cells.length === 0
      ? "No statements yet"
      : missingCount === 0
        ? `${cells.length} ${cells.length === 1 ? "month" : "months"}, none missing`
        : `${missingCount} of ${cells.length} months missing`;

  return (
    <section
      className="lv-coverage"
      data-testid="coverage-strip"
      aria-label={`Statement coverage for ${accountName}`}
    >
      <div className="lv-coverage-name" title={accountName}>
        {accountName}
      </div>
      <div className="lv-coverage-summary" data-testid="coverage-summary">
        {summary}
      </div>
      <ol className="lv-coverage-years">
        {[...years].map(([year, list]) => (
          <li key={year} className="lv-coverage-year">
            <span className="lv-coverage-year-label" data-testid="coverage-year">
              {year}
            </span>
            <ol className="lv-coverage-cells">
              {list.map((cell) => {
                const text = `${formatMonth(cell.month)}: ${LABEL[cell.state]}`;
                return (
                  <li
                    key={cell.month}
                    className={`lv-cell-month lv-cell-${cell.state}`}
                    title={text}
                    aria-label={text}
                    data-testid={`coverage-${cell.state}`}
                    data-month={cell.month}
                  >
                    {cell.state === "missing" && <span aria-hidden="true">!</span>}
                  </li>
                );
              })}
            </ol>
          </li>
        ))}
      </ol>
    </section>
  );
}

/** One coverage strip per account. */
export function CoverageStrips({ accounts }: { accounts: AccountCoverage[] }) {
  return (
    <div className="lv-coverage-list">
      {accounts.map((a) => (
        <CoverageStrip key={a.accountName} {...a} />
      ))}
    </div>
  );
}
