import { stopQuietly } from "../../ipc/stopQuietly";
import { useCallback, useEffect, useState } from "react";
import { open } from "@tauri-apps/plugin-dialog";
import { commands, events, type ErrorView, type ImportJob } from "../../ipc/bindings";
import { ipcFailure } from "../../ipc/ipcFailure";

export interface Imports {
  jobs: ImportJob[];
  /** Starts importing files (dropped or picked). */
  add: (paths: string[]) => void;
  /** Opens the system file picker for statement PDFs. */
  pick: () => void;
  unlock: (jobId: number, password: string) => void;
  dismiss: (jobId: number) => void;
  /** Stops a file being read (its row then says it was cancelled). */
  cancel: (jobId: number) => void;
  /** An error of the import commands themselves (not of a file: those are on their rows). */
  error: ErrorView | null;
}

/**
 * Merges a job's new state into the list, keeping the order jobs were added in. A state older
 * than the one shown (a command's answer that arrives after the worker's next event) is dropped.
 */
export function mergeJob(jobs: ImportJob[], job: ImportJob): ImportJob[] {
  const at = jobs.findIndex((j) => j.id === job.id);
  if (at === -1) return [...jobs, job].sort((a, b) => a.id - b.id);
  const shown = jobs[at];
  if (shown !== undefined && shown.revision > job.revision) return jobs;
  const next = jobs.slice();
  next[at] = job;
  return next;
}

/** The import jobs, kept current by the backend's `importJobChanged` events. */
export function useImports(onFiled: () => void): Imports {
  const [jobs, setJobs] = useState<ImportJob[]>([]);
  const [error, setError] = useState<ErrorView | null>(null);

  useEffect(() => {
    let live = true;
    let unlisten: (() => void) | undefined;
    events.importJobChanged
      .listen((e) => {
        if (!live) return;
        setJobs((current) => mergeJob(current, e.payload.job));
        if (e.payload.job.stage === "filed") onFiled();
      })
      .then(
        (stop) => {
          if (live) unlisten = stop;
          else stopQuietly(stop);
        },
        (e: unknown) => {
          setError(ipcFailure(e));
        },
      );
    commands.importJobs().then(
      (r) => {
        if (!live) return;
        if (r.status === "ok") setJobs((current) => r.data.reduce(mergeJob, current));
        else setError(r.error);
      },
      (e: unknown) => {
        setError(ipcFailure(e));
      },
    );
    return () => {
      live = false;
      if (unlisten !== undefined) stopQuietly(unlisten);
    };
  }, [onFiled]);

  const add = useCallback((paths: string[]) => {
    commands.importFiles(paths).then(
      (r) => {
        if (r.status === "ok") setJobs((current) => r.data.reduce(mergeJob, current));
        else setError(r.error);
      },
      (e: unknown) => {
        setError(ipcFailure(e));
      },
    );
  }, []);

  const pick = useCallback(() => {
    open({
      multiple: true,
      directory: false,
      title: "Import bank statements",
      filters: [
        {
          name: "Statements and bank files",
          extensions: [
            ...["pdf", "ofx", "qfx", "qif", "xml", "sta", "940", "mt940", "csv", "txt", "xlsx"],
            ...["PDF", "OFX", "QFX", "QIF", "XML", "STA", "CSV", "TXT", "XLSX"],
          ],
        },
      ],
    }).then(
      (picked) => {
        if (picked !== null && picked.length > 0) add(picked);
      },
      (e: unknown) => {
        setError(ipcFailure(e));
      },
    );
  }, [add]);

  const unlock = useCallback((jobId: number, password: string) => {
    commands.unlockImport(jobId, password).then(
      (r) => {
        if (r.status === "ok") setJobs((current) => mergeJob(current, r.data));
        else setError(r.error);
      },
      (e: unknown) => {
        setError(ipcFailure(e));
      },
    );
  }, []);

  const dismiss = useCallback((jobId: number) => {
    setJobs((current) => current.filter((j) => j.id !== jobId));
    commands.dismissImport(jobId).catch((e: unknown) => {
      setError(ipcFailure(e));
    });
  }, []);

  const cancel = useCallback((jobId: number) => {
    commands.cancelImport(jobId).then(
      (r) => {
        if (r.status === "error") setError(r.error);
      },
      (e: unknown) => {
        setError(ipcFailure(e));
      },
    );
  }, []);

  return { jobs, add, pick, unlock, dismiss, cancel, error };
}
