import { describe, expect, it } from "vitest";
import {
  MAX_SCROLL_HEIGHT,
  contentTopFor,
  rowAtScrollTop,
  scrollHeightFor,
  scrollTopFor,
  scrollTopToReveal,
  visibleRows,
  type ScrollMetrics,
} from "./virtualScroll";

const million: ScrollMetrics = { rowCount: 1_000_000, rowHeight: 28, viewportHeight: 560 };
const small: ScrollMetrics = { rowCount: 1000, rowHeight: 28, viewportHeight: 560 };

describe("scroll mapping", () => {
  it("caps the scroll height for a million rows and leaves small tables alone", () => {
    expect(scrollHeightFor(million)).toBe(MAX_SCROLL_HEIGHT);
    expect(scrollHeightFor(small)).toBe(28_000);
    expect(contentTopFor(1234, small)).toBe(1234);
    expect(scrollTopFor(1234, small)).toBe(1234);
  });

  it("reaches the first and the last row of a million", () => {
    const maxScrollTop = scrollHeightFor(million) - million.viewportHeight;
    expect(rowAtScrollTop(0, million)).toBe(0);
    const top = visibleRows(0, million);
    expect(top.firstVisible).toBe(0);
    const bottom = visibleRows(maxScrollTop, million);
    expect(bottom.lastVisible).toBe(999_999);
    expect(bottom.firstVisible).toBe(1_000_000 - 20);
    // Scrolling past the end (elastic scrolling) stays on the last rows.
    expect(visibleRows(maxScrollTop + 5000, million).lastVisible).toBe(999_999);
    expect(visibleRows(-50, million).firstVisible).toBe(0);
  });

  it("maps scroll positions to rows monotonically, with no row skipped per pixel", () => {
    const maxScrollTop = scrollHeightFor(million) - million.viewportHeight;
    let previous = -1;
    for (let s = 0; s <= maxScrollTop; s += 997) {
      const row = rowAtScrollTop(s, million);
      expect(row).toBeGreaterThanOrEqual(previous);
      previous = row;
    }
    // One scroll pixel moves less than one row, so every row can be brought to the top.
    expect(rowAtScrollTop(1, million) - rowAtScrollTop(0, million)).toBeLessThanOrEqual(1);
    expect(rowAtScrollTop(maxScrollTop, million)).toBe(1_000_000 - 20);
  });

  it("round-trips between scroll and content positions", () => {
    for (const contentTop of [0, 28, 1_000_000, 13_999_986, 28_000_000 - 560]) {
      expect(contentTopFor(scrollTopFor(contentTop, million), million)).toBeCloseTo(contentTop, 3);
    }
  });

  it("draws the first rendered row where its content position maps to", () => {
    const scrollTop = 4_000_000;
    const r = visibleRows(scrollTop, million, 10);
    const contentTop = contentTopFor(scrollTop, million);
    // The row at the top of the viewport is drawn at the viewport's top edge (scrollTop).
    const drawnTop = r.translate + (r.firstVisible - r.first) * million.rowHeight;
    expect(drawnTop).toBeCloseTo(scrollTop - (contentTop - r.firstVisible * 28), 6);
    expect(r.first).toBe(r.firstVisible - 10);
    expect(r.last).toBe(r.lastVisible + 10);
  });

  it("scrolls just enough to reveal a row", () => {
    expect(scrollTopToReveal(5, 0, small)).toBeNull();
    expect(scrollTopToReveal(20, 0, small)).toBe(21 * 28 - 560);
    expect(scrollTopToReveal(3, 28 * 10, small)).toBe(3 * 28);
    const end = scrollTopToReveal(999_999, 0, million);
    expect(end).not.toBeNull();
    expect(visibleRows(end ?? 0, million).lastVisible).toBe(999_999);
    const mid = scrollTopToReveal(500_000, 0, million) ?? 0;
    const shown = visibleRows(mid, million);
    expect(500_000).toBeGreaterThanOrEqual(shown.firstVisible);
    expect(500_000).toBeLessThanOrEqual(shown.lastVisible);
  });

  it("handles empty tables", () => {
    const empty = { rowCount: 0, rowHeight: 28, viewportHeight: 400 };
    expect(scrollHeightFor(empty)).toBe(0);
    expect(visibleRows(0, empty).last).toBe(-1);
  });
});
