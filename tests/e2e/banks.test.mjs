// End to end: connecting banks through their pages in a Folio window of their own. The pages are
// the sandbox banks' (local servers with Budgea's and Belfius' contracts, started by the app);
// the person approves there, Folio catches the redirect back, keeps the token in the keychain
// and syncs. The connect window loads a remote page: it must not be able to call Folio's
// commands. The business API (ABN AMRO's contract) connects with client credentials, no page.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { harness, waitFor } from "./app.mjs";

const { saveScreenshot, launch } = harness();

/** The bank's page that opened beside `main`: switched to, its #approve clicked, back to `main`
 * once Folio caught the redirect and closed it. The click runs from a script that returns first,
 * because the page is closed under the driver's feet. */
async function approveIn(session, main) {
  const w = await waitFor("the bank's window", async () => {
    const handles = await session.windows();
    return handles.find((h) => h !== main);
  });
  await session.switchTo(w);
  await session.find("#approve");
  await session.executeAsync(
    `const done = arguments[arguments.length - 1];
     setTimeout(() => document.getElementById("approve").click(), 50);
     done(true);`,
  );
  await session.switchTo(main);
  await waitFor("the bank's window to close", async () => (await session.windows()).length === 1);
}

/** The banks section's message; its error, if one shows instead, fails the wait at once. */
async function bankMessage(session) {
  if (await session.exists('[data-testid="bank-error"]')) {
    throw new Error(await session.text(await session.find('[data-testid="bank-error"]')));
  }
  return session.text(await session.find('[data-testid="bank-message"]'));
}

test("connect the sandbox bank in its own window, then sync it", async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), "folio-e2e-banks-"));
  const session = await launch(t, 4484, { FOLIO_DATA_DIR: dataDir });
  await session.find('[data-testid="empty-state"]');
  const main = await session.currentWindow();

  await session.click(await session.find('[data-testid="connect-sandbox"]'));
  await session.click(await session.find('[data-testid="connect-sandbox-budgea"]'));
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
  await waitFor("the first sync's report", async () =>
    /Sandbox bank connected: \d+ new/.test(await bankMessage(session)),
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
    /synced: 0 new, 0 changed, 0 matched to statement rows, 0 removed/.test(
      await session.text(await session.find('[data-testid="bank-message"]')),
    ),
  );
  await waitFor("the same count", async () => (await session.text(countEl)) === before);
  // Each fed account says when it was synced and what the bank reports it holds.
  const synced = await session.findAll('[data-testid="account-synced"]');
  assert.ok(synced.length >= 3, "every fed account shows its last sync");
  assert.match(await session.text(synced[0]), /^synced \d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
  const captions = await session.text(await session.find('[data-testid="account-list"]'));
  assert.match(captions, /as the bank reports/);
  saveScreenshot("bank-synced.png", await session.screenshot());

  // A PSD2 bank: consent in its own window; refusing first connects nothing.
  const consent = async () => {
    await session.click(await session.find('[data-testid="connect-sandbox"]'));
    await session.click(await session.find('[data-testid="connect-sandbox-belfius"]'));
    const w = await waitFor("the consent window", async () => {
      const handles = await session.windows();
      return handles.find((h) => h !== main);
    });
    await session.switchTo(w);
    await session.find("#approve");
    return w;
  };
  await consent();
  saveScreenshot("bank-consent.png", await session.screenshot());
  await session.executeAsync(
    `const done = arguments[arguments.length - 1];
     setTimeout(() => document.getElementById("cancel").click(), 50);
     done(true);`,
  );
  await session.switchTo(main);
  await waitFor("the consent window to close", async () => (await session.windows()).length === 1);
  const refused = await session.find('[data-testid="bank-error"]');
  assert.equal(await session.attr(refused, "data-code"), "BANK_ACTION_NEEDED");
  assert.equal((await session.findAll('[data-testid="connection"]')).length, 1);

  await consent();
  await session.executeAsync(
    `const done = arguments[arguments.length - 1];
     setTimeout(() => document.getElementById("approve").click(), 50);
     done(true);`,
  );
  await session.switchTo(main);
  await waitFor("the PSD2 bank's first sync", async () =>
    /Sandbox bank connected: [1-9]\d* new/.test(await bankMessage(session)),
  );

  // The business API: client credentials, no page.
  await session.click(await session.find('[data-testid="connect-sandbox"]'));
  await session.click(await session.find('[data-testid="connect-sandbox-abnamro"]'));
  await waitFor("the business account's first sync", async () =>
    /Sandbox bank connected: [1-9]\d* new/.test(await bankMessage(session)),
  );
  const states = await session.findAll('[data-testid="connection"]');
  assert.equal(states.length, 3);
  for (const c of states) assert.equal(await session.attr(c, "data-state"), "ok");
  saveScreenshot("bank-three-connected.png", await session.screenshot());

  // Removing a connection forgets it and its keys; its accounts and rows stay.
  const accountsBefore = (await session.findAll(".account")).length;
  const countBefore = await session.text(await session.find('[data-testid="tx-count"]'));
  await session.click((await session.findAll('[data-testid="remove"]'))[2]);
  await session.click(await session.find('[data-testid="remove-confirm"]'));
  await waitFor(
    "two connections left",
    async () => (await session.findAll('[data-testid="connection"]')).length === 2,
  );
  assert.equal((await session.findAll(".account")).length, accountsBefore);
  assert.equal(await session.text(await session.find('[data-testid="tx-count"]')), countBefore);
});

