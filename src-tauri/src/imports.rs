//! Statement files brought into the window (dropped or picked): one job per file, read one after
//! another on a worker thread, each change announced to the UI as an `ImportJobChanged` event.
//!
//! A job is read (no ledger write), then waits for the person's review, then is filed in one SQL
//! transaction. A protected PDF waits for its password; a wrong one waits again. Nothing but the
//! final filing writes to the ledger, so a failure at any step leaves it as it was.

use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use folio_app::{read_statement_file, AppError, ErrorCode, ReadStage, ReadStatement};
use folio_secrets::Sensitive;
use folio_statements::{IntakeLimits, PdfEngine};
use serde::Serialize;
use specta::Type;
use tauri::{AppHandle, Manager, Runtime};
use tauri_specta::Event;

use crate::dto::{ErrorDto, ImportReportDto};
use crate::Session;

/// Where a job is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum JobStage {
    Queued,
    Checking,
    Reading,
    /// Scanned pages are being recognised (OCR), with `percent`.
    Processing,
    Verifying,
    /// The PDF is protected: waiting for its password (again, when `passwordRejected`).
    NeedsPassword,
    /// Read and verified: waiting for the person's review.
    Review,
    Filed,
    Failed,
}

/// One file's import, as the window shows it.
#[derive(Clone, Debug, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct JobDto {
    pub id: u64,
    /// Goes up with every change of this job. Events and command answers can arrive out of
    /// order (a command's answer may come after the worker's next event), so the window keeps
    /// the highest revision it has seen.
    pub revision: u32,
    pub file_name: String,
    pub path: String,
    pub stage: JobStage,
    /// While reading: page `page` of `pages`.
    pub page: Option<u32>,
    pub pages: Option<u32>,
    /// While scanned pages are recognised: `recognised` of `scanned` done.
    pub recognised: Option<u32>,
    pub scanned: Option<u32>,
    /// How much of the read is done, 0-100 (scanned pages weigh much more than text pages).
    pub percent: Option<u8>,
    /// A password was given and it did not open the file.
    pub password_rejected: bool,
    pub error: Option<ErrorDto>,
    /// Once read: what was found, in one line's worth.
    pub summary: Option<JobSummary>,
    pub report: Option<ImportReportDto>,
}

#[derive(Clone, Debug, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct JobSummary {
    pub account: String,
    pub period_start: String,
    pub period_end: String,
    pub transactions: u32,
    pub reconciled: bool,
}

/// Sent whenever a job changes.
#[derive(Clone, Debug, Serialize, Type, Event)]
pub struct ImportJobChanged {
    pub job: JobDto,
}

struct Job {
    dto: JobDto,
    path: PathBuf,
    password: Option<Sensitive<String>>,
    read: Option<ReadStatement>,
    /// Set to stop this job's read (between pages; running recognitions are killed).
    cancel: Arc<AtomicBool>,
}

#[derive(Default)]
struct Inner {
    next_id: u64,
    jobs: BTreeMap<u64, Job>,
    queue: VecDeque<u64>,
    working: bool,
}

/// The window's import jobs.
#[derive(Default)]
pub struct Imports {
    inner: Mutex<Inner>,
}

fn job_error(code: ErrorCode, message: impl Into<String>) -> AppError {
    AppError::new(code, message)
}

