/**
 * Pure geometry for the virtual table.
 *
 * Browsers cap an element's height (about 16.7 million px in WebKit and Chrome), and a million
 * 28 px rows need 28 million. Above {@link MAX_SCROLL_HEIGHT} the scrollable range is therefore
 * compressed: the scrollbar spans `scrollHeight` px, and a scroll position is mapped linearly
 * onto the full content height so that the top of the scroll range shows the first row and the
 * bottom of it shows the last.
 */

/** A scroll height every engine renders reliably. */
export const MAX_SCROLL_HEIGHT = 8_000_000;

export interface ScrollMetrics {
  rowCount: number;
  rowHeight: number;
  viewportHeight: number;
  /** Defaults to {@link MAX_SCROLL_HEIGHT}. */
  maxScrollHeight?: number;
}

export interface VisibleRows {
  /** First row index to render (overscan included). */
  first: number;
  /** Last row index to render, inclusive; `last < first` when there is nothing to render. */
  last: number;
  /** First and last row that are at least partly inside the viewport. */
  firstVisible: number;
  lastVisible: number;
  /** Where, in scroll-content px, the top edge of row `first` is drawn. */
  translate: number;
}

/** Height of the full (uncompressed) content. */
export function contentHeight(m: ScrollMetrics): number {
  return Math.max(0, m.rowCount) * m.rowHeight;
}

/** Height of the scrollable element: the content height, capped. */
export function scrollHeightFor(m: ScrollMetrics): number {
  return Math.min(contentHeight(m), m.maxScrollHeight ?? MAX_SCROLL_HEIGHT);
}

function ranges(m: ScrollMetrics): { maxScrollTop: number; maxContentTop: number } {
  return {
    maxScrollTop: Math.max(0, scrollHeightFor(m) - m.viewportHeight),
    maxContentTop: Math.max(0, contentHeight(m) - m.viewportHeight),
  };
}

/** The content offset (px from the top of row 0) shown at the top of the viewport. */
export function contentTopFor(scrollTop: number, m: ScrollMetrics): number {
  const { maxScrollTop, maxContentTop } = ranges(m);
  if (maxScrollTop <= 0) return 0;
  const clamped = Math.min(Math.max(scrollTop, 0), maxScrollTop);
  if (maxScrollTop === maxContentTop) return clamped;
  return (clamped / maxScrollTop) * maxContentTop;
}

/** Inverse of {@link contentTopFor}: the scrollTop that shows `contentTop` at the top. */
export function scrollTopFor(contentTop: number, m: ScrollMetrics): number {
  const { maxScrollTop, maxContentTop } = ranges(m);
  if (maxContentTop <= 0) return 0;
  const clamped = Math.min(Math.max(contentTop, 0), maxContentTop);
  if (maxScrollTop === maxContentTop) return clamped;
  return (clamped / maxContentTop) * maxScrollTop;
}

/** The row shown at the top edge of the viewport for a scroll position. */
export function rowAtScrollTop(scrollTop: number, m: ScrollMetrics): number {
  if (m.rowCount <= 0) return 0;
  const row = Math.floor(contentTopFor(scrollTop, m) / m.rowHeight);
  return Math.min(row, m.rowCount - 1);
}

/** Which rows to render for a scroll position, and where to draw them. */
export function visibleRows(scrollTop: number, m: ScrollMetrics, overscan = 0): VisibleRows {
  if (m.rowCount <= 0 || m.rowHeight <= 0) {
    return { first: 0, last: -1, firstVisible: 0, lastVisible: -1, translate: 0 };
  }
  const { maxScrollTop } = ranges(m);
  const clampedScroll = Math.min(Math.max(scrollTop, 0), maxScrollTop);
  const top = contentTopFor(clampedScroll, m);
  const firstVisible = Math.min(Math.floor(top / m.rowHeight), m.rowCount - 1);
  const bottom = top + Math.max(m.viewportHeight, m.rowHeight);
  const lastVisible = Math.min(Math.ceil(bottom / m.rowHeight) - 1, m.rowCount - 1);
  const first = Math.max(0, firstVisible - overscan);
  const last = Math.min(m.rowCount - 1, lastVisible + overscan);
  return {
    first,
    last,
    firstVisible,
    lastVisible,
    translate: clampedScroll + first * m.rowHeight - top,
  };
}

/**
 * The scrollTop that brings row `index` fully into view, moving as little as possible, or null
 * when it is already fully visible.
 */
export function scrollTopToReveal(
  index: number,
  scrollTop: number,
  m: ScrollMetrics,
): number | null {
  const top = contentTopFor(scrollTop, m);
  const rowTop = index * m.rowHeight;
  const rowBottom = rowTop + m.rowHeight;
  if (rowTop < top) return scrollTopFor(rowTop, m);
  if (rowBottom > top + m.viewportHeight) {
    const target = scrollTopFor(rowBottom - m.viewportHeight, m);
    // With a compressed range one scroll px is several content px: round up so that the row's
    // bottom edge is not left a few px below the viewport.
    return target === scrollTopFor(contentHeight(m), m) ? target : Math.ceil(target);
  }
  return null;
}
