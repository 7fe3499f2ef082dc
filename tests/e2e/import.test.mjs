// End to end: statement PDFs into the real window. Files go in through `import_files`, the command
// the drop handler and the file picker call (the drop event's own wiring is a UI unit test:
// ui/src/features/import/dragDrop.test.ts). Then what a person does: watch the rows, type a
// password in place, review, file, and see a second copy refused.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { harness, waitFor } from "./app.mjs";
import { invoke, jobRow, waitStage, within } from "./jobs.mjs";

const { saveScreenshot, launch } = harness();
const fixturesBin = process.env.FOLIO_FIXTURES_BINARY;
const cliBin = process.env.FOLIO_CLI_BINARY;

/** Writes the fixture statements (generated PDFs with known ground truth) into a fresh folder. */
function fixtures() {
  assert.ok(fixturesBin, "FOLIO_FIXTURES_BINARY must point at the folio-fixtures binary");
  const dir = mkdtempSync(join(tmpdir(), "folio-e2e-pdfs-"));
  execFileSync(fixturesBin, [dir]);
  return dir;
}

/** Records every `import-job-changed` event the window receives, as the UI's listener does. */
async function recordJobEvents(session) {
  const r = await session.executeAsync(
    `const done = arguments[arguments.length - 1];
     window.__folioEvents = [];
     const handler = window.__TAURI_INTERNALS__.transformCallback((e) => window.__folioEvents.push(e.payload.job));
     window.__TAURI_INTERNALS__
       .invoke("plugin:event|listen", { event: "import-job-changed", target: { kind: "Any" }, handler })
       .then(() => done({ ok: true }), (e) => done({ err: String(e) }));`,
  );
  assert.deepEqual(r, { ok: true }, "the window may listen to import events");
  return async () => session.executeAsync(`arguments[arguments.length - 1](window.__folioEvents);`);
}