impl Imports {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // Jobs are plain bookkeeping; a panic elsewhere cannot leave them half-written.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn jobs(&self) -> Vec<JobDto> {
        self.lock().jobs.values().map(|j| j.dto.clone()).collect()
    }

    fn update<R: Runtime>(&self, app: &AppHandle<R>, id: u64, change: impl FnOnce(&mut Job)) {
        let dto = {
            let mut inner = self.lock();
            let Some(job) = inner.jobs.get_mut(&id) else {
                return;
            };
            change(job);
            job.dto.revision = job.dto.revision.wrapping_add(1);
            job.dto.clone()
        };
        announce(app, dto);
    }

    /// Queues files and makes sure a worker reads them. Returns the new jobs.
    pub fn add<R: Runtime>(&self, app: &AppHandle<R>, paths: Vec<String>) -> Vec<JobDto> {
        let mut added = Vec::new();
        let start_worker = {
            let mut inner = self.lock();
            for path in paths {
                inner.next_id += 1;
                let id = inner.next_id;
                let path_buf = PathBuf::from(&path);
                let file_name = path_buf
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_else(|| path.clone());
                let dto = JobDto {
                    id,
                    revision: 0,
                    file_name,
                    path,
                    stage: JobStage::Queued,
                    page: None,
                    pages: None,
                    recognised: None,
                    scanned: None,
                    percent: None,
                    password_rejected: false,
                    error: None,
                    summary: None,
                    report: None,
                };
                inner.jobs.insert(
                    id,
                    Job {
                        dto: dto.clone(),
                        path: path_buf,
                        password: None,
                        read: None,
                        cancel: Arc::new(AtomicBool::new(false)),
                    },
                );
                inner.queue.push_back(id);
                added.push(dto);
            }
            !std::mem::replace(&mut inner.working, true)
        };
        for dto in &added {
            announce(app, dto.clone());
        }
        if start_worker {
            let app = app.clone();
            std::thread::spawn(move || work(&app));
        }
        added
    }

    /// Gives a job waiting for its password the password, and queues it again.
    pub fn retry_with_password<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        id: u64,
        password: Sensitive<String>,
    ) -> Result<JobDto, AppError> {
        let (dto, start_worker) = {
            let mut inner = self.lock();
            let job = inner
                .jobs
                .get_mut(&id)
                .ok_or_else(|| job_error(ErrorCode::Internal, format!("no import job {id}")))?;
            if job.dto.stage != JobStage::NeedsPassword {
                return Err(job_error(
                    ErrorCode::Internal,
                    format!("import job {id} is not waiting for a password"),
                ));
            }
            job.password = Some(password);
            job.dto.stage = JobStage::Queued;
            job.dto.error = None;
            job.dto.revision = job.dto.revision.wrapping_add(1);
            let dto = job.dto.clone();
            inner.queue.push_back(id);
            (dto, !std::mem::replace(&mut inner.working, true))
        };
        announce(app, dto.clone());
        if start_worker {
            let app = app.clone();
            std::thread::spawn(move || work(&app));
        }
        Ok(dto)
    }

    /// The read statement of a job waiting for review.
    pub fn read_of(&self, id: u64) -> Result<ReadStatement, AppError> {
        let inner = self.lock();
        inner
            .jobs
            .get(&id)
            .and_then(|j| j.read.clone())
            .ok_or_else(|| {
                job_error(
                    ErrorCode::Internal,
                    format!("import job {id} has nothing to review"),
                )
            })
    }

    /// Marks a reviewed job filed.
    pub fn filed<R: Runtime>(&self, app: &AppHandle<R>, id: u64, report: ImportReportDto) {
        self.update(app, id, |job| {
            job.read = None;
            job.dto.stage = JobStage::Filed;
            job.dto.error = None;
            job.dto.report = Some(report);
        });
    }

    /// Stops a job: a queued one at once, one being read at its next page (its running
    /// recognitions are killed). It ends as failed with `CANCELLED`; nothing was written.
    pub fn cancel<R: Runtime>(&self, app: &AppHandle<R>, id: u64) -> Result<(), AppError> {
        let queued = {
            let mut inner = self.lock();
            let job = inner
                .jobs
                .get(&id)
                .ok_or_else(|| job_error(ErrorCode::Internal, format!("no import job {id}")))?;
            job.cancel.store(true, Ordering::SeqCst);
            let queued = job.dto.stage == JobStage::Queued;
            if queued {
                inner.queue.retain(|q| *q != id);
            }
            queued
        };
        if queued {
            self.update(app, id, |job| {
                job.dto.stage = JobStage::Failed;
                job.dto.error = Some(ErrorDto::from(AppError::from(
                    folio_statements::StatementError::Cancelled,
                )));
            });
        }
        Ok(())
    }

    /// Forgets a job (its row goes away). A job being read finishes and is then dropped.
    pub fn dismiss(&self, id: u64) {
        let mut inner = self.lock();
        inner.queue.retain(|q| *q != id);
        inner.jobs.remove(&id);
    }
}

