/**
 * Display helpers for exact decimal money strings and ISO months.
 *
 * Amounts are never converted to floating point here: the digits are regrouped as text, so
 * "12345678901234567890.12" stays exact and "1500" (a currency without minor units) keeps no
 * decimals.
 */

/** The typographic minus sign used for negative amounts (clearer than a hyphen in a column). */
export const MINUS = "\u2212";

const DECIMAL = /^([+-]?)(\d+)(?:\.(\d+))?$/;

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
] as const;

/** Groups a string of digits by thousands: "1234567" -> "1,234,567". */
export function groupDigits(digits: string): string {
  let out = "";
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += ",";
    out += digits.charAt(i);
  }
  return out;
}

/** True when a decimal string is below zero ("-0.00" is not). Non-decimal text is not. */
export function isNegativeAmount(amount: string): boolean {
  const m = DECIMAL.exec(amount.trim());
  if (m === null || m[1] !== "-") return false;
  return /[1-9]/.test((m[2] ?? "") + (m[3] ?? ""));
}

/**
 * Formats an exact decimal amount with its ISO 4217 code: "-1234.50", "EUR" -> "−1,234.50 EUR".
 *
 * The integer digits are grouped with commas, the decimals are kept exactly as given (no
 * rounding, no padding), negatives get a leading minus sign (U+2212) and zero is never signed.
 * Text that is not a plain decimal is shown as given, so nothing is silently altered.
 */
export function formatMoney(amount: string, currency: string): string {
  const number = formatDecimal(amount);
  return currency === "" ? number : `${number} ${currency}`;
}

/** Like {@link formatMoney} without the currency code: "-1234.50" -> "−1,234.50". */
export function formatDecimal(amount: string): string {
  const trimmed = amount.trim();
  const m = DECIMAL.exec(trimmed);
  if (m === null) return trimmed;
  const integer = (m[2] ?? "0").replace(/^0+(?=\d)/, "");
  const fraction = m[3];
  const sign = isNegativeAmount(trimmed) ? MINUS : "";
  return `${sign}${groupDigits(integer)}${fraction === undefined ? "" : `.${fraction}`}`;
}

/** Splits "YYYY-MM[-DD]" into year and month (1–12), or null when it is not such a date. */
export function parseMonth(iso: string): { year: number; month: number } | null {
  const m = /^(\d{4})-(\d{2})/.exec(iso);
  if (m === null) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  if (month < 1 || month > 12) return null;
  return { year, month };
}

/**
 * Names a month: "2024-03-01" -> "March 2024"; with "short" -> "Mar 2024"; with "month" -> "Mar".
 * Text that is not an ISO date is returned unchanged.
 */
export function formatMonth(iso: string, style: "long" | "short" | "month" = "long"): string {
  const p = parseMonth(iso);
  if (p === null) return iso;
  const name = MONTHS[p.month - 1] ?? "";
  if (style === "long") return `${name} ${p.year}`;
  const short = name.slice(0, 3);
  return style === "month" ? short : `${short} ${p.year}`;
}

/** The first day of a month as "YYYY-MM-01". */
export function monthKey(year: number, month: number): string {
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-01`;
}

/** Every month from `first` to `last` inclusive, as "YYYY-MM-01" (empty if last < first). */
export function monthRange(first: string, last: string): string[] {
  const a = parseMonth(first);
  const b = parseMonth(last);
  if (a === null || b === null) return [];
  const out: string[] = [];
  let { year, month } = a;
  while (year < b.year || (year === b.year && month <= b.month)) {
    out.push(monthKey(year, month));
    month += 1;
    if (month > 12) {
      month = 1;
      year += 1;
    }
  }
  return out;
}
