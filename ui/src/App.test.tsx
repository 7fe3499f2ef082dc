import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it } from "vitest";
import { App } from "./App";
import type { AccountDto, LedgerStatus } from "./ipc/bindings";

const unlocked: LedgerStatus = {
  state: "unlocked",
  dataDir: "/home/ada/.local/share/folio",
  ledgerFile: "/home/ada/.local/share/folio/ledger.folio",
  cipher: "SQLCipher 4.6.1 community",
  schemaVersion: 1,
  created: true,
};

const locked: LedgerStatus = {
  state: "locked",
  dataDir: "/home/ada/.local/share/folio",
  error: {
    code: "KEYCHAIN_UNAVAILABLE",
    title: "No keychain found",
    message: "no OS keychain is reachable: no session bus",
    hint: "On Linux, run a Secret Service provider (GNOME Keyring).",
  },
};

/** Answers IPC calls the way the backend does; records which commands the UI called. */
function backend(statuses: LedgerStatus[], accounts: AccountDto[] = []) {
  const calls: string[] = [];
  mockIPC(
    (cmd) => {
      calls.push(cmd);
      if (cmd === "ledger_status") return statuses.length > 1 ? statuses.shift() : statuses[0];
      if (cmd === "list_accounts") return accounts;
      if (cmd === "import_jobs") return [];
      if (cmd === "count_transactions") return 0;
      if (cmd === "list_connections") return [];
      if (cmd === "list_transactions") return [];
      throw new Error(`unexpected command ${cmd}`);
    },
    { shouldMockEvents: true },
  );
  return calls;
}

afterEach(() => {
  cleanup();
  clearMocks();
});

describe("the window", () => {
  it("shows the empty state and the encryption status line", async () => {
    const calls = backend([unlocked]);
    render(<App />);
    const empty = await screen.findByTestId("empty-state");
    expect(empty.textContent).toContain("Drop a statement PDF here");
    const status = screen.getByTestId("status-line");
    expect(status.textContent).toContain("Encrypted");
    expect(status.textContent).toContain("SQLCipher 4.6.1");
    expect(status.textContent).toContain("/home/ada/.local/share/folio/ledger.folio");
    await waitFor(() => {
      // The sidebar's sections load side by side: which calls, not their order.
      expect([...calls].sort()).toEqual(
        ["ledger_status", "list_accounts", "import_jobs", "list_connections"].sort(),
      );
    });
  });

  it("lists accounts with masked numbers and exact balances", async () => {
    backend(
      [unlocked],
      [
        {
          id: 1,
          name: "Compte courant",
          bank: "Belfius",
          masked: "****7034",
          currency: "EUR",
          transactionCount: 2,
          balance: "-12.50",
          statementBalance: "1234.50",
          statementDate: "2024-03-31",
          computedBalance: "1200.00",
          balanceMatches: false,
          connectionId: null,
          lastSyncedAt: null,
          bankBalance: null,
          bankBalanceDate: null,
        },
      ],
    );
    render(<App />);
    const list = await screen.findByTestId("account-list");
    expect(list.textContent).toContain("Compte courant");
    expect(list.textContent).toContain("Belfius · ****7034");
    // The latest printed balance, exact and grouped, and the ledger's own sum when they disagree.
    expect(screen.getByTestId("account-balance").textContent).toBe("1,234.50 EUR");
    expect(screen.getByTestId("balance-mismatch").textContent).toContain("1,200.00 EUR");
    expect(await screen.findByTestId("ledger-view")).toBeTruthy();
    expect(screen.queryByTestId("empty-state")).toBeNull();
  });

  it("explains a missing keychain and retries on request", async () => {
    const calls = backend([locked, unlocked]);
    render(<App />);
    const screenEl = await screen.findByTestId("locked-screen");
    expect(screenEl.textContent).toContain("No keychain found");
    expect(screen.getByTestId("locked-hint").textContent).toContain("Secret Service");
    expect(screen.getByTestId("locked-code").textContent).toBe("KEYCHAIN_UNAVAILABLE");
    expect(screen.queryByTestId("status-line")).toBeNull();

    fireEvent.click(screen.getByRole("button", { name: "Try again" }));
    await screen.findByTestId("empty-state");
    await waitFor(() => {
      expect([...calls].sort()).toEqual(
        [
          "ledger_status",
          "ledger_status",
          "list_accounts",
          "import_jobs",
          "list_connections",
        ].sort(),
      );
    });
  });

  it("shows a backend failure instead of hanging", async () => {
    mockIPC(() => {
      throw new Error("boom");
    });
    render(<App />);
    const screenEl = await screen.findByTestId("locked-screen");
    expect(screenEl.textContent).toContain("lost contact");
  });
});