test("after a restart the aggregator asks to reconnect; reconnecting keeps its accounts, then the schedule syncs it", async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), "folio-e2e-reconnect-"));

  const first = await launch(t, 4494, { FOLIO_DATA_DIR: dataDir });
  await first.find('[data-testid="empty-state"]');
  const firstMain = await first.currentWindow();
  await first.click(await first.find('[data-testid="connect-sandbox"]'));
  await first.click(await first.find('[data-testid="connect-sandbox-budgea"]'));
  await approveIn(first, firstMain);
  await waitFor("the first sync", async () =>
    /connected: [1-9]\d* new/.test(await bankMessage(first)),
  );
  const accounts = (await first.findAll(".account")).length;
  assert.ok(accounts >= 3);
  await first.close();

  // The app's sandbox restarted with new tokens: the connection must be renewed, and the
  // schedule (every 3 s here) leaves it to the person.
  const second = await launch(t, 4504, {
    FOLIO_DATA_DIR: dataDir,
    FOLIO_SYNC_EVERY_SECS: "3",
  });
  const main = await second.currentWindow();
  await waitFor("the accounts", async () => (await second.findAll(".account")).length === accounts);
  await second.click(await second.find('[data-testid="sync-now"]'));
  const error = await second.find('[data-testid="bank-error"]');
  assert.equal(await second.attr(error, "data-code"), "BANK_RECONNECT");
  const connection = await second.find('[data-testid="connection"]');
  await waitFor(
    "the reconnect state",
    async () =>
      (await second.attr(await second.find('[data-testid="connection"]'), "data-state")) ===
      "reconnect",
  );
  saveScreenshot("bank-reconnect.png", await second.screenshot());
  assert.ok(connection);

  await second.click(await second.find('[data-testid="reconnect"]'));
  await approveIn(second, main);
  await waitFor("the reconnected sync", async () =>
    /connected again: 0 new, 0 changed/.test(await bankMessage(second)),
  );
  assert.equal((await second.findAll(".account")).length, accounts, "no account doubled");
  assert.equal((await second.findAll('[data-testid="connection"]')).length, 1);

  // In good standing again, the schedule syncs it on its own.
  const row = async () => second.find('[data-testid="connection"]');
  const before = await second.attr(await row(), "data-last-sync");
  assert.equal(await second.attr(await row(), "data-state"), "ok");
  await waitFor(
    "a scheduled sync",
    async () => (await second.attr(await row(), "data-last-sync")) > before,
    20_000,
  );
});

// The sandbox servers of `folio sandbox`, as if they were the providers' real APIs: the person
// types their own registration into the form.
async function startCliSandbox(t) {
  const cli = process.env.FOLIO_CLI_BINARY;
  assert.ok(cli, "FOLIO_CLI_BINARY must point at the built CLI (scripts/test-all sets it)");
  const child = spawn(cli, ["sandbox"], { stdio: ["ignore", "pipe", "inherit"] });
  t.after(() => child.kill("SIGTERM"));
  let out = "";
  child.stdout.on("data", (d) => {
    out += String(d);
  });
  await waitFor("the sandbox's addresses", async () => out.includes("folio connect abnamro"));
  const belfius = /folio connect belfius --base-url (\S+) --client-id (\S+)/.exec(out);
  const abn =
    /FOLIO_ABNAMRO_CLIENT_SECRET=(\S+) FOLIO_ABNAMRO_API_KEY=(\S+) folio connect abnamro --base-url (\S+) --client-id (\S+)/.exec(
      out,
    );
  assert.ok(belfius && abn, out);
  return {
    belfius: { baseUrl: belfius[1], clientId: belfius[2] },
    abnamro: { secret: abn[1], apiKey: abn[2], baseUrl: abn[3], clientId: abn[4] },
  };
}

