/**
 * A bounded cache of row pages for one query at a time.
 *
 * Pages are fetched on demand, at most once while a request is in flight, and kept in
 * least-recently-used order up to `maxPages` so that memory stays flat while scrolling through
 * a million rows. Switching to another query drops every page and makes responses to requests
 * for the old query be ignored when they arrive.
 */

export type FetchPage<Row> = (offset: number, limit: number) => Promise<Row[]>;

/** How long a failed page is left alone before it is asked for again. */
export const RETRY_AFTER_MS = 3000;

export class PageStore<Row> {
  readonly pageSize: number;
  readonly maxPages: number;
  private query: string | null = null;
  private generation = 0;
  private readonly pages = new Map<number, Row[]>();
  private readonly inFlight = new Map<number, Promise<void>>();
  private readonly failedAt = new Map<number, number>();
  private readonly listeners = new Set<() => void>();
  private version = 0;

  constructor(pageSize = 200, maxPages = 30) {
    if (!Number.isInteger(pageSize) || pageSize < 1) throw new Error("pageSize must be >= 1");
    this.pageSize = pageSize;
    this.maxPages = Math.max(4, Math.floor(maxPages));
  }

  /** For useSyncExternalStore. */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  /** Changes whenever a page arrives, fails or the cache is dropped. */
  getVersion = (): number => this.version;

  /** Number of pages held. */
  get size(): number {
    return this.pages.size;
  }

  /** Number of requests in flight for the current query. */
  get pending(): number {
    return this.inFlight.size;
  }

  /** The page holding `index`. */
  pageOf(index: number): number {
    return Math.floor(index / this.pageSize);
  }

  /** The row at `index` for `query`, if it is loaded (does not touch LRU order). */
  rowAt(query: string, index: number): Row | undefined {
    if (query !== this.query) return undefined;
    return this.pages.get(this.pageOf(index))?.[index % this.pageSize];
  }

  /** Whether the page holding `index` failed to load for `query` and has not been retried. */
  failed(query: string, index: number): boolean {
    return query === this.query && this.failedAt.has(this.pageOf(index));
  }

  /** Switches to `query`, dropping every page of the previous one. */
  setQuery(query: string): void {
    if (query === this.query) return;
    this.query = query;
    this.generation += 1;
    this.pages.clear();
    this.inFlight.clear();
    this.failedAt.clear();
    this.emit();
  }

  /**
   * Makes sure pages `firstPage..lastPage` of `query` are loaded or loading, and marks them most
   * recently used. Returns the requests started (already loaded or in-flight pages start none).
   */
  ensure(
    query: string,
    firstPage: number,
    lastPage: number,
    fetchPage: FetchPage<Row>,
    onError?: (error: unknown) => void,
    now: number = Date.now(),
  ): Promise<void>[] {
    this.setQuery(query);
    const started: Promise<void>[] = [];
    for (let page = Math.max(0, firstPage); page <= lastPage; page++) {
      const rows = this.pages.get(page);
      if (rows !== undefined) {
        this.pages.delete(page);
        this.pages.set(page, rows);
        continue;
      }
      if (this.inFlight.has(page)) continue;
      const failed = this.failedAt.get(page);
      if (failed !== undefined && now - failed < RETRY_AFTER_MS) continue;
      started.push(this.load(page, fetchPage, onError));
    }
    return started;
  }

  private load(page: number, fetchPage: FetchPage<Row>, onError?: (e: unknown) => void) {
    const generation = this.generation;
    const request = (async () => {
      try {
        const rows = await fetchPage(page * this.pageSize, this.pageSize);
        if (generation !== this.generation) return;
        this.failedAt.delete(page);
        this.pages.set(page, rows);
        this.evict();
      } catch (error: unknown) {
        if (generation !== this.generation) return;
        this.failedAt.set(page, Date.now());
        onError?.(error);
      } finally {
        if (generation === this.generation) {
          this.inFlight.delete(page);
          this.emit();
        }
      }
    })();
    this.inFlight.set(page, request);
    return request;
  }

  private evict(): void {
    while (this.pages.size > this.maxPages) {
      const oldest = this.pages.keys().next();
      if (oldest.done === true) return;
      this.pages.delete(oldest.value);
    }
  }

  private emit(): void {
    this.version += 1;
    for (const listener of this.listeners) listener();
  }
}
