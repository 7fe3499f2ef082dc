import { describe, expect, it } from "vitest";
import {
  formatDecimal,
  formatMoney,
  formatMonth,
  groupDigits,
  isNegativeAmount,
  monthRange,
} from "./format";

describe("formatMoney", () => {
  it("groups the integer digits and keeps the decimals as given", () => {
    expect(formatMoney("-1234.50", "EUR")).toBe("\u22121,234.50 EUR");
    expect(formatMoney("1234.5", "EUR")).toBe("1,234.5 EUR");
    expect(formatMoney("999.99", "USD")).toBe("999.99 USD");
    expect(formatMoney("1000000.00", "CHF")).toBe("1,000,000.00 CHF");
  });

  it("stays exact beyond what a float can hold", () => {
    expect(formatMoney("12345678901234567890.12", "EUR")).toBe("12,345,678,901,234,567,890.12 EUR");
    expect(formatMoney("-0.000000000000000001", "BTC")).toBe("\u22120.000000000000000001 BTC");
    expect(formatMoney("9007199254740993.01", "USD")).toBe("9,007,199,254,740,993.01 USD");
  });

  it("adds no decimals to currencies without minor units", () => {
    expect(formatMoney("1500", "JPY")).toBe("1,500 JPY");
    expect(formatMoney("-1500", "JPY")).toBe("\u22121,500 JPY");
  });

  it("never signs zero and drops a plus sign and leading zeros", () => {
    expect(formatMoney("-0.00", "EUR")).toBe("0.00 EUR");
    expect(formatMoney("0", "EUR")).toBe("0 EUR");
    expect(formatMoney("+12.00", "EUR")).toBe("12.00 EUR");
    expect(formatMoney("007.50", "EUR")).toBe("7.50 EUR");
  });

  it("shows text that is not a decimal unchanged", () => {
    expect(formatMoney("1e5", "EUR")).toBe("1e5 EUR");
    expect(formatDecimal(" 12.30 ")).toBe("12.30");
    expect(formatMoney("12", "")).toBe("12");
  });

  it("tells negatives apart", () => {
    expect(isNegativeAmount("-0.01")).toBe(true);
    expect(isNegativeAmount("-0.00")).toBe(false);
    expect(isNegativeAmount("5")).toBe(false);
    expect(isNegativeAmount("abc")).toBe(false);
  });

  it("groups digits by three", () => {
    expect(groupDigits("1")).toBe("1");
    expect(groupDigits("123")).toBe("123");
    expect(groupDigits("1234")).toBe("1,234");
    expect(groupDigits("123456")).toBe("123,456");
  });
});

describe("formatMonth", () => {
  it("names months", () => {
    expect(formatMonth("2024-03-01")).toBe("March 2024");
    expect(formatMonth("2024-12-01", "short")).toBe("Dec 2024");
    expect(formatMonth("2024-01-15", "month")).toBe("Jan");
    expect(formatMonth("not a date")).toBe("not a date");
    expect(formatMonth("2024-13-01")).toBe("2024-13-01");
  });

  it("lists the months of a range across years", () => {
    expect(monthRange("2023-11-01", "2024-02-01")).toEqual([
      "2023-11-01",
      "2023-12-01",
      "2024-01-01",
      "2024-02-01",
    ]);
    expect(monthRange("2024-02-01", "2024-01-01")).toEqual([]);
  });
});
