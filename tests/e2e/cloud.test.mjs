// End to end: a PDF Folio cannot read is offered to a cloud converter, and sent only after the
// person chose the service, gave their API key (kept in the keychain) and agreed. The service is
// the Balanzio contract server of `folio sandbox`; what it answers is reviewed and filed like a
// local reading.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { harness, waitFor } from "./app.mjs";
import { invoke, waitStage, within } from "./jobs.mjs";

const { saveScreenshot, launch } = harness();

/** A real one-page PDF with a line of text and no statement in it (a letter). */
function letterPdf(text) {
  const stream = `BT /F1 12 Tf 72 720 Td (${text}) Tj ET`;
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
  ];
  let pdf = "%PDF-1.4\n";
  const offsets = objects.map((body, i) => {
    const at = pdf.length;
    pdf += `${i + 1} 0 obj\n${body}\nendobj\n`;
    return at;
  });
  const xref = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  pdf += offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("");
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return pdf;
}

/** The cloud converters' contract servers of `folio sandbox`. */
async function startSandbox(t) {
  const cli = process.env.FOLIO_CLI_BINARY;
  assert.ok(cli, "FOLIO_CLI_BINARY must point at the built CLI (scripts/test-all sets it)");
  const child = spawn(cli, ["sandbox"], { stdio: ["ignore", "pipe", "inherit"] });
  t.after(() => child.kill("SIGTERM"));
  let out = "";
  child.stdout.on("data", (d) => {
    out += String(d);
  });
  await waitFor("the sandbox's addresses", async () => /FinBox\s+http/.test(out));
  const balanzio = /Balanzio\s+(http\S+)\s+API key (\S+);/.exec(out);
  assert.ok(balanzio, out);
  return { url: balanzio[1], key: balanzio[2] };
}

test("a PDF Folio cannot read is sent to a cloud converter only after the person agrees", async (t) => {
  const balanzio = await startSandbox(t);
  const dir = mkdtempSync(join(tmpdir(), "folio-e2e-cloud-"));
  const letter = join(dir, "letter.pdf");
  writeFileSync(letter, letterPdf("Dear customer, your new card is on its way."));
  const session = await launch(t, 4554, {
    FOLIO_DATA_DIR: mkdtempSync(join(tmpdir(), "folio-e2e-cloud-data-")),
    FOLIO_BALANZIO_URL: balanzio.url,
  });
  await session.find('[data-testid="empty-state"]');

  await invoke(session, "import_files", { paths: [letter] });
  const row = await waitStage(session, "letter.pdf", "failed");
  await session.click(await within(session, row, '[data-testid="cloud-button"]'));

  // The consent screen says what leaves the machine and where; nothing goes without "I agree".
  const what = await session.text(await session.find('[data-testid="cloud-what"]'));
  assert.match(what, /letter\.pdf/);
  assert.match(what, /127\.0\.0\.1/);
  const send = await session.find('[data-testid="cloud-send"]');
  await session.type(await session.find('[data-testid="cloud-api-key"]'), "not-my-key");
  assert.equal(await session.attr(send, "disabled"), "true", "no sending before agreeing");
  // The command itself refuses without consent, whatever a page might try.
  const refused = await invoke(session, "convert_in_cloud", {
    jobId: 1,
    request: { service: "balanzio", apiKey: null, bankName: null, consent: false },
  });
  assert.equal(refused.err?.code, "CONVERTER_CONSENT_NEEDED", JSON.stringify(refused));
  await session.click(await session.find('[data-testid="cloud-consent"]'));
  saveScreenshot("cloud-consent.png", await session.screenshot());
  await session.click(send);

  // A wrong key: the service's refusal, in place, and the offer stays.
  const failed = await waitStage(session, "letter.pdf", "failed");
  const reason = await within(session, failed, '[data-testid="import-error"]');
  assert.match(await session.attr(reason, "data-code"), /^BALANZIO_/);
  await session.click(await within(session, failed, '[data-testid="cloud-button"]'));
  // The wrong key was kept in the keychain: forget it, then give the right one.
  await session.click(await session.find('[data-testid="cloud-forget"]'));
  await session.type(await session.find('[data-testid="cloud-api-key"]'), balanzio.key);
  await session.click(await session.find('[data-testid="cloud-consent"]'));
  await session.click(await session.find('[data-testid="cloud-send"]'));

  // Converted at the service, then reviewed and filed like any reading.
  const ready = await waitStage(session, "letter.pdf", "review", 60_000);
  assert.match(
    await session.text(await within(session, ready, '[data-testid="import-summary"]')),
    /read by Balanzio/,
  );
  await session.click(await within(session, ready, '[data-testid="review-button"]'));
  const proof = await session.find('[data-testid="review-proof"]');
  assert.match(await session.text(proof), /read by Balanzio/);
  const rows = (await session.findAll('[data-testid="review-row"]')).length;
  assert.ok(rows > 0, "the service's transactions are shown for review");
  saveScreenshot("cloud-review.png", await session.screenshot());
  if ((await session.attr(proof, "data-reconciled")) !== "true") {
    await session.click(await session.find('[data-testid="review-accept"]'));
  }
  await session.click(await session.find('[data-testid="file-button"]'));
  const filed = await waitStage(session, "letter.pdf", "filed");
  assert.match(
    await session.text(await within(session, filed, '[data-testid="import-filed"]')),
    new RegExp(`Filed ${rows} transactions`),
  );
});
