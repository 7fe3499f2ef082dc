import {
  useEffect,
  useId,
  useRef,
  useState,
  useSyncExternalStore,
  type KeyboardEvent,
  type UIEvent,
} from "react";
import { formatMoney, isNegativeAmount } from "./format";
import { PageStore } from "./pageStore";
import {
  scrollHeightFor,
  scrollTopToReveal,
  visibleRows,
  type ScrollMetrics,
} from "./virtualScroll";
import "./ledger-view.css";

/** One transaction as the table shows it. Amounts are exact decimal strings. */
export interface TxRow {
  id: number;
  date: string;
  description: string;
  amount: string;
  currency: string;
  balance: string | null;
  accountName: string;
}

export type SortKey = "date" | "amount" | "description";

export interface SortState {
  key: SortKey;
  descending: boolean;
}

export interface VirtualTableProps {
  /** Rows matching the query; null while they are being counted. */
  rowCount: number | null;
  /** Fetches `limit` rows from `offset` of the current query, in the current sort order. */
  fetchRows: (offset: number, limit: number) => Promise<TxRow[]>;
  /**
   * Identifies the query (filters and sort). When it changes, cached pages are dropped, late
   * responses for the old query are ignored and the table scrolls back to the top.
   */
  queryKey: string;
  sort: SortState;
  onSortChange: (sort: SortState) => void;
  selectedId: number | null;
  onSelect: (row: TxRow) => void;
  /** Fixed row height in px. Default 28. */
  rowHeight?: number;
  /** Height of the scrolling area in px; measured from the layout when omitted. */
  viewportHeight?: number;
  /** Rows rendered above and below the viewport. Default 10. */
  overscan?: number;
  /** Rows per fetched page. Default 200. Read once, when the table mounts. */
  pageSize?: number;
  /** Pages kept in memory (least recently used are dropped). Default 30. Read once. */
  maxCachedPages?: number;
  /** Called when fetching a page fails (it is retried after a few seconds of scrolling). */
  onFetchError?: (error: unknown) => void;
  /** Accessible name of the table. Default "Transactions". */
  label?: string;
}

interface Column {
  key: SortKey | "account" | "balance";
  title: string;
  numeric: boolean;
}

const COLUMNS: readonly Column[] = [
  { key: "date", title: "Date", numeric: false },
  { key: "description", title: "Description", numeric: false },
  { key: "account", title: "Account", numeric: false },
  { key: "amount", title: "Amount", numeric: true },
  { key: "balance", title: "Balance", numeric: true },
];

function isSortKey(key: Column["key"]): key is SortKey {
  return key === "date" || key === "amount" || key === "description";
}

/**
 * The sort after a click on a column header: the active column flips direction; another column
 * becomes active, newest / largest first for date and amount, A to Z for description.
 */
export function nextSort(current: SortState, key: SortKey): SortState {
  if (current.key === key) return { key, descending: !current.descending };
  return { key, descending: key !== "description" };
}

/** Before the first layout measurement (and where there is no layout at all, as in tests). */
const FALLBACK_VIEWPORT = 480;

/**
 * A virtualized transaction table: only the rows in view (plus an overscan) are in the DOM, pages
 * of rows are fetched on demand and cached, and the scroll range is compressed beyond what
 * browsers can render so that a million rows scroll smoothly and the last one stays reachable.
 */
