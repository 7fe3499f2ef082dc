// A minimal W3C WebDriver client over fetch, and a tauri-driver launcher: enough to drive the real
// Folio window under Xvfb without any npm dependency.
import { spawn } from "node:child_process";
import { mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

/** Starts tauri-driver on `port` with `env` added, and waits until it answers /status. */
export async function startDriver({ port, env, logDir }) {
  const nativePort = port + 1;
  // The driver's own chatter (and the app's stderr) goes to a log file beside the screenshots.
  mkdirSync(logDir, { recursive: true });
  const log = openSync(join(logDir, `tauri-driver-${port}.log`), "w");
  const child = spawn(
    "tauri-driver",
    ["--port", String(port), "--native-port", String(nativePort)],
    {
      env: { ...process.env, ...env },
      stdio: ["ignore", log, log],
    },
  );
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`tauri-driver exited with ${child.exitCode}`);
    try {
      const r = await fetch(`${base}/status`);
      if (r.ok) return { base, stop: () => child.kill("SIGTERM") };
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  child.kill("SIGKILL");
  throw new Error("tauri-driver did not answer /status within 30 s");
}

async function call(base, method, path, body) {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await r.json().catch(() => ({}));
  if (!r.ok) {
    const v = json.value ?? {};
    throw new Error(`WebDriver ${method} ${path}: ${r.status} ${v.error ?? ""} ${v.message ?? ""}`);
  }
  return json.value;
}

/** A WebDriver session on the Folio binary at `application`. */
export async function openSession(base, application) {
  const caps = { "tauri:options": { application } };
  const value = await call(base, "POST", "/session", {
    capabilities: { alwaysMatch: caps, firstMatch: [{}] },
  });
  const id = value.sessionId;
  const s = (method, path, body) => call(base, method, `/session/${id}${path}`, body);
  return {
    /** Waits up to `timeoutMs` for an element matching the CSS selector. */
    async find(css, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      let last;
      while (Date.now() < deadline) {
        try {
          const el = await s("POST", "/element", { using: "css selector", value: css });
          if (!el || !el[ELEMENT]) throw new Error(`odd element reference ${JSON.stringify(el)}`);
          return el[ELEMENT];
        } catch (e) {
          last = e;
          await sleep(100);
        }
      }
      throw new Error(`no element ${css} after ${timeoutMs} ms: ${last}`);
    },
    async exists(css) {
      const found = await s("POST", "/elements", { using: "css selector", value: css });
      return found.length > 0;
    },
    /** Every element matching the CSS selector now (no waiting). */
    async findAll(css) {
      const found = await s("POST", "/elements", { using: "css selector", value: css });
      return found.map((el) => el[ELEMENT]);
    },
    text: (el) => s("GET", `/element/${el}/text`),
    attr: (el, name) => s("GET", `/element/${el}/attribute/${name}`),
    type: (el, text) => s("POST", `/element/${el}/value`, { text }),
    clear: (el) => s("POST", `/element/${el}/clear`, {}),
    /** Scrolls the element to the middle of its scroll container first: WebKitWebDriver does
     * not scroll nested containers (the sidebar) and calls such an element not interactable. */
    async click(el) {
      await s("POST", "/execute/async", {
        script:
          "const done = arguments[arguments.length - 1]; arguments[0].scrollIntoView({ block: 'center' }); done(true);",
        args: [{ [ELEMENT]: el }],
      });
      return s("POST", `/element/${el}/click`, {});
    },
    title: () => s("GET", "/title"),
    windows: () => s("GET", "/window/handles"),
    currentWindow: () => s("GET", "/window"),
    switchTo: (handle) => s("POST", "/window", { handle }),
    /** Runs `script` in the page; `done` is the last argument (WebKitWebDriver cannot return a Promise from a sync script). */
    executeAsync: (script, args = []) => s("POST", "/execute/async", { script, args }),
    async screenshot() {
      return Buffer.from(await s("GET", "/screenshot"), "base64");
    },
    close: () => call(base, "DELETE", `/session/${id}`),
  };
}
