// End to end: the real Folio binary in a real WebKitGTK window under Xvfb, driven through
// tauri-driver. The keychain is GNOME Keyring's Secret Service in the private D-Bus session that
// scripts/lib/with-keyring starts; each test has its own data dir, so its own keychain item.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { harness } from "./app.mjs";

const { saveScreenshot, launch } = harness();

test("first start: keychain login, empty state, encryption status line", async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), "folio-e2e-"));
  const started = performance.now();
  const session = await launch(t, 4444, { FOLIO_DATA_DIR: dataDir });

  const empty = await session.find('[data-testid="empty-state"]');
  const firstScreenMs = Math.round(performance.now() - started);
  console.log(`cold start to unlocked empty state: ${firstScreenMs} ms`);

  saveScreenshot("empty-state.png", await session.screenshot());
  assert.match(await session.text(empty), /Drop a statement PDF here/);
  const status = await session.text(await session.find('[data-testid="status-line"]'));
  const ledgerFile = join(realpathSync(dataDir), "ledger.folio");
  assert.match(status, /Encrypted/);
  assert.match(status, /SQLCipher 4/);
  const shownPath = await session.text(await session.find('[data-testid="status-path"]'));
  assert.equal(shownPath, ledgerFile, "the status line names the ledger file");
  assert.equal(await session.title(), "Folio");

  // The window's ledger is a real SQLCipher file, and its key is in the real keychain.
  const header = readFileSync(ledgerFile).subarray(0, 16).toString("latin1");
  assert.notEqual(header, "SQLite format 3\0");
  const key = execFileSync("secret-tool", [
    "lookup",
    "service",
    "Folio",
    "username",
    `ledger-key:${realpathSync(dataDir)}`,
  ]).toString();
  assert.match(key.trim(), /^[0-9a-f]{64}$/, "a 256-bit key in the keychain");
});

test("no keychain: a clear screen says what is missing, and no ledger is written", async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), "folio-e2e-nokeychain-"));
  const session = await launch(t, 4454, {
    FOLIO_DATA_DIR: dataDir,
    DBUS_SESSION_BUS_ADDRESS: "unix:path=/nonexistent/folio-no-bus",
  });

  const locked = await session.find('[data-testid="locked-screen"]');
  assert.match(await session.text(locked), /No keychain found/);
  assert.equal(
    await session.text(await session.find('[data-testid="locked-code"]')),
    "KEYCHAIN_UNAVAILABLE",
  );
  assert.match(
    await session.text(await session.find('[data-testid="locked-hint"]')),
    /Secret Service/,
  );
  assert.equal(await session.exists('[data-testid="status-line"]'), false);
  assert.throws(() => readFileSync(join(dataDir, "ledger.folio")), /ENOENT/);
  saveScreenshot("no-keychain.png", await session.screenshot());
});

test("the window may call only its granted commands, under a strict CSP", async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), "folio-e2e-acl-"));
  const session = await launch(t, 4464, { FOLIO_DATA_DIR: dataDir });
  await session.find('[data-testid="empty-state"]');

  // Through the same IPC entry the bindings use: a granted command answers, anything else is refused.
  const invoke = (cmd) =>
    session.executeAsync(
      `const done = arguments[arguments.length - 1];
       window.__TAURI_INTERNALS__.invoke(arguments[0]).then(
         (v) => done({ ok: v }),
         (e) => done({ err: String(e) }),
       );`,
      [cmd],
    );
  assert.deepEqual(await invoke("list_accounts"), { ok: [] });
  for (const cmd of [
    "plugin:app|version",
    "plugin:window|close",
    // The window may listen to events (import progress, drops) but not send any.
    "plugin:event|emit",
    "no_such_command",
  ]) {
    const r = await invoke(cmd);
    assert.ok(r.err, `${cmd} must be refused, got ${JSON.stringify(r)}`);
  }

  // No inline script and no eval: only the bundled files run.
  const csp = await session.executeAsync(
    `const done = arguments[arguments.length - 1];
     const s = document.createElement("script");
     s.textContent = "window.__folioInline = true";
     document.head.appendChild(s);
     let evalRan = false;
     try { evalRan = (0, eval)("true"); } catch (e) { evalRan = false; }
     setTimeout(() => done({ inline: window.__folioInline === true, evalRan }), 100);`,
  );
  assert.deepEqual(csp, { inline: false, evalRan: false });
});
