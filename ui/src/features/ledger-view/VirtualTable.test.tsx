import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { useState } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  VirtualTable,
  nextSort,
  type SortState,
  type TxRow,
  type VirtualTableProps,
} from "./VirtualTable";
import { MAX_SCROLL_HEIGHT } from "./virtualScroll";

afterEach(cleanup);

function makeRows(offset: number, limit: number, total: number, tag = ""): TxRow[] {
  const n = Math.max(0, Math.min(limit, total - offset));
  return Array.from({ length: n }, (_, i) => {
    const index = offset + i;
    return {
      id: index + 1,
      date: "2024-03-15",
      description: `${tag}Payment ${index}`,
      amount: index % 2 === 0 ? "-1234.50" : "99.00",
      currency: "EUR",
      balance: "10.00",
      accountName: "Compte courant",
    };
  });
}

function fetcher(total: number, tag = "") {
  return vi.fn((offset: number, limit: number) =>
    Promise.resolve(makeRows(offset, limit, total, tag)),
  );
}

const SORT: SortState = { key: "date", descending: true };

function renderTable(props: Partial<VirtualTableProps> & Pick<VirtualTableProps, "fetchRows">) {
  const all: VirtualTableProps = {
    rowCount: 1_000_000,
    queryKey: "q1",
    sort: SORT,
    onSortChange: vi.fn(),
    selectedId: null,
    onSelect: vi.fn(),
    rowHeight: 28,
    viewportHeight: 560,
    ...props,
  };
  const view = render(<VirtualTable {...all} />);
  return { ...view, props: all };
}

function scrollTo(top: number) {
  const scroller = screen.getByTestId("tx-scroller");
  scroller.scrollTop = top;
  fireEvent.scroll(scroller);
}

function visibleIds(): number[] {
  return screen.getAllByTestId("tx-row").map((el) => Number(el.getAttribute("data-id")));
}

