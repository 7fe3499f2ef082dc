//! Statement files brought into the window (dropped or picked): one job per file, read one after
//! another on a worker thread, each change announced to the UI as an `ImportJobChanged` event.
//!
//! A job is read (no ledger write), then waits for the person's review, then is filed in one SQL
//! transaction. A protected PDF waits for its password; a wrong one waits again. Nothing but the
//! final filing writes to the ledger, so a failure at any step leaves it as it was.

use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use folio_app::{
    bank_file_format, read_bank_file, read_statement_file, AppError, BankFileOptions, ErrorCode,
    Known, ReadBankFile, ReadStage, ReadStatement, StatementReview,
};
use folio_bankfiles::Format;
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
    /// A bank file needs the person's choices first: its column mapping (CSV/XLSX), its
    /// currency, or how to read its dates or numbers (QIF). `error` says which.
    NeedsOptions,
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
    /// A bank file's format (`CSV`, `MT940`, ...); `None` for a PDF.
    pub format: Option<String>,
    /// A CSV/XLSX export read with the mapping remembered for its account.
    pub remembered_mapping: bool,
    /// The cloud service that read it (`Balanzio`, `FinBox`), when the person sent it to one.
    pub via: Option<String>,
    /// A PDF the local engine could not read: the window may offer a cloud converter (only
    /// sent after the person agrees).
    pub cloud_offer: bool,
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

/// What a job read, waiting for review.
#[derive(Clone)]
pub enum JobRead {
    Pdf(Box<ReadStatement>),
    Bank(Box<BankRead>),
}

/// A bank file read, waiting for review.
#[derive(Clone)]
pub struct BankRead {
    pub read: ReadBankFile,
    /// The account a remembered mapping names.
    pub into: Option<i64>,
    /// The file's bytes and the mapping and currency it was read with (CSV/XLSX), to remember
    /// them for its account once filed.
    pub remember: Option<(
        Arc<Vec<u8>>,
        folio_bankfiles::CsvMapping,
        folio_ledger::Currency,
    )>,
}

