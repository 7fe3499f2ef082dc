// End to end: bank export files into the real window, through the same rows, review and filing
// as statement PDFs. An MT940 from the public corpus files as is; a CSV export first asks how to
// read it (its columns and currency), and the next export of that account is read the same way
// into the same account without asking, filing only the rows that are new.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { harness, waitFor } from "./app.mjs";
import { invoke, waitStage, within } from "./jobs.mjs";

const { saveScreenshot, launch } = harness();
const cliBin = process.env.FOLIO_CLI_BINARY;
const corpus = resolve(dirname(fileURLToPath(import.meta.url)), "../../../shared/corpus");

/** A bank's CSV export: a title line, a header, then rows with comma decimals and the running
 * balance from `opening` (in cents). */
function csvExport(opening, rows) {
  const lines = ["Checking account export", "Date;Description;Amount;Balance"];
  let balance = opening / 100;
  for (const [date, text, cents] of rows) {
    balance += cents / 100;
    const money = (v) => v.toFixed(2).replace(".", ",");
    lines.push(`${date};${text};${money(cents / 100)};${money(balance)}`);
  }
  return lines.join("\n") + "\n";
}

async function review(session, file) {
  await session.click(
    await within(
      session,
      await waitStage(session, file, "review"),
      '[data-testid="review-button"]',
    ),
  );
  return session.find('[data-testid="review-proof"]');
}

async function fileIt(session, file) {
  await session.click(await session.find('[data-testid="file-button"]'));
  const filed = await waitStage(session, file, "filed");
  return session.text(await within(session, filed, '[data-testid="import-filed"]'));
}

test("bank files: an MT940 files as is; a CSV is set up once, and its next export is read the same way", async (t) => {
  const mt940 = join(corpus, "WoLpH-mt940/mt940_tests/mBank/mt940.sta");
  assert.ok(existsSync(mt940), `the public corpus is beside the checkout: ${mt940}`);
  const dir = mkdtempSync(join(tmpdir(), "folio-e2e-bankfiles-"));
  const march = join(dir, "checking-march.csv");
  writeFileSync(
    march,
    csvExport(10000, [
      ["02/03/2024", "Coffee corner", -350],
      ["05/03/2024", "Salary ACME", 250000],
      ["09/03/2024", "Grocer", -4210],
    ]),
  );
  // The next export overlaps March's last row and adds two; its balance runs on from March's.
  const april = join(dir, "checking-april.csv");
  writeFileSync(
    april,
    csvExport(259650, [
      ["09/03/2024", "Grocer", -4210],
      ["02/04/2024", "Rent", -90000],
      ["05/04/2024", "Salary ACME", 250000],
    ]),
  );
  const dataDir = mkdtempSync(join(tmpdir(), "folio-e2e-bankfiles-data-"));
  const session = await launch(t, 4544, { FOLIO_DATA_DIR: dataDir });
  await session.find('[data-testid="empty-state"]');

  // MT940: read, proven by its balances, filed.
  const queued = await invoke(session, "import_files", { paths: [mt940, march] });
  assert.ok(queued.ok, `import_files answered ${JSON.stringify(queued)}`);
  const proof = await review(session, "mt940.sta");
  assert.equal(await session.attr(proof, "data-reconciled"), "true", "the MT940 adds up");
  assert.match(await session.text(await session.find('[data-testid="review-kind"]')), /MT940 file/);
  assert.equal((await session.findAll('[data-testid="review-row"]')).length, 3);
  assert.match(await fileIt(session, "mt940.sta"), /Filed 3 transactions/);

  // The CSV: Folio asks how to read it, in place.
  const row = await waitStage(session, "checking-march.csv", "needsOptions");
  const reason = await within(session, row, '[data-testid="import-error"]');
  assert.equal(await session.attr(reason, "data-code"), "CSV_MAPPING_NEEDED");
  await session.click(await within(session, row, '[data-testid="setup-button"]'));
  // The form previews the file and suggests the columns from its header.
  await waitFor("the preview of the file", async () =>
    /Coffee corner/.test(await session.text(await session.find('[data-testid="setup-preview"]'))),
  );
  const selected = (testId) =>
    session.executeAsync(
      `const s = document.querySelector('[data-testid="${testId}"]');
       arguments[arguments.length - 1](s.options[s.selectedIndex].textContent);`,
    );
  assert.match(await selected("setup-date-column"), /Date/);
  assert.match(await selected("setup-amount-column"), /Amount/);
  assert.match(await selected("setup-decimal"), /comma/);
  await session.type(await session.find('[data-testid="setup-currency"]'), "EUR");
  saveScreenshot("bankfile-setup.png", await session.screenshot());
  await session.click(await session.find('[data-testid="setup-apply"]'));

  // Read with those settings: its running balance is checked, then it is filed.
  const csvProof = await review(session, "checking-march.csv");
  assert.equal(
    await session.attr(csvProof, "data-reconciled"),
    "true",
    "the running balance adds up",
  );
  assert.equal((await session.findAll('[data-testid="review-row"]')).length, 3);
  // A CSV names no account: the person names the new one.
  const name = await session.find('[data-testid="review-new-name"]');
  await session.clear(name);
  await session.type(name, "Everyday checking");
  saveScreenshot("bankfile-review.png", await session.screenshot());
  assert.match(
    await fileIt(session, "checking-march.csv"),
    /Filed 3 transactions into Everyday checking/,
  );

  // April's export: no questions, the same account, only the two new rows.
  await invoke(session, "import_files", { paths: [april] });
  const aprilRow = await waitStage(session, "checking-april.csv", "review");
  assert.match(
    await session.text(await within(session, aprilRow, '[data-testid="import-remembered"]')),
    /remembered/,
  );
  await review(session, "checking-april.csv");
  const filedText = await fileIt(session, "checking-april.csv");
  assert.match(filedText, /Filed 2 transactions into Everyday checking/);
  assert.match(filedText, /1 already in your ledger/);
  // The account's balance is April's closing, and the rows filed agree with it.
  await waitFor("the account's balance after April", async () =>
    /4,154\.40 EUR/.test(await session.text(await session.find('[data-testid="account-list"]'))),
  );
  assert.ok(
    !/missing/.test(await session.text(await session.find('[data-testid="account-list"]'))),
    "no statement is said to be missing",
  );
  saveScreenshot("bankfile-remembered.png", await session.screenshot());

  // The ledger the window filed, read back by the CLI: two accounts, March and April's CSVs in
  // the same one.
  assert.ok(cliBin, "FOLIO_CLI_BINARY must point at the folio CLI");
  const statements = JSON.parse(
    execFileSync(cliBin, ["statements", "--json"], {
      env: { ...process.env, FOLIO_DATA_DIR: dataDir },
    }),
  );
  assert.equal(statements.length, 3);
  const csvAccounts = statements
    .filter((s) => s.file_name.startsWith("checking-"))
    .map((s) => s.account_id);
  assert.equal(csvAccounts.length, 2);
  assert.equal(csvAccounts[0], csvAccounts[1], "both exports went to the same account");
});
