//! Import jobs in the window: folio-app's job engine, each change forwarded to the UI as an
//! `ImportJobChanged` event.

use folio_app::{ImportJob, JobListener};
use serde::Serialize;
use specta::Type;
use tauri::{AppHandle, Runtime};
use tauri_specta::Event;

/// Sent whenever a job changes.
#[derive(Clone, Debug, Serialize, Type, Event)]
pub struct ImportJobChanged {
    pub job: ImportJob,
}

/// Forwards the engine's job changes to the window.
pub struct ToWindow<R: Runtime>(pub AppHandle<R>);

impl<R: Runtime> JobListener for ToWindow<R> {
    fn job_changed(&self, job: &ImportJob) {
        // A window that is gone cannot be told; the job list is still there when it asks again.
        let _ = ImportJobChanged { job: job.clone() }.emit(&self.0);
    }
}
