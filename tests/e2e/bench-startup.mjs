// Startup benchmark (not a test): how long from launching Folio until the unlocked window shows its
// first screen, measured through WebDriver (session creation included, so an upper bound).
//   node tests/e2e/bench-startup.mjs RUNS   (under Xvfb and a keyring session; see scripts/bench-startup)
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { openSession, startDriver } from "./webdriver.mjs";

const app = process.env.FOLIO_APP_BINARY;
if (!app) throw new Error("FOLIO_APP_BINARY must point at the app binary");
const runs = Number(process.argv[2] ?? 5);
const logDir = resolve(dirname(fileURLToPath(import.meta.url)), "artifacts");

async function timeToFirstScreen(driver) {
  const started = performance.now();
  const session = await openSession(driver.base, app);
  await session.find('[data-testid="empty-state"]', 60_000);
  const ms = performance.now() - started;
  await session.close();
  return ms;
}

function summary(label, samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const fmt = (v) => `${Math.round(v)} ms`;
  console.log(
    `${label}: median ${fmt(median)}, min ${fmt(sorted[0])}, max ${fmt(sorted.at(-1))} (${samples.length} runs)`,
  );
}

const first = [];
const again = [];
let port = 4600;
for (let i = 0; i < runs; i++) {
  const dataDir = mkdtempSync(join(tmpdir(), "folio-bench-"));
  const driver = await startDriver({ port, env: { FOLIO_DATA_DIR: dataDir }, logDir });
  port += 2;
  try {
    first.push(await timeToFirstScreen(driver)); // makes the key and the encrypted ledger
    again.push(await timeToFirstScreen(driver)); // unlocks the existing ledger from the keychain
  } finally {
    driver.stop();
  }
}
console.log(`app: ${app}`);
summary("first start (new key in keychain + new encrypted ledger)", first);
summary("start with an existing ledger (keychain login)", again);
