import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { BalanceChart } from "./BalanceChart";
import { IncomeExpenseChart, type MonthTotals } from "./IncomeExpenseChart";
import { formatTick, labelEvery, niceTicks } from "./scale";

afterEach(cleanup);

describe("niceTicks", () => {
  it("picks 4 or 5 round ticks that cover the data", () => {
    expect(niceTicks(0, 1234).ticks).toEqual([0, 500, 1000, 1500]);
    expect(niceTicks(0, 100).ticks).toEqual([0, 25, 50, 75, 100]);
    expect(niceTicks(-350, 1200).ticks).toEqual([-500, 0, 500, 1000, 1500]);
    expect(niceTicks(0.1, 0.87).ticks).toEqual([0, 0.25, 0.5, 0.75, 1]);
    for (const [lo, hi] of [
      [0, 1],
      [0, 7],
      [0, 99_999],
      [-12_345.67, -10],
      [3, 3],
      [0, 0],
      [-2_000_000, 48_000_000],
      [17, 23],
    ] as const) {
      const t = niceTicks(lo, hi);
      expect(t.ticks.length).toBeGreaterThanOrEqual(3);
      expect(t.ticks.length).toBeLessThanOrEqual(5);
      expect(t.min).toBeLessThanOrEqual(Math.min(lo, hi));
      expect(t.max).toBeGreaterThanOrEqual(Math.max(lo, hi));
      for (let i = 1; i < t.ticks.length; i++) {
        expect((t.ticks[i] ?? 0) - (t.ticks[i - 1] ?? 0)).toBeCloseTo(t.step, 9);
      }
    }
  });

  it("labels ticks compactly and exactly", () => {
    expect(formatTick(1500, 0)).toBe("1,500");
    expect(formatTick(25_000, 0)).toBe("25k");
    expect(formatTick(-1_500_000, 0)).toBe("\u22121.5M");
    expect(formatTick(0.25, 2)).toBe("0.25");
    expect(formatTick(0, 0)).toBe("0");
  });

  it("thins labels when crowded", () => {
    expect(labelEvery(12, 16)).toBe(1);
    expect(labelEvery(60, 16)).toBe(4);
  });
});

const months: MonthTotals[] = [
  { month: "2024-01-01", income: "2500.00", expense: "1800.25" },
  { month: "2024-02-01", income: "2500.00", expense: "3100.10" },
  { month: "2024-03-01", income: "12345678901234567.89", expense: "0" },
];

describe("IncomeExpenseChart", () => {
  it("says when there is nothing to show", () => {
    render(<IncomeExpenseChart months={[]} currency="EUR" />);
    expect(screen.getByTestId("chart-empty").textContent).toBe("No transactions yet");
  });

  it("draws a bar pair per month with exact amounts in the tooltip", () => {
    render(<IncomeExpenseChart months={months.slice(0, 2)} currency="EUR" />);
    const groups = screen.getAllByTestId("chart-month");
    expect(groups).toHaveLength(2);
    expect(groups[1]?.querySelector("title")?.textContent).toBe(
      "February 2024\nIncome: 2,500.00 EUR\nExpense: 3,100.10 EUR",
    );
    expect(groups[0]?.getAttribute("tabindex")).toBe("0");
    expect(screen.getAllByTestId("chart-tick").map((t) => t.textContent)).toEqual([
      "0",
      "1,000",
      "2,000",
      "3,000",
      "4,000",
    ]);
    const labels = screen.getAllByTestId("chart-month-label").map((l) => l.textContent);
    expect(labels).toEqual(["Jan2024", "Feb"]);
  });

  it("keeps huge amounts exact in the tooltip", () => {
    render(<IncomeExpenseChart months={months} currency="EUR" />);
    const title = screen.getAllByTestId("chart-month")[2]?.querySelector("title")?.textContent;
    expect(title).toContain("12,345,678,901,234,567.89 EUR");
  });

  it("labels every Nth month when crowded", () => {
    const many: MonthTotals[] = Array.from({ length: 60 }, (_, i) => ({
      month: `${2020 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, "0")}-01`,
      income: "100",
      expense: "50",
    }));
    render(<IncomeExpenseChart months={many} currency="EUR" />);
    expect(screen.getAllByTestId("chart-month")).toHaveLength(60);
    const labels = screen.getAllByTestId("chart-month-label");
    expect(labels.length).toBeLessThanOrEqual(20);
    expect(labels.length).toBeGreaterThan(3);
  });
});

describe("BalanceChart", () => {
  it("says when there is nothing to show", () => {
    render(<BalanceChart points={[]} currency="EUR" />);
    expect(screen.getByTestId("chart-empty").textContent).toBe("No balances yet");
  });

  it("draws a line with nice ticks, first and last dates and a zero line when crossing zero", () => {
    render(
      <BalanceChart
        currency="EUR"
        points={[
          { date: "2024-03-01", balance: "-350.00" },
          { date: "2024-01-01", balance: "1200.00" },
          { date: "2024-02-01", balance: "400.00" },
        ]}
      />,
    );
    expect(screen.getByTestId("chart-first-date").textContent).toBe("2024-01-01");
    expect(screen.getByTestId("chart-last-date").textContent).toBe("2024-03-01");
    expect(screen.getAllByTestId("chart-tick").map((t) => t.textContent)).toEqual([
      "\u2212500",
      "0",
      "500",
      "1,000",
      "1,500",
    ]);
    expect(screen.getByTestId("zero-line")).toBeTruthy();
    expect(screen.getByTestId("balance-line").getAttribute("d")).toMatch(/^M[\d.]+,[\d.]+H[\d.]+V/);
  });

  it("shows no zero line when the balance stays positive", () => {
    render(
      <BalanceChart
        currency="EUR"
        points={[
          { date: "2024-01-01", balance: "1200.00" },
          { date: "2024-02-01", balance: "1900.00" },
        ]}
      />,
    );
    expect(screen.queryByTestId("zero-line")).toBeNull();
  });

  it("shows exact balances when stepping through points with the keyboard", () => {
    render(
      <BalanceChart
        currency="EUR"
        points={[
          { date: "2024-01-01", balance: "1200.10" },
          { date: "2024-02-01", balance: "-99999999999999999.99" },
        ]}
      />,
    );
    const svg = screen.getByRole("img");
    fireEvent.keyDown(svg, { key: "End" });
    expect(screen.getByTestId("chart-tooltip").textContent).toBe(
      "2024-02-01: \u221299,999,999,999,999,999.99 EUR",
    );
    fireEvent.keyDown(svg, { key: "ArrowLeft" });
    expect(screen.getByTestId("chart-tooltip").textContent).toBe("2024-01-01: 1,200.10 EUR");
    fireEvent.keyDown(svg, { key: "Escape" });
    expect(screen.queryByTestId("chart-tooltip")).toBeNull();
  });

  it("draws a single point", () => {
    render(<BalanceChart currency="EUR" points={[{ date: "2024-01-01", balance: "5" }]} />);
    expect(screen.getByTestId("chart-first-date").textContent).toBe("2024-01-01");
    expect(screen.queryByTestId("chart-last-date")).toBeNull();
  });
});