describe("VirtualTable", () => {
  it("keeps only the rows in view in the DOM at a million rows", async () => {
    const fetchRows = fetcher(1_000_000);
    renderTable({ fetchRows });
    const rows = await screen.findAllByTestId("tx-row");
    expect(rows.length).toBeGreaterThanOrEqual(20);
    expect(rows.length).toBeLessThan(100);
    expect(rows[0]?.getAttribute("data-id")).toBe("1");
    expect(fetchRows).toHaveBeenCalledTimes(1);
    expect(fetchRows).toHaveBeenCalledWith(0, 200);

    // The scrollable height is capped, not 28 million px.
    const spacer = screen.getByTestId("tx-scroller").firstElementChild as HTMLElement;
    expect(spacer.style.height).toBe(`${MAX_SCROLL_HEIGHT}px`);

    // The very bottom of the compressed range shows the last row.
    scrollTo(MAX_SCROLL_HEIGHT - 560);
    await screen.findByText("Payment 999999");
    expect(screen.getAllByTestId("tx-row").length).toBeLessThan(100);
    expect(visibleIds()).toContain(1_000_000);
    expect(
      screen.getAllByTestId("tx-row").length + screen.queryAllByTestId("tx-row-placeholder").length,
    ).toBeLessThan(100);
  });

  it("formats amounts exactly and marks negatives", async () => {
    renderTable({ fetchRows: fetcher(10), rowCount: 10 });
    const [first] = await screen.findAllByTestId("tx-row");
    const amount = first?.querySelector(".lv-money");
    expect(amount?.textContent).toBe("\u22121,234.50 EUR");
    expect(amount?.classList.contains("lv-negative")).toBe(true);
  });

  it("shows placeholders while a page loads and fetches each page once", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const fetchRows = vi.fn(async (offset: number, limit: number) => {
      await gate;
      return makeRows(offset, limit, 10_000);
    });
    renderTable({ fetchRows, rowCount: 10_000 });
    expect(screen.getAllByTestId("tx-row-placeholder").length).toBeGreaterThan(0);
    expect(screen.queryAllByTestId("tx-row")).toHaveLength(0);
    // Scrolling within the same page while it is in flight asks for nothing more.
    scrollTo(28 * 50);
    scrollTo(28 * 100);
    expect(fetchRows).toHaveBeenCalledTimes(1);
    await act(async () => {
      release();
      await gate;
    });
    expect(screen.getAllByTestId("tx-row").length).toBeGreaterThan(0);
    expect(screen.queryAllByTestId("tx-row-placeholder")).toHaveLength(0);
    // A range spanning pages 0 and 1 fetches page 1 only; going back fetches nothing.
    scrollTo(28 * 190);
    await screen.findByText("Payment 205");
    scrollTo(0);
    scrollTo(28 * 195);
    expect(fetchRows.mock.calls).toEqual([
      [0, 200],
      [200, 200],
    ]);
  });

  it("drops cached pages, ignores stale responses and scrolls to the top on a new query", async () => {
    const pending: Record<string, (rows: TxRow[]) => void> = {};
    const fetchFor = (key: string) =>
      vi.fn(
        (offset: number) =>
          new Promise<TxRow[]>((resolve) => {
            pending[`${key}:${offset}`] = resolve;
          }),
      );
    const fetchA = fetchFor("a");
    const fetchB = fetchFor("b");
    const base = {
      rowCount: 1000,
      sort: SORT,
      onSortChange: vi.fn(),
      selectedId: null,
      onSelect: vi.fn(),
      viewportHeight: 560,
    };
    const { rerender } = render(<VirtualTable {...base} queryKey="a" fetchRows={fetchA} />);
    scrollTo(28 * 300);
    expect(Object.keys(pending).sort()).toEqual(["a:0", "a:200"]);

    rerender(<VirtualTable {...base} queryKey="b" fetchRows={fetchB} />);
    expect(screen.getByTestId("tx-scroller").scrollTop).toBe(0);
    expect(Object.keys(pending)).toContain("b:0");

    // The new query answers first, then the old one: the old answer is dropped.
    await act(async () => {
      pending["b:0"]?.(makeRows(0, 200, 1000, "B "));
      await Promise.resolve();
    });
    await act(async () => {
      pending["a:0"]?.(makeRows(0, 200, 1000, "A "));
      pending["a:200"]?.(makeRows(200, 200, 1000, "A "));
      await Promise.resolve();
    });
    expect(screen.getAllByText(/^B Payment/).length).toBeGreaterThan(0);
    expect(screen.queryAllByText(/^A Payment/)).toHaveLength(0);
    expect(visibleIds()[0]).toBe(1);
  });

  it("toggles sorting from the column headers and sets aria-sort", () => {
    function Harness() {
      const [sort, setSort] = useState<SortState>({ key: "date", descending: true });
      return (
        <VirtualTable
          rowCount={0}
          queryKey={`${sort.key}:${String(sort.descending)}`}
          fetchRows={() => Promise.resolve([])}
          sort={sort}
          onSortChange={setSort}
          selectedId={null}
          onSelect={() => undefined}
          viewportHeight={300}
        />
      );
    }
    render(<Harness />);
    const date = screen.getByTestId("tx-header-date");
    const amount = screen.getByTestId("tx-header-amount");
    const description = screen.getByTestId("tx-header-description");
    expect(date.getAttribute("aria-sort")).toBe("descending");
    expect(amount.getAttribute("aria-sort")).toBe("none");

    fireEvent.click(date);
    expect(date.getAttribute("aria-sort")).toBe("ascending");
    fireEvent.click(date);
    expect(date.getAttribute("aria-sort")).toBe("descending");

    fireEvent.click(description.querySelector("button") as HTMLElement);
    expect(description.getAttribute("aria-sort")).toBe("ascending");
    expect(date.getAttribute("aria-sort")).toBe("none");
    fireEvent.click(amount);
    expect(amount.getAttribute("aria-sort")).toBe("descending");

    expect(nextSort({ key: "amount", descending: false }, "amount")).toEqual({
      key: "amount",
      descending: true,
    });
  });

  it("moves the selection with the arrow keys and keeps it in view", async () => {
    function Harness({ fetchRows }: { fetchRows: VirtualTableProps["fetchRows"] }) {
      const [selected, setSelected] = useState<number | null>(null);
      return (
        <VirtualTable
          rowCount={1000}
          queryKey="q"
          fetchRows={fetchRows}
          sort={SORT}
          onSortChange={() => undefined}
          selectedId={selected}
          onSelect={(row) => {
            setSelected(row.id);
          }}
          viewportHeight={280}
          overscan={2}
        />
      );
    }
    render(<Harness fetchRows={fetcher(1000)} />);
    await screen.findAllByTestId("tx-row");
    const table = screen.getByTestId("tx-table");
    expect(table.tabIndex).toBe(0);
    const selectedIds = () =>
      screen
        .getAllByTestId("tx-row")
        .filter((el) => el.getAttribute("aria-selected") === "true")
        .map((el) => el.getAttribute("data-id"));

    fireEvent.keyDown(table, { key: "ArrowDown" });
    expect(selectedIds()).toEqual(["1"]);
    fireEvent.keyDown(table, { key: "ArrowDown" });
    fireEvent.keyDown(table, { key: "ArrowDown" });
    expect(selectedIds()).toEqual(["3"]);
    fireEvent.keyDown(table, { key: "ArrowUp" });
    expect(selectedIds()).toEqual(["2"]);
    fireEvent.keyDown(table, { key: "ArrowUp" });
    fireEvent.keyDown(table, { key: "ArrowUp" });
    expect(selectedIds()).toEqual(["1"]);
    expect(table.getAttribute("aria-activedescendant")).toMatch(/row-1$/);

    // Past the viewport's bottom edge the table scrolls.
    for (let i = 0; i < 15; i++) fireEvent.keyDown(table, { key: "ArrowDown" });
    expect(selectedIds()).toEqual(["16"]);
    expect(screen.getByTestId("tx-scroller").scrollTop).toBe(16 * 28 - 280);

    // Clicking selects too, and the keys continue from there.
    const row = screen.getAllByTestId("tx-row").find((el) => el.getAttribute("data-id") === "12");
    fireEvent.click(row as HTMLElement);
    fireEvent.keyDown(table, { key: "ArrowDown" });
    expect(selectedIds()).toEqual(["13"]);

    // End jumps to the last row, which is selected once its page arrives.
    fireEvent.keyDown(table, { key: "End" });
    await screen.findByText("Payment 999");
    // The selection follows the page's arrival in a later render: wait for it, do not race it.
    await vi.waitFor(() => {
      expect(selectedIds()).toEqual(["1000"]);
    });
  });

  it("says when it is counting or empty", () => {
    const { rerender, props } = renderTable({ fetchRows: fetcher(0), rowCount: null });
    expect(screen.getByTestId("tx-table").textContent).toContain("Counting transactions");
    rerender(<VirtualTable {...props} rowCount={0} />);
    expect(screen.getByTestId("tx-table").textContent).toContain("No transactions to show");
    expect(props.fetchRows).not.toHaveBeenCalled();
  });
});
