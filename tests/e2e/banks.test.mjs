// End to end: connecting a bank through its connect page in a Folio window of its own. The page
// is the sandbox bank's (a local server with Budgea's contract, started by the app); the person
// approves there, Folio catches the redirect back, keeps the token in the keychain and syncs.
// The connect window loads a remote page: it must not be able to call Folio's commands.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { harness, waitFor } from "./app.mjs";

const { saveScreenshot, launch } = harness();

test("connect the sandbox bank in its own window, then sync it", async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), "folio-e2e-banks-"));
  const session = await launch(t, 4484, { FOLIO_DATA_DIR: dataDir });
  await session.find('[data-testid="empty-state"]');
  const main = await session.currentWindow();

  await session.click(await session.find('[data-testid="connect-sandbox"]'));
  const connectWindow = await waitFor("the connect window", async () => {
    const handles = await session.windows();
    return handles.find((h) => h !== main);
  });
  await session.switchTo(connectWindow);
  const approve = await session.find("#approve");
  saveScreenshot("bank-connect.png", await session.screenshot());

  // The bank's page has no way into Folio: no IPC bridge, or one that refuses every command.
  const probe = await session.executeAsync(
    `const done = arguments[arguments.length - 1];
     const internals = window.__TAURI_INTERNALS__;
     if (!internals || typeof internals.invoke !== "function") { done({ bridge: false }); return; }
     internals.invoke("list_accounts").then(
       (v) => done({ bridge: true, answered: v }),
       (e) => done({ bridge: true, refused: String(e) }),
     );`,
  );
  assert.ok(
    probe.bridge === false || typeof probe.refused === "string",
    `the connect page must not call commands: ${JSON.stringify(probe)}`,
  );

  // Approve as a person would; clicked from a script that returns first, because this page is
  // closed under the driver's feet once Folio catches the redirect back.
  assert.equal(await session.text(approve), "Approve");
  await session.executeAsync(
    `const done = arguments[arguments.length - 1];
     setTimeout(() => document.getElementById("approve").click(), 50);
     done(true);`,
  );
  await session.switchTo(main);
  await waitFor("the connect window to close", async () => (await session.windows()).length === 1);
  const reportOrError = async () => {
    if (await session.exists('[data-testid="bank-error"]')) {
      throw new Error(await session.text(await session.find('[data-testid="bank-error"]')));
    }
    return session.text(await session.find('[data-testid="bank-message"]'));
  };
  await waitFor("the first sync's report", async () =>
    /Sandbox bank connected: \d+ new/.test(await reportOrError()),
  );
  await waitFor(
    "the synced accounts in the sidebar",
    async () => (await session.findAll(".account")).length >= 3,
  );
  const connection = await session.find('[data-testid="connection"]');
  assert.equal(await session.attr(connection, "data-state"), "ok");

  // Sync again: nothing new, nothing doubled.
  const countEl = await session.find('[data-testid="tx-count"]');
  const before = await session.text(countEl);
  await session.click(await session.find('[data-testid="sync-now"]'));
  await waitFor("the re-sync report", async () =>
    /synced: 0 new, 0 changed, 0 removed/.test(
      await session.text(await session.find('[data-testid="bank-message"]')),
    ),
  );
  await waitFor("the same count", async () => (await session.text(countEl)) === before);
  saveScreenshot("bank-synced.png", await session.screenshot());
});
