// What every end-to-end test needs: the app under test, screenshots, and a launcher that starts
// tauri-driver + the app with a test's own environment and stops both when the test ends.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { openSession, startDriver } from "./webdriver.mjs";

export const artifacts = resolve(dirname(fileURLToPath(import.meta.url)), "artifacts");

export function harness() {
  const app = process.env.FOLIO_APP_BINARY;
  assert.ok(app, "FOLIO_APP_BINARY must point at the built app (scripts/test-all sets it)");

  function saveScreenshot(name, png) {
    mkdirSync(artifacts, { recursive: true });
    const path = join(artifacts, name);
    writeFileSync(path, png);
    assert.ok(png.subarray(1, 4).toString() === "PNG", "the screenshot is a PNG");
    console.log(`screenshot: ${path}`);
    return path;
  }

  /** Starts the app on its own tauri-driver port with `env`; closes both when test `t` ends. */
  async function launch(t, port, env) {
    const driver = await startDriver({ port, env, logDir: artifacts });
    const session = await openSession(driver.base, app).catch((e) => {
      driver.stop();
      throw e;
    });
    t.after(async () => {
      await session.close().catch(() => {});
      driver.stop();
    });
    return session;
  }

  return { app, saveScreenshot, launch };
}

/** Polls `check` (an async function returning a truthy value when done) for up to `timeoutMs`. */
export async function waitFor(what, check, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await sleep(150);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ""}`);
}