struct Job {
    dto: JobDto,
    path: PathBuf,
    password: Option<Sensitive<String>>,
    /// A bank file's choices, set by the person (or a remembered mapping).
    options: BankFileOptions,
    read: Option<JobRead>,
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
                    format: None,
                    remembered_mapping: false,
                    via: None,
                    cloud_offer: false,
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
                        options: BankFileOptions::default(),
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
        self.requeue(
            app,
            id,
            |job| job.dto.stage == JobStage::NeedsPassword,
            "is not waiting for a password",
            |job| job.password = Some(password),
        )
    }

    /// Gives a bank file waiting for choices the person's choices, and queues it again.
    pub fn retry_with_options<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        id: u64,
        options: BankFileOptions,
    ) -> Result<JobDto, AppError> {
        self.requeue(
            app,
            id,
            |job| {
                matches!(job.dto.stage, JobStage::NeedsOptions | JobStage::Review)
                    && job.dto.format.is_some()
            },
            "is not a bank file waiting for choices",
            |job| {
                job.options = options;
                job.read = None;
                job.dto.summary = None;
            },
        )
    }

    /// Queues a job again after the person answered what it waited for (`ready` says whether it
    /// waits for that; `change` records the answer), and makes sure a worker reads it.
    fn requeue<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        id: u64,
        ready: impl FnOnce(&Job) -> bool,
        not_ready: &str,
        change: impl FnOnce(&mut Job),
    ) -> Result<JobDto, AppError> {
        let (dto, start_worker) = {
            let mut inner = self.lock();
            let job = inner
                .jobs
                .get_mut(&id)
                .ok_or_else(|| job_error(ErrorCode::Internal, format!("no import job {id}")))?;
            if !ready(job) {
                return Err(job_error(
                    ErrorCode::Internal,
                    format!("import job {id} {not_ready}"),
                ));
            }
            change(job);
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

    /// Starts a cloud conversion of a PDF the local engine could not read: the job shows
    /// `processing` under the service's name. Returns the file to send.
    pub fn cloud_start<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        id: u64,
        service: &str,
    ) -> Result<PathBuf, AppError> {
        let path = {
            let inner = self.lock();
            let job = inner
                .jobs
                .get(&id)
                .ok_or_else(|| job_error(ErrorCode::Internal, format!("no import job {id}")))?;
            if job.dto.stage != JobStage::Failed || !job.dto.cloud_offer {
                return Err(job_error(
                    ErrorCode::Internal,
                    format!("import job {id} is not a PDF Folio could not read"),
                ));
            }
            job.path.clone()
        };
        self.update(app, id, |job| {
            job.dto.stage = JobStage::Processing;
            job.dto.via = Some(service.to_string());
            job.dto.percent = Some(0);
            job.dto.recognised = None;
            job.dto.scanned = None;
            job.dto.error = None;
            job.dto.cloud_offer = false;
        });
        Ok(path)
    }

    /// A cloud conversion's progress (0-100).
    pub fn cloud_progress<R: Runtime>(&self, app: &AppHandle<R>, id: u64, percent: u8) {
        self.update(app, id, |job| {
            if job.dto.stage == JobStage::Processing {
                job.dto.percent = Some(percent);
            }
        });
    }

    /// A cloud conversion's end: in review, or failed with the service's reason (and the
    /// offer stays, to try again or the other service).
    pub fn cloud_done<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        id: u64,
        result: Result<(ReadStatement, JobSummary), AppError>,
    ) {
        self.update(app, id, |job| match result {
            Ok((read, summary)) => {
                job.dto.stage = JobStage::Review;
                job.dto.percent = Some(100);
                job.dto.summary = Some(summary);
                job.read = Some(JobRead::Pdf(Box::new(read)));
            }
            Err(e) => {
                job.dto.stage = JobStage::Failed;
                job.dto.cloud_offer = true;
                job.dto.error = Some(e.into());
            }
        });
    }

    /// A job's file path and choices (for the bank-file setup form).
    pub fn setup_of(&self, id: u64) -> Result<(JobDto, PathBuf, BankFileOptions), AppError> {
        let inner = self.lock();
        let job = inner
            .jobs
            .get(&id)
            .ok_or_else(|| job_error(ErrorCode::Internal, format!("no import job {id}")))?;
        Ok((job.dto.clone(), job.path.clone(), job.options.clone()))
    }

    /// The read statement of a job waiting for review.
    pub fn read_of(&self, id: u64) -> Result<JobRead, AppError> {
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
    loop {
        let next = {
            let mut inner = imports.lock();
            match inner.queue.pop_front() {
                Some(id) => inner.jobs.get_mut(&id).map(|job| {
                    (
                        id,
                        job.path.clone(),
                        job.password.take(),
                        job.options.clone(),
                        Arc::clone(&job.cancel),
                    )
                }),
                None => {
                    inner.working = false;
                    return;
                }
            }
        };
        let Some((id, path, password, options, cancel)) = next else {
            continue;
        };
        match bank_file_of(&path, &options) {
            Some((format, bytes)) => work_bank_file(app, id, &path, format, bytes, options),
            None => work_pdf(app, id, &path, password, &cancel),
        }
    }
}

/// The bank-file format and bytes of a file, or `None` for a PDF (or anything else: the PDF
/// reader then refuses it with its reason).
fn bank_file_of(path: &Path, options: &BankFileOptions) -> Option<(Format, Arc<Vec<u8>>)> {
    // Too large or unreadable as a bank file: the PDF reader says why.
    let bytes = folio_app::read_bank_bytes(path).ok()?;
    let name = path.file_name().map(|n| n.to_string_lossy().to_string());
    let format = bank_file_format(&bytes, name.as_deref(), options.mapping.is_some())?;
    Some((format, Arc::new(bytes)))
}

/// Errors a bank file's reader gives that the person's choices can fix: the job then waits for
/// them instead of failing.
fn needs_choices(format: Format, code: &str) -> bool {
    let tabular = matches!(format, Format::Csv | Format::Xlsx);
    matches!(
        code,
        "CSV_MAPPING_NEEDED"
            | "CSV_MAPPING_MISMATCH"
            | "QIF_DATE_ORDER_AMBIGUOUS"
            | "QIF_NUMBER_FORMAT_AMBIGUOUS"
            | "CURRENCY_NEEDED"
    ) || (tabular
        && matches!(
            code,
            "INVALID_DATE"
                | "INVALID_AMOUNT"
                | "MALFORMED_CSV"
                | "MALFORMED_XLSX"
                | "CURRENCY_MISMATCH"
        ))
}