test("connect providers with your own API access through the form", async (t) => {
  const apis = await startCliSandbox(t);
  const dataDir = mkdtempSync(join(tmpdir(), "folio-e2e-own-"));
  const session = await launch(t, 4514, { FOLIO_DATA_DIR: dataDir });
  await session.find('[data-testid="empty-state"]');
  const fill = async (testid, text) =>
    session.type(await session.find(`[data-testid="${testid}"]`), text);

  // ABN AMRO with a wrong API key: refused, and nothing stays half-connected.
  await session.click(await session.find('[data-testid="connect-own"]'));
  await session.click(
    await session.find('[data-testid="connect-provider"] option[value="abnamro"]'),
  );
  await fill("connect-label", "Business account");
  await fill("connect-base-url", apis.abnamro.baseUrl);
  await fill("connect-client-id", apis.abnamro.clientId);
  await fill("connect-client-secret", apis.abnamro.secret);
  await fill("connect-api-key", "not-the-key");
  saveScreenshot("bank-own-access-form.png", await session.screenshot());
  await session.click(await session.find('[data-testid="connect-submit"]'));
  const refused = await session.find('[data-testid="bank-error"]');
  assert.match(await session.text(refused), /Nothing was connected/);
  assert.equal((await session.findAll('[data-testid="connection"]')).length, 0);

  // The right key: connected and synced.
  const key = await session.find('[data-testid="connect-api-key"]');
  await session.executeAsync(
    `const done = arguments[arguments.length - 1];
     const el = document.querySelector('[data-testid="connect-api-key"]');
     Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set.call(el, "");
     el.dispatchEvent(new Event("input", { bubbles: true }));
     done(true);`,
  );
  await session.type(key, apis.abnamro.apiKey);
  await session.click(await session.find('[data-testid="connect-submit"]'));
  await waitFor("the business account's first sync", async () =>
    /Bank connected: [1-9]\d* new/.test(await bankMessage(session)),
  );
  const row = await session.find('[data-testid="connection"]');
  assert.match(await session.text(row), /Business account/);

  // Belfius: its consent page (the CLI's sandbox approves at once) in a window of its own.
  await session.click(await session.find('[data-testid="connect-own"]'));
  await session.click(
    await session.find('[data-testid="connect-provider"] option[value="belfius"]'),
  );
  await fill("connect-base-url", apis.belfius.baseUrl);
  await fill("connect-client-id", apis.belfius.clientId);
  await session.click(await session.find('[data-testid="connect-submit"]'));
  await waitFor("the PSD2 bank's first sync", async () =>
    /Bank connected: [1-9]\d* new/.test(await bankMessage(session)),
  );
  assert.equal((await session.findAll('[data-testid="connection"]')).length, 2);
  await waitFor(
    "the PSD2 bank's accounts too",
    async () => (await session.findAll(".account")).length > 1,
  );
  saveScreenshot("bank-own-access-connected.png", await session.screenshot());
});

test("a bank login the bank refuses is repaired on the aggregator's reconnect page", async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), "folio-e2e-wrongpass-"));
  const session = await launch(t, 4524, { FOLIO_DATA_DIR: dataDir, FOLIO_SANDBOX_WRONGPASS: "1" });
  await session.find('[data-testid="empty-state"]');
  const main = await session.currentWindow();

  await session.click(await session.find('[data-testid="connect-sandbox"]'));
  await session.click(await session.find('[data-testid="connect-sandbox-budgea"]'));
  await approveIn(session, main);
  // The access is good, but one bank login's password is refused: the connection stays,
  // marked, and nothing is filed until the person repairs it.
  const error = await session.find('[data-testid="bank-error"]');
  assert.equal(await session.attr(error, "data-code"), "BANK_ACTION_NEEDED");
  assert.match(await session.text(error), /password/);
  await waitFor(
    "the connection marked",
    async () =>
      (await session.attr(await session.find('[data-testid="connection"]'), "data-state")) ===
      "action_needed",
  );
  assert.equal((await session.findAll(".account")).length, 0);
  saveScreenshot("bank-wrongpass.png", await session.screenshot());

  await session.click(await session.find('[data-testid="reconnect"]'));
  await approveIn(session, main);
  await waitFor("the repaired sync", async () =>
    /connected again: [1-9]\d* new/.test(await bankMessage(session)),
  );
  assert.equal(
    await session.attr(await session.find('[data-testid="connection"]'), "data-state"),
    "ok",
  );
  await waitFor("the accounts", async () => (await session.findAll(".account")).length >= 3);
});
