import type { ErrorView } from "./bindings";

/** Where the IPC layer itself failed (not a command's own error): shown like any other error. */
export function ipcFailure(e: unknown): ErrorView {
  return {
    code: "INTERNAL",
    title: "Folio's window lost contact with its backend",
    message: e instanceof Error ? e.message : String(e),
    hint: "Restart Folio. Your ledger was not changed.",
  };
}