test("import statements: progress, password in place, review, filing, duplicate refused", async (t) => {
  const pdfs = fixtures();
  const dataDir = mkdtempSync(join(tmpdir(), "folio-e2e-import-"));
  // A protected copy (AES-256, user password) and a file that is not a PDF at all.
  execFileSync("qpdf", [
    "--encrypt",
    "tulip-1984",
    "owner-pw",
    "256",
    "--",
    join(pdfs, "abn-amro-nl.pdf"),
    join(pdfs, "protected.pdf"),
  ]);
  writeFileSync(join(pdfs, "notes.pdf"), "these are my notes, not a statement\n");
  // The same bytes as ing-nl.pdf under another name, for later.
  copyFileSync(join(pdfs, "ing-nl.pdf"), join(pdfs, "ing-copy.pdf"));

  const session = await launch(t, 4474, { FOLIO_DATA_DIR: dataDir });
  await session.find('[data-testid="empty-state"]');
  const events = await recordJobEvents(session);

  const files = ["ing-nl.pdf", "us-checking.pdf", "protected.pdf", "notes.pdf"];
  const queued = await invoke(session, "import_files", { paths: files.map((f) => join(pdfs, f)) });
  assert.ok(queued.ok, `import_files answered ${JSON.stringify(queued)}`);
  assert.equal(queued.ok.length, 4, "one job per file");

  await waitStage(session, "ing-nl.pdf", "review");
  await waitStage(session, "us-checking.pdf", "review");
  await waitStage(session, "protected.pdf", "needsPassword");
  const notes = await waitStage(session, "notes.pdf", "failed");
  const notesError = await within(session, notes, '[data-testid="import-error"]');
  assert.equal(await session.attr(notesError, "data-code"), "INVALID_FILE_TYPE");

  // Live progress: every PDF that was read reported its pages, page after page.
  const seen = await events();
  for (const file of ["ing-nl.pdf", "us-checking.pdf"]) {
    const pages = seen.filter((j) => j.fileName === file && j.stage === "reading");
    assert.deepEqual(
      pages.map((j) => `${j.page}/${j.pages}`),
      ["1/2", "2/2"],
      `${file} reported page k of n`,
    );
  }
  const ingSummary = await within(
    session,
    await jobRow(session, "ing-nl.pdf"),
    '[data-testid="import-summary"]',
  );
  assert.match(await session.text(ingSummary), /37 transactions/);
  assert.match(await session.text(ingSummary), /adds up/);

  // The password, in place: a wrong one is said to be wrong, the right one opens the file.
  const protectedRow = await jobRow(session, "protected.pdf");
  await session.type(
    await within(session, protectedRow, '[data-testid="password-input"]'),
    "tulip",
  );
  await session.click(await within(session, protectedRow, '[data-testid="password-submit"]'));
  await waitFor("the wrong password to be refused", async () => {
    const prompt = await within(
      session,
      await jobRow(session, "protected.pdf"),
      '[data-testid="password-prompt"]',
    );
    return /did not open it/.test(await session.text(prompt));
  });
  const again = await jobRow(session, "protected.pdf");
  await session.type(await within(session, again, '[data-testid="password-input"]'), "tulip-1984");
  await session.click(await within(session, again, '[data-testid="password-submit"]'));
  await waitStage(session, "protected.pdf", "review");
  saveScreenshot("import-rows.png", await session.screenshot());

  // Review, then file, each statement.
  for (const [file, transactions] of [
    ["ing-nl.pdf", 37],
    ["us-checking.pdf", 41],
    ["protected.pdf", 41],
  ]) {
    await session.click(
      await within(session, await jobRow(session, file), '[data-testid="review-button"]'),
    );
    const proof = await session.find('[data-testid="review-proof"]');
    assert.equal(await session.attr(proof, "data-reconciled"), "true", `${file} adds up`);
    assert.equal((await session.findAll('[data-testid="review-row"]')).length, transactions);
    // Folio's own checks ran on every statement: the generated fixtures show no editing.
    const checks = await session.find('[data-testid="review-insights"]');
    assert.equal(await session.attr(checks, "data-level"), "low", `${file}: no sign of editing`);
    if (file === "ing-nl.pdf") {
      assert.match(
        await session.text(await session.find('[data-testid="review-account"]')),
        /^NL\d\d/,
      );
      saveScreenshot("review.png", await session.screenshot());
    }
    await session.click(await session.find('[data-testid="file-button"]'));
    const filed = await waitStage(session, file, "filed");
    assert.match(
      await session.text(await within(session, filed, '[data-testid="import-filed"]')),
      new RegExp(`Filed ${transactions} transactions`),
    );
  }

  // The same file again, even renamed, is refused in place and changes nothing.
  await invoke(session, "import_files", { paths: [join(pdfs, "ing-copy.pdf")] });
  const dup = await waitStage(session, "ing-copy.pdf", "failed");
  const dupError = await within(session, dup, '[data-testid="import-error"]');
  assert.equal(await session.attr(dupError, "data-code"), "STATEMENT_DUPLICATE");

  // The sidebar lists the three accounts the statements named.
  await waitFor("three accounts in the sidebar", async () => {
    return (await session.findAll(".account")).length === 3;
  });
  saveScreenshot("after-import.png", await session.screenshot());

  // The ledger the window filed, read back by the CLI from the same encrypted file and keychain.
  assert.ok(cliBin, "FOLIO_CLI_BINARY must point at the folio CLI");
  const statements = JSON.parse(
    execFileSync(cliBin, ["statements", "--json"], {
      env: { ...process.env, FOLIO_DATA_DIR: dataDir },
    }),
  );
  assert.equal(statements.length, 3);
  assert.deepEqual(
    statements.map((s) => s.transactions).sort((a, b) => a - b),
    [37, 41, 41],
  );

  // Done with the import rows: dismissed, they leave the room to the ledger.
  for (const button of await session.findAll('[data-testid="dismiss-button"]')) {
    await session.click(button);
  }
  await waitFor(
    "the import rows dismissed",
    async () => !(await session.exists('[data-testid="import-job"]')),
  );

  // The ledger table: every filed row, searchable (full text), each row with its source.
  const countEl = await session.find('[data-testid="tx-count"]');
  const shownCount = async () => {
    const m = /^([\d,]+) transactions?\b/.exec(await session.text(countEl));
    return m ? Number(m[1].replaceAll(",", "")) : null;
  };
  await waitFor("119 transactions in the table", async () => (await shownCount()) === 119);
  await waitFor(
    "rows in the table",
    async () => (await session.findAll('[data-testid="tx-row"]')).length > 10,
  );
  saveScreenshot("ledger.png", await session.screenshot());

  // What a search must find, from the ground truth of the three filed statements.
  const hema = ["ing-nl", "us-checking", "abn-amro-nl"]
    .map((f) => JSON.parse(readFileSync(join(pdfs, `${f}.truth.json`), "utf8")))
    .flatMap((truth) => truth.transactions)
    .filter((t) => /\bhema/i.test(t.description)).length;
  assert.ok(hema > 0, "the fixtures have HEMA rows to find");
  await session.type(await session.find('[data-testid="filter-text"]'), "hema");
  await waitFor(`the search to find ${hema} rows`, async () => (await shownCount()) === hema);
  await waitFor("only matching rows shown", async () => {
    const texts = await session.executeAsync(
      `arguments[arguments.length - 1](
         [...document.querySelectorAll('[data-testid="tx-row"]')].map((r) => r.textContent));`,
    );
    return texts.length > 0 && texts.every((t) => /hema/i.test(t));
  });
  saveScreenshot("ledger-search.png", await session.screenshot());
  await session.click(await session.find('[data-testid="filter-clear"]'));
  await waitFor("the search cleared", async () => (await shownCount()) === 119);

  // A row's detail names its statement and page; deleting that statement (after confirming)
  // removes exactly its rows.
  const first = await session.find('[data-testid="tx-row"]');
  await session.click(first);
  const source = await session.find('[data-testid="detail-statement"]');
  const sourceText = await session.text(source);
  assert.match(sourceText, /\.pdf/);
  assert.match(await session.text(await session.find('[data-testid="detail-page"]')), /[12]/);
  const sourceFile = ["ing-nl.pdf", "us-checking.pdf", "protected.pdf"].find((f) =>
    sourceText.includes(f),
  );
  assert.ok(sourceFile, `the detail names one of the filed files: ${sourceText}`);
  const sourceRows = { "ing-nl.pdf": 37, "us-checking.pdf": 41, "protected.pdf": 41 }[sourceFile];
  await session.click(await session.find('[data-testid="detail-pane"] .lv-button-danger'));
  await session.find('[data-testid="detail-confirm"]');
  assert.equal(await shownCount(), 119, "nothing is deleted before the confirmation");
  await session.click(await session.find('[data-testid="detail-confirm"] .lv-button-danger-solid'));
  await waitFor("the statement's rows gone", async () => (await shownCount()) === 119 - sourceRows);
  const after = JSON.parse(
    execFileSync(cliBin, ["statements", "--json"], {
      env: { ...process.env, FOLIO_DATA_DIR: dataDir },
    }),
  );
  assert.equal(after.length, 2);
  assert.ok(!after.some((s) => s.file_name === sourceFile), `${sourceFile} is gone`);

  // Charts and coverage.
  await session.click(await session.find('[data-testid="tab-charts"]'));
  await session.find('[data-testid="income-figure"] svg');
  await session.find('[data-testid="balance-figure"] svg');
  saveScreenshot("charts.png", await session.screenshot());
  await session.click(await session.find('[data-testid="tab-statements"]'));
  await waitFor(
    "two statements listed",
    async () => (await session.findAll('[data-testid="statement-row"]')).length === 2,
  );
  assert.ok((await session.findAll('[data-testid="coverage-strip"]')).length >= 2);
  saveScreenshot("statements.png", await session.screenshot());
});

