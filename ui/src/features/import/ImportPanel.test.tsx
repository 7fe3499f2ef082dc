import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import type { ImportJob } from "../../ipc/bindings";
import { ImportPanel } from "./ImportPanel";
import { mergeJob } from "./useImports";

function job(id: number, stage: ImportJob["stage"], extra: Partial<ImportJob> = {}): ImportJob {
  return {
    id,
    revision: 0,
    fileName: `s${String(id)}.pdf`,
    path: `/tmp/s${String(id)}.pdf`,
    stage,
    page: null,
    pages: null,
    recognised: null,
    scanned: null,
    percent: null,
    passwordRejected: false,
    format: null,
    rememberedMapping: false,
    via: null,
    cloudOffer: false,
    error: null,
    summary: null,
    report: null,
    ...extra,
  };
}

afterEach(cleanup);

describe("the import rows", () => {
  it("shows OCR progress with its percentage, and a cancel that names the job", () => {
    const cancelled: number[] = [];
    render(
      <ImportPanel
        jobs={[job(4, "processing", { recognised: 2, scanned: 5, percent: 47 })]}
        onReview={() => undefined}
        onUnlock={() => undefined}
        onDismiss={() => undefined}
        onCancel={(id) => cancelled.push(id)}
        onSetup={() => undefined}
        onCloud={() => undefined}
      />,
    );
    expect(screen.getByTestId("import-processing").textContent).toBe(
      "Recognising scanned pages: 2 of 5 · 47%",
    );
    expect(screen.getByTestId("import-progress").getAttribute("value")).toBe("47");
    fireEvent.click(screen.getByTestId("cancel-import"));
    expect(cancelled).toEqual([4]);
  });

  it("shows page k of n while reading, and the summary when read", () => {
    const unlocks: [number, string][] = [];
    render(
      <ImportPanel
        jobs={[
          job(1, "reading", { page: 3, pages: 11 }),
          job(2, "review", {
            summary: {
              account: "ING ****1234",
              periodStart: "2024-01-01",
              periodEnd: "2024-01-31",
              transactions: 40,
              reconciled: true,
            },
          }),
        ]}
        onReview={() => undefined}
        onUnlock={(id, pw) => unlocks.push([id, pw])}
        onDismiss={() => undefined}
        onCancel={() => undefined}
        onSetup={() => undefined}
        onCloud={() => undefined}
      />,
    );
    expect(screen.getByTestId("import-page").textContent).toBe("Reading page 3 of 11");
    expect(screen.getByTestId("import-summary").textContent).toContain("40 transactions");
    expect(screen.getByTestId("import-summary").textContent).toContain("adds up");
  });

  it("asks for the password in place and says when it was wrong", () => {
    const unlocks: [number, string][] = [];
    render(
      <ImportPanel
        jobs={[job(7, "needsPassword", { passwordRejected: true })]}
        onReview={() => undefined}
        onUnlock={(id, pw) => unlocks.push([id, pw])}
        onDismiss={() => undefined}
        onCancel={() => undefined}
        onSetup={() => undefined}
        onCloud={() => undefined}
      />,
    );
    expect(screen.getByTestId("password-prompt").textContent).toContain("did not open it");
    fireEvent.change(screen.getByTestId("password-input"), { target: { value: "s3cret" } });
    fireEvent.click(screen.getByTestId("password-submit"));
    expect(unlocks).toEqual([[7, "s3cret"]]);
    expect(screen.getByTestId<HTMLInputElement>("password-input").value).toBe("");
  });

  it("shows a failure with its code and fix", () => {
    render(
      <ImportPanel
        jobs={[
          job(3, "failed", {
            error: {
              code: "STATEMENT_DUPLICATE",
              title: "This statement is already in your ledger",
              message: "already filed as statement 1",
              hint: "Nothing to do.",
            },
          }),
        ]}
        onReview={() => undefined}
        onUnlock={() => undefined}
        onDismiss={() => undefined}
        onCancel={() => undefined}
        onSetup={() => undefined}
        onCloud={() => undefined}
      />,
    );
    const error = screen.getByTestId("import-error");
    expect(error.getAttribute("data-code")).toBe("STATEMENT_DUPLICATE");
    expect(error.textContent).toContain("Nothing to do.");
  });

  it("merges job updates by id, keeping the order they were added in", () => {
    let jobs = [job(1, "queued"), job(2, "queued")];
    jobs = mergeJob(jobs, job(2, "reading", { page: 1, pages: 2, revision: 1 }));
    jobs = mergeJob(jobs, job(3, "queued"));
    expect(jobs.map((j) => [j.id, j.stage])).toEqual([
      [1, "queued"],
      [2, "reading"],
      [3, "queued"],
    ]);
  });

  it("keeps a newer state when an older one arrives late (a command's answer after an event)", () => {
    // The password was refused (revision 3) before the answer of the unlock command (revision 2,
    // queued) came back: the row must keep asking for the password.
    let jobs = [job(7, "needsPassword", { revision: 3, passwordRejected: true })];
    jobs = mergeJob(jobs, job(7, "queued", { revision: 2 }));
    expect(jobs.map((j) => [j.stage, j.passwordRejected])).toEqual([["needsPassword", true]]);
    jobs = mergeJob(jobs, job(7, "review", { revision: 4 }));
    expect(jobs.map((j) => j.stage)).toEqual(["review"]);
  });
});
