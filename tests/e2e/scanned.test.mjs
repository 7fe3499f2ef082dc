// End to end: a scanned statement (image-only PDF pages) into the real window. Its pages are
// recognised offline (Tesseract) with progress in the row, then reviewed and filed like a text
// statement; a second scan is cancelled while it is being recognised, and nothing is filed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { harness, waitFor } from "./app.mjs";
import { invoke, waitStage } from "./jobs.mjs";

const { saveScreenshot, launch } = harness();

/** The scanned copies of the generated fixtures, with their ground truth. */
function scans() {
  const bin = process.env.FOLIO_SCANS_BINARY;
  assert.ok(bin, "FOLIO_SCANS_BINARY must point at the scans example (scripts/test-all sets it)");
  const dir = mkdtempSync(join(tmpdir(), "folio-e2e-scans-"));
  execFileSync(bin, [dir]);
  return dir;
}

/** Scanned pages take seconds each: a longer wait than text files. */
const waitScan = (session, file, stage) => waitStage(session, file, stage, 120_000);

test("a scanned statement is recognised with progress, reviewed and filed; another is cancelled", async (t) => {
  const dir = scans();
  const truth = JSON.parse(readFileSync(join(dir, "abn-amro-nl-scanned.truth.json"), "utf8"));
  const session = await launch(t, 4534, {
    FOLIO_DATA_DIR: mkdtempSync(join(tmpdir(), "folio-e2e-ocr-")),
  });
  await session.find('[data-testid="empty-state"]');

  const queued = await invoke(session, "import_files", {
    paths: [join(dir, "abn-amro-nl-scanned.pdf")],
  });
  assert.ok(queued.ok, JSON.stringify(queued));
  await waitScan(session, "abn-amro-nl-scanned.pdf", "processing");
  const line = await session.find('[data-testid="import-processing"]');
  assert.match(await session.text(line), /^Recognising scanned pages: \d of 2 · \d+%$/);
  saveScreenshot("scan-processing.png", await session.screenshot());

  await waitScan(session, "abn-amro-nl-scanned.pdf", "review");
  const summary = await session.text(await session.find('[data-testid="import-summary"]'));
  assert.match(summary, new RegExp(`${truth.transactions.length} transactions`));
  assert.match(summary, /adds up/);
  await session.click(await session.find('[data-testid="review-button"]'));
  const proof = await session.find('[data-testid="review-proof"]');
  assert.equal(await session.attr(proof, "data-reconciled"), "true");
  await session.click(await session.find('[data-testid="file-button"]'));
  await waitScan(session, "abn-amro-nl-scanned.pdf", "filed");
  // The ledger view reloads after filing ("Counting…" first): wait for its count.
  const count = await waitFor("the filed rows in the ledger view", async () => {
    const text = await session.text(await session.find('[data-testid="tx-count"]'));
    return text.startsWith("Counting") ? null : text;
  });
  assert.match(count, new RegExp(`^${truth.transactions.length} transactions`));

  // A second scan, cancelled while its pages are recognised: nothing filed.
  await invoke(session, "import_files", { paths: [join(dir, "ing-nl-scanned.pdf")] });
  await waitScan(session, "ing-nl-scanned.pdf", "processing");
  await session.click(await session.find('[data-testid="cancel-import"]'));
  await waitScan(session, "ing-nl-scanned.pdf", "failed");
  const error = await session.find(
    '[data-testid="import-job"][data-file="ing-nl-scanned.pdf"] [data-testid="import-error"]',
  );
  assert.equal(await session.attr(error, "data-code"), "CANCELLED");
  await waitFor(
    "the ledger view settled",
    async () =>
      !(await session.text(await session.find('[data-testid="tx-count"]'))).startsWith("Counting"),
  );
  assert.equal(await session.text(await session.find('[data-testid="tx-count"]')), count);
  saveScreenshot("scan-cancelled.png", await session.screenshot());
});
