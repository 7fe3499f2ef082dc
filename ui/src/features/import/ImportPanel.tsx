import { useState } from "react";
import type { ImportJob } from "../../ipc/bindings";
import "./import.css";

interface Props {
  jobs: ImportJob[];
  onReview: (jobId: number) => void;
  onUnlock: (jobId: number, password: string) => void;
  onDismiss: (jobId: number) => void;
  onCancel: (jobId: number) => void;
  /** Opens the bank-file setup (column mapping, currency, QIF choices). */
  onSetup: (jobId: number) => void;
  /** Opens the consent screen of the cloud converters (for a PDF Folio could not read). */
  onCloud: (jobId: number) => void;
}

/** One row per file brought in: live progress, errors in place, the password asked in place. */
export function ImportPanel({
  jobs,
  onReview,
  onUnlock,
  onDismiss,
  onCancel,
  onSetup,
  onCloud,
}: Props) {
  if (jobs.length === 0) return null;
  return (
    <section className="import-panel" aria-label="Imports" data-testid="import-panel">
      <ul className="import-jobs">
        {jobs.map((job) => (
          <JobRow
            key={job.id}
            job={job}
            onReview={onReview}
            onUnlock={onUnlock}
            onDismiss={onDismiss}
            onCancel={onCancel}
            onSetup={onSetup}
            onCloud={onCloud}
          />
        ))}
      </ul>
    </section>
  );
}

function JobRow({
  job,
  onReview,
  onUnlock,
  onDismiss,
  onCancel,
  onSetup,
  onCloud,
}: { job: ImportJob } & Omit<Props, "jobs">) {
  const tabular = job.format === "CSV" || job.format === "XLSX";
  return (
    <li
      className={`import-job stage-${job.stage}`}
      data-testid="import-job"
      data-stage={job.stage}
      data-file={job.fileName}
    >
      <div className="import-job-head">
        <span className="import-file" title={job.path}>
          {job.fileName}
        </span>
        <JobState job={job} />
        {job.stage === "review" && (
          <button
            type="button"
            className="primary"
            data-testid="review-button"
            onClick={() => {
              onReview(job.id);
            }}
          >
            Review
          </button>
        )}
        {(job.stage === "needsOptions" || (job.stage === "review" && tabular)) && (
          <button
            type="button"
            className={job.stage === "needsOptions" ? "primary" : "ghost"}
            data-testid="setup-button"
            onClick={() => {
              onSetup(job.id);
            }}
          >
            {job.stage === "needsOptions" ? "Set up…" : "Columns…"}
          </button>
        )}
        {job.stage === "failed" && job.cloudOffer && (
          <button
            type="button"
            className="ghost"
            data-testid="cloud-button"
            onClick={() => {
              onCloud(job.id);
            }}
          >
            Try a cloud converter…
          </button>
        )}
        {(job.stage === "queued" ||
          job.stage === "checking" ||
          job.stage === "reading" ||
          job.stage === "processing") && (
          <button
            type="button"
            className="ghost"
            data-testid="cancel-import"
            onClick={() => {
              onCancel(job.id);
            }}
          >
            Cancel
          </button>
        )}
        {(job.stage === "review" ||
          job.stage === "filed" ||
          job.stage === "failed" ||
          job.stage === "needsOptions" ||
          job.stage === "needsPassword") && (
          <button
            type="button"
            className="ghost"
            aria-label={`Dismiss ${job.fileName}`}
            data-testid="dismiss-button"
            onClick={() => {
              onDismiss(job.id);
            }}
          >
            ×
          </button>
        )}
      </div>
      {(job.stage === "reading" || job.stage === "processing") && job.percent !== null && (
        <progress
          className="import-progress"
          max={100}
          value={job.percent}
          data-testid="import-progress"
        />
      )}
      {job.stage === "needsPassword" && (
        <PasswordForm
          rejected={job.passwordRejected}
          onSubmit={(password) => {
            onUnlock(job.id, password);
          }}
        />
      )}
      {(job.stage === "failed" || job.stage === "needsOptions") && job.error !== null && (
        <div
          className="import-error"
          role="alert"
          data-testid="import-error"
          data-code={job.error.code}
        >
          <strong>{job.error.title}</strong>
          <span>{job.error.message}</span>
          <span className="muted">{job.error.hint}</span>
        </div>
      )}
    </li>
  );
}

function JobState({ job }: { job: ImportJob }) {
  switch (job.stage) {
    case "queued":
      return <span className="import-state muted">Waiting…</span>;
    case "checking":
      return <span className="import-state muted">Checking the file…</span>;
    case "reading":
      return (
        <span className="import-state muted" data-testid="import-page">
          Reading page {job.page ?? "?"} of {job.pages ?? "?"}
        </span>
      );
    case "processing":
      if (job.via !== null) {
        return (
          <span className="import-state muted" data-testid="import-processing">
            Converting at {job.via}… {job.percent ?? 0}%
          </span>
        );
      }
      return (
        <span className="import-state muted" data-testid="import-processing">
          Recognising scanned pages: {job.recognised ?? 0} of {job.scanned ?? "?"} ·{" "}
          {job.percent ?? 0}%
        </span>
      );
    case "verifying":
      return <span className="import-state muted">Checking the arithmetic…</span>;
    case "needsPassword":
      return <span className="import-state warn">Protected PDF</span>;
    case "needsOptions":
      return (
        <span className="import-state warn" data-testid="import-needs-options">
          {job.format ?? "Bank"} file: Folio needs your choices to read it
        </span>
      );
    case "review": {
      const s = job.summary;
      if (s === null) return <span className="import-state">Ready to review</span>;
      return (
        <span className="import-state" data-testid="import-summary">
          {job.format !== null ? `${job.format} · ` : ""}
          {job.via !== null ? `read by ${job.via} · ` : ""}
          {s.account} · {s.periodStart} – {s.periodEnd} · {s.transactions} transactions ·{" "}
          {s.reconciled ? (
            <span className="ok">adds up</span>
          ) : (
            <span className="bad">does not add up</span>
          )}
          {job.rememberedMapping && (
            <span className="muted" data-testid="import-remembered">
              {" "}
              · read with the columns remembered for this account
            </span>
          )}
        </span>
      );
    }
    case "filed": {
      const r = job.report;
      if (r === null) return <span className="import-state ok">Filed</span>;
      return (
        <span className="import-state ok" data-testid="import-filed">
          Filed {r.added} transactions into {r.accountName}
          {r.alreadyKnown > 0 ? ` (${String(r.alreadyKnown)} already in your ledger)` : ""}
        </span>
      );
    }
    case "failed":
      return <span className="import-state bad">Not imported</span>;
  }
}

function PasswordForm({
  rejected,
  onSubmit,
}: {
  rejected: boolean;
  onSubmit: (password: string) => void;
}) {
  const [password, setPassword] = useState("");
  return (
    <form
      className="import-password"
      data-testid="password-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (password.length > 0) onSubmit(password);
        setPassword("");
      }}
    >
      <label>
        <span className={rejected ? "bad" : "muted"} data-testid="password-prompt">
          {rejected
            ? "That password did not open it. Try again (it is case-sensitive):"
            : "This statement is protected. Its password (often your date of birth or customer number):"}
        </span>
        <input
          type="password"
          autoComplete="off"
          value={password}
          data-testid="password-input"
          onChange={(e) => {
            setPassword(e.target.value);
          }}
        />
      </label>
      <button type="submit" className="primary" data-testid="password-submit">
        Open
      </button>
    </form>
  );
}
