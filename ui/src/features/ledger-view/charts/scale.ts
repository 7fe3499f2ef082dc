/**
 * Axis helpers for the charts. Numbers here only place things on screen: amounts shown to the
 * user as values always come from the original decimal strings.
 */

import { groupDigits, MINUS } from "../format";

export interface Ticks {
  /** The axis range, covering the data and starting and ending on a tick. */
  min: number;
  max: number;
  step: number;
  ticks: number[];
  /** Decimals needed to write every tick exactly. */
  decimals: number;
}

const MULTIPLIERS = [1, 2, 2.5, 5] as const;

/**
 * Round tick values covering [min, max]: the smallest step of 1, 2, 2.5 or 5 × 10^k that needs
 * at most `maxTicks` ticks (so usually 4 or 5 of them).
 */
export function niceTicks(dataMin: number, dataMax: number, maxTicks = 5): Ticks {
  let lo = Math.min(dataMin, dataMax);
  let hi = Math.max(dataMin, dataMax);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    lo = 0;
    hi = 1;
  }
  if (lo === hi) {
    if (lo === 0) hi = 1;
    else if (lo > 0) lo = 0;
    else hi = 0;
  }
  const limit = Math.max(2, Math.floor(maxTicks));
  const span = hi - lo;
  let exponent = Math.floor(Math.log10(span / limit)) - 1;
  for (;;) {
    for (const mult of MULTIPLIERS) {
      const step = mult * 10 ** exponent;
      const first = Math.floor(lo / step + 1e-9);
      const last = Math.ceil(hi / step - 1e-9);
      if (last - first + 1 <= limit) {
        const decimals = Math.max(0, -exponent + (mult === 2.5 ? 1 : 0));
        const ticks: number[] = [];
        for (let i = first; i <= last; i++) ticks.push(Number((i * step).toFixed(decimals)));
        return {
          min: ticks[0] ?? lo,
          max: ticks[ticks.length - 1] ?? hi,
          step,
          ticks,
          decimals,
        };
      }
    }
    exponent += 1;
  }
}

/**
 * Labels a tick value: grouped digits below ten thousand, then compact ("25k", "1.5M").
 * Ticks are round numbers, so this is exact for them.
 */
export function formatTick(value: number, decimals: number): string {
  const abs = Math.abs(value);
  const sign = value < 0 ? MINUS : "";
  const compact = (n: number, suffix: string) => {
    const text = n.toFixed(3).replace(/\.?0+$/, "");
    const [int = "0", frac] = text.split(".");
    return `${sign}${groupDigits(int)}${frac === undefined ? "" : `.${frac}`}${suffix}`;
  };
  if (abs >= 1e9) return compact(abs / 1e9, "B");
  if (abs >= 1e6) return compact(abs / 1e6, "M");
  if (abs >= 1e4) return compact(abs / 1e3, "k");
  const [int = "0", frac] = abs.toFixed(decimals).split(".");
  return `${sign}${groupDigits(int)}${frac === undefined ? "" : `.${frac}`}`;
}

/** Maps a value of [d0, d1] linearly onto [r0, r1]. */
export function linear(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const span = d1 - d0;
  return (v) => (span === 0 ? (r0 + r1) / 2 : r0 + ((v - d0) / span) * (r1 - r0));
}

/** Parses a decimal string for drawing only; anything unparsable draws as 0. */
export function toCoordinate(amount: string): number {
  const n = Number.parseFloat(amount);
  return Number.isFinite(n) ? n : 0;
}

/** Which of `count` labels to show so that at most `maxLabels` appear: every Nth one. */
export function labelEvery(count: number, maxLabels: number): number {
  if (count <= 0) return 1;
  return Math.max(1, Math.ceil(count / Math.max(1, Math.floor(maxLabels))));
}

/** An id usable inside url(#…) from React's useId. */
export function svgId(reactId: string, suffix: string): string {
  return `lv${reactId.replace(/[^A-Za-z0-9_-]/g, "")}-${suffix}`;
}