export function VirtualTable({
  rowCount,
  fetchRows,
  queryKey,
  sort,
  onSortChange,
  selectedId,
  onSelect,
  rowHeight = 28,
  viewportHeight,
  overscan = 10,
  pageSize = 200,
  maxCachedPages = 30,
  onFetchError,
  label = "Transactions",
}: VirtualTableProps) {
  const baseId = useId();
  const scrollerRef = useRef<HTMLDivElement>(null);
  const [store] = useState(() => new PageStore<TxRow>(pageSize, maxCachedPages));
  useSyncExternalStore(store.subscribe, store.getVersion, store.getVersion);

  // Per-query UI state is tagged with its query so that a new query starts from scratch.
  const [scroll, setScroll] = useState({ query: queryKey, top: 0 });
  const [anchor, setAnchor] = useState<{ query: string; index: number } | null>(null);
  const [measured, setMeasured] = useState<number | null>(null);
  const pendingSelect = useRef<{ query: string; index: number } | null>(null);

  const scrollTop = scroll.query === queryKey ? scroll.top : 0;
  const height = viewportHeight ?? measured ?? FALLBACK_VIEWPORT;
  const count = rowCount ?? 0;
  const metrics: ScrollMetrics = { rowCount: count, rowHeight, viewportHeight: height };
  const range = visibleRows(scrollTop, metrics, overscan);

  // A new query starts at the top.
  useEffect(() => {
    const el = scrollerRef.current;
    if (el !== null) el.scrollTop = 0;
  }, [queryKey]);

  // Measure the viewport when no height is given.
  useEffect(() => {
    const el = scrollerRef.current;
    if (viewportHeight !== undefined || el === null || typeof ResizeObserver === "undefined") {
      return;
    }
    const observer = new ResizeObserver(() => {
      setMeasured(el.clientHeight > 0 ? el.clientHeight : null);
    });
    observer.observe(el);
    return () => {
      observer.disconnect();
    };
  }, [viewportHeight]);

  // Load the pages under the rendered rows.
  const firstPage = store.pageOf(range.first);
  const lastPage = range.last < range.first ? -1 : store.pageOf(range.last);
  useEffect(() => {
    if (rowCount === null) return;
    void store.ensure(queryKey, firstPage, lastPage, fetchRows, onFetchError);
  }, [store, queryKey, rowCount, firstPage, lastPage, fetchRows, onFetchError]);

  // A keyboard move onto a row that was still loading selects it once it arrives.
  const version = store.getVersion();
  useEffect(() => {
    const pending = pendingSelect.current;
    if (pending === null) return;
    if (pending.query !== queryKey) {
      pendingSelect.current = null;
      return;
    }
    const row = store.rowAt(queryKey, pending.index);
    if (row !== undefined) {
      pendingSelect.current = null;
      onSelect(row);
    }
  }, [store, version, queryKey, onSelect]);

  const rowAt = (index: number) => store.rowAt(queryKey, index);

  /** Index of the selected row, when it is known. */
  function selectedIndex(): number | null {
    if (selectedId === null) return null;
    if (anchor !== null && anchor.query === queryKey && rowAt(anchor.index)?.id === selectedId) {
      return anchor.index;
    }
    for (let i = range.first; i <= range.last; i++) {
      if (rowAt(i)?.id === selectedId) return i;
    }
    return null;
  }
  const current = selectedIndex();

  function onScroll(e: UIEvent<HTMLDivElement>) {
    setScroll({ query: queryKey, top: e.currentTarget.scrollTop });
  }

  function reveal(index: number) {
    const target = scrollTopToReveal(index, scrollTop, metrics);
    if (target === null) return;
    const el = scrollerRef.current;
    if (el !== null) el.scrollTop = target;
    setScroll({ query: queryKey, top: target });
  }

  function select(index: number) {
    setAnchor({ query: queryKey, index });
    const row = rowAt(index);
    if (row !== undefined) {
      pendingSelect.current = null;
      onSelect(row);
    } else {
      pendingSelect.current = { query: queryKey, index };
    }
  }

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    if (count === 0) return;
    const page = Math.max(1, Math.floor(height / rowHeight) - 1);
    const from = current ?? (anchor?.query === queryKey ? anchor.index : null);
    let target: number;
    switch (e.key) {
      case "ArrowDown":
        target = from === null ? range.firstVisible : from + 1;
        break;
      case "ArrowUp":
        target = from === null ? range.firstVisible : from - 1;
        break;
      case "PageDown":
        target = (from ?? range.firstVisible) + page;
        break;
      case "PageUp":
        target = (from ?? range.firstVisible) - page;
        break;
      case "Home":
        target = 0;
        break;
      case "End":
        target = count - 1;
        break;
      default:
        return;
    }
    e.preventDefault();
    target = Math.min(Math.max(target, 0), count - 1);
    select(target);
    reveal(target);
  }

  const rows = [];
  for (let i = range.first; i <= range.last; i++) {
    const row = rowAt(i);
    if (row === undefined) {
      const failed = store.failed(queryKey, i);
      rows.push(
        <div
          key={i}
          role="row"
          aria-rowindex={i + 2}
          aria-busy={!failed}
          className="lv-row lv-row-placeholder"
          data-testid="tx-row-placeholder"
          style={{ height: rowHeight }}
        >
          <div role="gridcell" className="lv-cell lv-cell-placeholder">
            {failed ? (
              <span className="lv-row-error">Could not load these rows</span>
            ) : (
              <span className="lv-shimmer" />
            )}
          </div>
        </div>,
      );
      continue;
    }
    const selected = row.id === selectedId;
    rows.push(
      <div
        key={i}
        id={`${baseId}-row-${row.id}`}
        role="row"
        aria-rowindex={i + 2}
        aria-selected={selected}
        className={selected ? "lv-row lv-row-selected" : "lv-row"}
        data-testid="tx-row"
        data-id={row.id}
        style={{ height: rowHeight }}
        onClick={() => {
          setAnchor({ query: queryKey, index: i });
          pendingSelect.current = null;
          onSelect(row);
        }}
      >
        <div role="gridcell" className="lv-cell lv-date">
          {row.date}
        </div>
        <div role="gridcell" className="lv-cell lv-description" title={row.description}>
          {row.description}
        </div>
        <div role="gridcell" className="lv-cell lv-account" title={row.accountName}>
          {row.accountName}
        </div>
        <div
          role="gridcell"
          className={
            isNegativeAmount(row.amount) ? "lv-cell lv-money lv-negative" : "lv-cell lv-money"
          }
        >
          {formatMoney(row.amount, row.currency)}
        </div>
        <div
          role="gridcell"
          className={
            row.balance !== null && isNegativeAmount(row.balance)
              ? "lv-cell lv-money lv-balance lv-negative"
              : "lv-cell lv-money lv-balance"
          }
        >
          {row.balance === null ? "" : formatMoney(row.balance, row.currency)}
        </div>
      </div>,
    );
  }

  const selectedRow = current === null ? undefined : rowAt(current);
  const activeDescendant =
    selectedRow !== undefined && current !== null && current >= range.first && current <= range.last
      ? `${baseId}-row-${selectedRow.id}`
      : undefined;

  return (
    <div
      className="lv-table"
      role="grid"
      aria-label={label}
      aria-rowcount={rowCount === null ? -1 : rowCount + 1}
      aria-colcount={COLUMNS.length}
      aria-activedescendant={activeDescendant}
      aria-busy={rowCount === null}
      tabIndex={0}
      data-testid="tx-table"
      onKeyDown={onKeyDown}
    >
      <div role="rowgroup" className="lv-head">
        <div role="row" aria-rowindex={1} className="lv-row lv-head-row">
          {COLUMNS.map((col) => {
            const key = col.key;
            const className = col.numeric ? "lv-cell lv-th lv-money" : "lv-cell lv-th";
            if (!isSortKey(key)) {
              return (
                <div key={key} role="columnheader" className={className}>
                  {col.title}
                </div>
              );
            }
            const active = sort.key === key;
            const direction = sort.descending ? "descending" : "ascending";
            return (
              <div
                key={key}
                role="columnheader"
                aria-sort={active ? direction : "none"}
                className={active ? `${className} lv-th-active` : className}
                data-testid={`tx-header-${key}`}
                onClick={() => {
                  onSortChange(nextSort(sort, key));
                }}
              >
                <button type="button" className="lv-sort">
                  {col.title}
                  <span className="lv-sort-arrow" aria-hidden="true">
                    {active ? (sort.descending ? "▼" : "▲") : ""}
                  </span>
                </button>
              </div>
            );
          })}
        </div>
      </div>
      <div
        ref={scrollerRef}
        role="rowgroup"
        className="lv-scroller"
        data-testid="tx-scroller"
        style={viewportHeight === undefined ? undefined : { height: viewportHeight }}
        onScroll={onScroll}
      >
        {rowCount === null ? (
          <p className="lv-table-note muted">Counting transactions…</p>
        ) : rowCount === 0 ? (
          <p className="lv-table-note muted">No transactions to show.</p>
        ) : (
          <div className="lv-spacer" style={{ height: scrollHeightFor(metrics) }}>
            <div className="lv-rows" style={{ transform: `translateY(${range.translate}px)` }}>
              {rows}
            </div>
          </div>
        )}
      </div>
    </div>
  );
}
