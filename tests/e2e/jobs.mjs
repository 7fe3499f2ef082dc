// What the import e2e tests share: invoking a command as the UI's bindings do, and finding an
// import row (by file name) and waiting for its stage.
import { waitFor } from "./app.mjs";

/** Invokes a command the way the UI's generated bindings do: `{ ok }` or `{ err }`. */
export function invoke(session, cmd, args) {
  return session.executeAsync(
    `const done = arguments[arguments.length - 1];
     window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1]).then(
       (v) => done({ ok: v }),
       (e) => done({ err: e }),
     );`,
    [cmd, args],
  );
}

/** The import row of a file. */
export async function jobRow(session, fileName) {
  return session.find(`[data-testid="import-job"][data-file="${fileName}"]`);
}

/** Waits for a file's import row to reach a stage; returns the row. */
export async function waitStage(session, fileName, stage, timeoutMs = 30_000) {
  return waitFor(
    `${fileName} to reach ${stage}`,
    async () => {
      const row = await jobRow(session, fileName);
      return (await session.attr(row, "data-stage")) === stage ? row : null;
    },
    timeoutMs,
  );
}

/** A part of an import row, by CSS under that row. */
export async function within(session, row, css) {
  const id = await session.attr(row, "data-file");
  return session.find(`[data-testid="import-job"][data-file="${id}"] ${css}`);
}
