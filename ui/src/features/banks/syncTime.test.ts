import { describe, expect, it } from "vitest";
import { formatSyncedAt } from "./syncTime";
import { progressText } from "./BanksSection";

describe("formatSyncedAt", () => {
  it("shows a UTC sync time in the given zone, to the minute", () => {
    expect(formatSyncedAt("2026-11-23T13:05:59Z", "UTC")).toBe("2026-11-23 13:05");
    expect(formatSyncedAt("2026-11-23T23:30:00Z", "Europe/Brussels")).toBe("2026-11-24 00:30");
  });

  it("shows text that is not a time as it came", () => {
    expect(formatSyncedAt("yesterday")).toBe("yesterday");
  });
});

describe("progressText", () => {
  const base = {
    connectionId: 1,
    phase: "fetching",
    account: 0,
    accounts: 0,
    accountName: null,
    transactions: 0,
    error: null,
    scheduled: false,
  };

  it("says which account is being fetched and how many rows came", () => {
    expect(progressText(base)).toBe("Asking the bank for its accounts…");
    expect(
      progressText({ ...base, account: 2, accounts: 3, accountName: "Savings", transactions: 120 }),
    ).toBe("Fetching account 2 of 3 (Savings)… 120 transactions so far");
    expect(progressText({ ...base, phase: "filing" })).toBe("Filing into your ledger…");
  });
});
