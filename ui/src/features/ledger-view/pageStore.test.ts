import { describe, expect, it, vi } from "vitest";
import { PageStore, RETRY_AFTER_MS } from "./pageStore";

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const rows = (offset: number, limit: number) =>
  Array.from({ length: limit }, (_, i) => ({ n: offset + i }));

describe("PageStore", () => {
  it("fetches each page once, even while a request is in flight", async () => {
    const store = new PageStore<{ n: number }>(10, 8);
    const fetch = vi.fn((offset: number, limit: number) => Promise.resolve(rows(offset, limit)));
    const started = store.ensure("q", 0, 2, fetch);
    void store.ensure("q", 0, 2, fetch);
    expect(fetch).toHaveBeenCalledTimes(3);
    await Promise.all(started);
    void store.ensure("q", 0, 2, fetch);
    expect(fetch).toHaveBeenCalledTimes(3);
    expect(fetch.mock.calls).toEqual([
      [0, 10],
      [10, 10],
      [20, 10],
    ]);
    expect(store.rowAt("q", 25)).toEqual({ n: 25 });
    expect(store.rowAt("other", 25)).toBeUndefined();
  });

  it("keeps at most maxPages, dropping the least recently used", async () => {
    const store = new PageStore<{ n: number }>(10, 4);
    const fetch = (offset: number, limit: number) => Promise.resolve(rows(offset, limit));
    for (let page = 0; page < 1000; page++) {
      await Promise.all(store.ensure("q", page, page, fetch));
      expect(store.size).toBeLessThanOrEqual(4);
      if (page === 5) await Promise.all(store.ensure("q", 2, 2, fetch)); // touch page 2
    }
    expect(store.rowAt("q", 9995)).toEqual({ n: 9995 });
    expect(store.rowAt("q", 0)).toBeUndefined();
  });

  it("ignores responses for a previous query", async () => {
    const store = new PageStore<{ n: number }>(10, 4);
    const old = deferred<{ n: number }[]>();
    void store.ensure("old", 0, 0, () => old.promise);
    const fresh = deferred<{ n: number }[]>();
    const started = store.ensure("new", 0, 0, () => fresh.promise);
    fresh.resolve([{ n: 2 }]);
    await Promise.all(started);
    old.resolve([{ n: 1 }]);
    await old.promise;
    await Promise.resolve();
    expect(store.rowAt("new", 0)).toEqual({ n: 2 });
    expect(store.rowAt("old", 0)).toBeUndefined();
  });

  it("retries a failed page only after a pause", async () => {
    const store = new PageStore<{ n: number }>(10, 4);
    const onError = vi.fn();
    const fail = vi.fn(() => Promise.reject(new Error("backend down")));
    await Promise.all(store.ensure("q", 0, 0, fail, onError));
    expect(onError).toHaveBeenCalledTimes(1);
    expect(store.failed("q", 3)).toBe(true);
    void store.ensure("q", 0, 0, fail, onError, Date.now());
    expect(fail).toHaveBeenCalledTimes(1);
    const ok = vi.fn((offset: number, limit: number) => Promise.resolve(rows(offset, limit)));
    await Promise.all(store.ensure("q", 0, 0, ok, onError, Date.now() + RETRY_AFTER_MS + 1));
    expect(ok).toHaveBeenCalledTimes(1);
    expect(store.failed("q", 3)).toBe(false);
    expect(store.rowAt("q", 3)).toEqual({ n: 3 });
  });

  it("notifies subscribers when pages arrive", async () => {
    const store = new PageStore<{ n: number }>(10, 4);
    const listener = vi.fn();
    const unsubscribe = store.subscribe(listener);
    const before = store.getVersion();
    await Promise.all(store.ensure("q", 0, 0, (o, l) => Promise.resolve(rows(o, l))));
    expect(listener).toHaveBeenCalled();
    expect(store.getVersion()).toBeGreaterThan(before);
    unsubscribe();
  });
});
