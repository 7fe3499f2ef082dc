import { useId } from "react";
import { formatMoney, formatMonth, parseMonth } from "../format";
import { formatTick, labelEvery, linear, niceTicks, svgId, toCoordinate } from "./scale";
import "../ledger-view.css";

export interface MonthTotals {
  /** First day of the month, "YYYY-MM-01". */
  month: string;
  /** Exact decimal string, positive. */
  income: string;
  /** Exact decimal string, positive (money out). */
  expense: string;
}

export interface IncomeExpenseChartProps {
  months: MonthTotals[];
  currency: string;
  /** Drawing size in SVG units; the chart scales to its container's width. */
  width?: number;
  height?: number;
}

const MARGIN = { top: 10, right: 8, bottom: 36, left: 60 };
/** Horizontal room one month label needs. */
const LABEL_WIDTH = 40;

/** Monthly income and expense as paired bars (income solid, expense hatched). */
export function IncomeExpenseChart({
  months,
  currency,
  width = 720,
  height = 240,
}: IncomeExpenseChartProps) {
  const id = useId();
  const hatch = svgId(id, "hatch");

  if (months.length === 0) {
    return (
      <figure className="lv-chart" data-testid="income-expense-chart">
        <p className="lv-chart-empty" data-testid="chart-empty">
          No transactions yet
        </p>
      </figure>
    );
  }

  const values = months.map((m) => ({
    income: Math.max(0, toCoordinate(m.income)),
    expense: Math.max(0, Math.abs(toCoordinate(m.expense))),
  }));
  const top = values.reduce((acc, v) => Math.max(acc, v.income, v.expense), 0);
  const axis = niceTicks(0, top);
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const y = linear(axis.min, axis.max, MARGIN.top + plotH, MARGIN.top);
  const band = plotW / months.length;
  const group = Math.min(band * 0.76, 56);
  const bar = Math.max(1, group / 2 - (band > 6 ? 1 : 0));
  const every = labelEvery(months.length, plotW / LABEL_WIDTH);
  const baseline = y(0);

  return (
    <figure className="lv-chart" data-testid="income-expense-chart">
      <ul className="lv-legend" aria-hidden="true">
        <li>
          <span className="lv-swatch lv-swatch-income" /> Income
        </li>
        <li>
          <span className="lv-swatch lv-swatch-expense" /> Expense
        </li>
      </ul>
      <svg
        className="lv-chart-svg"
        viewBox={`0 0 ${width} ${height}`}
        role="group"
        aria-label={`Income and expense per month, ${formatMonth(months[0]?.month ?? "")} to ${formatMonth(months[months.length - 1]?.month ?? "")}, in ${currency}`}
      >
        <defs>
          <pattern
            id={hatch}
            patternUnits="userSpaceOnUse"
            width="5"
            height="5"
            patternTransform="rotate(45)"
          >
            <line x1="0" y1="0" x2="0" y2="5" className="lv-hatch-line" />
          </pattern>
        </defs>
        <g className="lv-axis" aria-hidden="true">
          {axis.ticks.map((t) => (
            <g key={t}>
              <line
                className="lv-gridline"
                x1={MARGIN.left}
                x2={width - MARGIN.right}
                y1={y(t)}
                y2={y(t)}
              />
              <text
                x={MARGIN.left - 8}
                y={y(t)}
                dy="0.32em"
                textAnchor="end"
                data-testid="chart-tick"
              >
                {formatTick(t, axis.decimals)}
              </text>
            </g>
          ))}
        </g>
        {months.map((m, i) => {
          const v = values[i] ?? { income: 0, expense: 0 };
          const x0 = MARGIN.left + i * band;
          const gx = x0 + (band - group) / 2;
          const incomeY = y(v.income);
          const expenseY = y(v.expense);
          const parts = parseMonth(m.month);
          const showLabel = i % every === 0;
          const showYear = showLabel && (i === 0 || parts?.month === 1 || every >= 12);
          const text = `${formatMonth(m.month)}: income ${formatMoney(m.income, currency)}, expense ${formatMoney(m.expense, currency)}`;
          return (
            <g
              key={m.month}
              className="lv-month"
              tabIndex={0}
              aria-label={text}
              data-testid="chart-month"
            >
              <title>{`${formatMonth(m.month)}\nIncome: ${formatMoney(m.income, currency)}\nExpense: ${formatMoney(m.expense, currency)}`}</title>
              <rect className="lv-month-hit" x={x0} y={MARGIN.top} width={band} height={plotH} />
              <rect
                className="lv-bar-income"
                x={gx}
                y={incomeY}
                width={bar}
                height={Math.max(0, baseline - incomeY)}
              />
              <rect
                className="lv-bar-expense-fill"
                x={gx + group - bar}
                y={expenseY}
                width={bar}
                height={Math.max(0, baseline - expenseY)}
              />
              <rect
                fill={`url(#${hatch})`}
                x={gx + group - bar}
                y={expenseY}
                width={bar}
                height={Math.max(0, baseline - expenseY)}
              />
              {showLabel && (
                <text
                  className="lv-tick-label"
                  x={x0 + band / 2}
                  y={MARGIN.top + plotH + 14}
                  textAnchor="middle"
                  aria-hidden="true"
                  data-testid="chart-month-label"
                >
                  {formatMonth(m.month, "month")}
                  {showYear && parts !== null && (
                    <tspan x={x0 + band / 2} dy="1.2em">
                      {parts.year}
                    </tspan>
                  )}
                </text>
              )}
            </g>
          );
        })}
        <line
          className="lv-baseline"
          x1={MARGIN.left}
          x2={width - MARGIN.right}
          y1={baseline}
          y2={baseline}
        />
      </svg>
    </figure>
  );
}
