import { useId, useState, type KeyboardEvent, type MouseEvent } from "react";
import { formatMoney, isNegativeAmount } from "../format";
import { formatTick, linear, niceTicks, svgId, toCoordinate } from "./scale";
import "../ledger-view.css";

export interface BalancePoint {
  /** "YYYY-MM-DD". */
  date: string;
  /** Exact decimal string: the balance at the end of that date. */
  balance: string;
}

export interface BalanceChartProps {
  points: BalancePoint[];
  currency: string;
  /** Drawing size in SVG units; the chart scales to its container's width. */
  width?: number;
  height?: number;
}

const MARGIN = { top: 12, right: 12, bottom: 24, left: 64 };
const DAY_MS = 86_400_000;

/** Days since the epoch of an ISO date, for placing it on the x axis (NaN if unparsable). */
export function dayNumber(iso: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  if (m === null) return Number.NaN;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / DAY_MS;
}

/** Balance of one account over time, as a step line (a balance holds until the next change). */
export function BalanceChart({ points, currency, width = 720, height = 220 }: BalanceChartProps) {
  const clip = svgId(useId(), "clip");
  const [active, setActive] = useState<number | null>(null);

  const sorted = points
    .filter((p) => Number.isFinite(dayNumber(p.date)))
    .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));

  if (sorted.length === 0) {
    return (
      <figure className="lv-chart" data-testid="balance-chart">
        <p className="lv-chart-empty" data-testid="chart-empty">
          No balances yet
        </p>
      </figure>
    );
  }

  const first = sorted[0] ?? { date: "", balance: "0" };
  const last = sorted[sorted.length - 1] ?? first;
  const values = sorted.map((p) => toCoordinate(p.balance));
  const days = sorted.map((p) => dayNumber(p.date));
  const axis = niceTicks(
    values.reduce((a, v) => Math.min(a, v), Infinity),
    values.reduce((a, v) => Math.max(a, v), -Infinity),
  );
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const d0 = days[0] ?? 0;
  const d1 = days[days.length - 1] ?? d0;
  const x =
    d0 === d1 ? () => MARGIN.left + plotW / 2 : linear(d0, d1, MARGIN.left, MARGIN.left + plotW);
  const y = linear(axis.min, axis.max, MARGIN.top + plotH, MARGIN.top);
  const xs = days.map((d) => x(d));
  const ys = values.map((v) => y(v));

  let path = `M${(xs[0] ?? 0).toFixed(2)},${(ys[0] ?? 0).toFixed(2)}`;
  for (let i = 1; i < xs.length; i++) {
    path += `H${(xs[i] ?? 0).toFixed(2)}V${(ys[i] ?? 0).toFixed(2)}`;
  }
  const crossesZero = axis.min < 0 && axis.max > 0;
  const shown = active === null ? null : (sorted[active] ?? null);
  const summary = `Balance from ${first.date} (${formatMoney(first.balance, currency)}) to ${last.date} (${formatMoney(last.balance, currency)})`;

  /** The point nearest to a horizontal position in SVG units. */
  function nearest(svgX: number): number {
    let lo = 0;
    let hi = xs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((xs[mid] ?? 0) < svgX) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0 && Math.abs((xs[lo - 1] ?? 0) - svgX) <= Math.abs((xs[lo] ?? 0) - svgX)) {
      return lo - 1;
    }
    return lo;
  }

  function onMouseMove(e: MouseEvent<SVGSVGElement>) {
    const box = e.currentTarget.getBoundingClientRect();
    if (box.width <= 0) return;
    setActive(nearest(((e.clientX - box.left) / box.width) * width));
  }

  function onKeyDown(e: KeyboardEvent<SVGSVGElement>) {
    const n = sorted.length;
    let next: number;
    if (e.key === "ArrowRight") next = active === null ? n - 1 : Math.min(n - 1, active + 1);
    else if (e.key === "ArrowLeft") next = active === null ? n - 1 : Math.max(0, active - 1);
    else if (e.key === "Home") next = 0;
    else if (e.key === "End") next = n - 1;
    else if (e.key === "Escape") {
      setActive(null);
      return;
    } else return;
    e.preventDefault();
    setActive(next);
  }

  const tipX = active === null ? 0 : (xs[active] ?? 0);
  const tipY = active === null ? 0 : (ys[active] ?? 0);
  const tipLeft = tipX > MARGIN.left + plotW / 2;

  return (
    <figure className="lv-chart" data-testid="balance-chart">
      <svg
        className="lv-chart-svg"
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={summary}
        tabIndex={0}
        onMouseMove={onMouseMove}
        onMouseLeave={() => {
          setActive(null);
        }}
        onKeyDown={onKeyDown}
        onBlur={() => {
          setActive(null);
        }}
      >
        <title>{summary}</title>
        <defs>
          <clipPath id={clip}>
            <rect x={MARGIN.left - 3} y={MARGIN.top - 3} width={plotW + 6} height={plotH + 6} />
          </clipPath>
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
          <text x={MARGIN.left} y={height - 6} textAnchor="start" data-testid="chart-first-date">
            {first.date}
          </text>
          {last.date !== first.date && (
            <text
              x={width - MARGIN.right}
              y={height - 6}
              textAnchor="end"
              data-testid="chart-last-date"
            >
              {last.date}
            </text>
          )}
        </g>
        {crossesZero && (
          <line
            className="lv-zero-line"
            data-testid="zero-line"
            x1={MARGIN.left}
            x2={width - MARGIN.right}
            y1={y(0)}
            y2={y(0)}
          />
        )}
        <path
          className="lv-balance-line"
          d={path}
          clipPath={`url(#${clip})`}
          data-testid="balance-line"
        />
        <circle
          className={isNegativeAmount(last.balance) ? "lv-point lv-point-negative" : "lv-point"}
          cx={xs[xs.length - 1]}
          cy={ys[ys.length - 1]}
          r="3.5"
        >
          <title>{`${last.date}: ${formatMoney(last.balance, currency)}`}</title>
        </circle>
        {shown !== null && (
          <g data-testid="chart-tooltip" aria-live="polite">
            <line
              className="lv-gridline"
              x1={tipX}
              x2={tipX}
              y1={MARGIN.top}
              y2={MARGIN.top + plotH}
            />
            <circle className="lv-point" cx={tipX} cy={tipY} r="4" />
            <text
              className="lv-tick-label"
              x={tipLeft ? tipX - 8 : tipX + 8}
              y={MARGIN.top + 12}
              textAnchor={tipLeft ? "end" : "start"}
            >
              {`${shown.date}: ${formatMoney(shown.balance, currency)}`}
            </text>
          </g>
        )}
      </svg>
    </figure>
  );
}