test("a statement that prints no currency asks for one in the review before filing", async (t) => {
  const pdfs = fixtures();
  const dataDir = mkdtempSync(join(tmpdir(), "folio-e2e-currency-"));
  const session = await launch(t, 4564, { FOLIO_DATA_DIR: dataDir });
  await session.find('[data-testid="empty-state"]');
  const file = "no-currency-en-us.pdf";
  const queued = await invoke(session, "import_files", { paths: [join(pdfs, file)] });
  assert.ok(queued.ok, `import_files answered ${JSON.stringify(queued)}`);
  await waitStage(session, file, "review");
  await session.click(
    await within(session, await jobRow(session, file), '[data-testid="review-button"]'),
  );
  const proof = await session.find('[data-testid="review-proof"]');
  assert.equal(await session.attr(proof, "data-reconciled"), "true", "read and proven");
  assert.match(await session.text(proof), /CURRENCY_UNKNOWN/);
  assert.match(
    await session.text(await session.find('[data-testid="review-currency"]')),
    /not printed/,
  );
  const button = await session.find('[data-testid="file-button"]');
  assert.equal(await session.attr(button, "disabled"), "true", "no filing without a currency");
  await session.type(await session.find('[data-testid="review-currency-input"]'), "usd");
  await waitFor("the file button to be enabled", async () => {
    return (await session.attr(button, "disabled")) === null;
  });
  saveScreenshot("review-currency.png", await session.screenshot());
  await session.click(button);
  const filed = await waitStage(session, file, "filed");
  assert.match(
    await session.text(await within(session, filed, '[data-testid="import-filed"]')),
    /Filed 35 transactions/,
  );
  const accounts = await invoke(session, "list_accounts", {});
  assert.ok(accounts.ok, JSON.stringify(accounts));
  assert.equal(accounts.ok[0].currency, "USD");
});
