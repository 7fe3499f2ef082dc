import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { CoverageStrip, CoverageStrips, coverageCells } from "./CoverageStrip";

afterEach(cleanup);

describe("CoverageStrip", () => {
  it("has one cell per month from the first to the last, missing ones marked", () => {
    render(
      <CoverageStrip
        accountName="Compte courant"
        covered={["2023-11-01", "2023-12-01", "2024-01-01", "2024-04-01"]}
        missing={["2024-02-01", "2024-03-01"]}
      />,
    );
    const strip = screen.getByTestId("coverage-strip");
    const cells = strip.querySelectorAll("[data-month]");
    expect(cells).toHaveLength(6);
    const missing = screen.getAllByTestId("coverage-missing");
    expect(missing.map((c) => c.getAttribute("title"))).toEqual([
      "February 2024: missing",
      "March 2024: missing",
    ]);
    // Not colour alone: missing cells carry a marker and their own class.
    for (const cell of missing) {
      expect(cell.textContent).toBe("!");
      expect(cell.classList.contains("lv-cell-missing")).toBe(true);
    }
    const covered = screen.getAllByTestId("coverage-covered");
    expect(covered).toHaveLength(4);
    expect(covered[0]?.getAttribute("title")).toBe("November 2023: covered");
    expect(covered[0]?.textContent).toBe("");
    expect(screen.getAllByTestId("coverage-year").map((y) => y.textContent)).toEqual([
      "2023",
      "2024",
    ]);
    expect(screen.getByTestId("coverage-summary").textContent).toBe("2 of 6 months missing");
  });

  it("fills months listed nowhere as unknown and prefers covered", () => {
    expect(coverageCells(["2024-01-01", "2024-04-01"], ["2024-04-01", "2024-02-15"])).toEqual([
      { month: "2024-01-01", state: "covered" },
      { month: "2024-02-01", state: "missing" },
      { month: "2024-03-01", state: "unknown" },
      { month: "2024-04-01", state: "covered" },
    ]);
    expect(coverageCells([], [])).toEqual([]);
  });

  it("spans years without gaps", () => {
    expect(coverageCells(["2019-06-01"], ["2024-05-01"])).toHaveLength(60);
  });

  it("renders one strip per account and says when there is nothing", () => {
    render(
      <CoverageStrips
        accounts={[
          { accountName: "A", covered: ["2024-01-01"], missing: [] },
          { accountName: "B", covered: [], missing: [] },
        ]}
      />,
    );
    const strips = screen.getAllByTestId("coverage-strip");
    expect(strips).toHaveLength(2);
    expect(strips[0]?.textContent).toContain("1 month, none missing");
    expect(strips[1]?.textContent).toContain("No statements yet");
  });
});