fn work_bank_file<R: Runtime>(
    app: &AppHandle<R>,
    id: u64,
    path: &Path,
    format: Format,
    bytes: Arc<Vec<u8>>,
    mut options: BankFileOptions,
) {
    let imports = app.state::<Imports>();
    let session = app.state::<Session>();
    imports.update(app, id, |job| {
        job.dto.stage = JobStage::Checking;
        job.dto.format = Some(format.to_string());
    });
    let tabular = matches!(format, Format::Csv | Format::Xlsx);
    let mut into = None;
    let mut remembered = false;
    if tabular && options.mapping.is_none() {
        // Only a ledger that is open can remember; a locked one means the person sets it again.
        if let Ok(Some(known)) = session.with_folio(|f| f.remembered_mapping(&bytes)) {
            options.mapping = Some(known.mapping);
            options.currency = options.currency.or(Some(known.currency));
            into = Some(known.account_id);
            remembered = true;
        }
    }
    let result = (|| {
        if tabular && options.mapping.is_none() {
            return Err(AppError::from(
                folio_bankfiles::BankFileError::CsvMappingNeeded { format },
            ));
        }
        let read = read_bank_file(
            &|sha| session.with_folio(|f| f.statement_with_file(sha)),
            path,
            &options,
        )?;
        let review = session.with_folio(|f| f.bank_file_review(&read, into))?;
        Ok((read, review))
    })();
    imports.update(app, id, |job| {
        job.dto.remembered_mapping = remembered;
        match result {
            Ok((read, review)) => {
                job.dto.stage = JobStage::Review;
                job.dto.summary = Some(summary_of(&review));
                let remember = match (tabular, &options.mapping, options.currency) {
                    (true, Some(m), Some(c)) => Some((Arc::clone(&bytes), m.clone(), c)),
                    _ => None,
                };
                job.options = options;
                job.read = Some(JobRead::Bank(Box::new(BankRead {
                    read,
                    into,
                    remember,
                })));
            }
            Err(e) => {
                job.options = options;
                job.dto.stage = if needs_choices(format, e.code().as_str()) {
                    JobStage::NeedsOptions
                } else {
                    JobStage::Failed
                };
                job.dto.error = Some(e.into());
            }
        }
    });
}

pub(crate) fn summary_of(review: &StatementReview) -> JobSummary {
    JobSummary {
        account: review
            .matched_account
            .as_ref()
            .map_or_else(|| review.new_account_name.clone(), |a| a.name.clone()),
        period_start: review.period_start.clone(),
        period_end: review.period_end.clone(),
        transactions: u32::try_from(review.rows.len()).unwrap_or(u32::MAX),
        reconciled: review.reconciled,
    }
}

fn work_pdf<R: Runtime>(
    app: &AppHandle<R>,
    id: u64,
    path: &Path,
    password: Option<Sensitive<String>>,
    cancel: &AtomicBool,
) {
    let imports = app.state::<Imports>();
    let session = app.state::<Session>();
    {
        let had_password = password.is_some();
        // The filed statements the insights compare with (months missing, duplicates). A locked
        // ledger has none to give; the read itself does not need it.
        let prior = session
            .with_folio(|f| f.prior_summaries())
            .unwrap_or_default();
        let result = pdf_engine().and_then(|engine| {
            if cancel.load(Ordering::SeqCst) {
                return Err(AppError::from(folio_statements::StatementError::Cancelled));
            }
            read_statement_file(
                &Known {
                    filed_as: &|sha| session.with_folio(|f| f.statement_with_file(sha)),
                    prior: &prior,
                },
                engine,
                path,
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
                cancel,
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
                job.read = Some(JobRead::Pdf(Box::new(read)));
            }
            Err(e) => {
                let code = e.code().as_str();
                if code == "PASSWORD_REQUIRED" || code == "INVALID_PASSWORD" {
                    job.dto.stage = JobStage::NeedsPassword;
                    job.dto.password_rejected = had_password;
                } else {
                    job.dto.stage = JobStage::Failed;
                    // What Folio could not read, a cloud converter may (Balanzio and FinBox take
                    // PDFs only; a duplicate or a cancel is no reading failure).
                    job.dto.cloud_offer = !matches!(
                        code,
                        "INVALID_FILE_TYPE" | "STATEMENT_DUPLICATE" | "CANCELLED" | "INTERNAL"
                    );
                }
                job.dto.error = Some(e.into());
            }
        });
    }
}