fn announce<R: Runtime>(app: &AppHandle<R>, job: JobDto) {
    // A window that is gone cannot be told; the job list is still there when it asks again.
    let _ = ImportJobChanged { job }.emit(app);
}

fn pdf_engine() -> Result<&'static PdfEngine, AppError> {
    Ok(folio_statements::pdf_engine_from_env()?)
}

/// The worker: reads queued jobs one after another (PDFium reads one file at a time anyway).
fn work<R: Runtime>(app: &AppHandle<R>) {
    let imports = app.state::<Imports>();
    let session = app.state::<Session>();
    loop {
        let next = {
            let mut inner = imports.lock();
            match inner.queue.pop_front() {
                Some(id) => inner.jobs.get_mut(&id).map(|job| {
                    (
                        id,
                        job.path.clone(),
                        job.password.take(),
                        Arc::clone(&job.cancel),
                    )
                }),
                None => {
                    inner.working = false;
                    return;
                }
            }
        };
        let Some((id, path, password, cancel)) = next else {
            continue;
        };
        let had_password = password.is_some();
        let result = pdf_engine().and_then(|engine| {
            if cancel.load(Ordering::SeqCst) {
                return Err(AppError::from(folio_statements::StatementError::Cancelled));
            }
            read_statement_file(
                &|sha| session.with_folio(|f| f.statement_with_file(sha)),
                engine,
                &path,
                password.as_ref().map(|p| p.expose().as_str()),
                IntakeLimits::default(),
                &mut |stage| {
                    imports.update(app, id, |job| match stage {
                        ReadStage::Checking => job.dto.stage = JobStage::Checking,
                        ReadStage::Page {
                            page,
                            pages,
                            percent,
                        } => {
                            // Once recognition started, page reads of later pages stay under
                            // the OCR line.
                            if job.dto.stage != JobStage::Processing {
                                job.dto.stage = JobStage::Reading;
                            }
                            job.dto.page = Some(page);
                            job.dto.pages = Some(pages);
                            job.dto.percent = Some(percent);
                        }
                        ReadStage::Recognising {
                            done,
                            scanned,
                            percent,
                        } => {
                            job.dto.stage = JobStage::Processing;
                            job.dto.recognised = Some(done);
                            job.dto.scanned = Some(scanned);
                            job.dto.percent = Some(percent);
                        }
                        ReadStage::Verifying => {
                            job.dto.stage = JobStage::Verifying;
                            job.dto.percent = Some(100);
                        }
                    });
                },
                &cancel,
            )
        });
        drop(password);
        imports.update(app, id, |job| match result {
            Ok(read) => {
                let s = &read.statement;
                job.dto.stage = JobStage::Review;
                job.dto.password_rejected = false;
                job.dto.summary = Some(JobSummary {
                    account: read.account().name,
                    period_start: s.period_start.to_string(),
                    period_end: s.period_end.to_string(),
                    transactions: u32::try_from(s.transactions.len()).unwrap_or(u32::MAX),
                    reconciled: s.reconciled,
                });
                job.read = Some(read);
            }
            Err(e) => {
                let code = e.code().as_str();
                if code == "PASSWORD_REQUIRED" || code == "INVALID_PASSWORD" {
                    job.dto.stage = JobStage::NeedsPassword;
                    job.dto.password_rejected = had_password;
                } else {
                    job.dto.stage = JobStage::Failed;
                }
                job.dto.error = Some(e.into());
            }
        });
    }
}
