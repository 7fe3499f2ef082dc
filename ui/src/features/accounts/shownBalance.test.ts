import { describe, expect, it } from "vitest";
import type { AccountDto } from "../../ipc/bindings";
import { shownBalance } from "./AccountsSidebar";

const account: AccountDto = {
  id: 1,
  name: "Checking",
  bank: "Belfius",
  masked: "****7034",
  currency: "EUR",
  transactionCount: 3,
  balance: "-40.00",
  statementBalance: null,
  statementDate: null,
  computedBalance: "-40.00",
  balanceMatches: true,
  connectionId: null,
  lastSyncedAt: null,
  bankBalance: null,
  bankBalanceDate: null,
};

describe("shownBalance", () => {
  it("uses the ledger's sum when nothing else is known", () => {
    expect(shownBalance(account)).toEqual({ amount: "-40.00", caption: null });
  });

  it("prefers the printed closing balance to the sum", () => {
    expect(
      shownBalance({ ...account, statementBalance: "960.00", statementDate: "2026-10-31" }),
    ).toEqual({ amount: "960.00", caption: "on 2026-10-31, as printed" });
  });

  it("prefers the bank's reported balance when it is as recent as the latest statement", () => {
    const fed = {
      ...account,
      connectionId: 2,
      bankBalance: "1015.25",
      bankBalanceDate: "2026-11-23",
    };
    expect(shownBalance(fed)).toEqual({
      amount: "1015.25",
      caption: "on 2026-11-23, as the bank reports",
    });
    expect(
      shownBalance({ ...fed, statementBalance: "960.00", statementDate: "2026-11-30" }).amount,
    ).toBe("960.00");
  });
});
