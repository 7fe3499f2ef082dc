//! Import jobs: one per file (a statement PDF or a bank file), read one after another on a worker
//! thread, each change announced to a [`JobListener`] with a revision that goes up. The window
//! forwards them as Tauri events; any caller can subscribe the same way.
//!
//! A job is read (no ledger write), then waits for the person's review, then is filed in one SQL
//! transaction. A protected PDF waits for its password (a wrong one waits again); a bank file may
//! wait for choices (column mapping, currency, date order); a PDF Folio could not read may be
//! sent to a cloud converter after the person agreed. Nothing but the final filing writes to the
//! ledger, so a failure at any step leaves it as it was.

use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use folio_bankfiles::Format;
use folio_converters::ConvertProgress;
use folio_secrets::Sensitive;
use folio_statements::{IntakeLimits, ReadStage, StatementSummary};
use serde::Serialize;

use crate::{
    bank_file_format, read_bank_file, read_statement_file, AppError, BankFileOptions,
    BankFileReport, CloudService, ErrorCode, ErrorView, ImportReport, Known, ReadBankFile,
    ReadStatement, Session, StatementReview,
};

/// Where a job is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum JobStage {
    Queued,
    Checking,
    Reading,
    /// Scanned pages are being recognised (OCR), or a cloud converter is reading the file, with
    /// `percent`.
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

/// One file's import, as a window shows it (camelCase: the shape the UI reads).
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ImportJob {
    pub id: u64,
    /// Goes up with every change of this job. Events and command answers can arrive out of
    /// order (a command's answer may come after the worker's next event), so a window keeps
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
    /// A PDF the local engine could not read: a window may offer a cloud converter (only sent
    /// after the person agrees).
    pub cloud_offer: bool,
    pub error: Option<ErrorView>,
    /// Once read: what was found, in one line's worth.
    pub summary: Option<JobSummary>,
    pub report: Option<FiledSummary>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct JobSummary {
    pub account: String,
    pub period_start: String,
    pub period_end: String,
    pub transactions: u32,
    pub reconciled: bool,
}

/// What filing a job did, in one line's worth (a bank file's statements summed).
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct FiledSummary {
    pub statement_id: i64,
    pub account_id: i64,
    pub account_name: String,
    pub account_created: bool,
    /// Rows filed now.
    pub added: u32,
    /// Rows already in the ledger from an overlapping statement.
    pub already_known: u32,
    pub reconciled: bool,
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl From<ImportReport> for FiledSummary {
    fn from(r: ImportReport) -> Self {
        FiledSummary {
            statement_id: r.statement_id,
            account_id: r.account_id,
            account_name: r.account_name,
            account_created: r.account_created,
            added: count(r.added),
            already_known: count(r.already_known),
            reconciled: r.reconciled,
        }
    }
}

impl From<&BankFileReport> for FiledSummary {
    /// A bank file's statements as one filing: the first statement and account, the rows of all.
    fn from(r: &BankFileReport) -> Self {
        let first = r.statements.first();
        let sum = |f: fn(&crate::BankStatementReport) -> usize| {
            count(r.statements.iter().map(f).sum::<usize>())
        };
        FiledSummary {
            statement_id: first.map_or(0, |s| s.statement_id),
            account_id: first.map_or(0, |s| s.account_id),
            account_name: first.map_or_else(String::new, |s| s.account_name.clone()),
            account_created: r.statements.iter().any(|s| s.account_created),
            added: sum(|s| s.added),
            already_known: sum(|s| s.already_known),
            reconciled: r
                .statements
                .iter()
                .all(|s| s.proof == crate::Proof::Balanced),
        }
    }
}

/// Hears every change of every job (from the worker thread, or the thread that changed it).
pub trait JobListener: Send + Sync {
    fn job_changed(&self, job: &ImportJob);
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
    view: ImportJob,
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

struct Shared {
    inner: Mutex<Inner>,
    /// Notified whenever a job changes, for callers that wait for one ([`Imports::settled`]).
    changed: Condvar,
    session: Arc<Session>,
    listener: Arc<dyn JobListener>,
    /// `None`: jobs are read against the ledger and filed. `Some`: reading only (`folio
    /// convert`), no ledger: nothing counts as filed before, the insights compare with these.
    reading_only: Option<Vec<StatementSummary>>,
    limits: IntakeLimits,
}

/// What filing a job did, in full: a statement PDF's report or a bank file's.
#[derive(Clone, Debug)]
pub enum Filed {
    Statement(ImportReport),
    BankFile(BankFileReport),
}

impl From<&Filed> for FiledSummary {
    fn from(f: &Filed) -> Self {
        match f {
            Filed::Statement(r) => FiledSummary::from(r.clone()),
            Filed::BankFile(r) => FiledSummary::from(r),
        }
    }
}

impl JobStage {
    /// Whether the job waits for someone (or is done): no worker will change it by itself.
    pub fn is_settled(self) -> bool {
        matches!(
            self,
            JobStage::NeedsPassword
                | JobStage::NeedsOptions
                | JobStage::Review
                | JobStage::Filed
                | JobStage::Failed
        )
    }
}

/// The import jobs of one ledger session. Cheap to clone: clones share the jobs.
#[derive(Clone)]
pub struct Imports {
    shared: Arc<Shared>,
}

fn job_error(message: impl Into<String>) -> AppError {
    AppError::new(ErrorCode::Internal, message)
}

fn no_job(id: u64) -> AppError {
    job_error(format!("no import job {id}"))
}

impl Imports {
    pub fn new(session: Arc<Session>, listener: Arc<dyn JobListener>) -> Imports {
        Imports::with_mode(session, listener, None, IntakeLimits::default())
    }

    /// Jobs that are read and never filed, with no ledger (`folio convert`): a job ends in
    /// review, and [`Imports::reading`] gives what it read. The insights compare each statement
    /// with `prior` (earlier statements' summaries).
    pub fn for_reading(
        listener: Arc<dyn JobListener>,
        prior: Vec<StatementSummary>,
        limits: IntakeLimits,
    ) -> Imports {
        // A session that is never opened: no data dir, no keychain.
        let nowhere = Arc::new(Session::new(None, None, None));
        Imports::with_mode(nowhere, listener, Some(prior), limits)
    }

    fn with_mode(
        session: Arc<Session>,
        listener: Arc<dyn JobListener>,
        reading_only: Option<Vec<StatementSummary>>,
        limits: IntakeLimits,
    ) -> Imports {
        Imports {
            shared: Arc::new(Shared {
                inner: Mutex::new(Inner::default()),
                changed: Condvar::new(),
                session,
                listener,
                reading_only,
                limits,
            }),
        }
    }

    /// What a job read (a job in review), for a caller that exports it rather than files it.
    pub fn reading(&self, id: u64) -> Result<JobRead, AppError> {
        self.read_of(id)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // Jobs are plain bookkeeping; a panic elsewhere cannot leave them half-written.
        self.shared.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn session(&self) -> &Session {
        &self.shared.session
    }

    fn announce(&self, job: &ImportJob) {
        self.shared.changed.notify_all();
        self.shared.listener.job_changed(job);
    }

    /// Waits until the job waits for someone or is done (see [`JobStage::is_settled`]); a
    /// cloud reading in progress counts as not settled.
    pub fn settled(&self, id: u64) -> Result<ImportJob, AppError> {
        let mut inner = self.lock();
        loop {
            let job = inner.jobs.get(&id).ok_or_else(|| no_job(id))?;
            if job.view.stage.is_settled() {
                return Ok(job.view.clone());
            }
            inner = self
                .shared
                .changed
                .wait(inner)
                .unwrap_or_else(|p| p.into_inner());
        }
    }

    pub fn jobs(&self) -> Vec<ImportJob> {
        self.lock().jobs.values().map(|j| j.view.clone()).collect()
    }

    /// One job as it is now.
    pub fn job(&self, id: u64) -> Result<ImportJob, AppError> {
        self.lock()
            .jobs
            .get(&id)
            .map(|j| j.view.clone())
            .ok_or_else(|| no_job(id))
    }

    fn update(&self, id: u64, change: impl FnOnce(&mut Job)) {
        let view = {
            let mut inner = self.lock();
            let Some(job) = inner.jobs.get_mut(&id) else {
                return;
            };
            change(job);
            job.view.revision = job.view.revision.wrapping_add(1);
            job.view.clone()
        };
        self.announce(&view);
    }

    /// Queues files and makes sure a worker reads them. Returns the new jobs.
    pub fn add(&self, paths: Vec<String>) -> Vec<ImportJob> {
        self.add_with(paths, None, &BankFileOptions::default())
    }

    /// [`Imports::add`] with what the caller knows up front: the PDFs' password and the bank
    /// files' choices (the CLI's flags).
    pub fn add_with(
        &self,
        paths: Vec<String>,
        password: Option<&Sensitive<String>>,
        options: &BankFileOptions,
    ) -> Vec<ImportJob> {
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
                let view = ImportJob {
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
                        view: view.clone(),
                        path: path_buf,
                        password: password.map(|p| Sensitive::new(p.expose().clone())),
                        options: options.clone(),
                        read: None,
                        cancel: Arc::new(AtomicBool::new(false)),
                    },
                );
                inner.queue.push_back(id);
                added.push(view);
            }
            !std::mem::replace(&mut inner.working, true)
        };
        for view in &added {
            self.announce(view);
        }
        if start_worker {
            self.start_worker();
        }
        added
    }

    fn start_worker(&self) {
        let imports = self.clone();
        std::thread::spawn(move || imports.work());
    }

    /// Gives a job waiting for its password the password, and queues it again.
    pub fn retry_with_password(
        &self,
        id: u64,
        password: Sensitive<String>,
    ) -> Result<ImportJob, AppError> {
        self.requeue(
            id,
            |job| job.view.stage == JobStage::NeedsPassword,
            "is not waiting for a password",
            |job| job.password = Some(password),
        )
    }

    /// Gives a bank file waiting for choices the person's choices, and queues it again.
    pub fn retry_with_options(
        &self,
        id: u64,
        options: BankFileOptions,
    ) -> Result<ImportJob, AppError> {
        self.requeue(
            id,
            |job| {
                matches!(job.view.stage, JobStage::NeedsOptions | JobStage::Review)
                    && job.view.format.is_some()
            },
            "is not a bank file waiting for choices",
            |job| {
                job.options = options;
                job.read = None;
                job.view.summary = None;
            },
        )
    }

    /// Queues a job again after the person answered what it waited for (`ready` says whether it
    /// waits for that; `change` records the answer), and makes sure a worker reads it.
    fn requeue(
        &self,
        id: u64,
        ready: impl FnOnce(&Job) -> bool,
        not_ready: &str,
        change: impl FnOnce(&mut Job),
    ) -> Result<ImportJob, AppError> {
        let (view, start_worker) = {
            let mut inner = self.lock();
            let job = inner.jobs.get_mut(&id).ok_or_else(|| no_job(id))?;
            if !ready(job) {
                return Err(job_error(format!("import job {id} {not_ready}")));
            }
            change(job);
            job.view.stage = JobStage::Queued;
            job.view.error = None;
            job.view.revision = job.view.revision.wrapping_add(1);
            let view = job.view.clone();
            inner.queue.push_back(id);
            (view, !std::mem::replace(&mut inner.working, true))
        };
        self.announce(&view);
        if start_worker {
            self.start_worker();
        }
        Ok(view)
    }

    /// A job's file path and choices (for the bank-file setup form).
    pub(crate) fn setup_of(
        &self,
        id: u64,
    ) -> Result<(ImportJob, PathBuf, BankFileOptions), AppError> {
        let inner = self.lock();
        let job = inner.jobs.get(&id).ok_or_else(|| no_job(id))?;
        Ok((job.view.clone(), job.path.clone(), job.options.clone()))
    }

    /// The read statement of a job waiting for review.
    fn read_of(&self, id: u64) -> Result<JobRead, AppError> {
        let inner = self.lock();
        inner
            .jobs
            .get(&id)
            .and_then(|j| j.read.clone())
            .ok_or_else(|| job_error(format!("import job {id} has nothing to review")))
    }

    /// What a job read, against the ledger: the review screen's content.
    pub fn review(&self, id: u64) -> Result<StatementReview, AppError> {
        match self.read_of(id)? {
            JobRead::Pdf(read) => self.session().with_folio(|f| f.review(&read)),
            JobRead::Bank(bank) => self
                .session()
                .with_folio(|f| f.bank_file_review(&bank.read, bank.into)),
        }
    }

    /// Files a reviewed job: into `account_id` when the person picked one, else the account its
    /// IBAN or number matches (or a new one, named `new_account_name` when the person gave one).
    /// One SQL transaction; a failure changes nothing and leaves the job in review.
    pub fn file(
        &self,
        id: u64,
        account_id: Option<i64>,
        accept_unreconciled: bool,
        new_account_name: Option<String>,
        currency: Option<folio_ledger::Currency>,
    ) -> Result<Filed, AppError> {
        // A name only for a new account: filing into an existing one keeps its name.
        let name = new_account_name
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty());
        let session = self.session();
        let filed =
            match self.read_of(id)? {
                JobRead::Pdf(mut read) => {
                    read.account_name = name;
                    if let Some(c) = currency {
                        read.statement.set_currency(c);
                    }
                    Filed::Statement(session.with_folio_mut(|f| {
                        f.file_statement(&read, account_id, accept_unreconciled)
                    })?)
                }
                JobRead::Bank(bank) => {
                    let BankRead {
                        mut read,
                        into,
                        remember,
                    } = *bank;
                    if account_id.or(into).is_none() {
                        read.account_name = name;
                    }
                    let report = session.with_folio_mut(|f| {
                        let report =
                            f.file_bank_file(&read, account_id.or(into), accept_unreconciled)?;
                        // A CSV/XLSX export's mapping is remembered for the account it went to, so
                        // the next export with the same header row is read the same way, into the
                        // same account. The rows are filed already: a failure here is only reported.
                        if let (Some((bytes, mapping, currency)), Some(first)) =
                            (&remember, report.statements.first())
                        {
                            if let Err(e) =
                                f.remember_mapping(first.account_id, bytes, mapping, *currency)
                            {
                                eprintln!("Folio could not remember the column mapping: {e}");
                            }
                        }
                        Ok(report)
                    })?;
                    Filed::BankFile(report)
                }
            };
        self.update(id, |job| {
            job.read = None;
            job.view.stage = JobStage::Filed;
            job.view.error = None;
            job.view.report = Some(FiledSummary::from(&filed));
        });
        Ok(filed)
    }

    /// Sends a PDF the local engine could not read to a cloud converter, after the person
    /// agreed: the job shows `processing` under the service's name, then review, or failed with
    /// the service's reason (the offer stays, to try again or the other service). Returns once
    /// the job is marked as processing; the conversion goes on in `spawn`'s task.
    pub fn convert_in_cloud(
        &self,
        id: u64,
        service: folio_converters::Service,
        key: Sensitive<String>,
        bank_name: Option<String>,
        spawn: impl FnOnce(std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>),
    ) -> Result<ImportJob, AppError> {
        let path = {
            let inner = self.lock();
            let job = inner.jobs.get(&id).ok_or_else(|| no_job(id))?;
            if job.view.stage != JobStage::Failed || !job.view.cloud_offer {
                return Err(job_error(format!(
                    "import job {id} is not a PDF Folio could not read"
                )));
            }
            job.path.clone()
        };
        self.update(id, |job| {
            job.view.stage = JobStage::Processing;
            job.view.via = Some(service.name().to_string());
            job.view.percent = Some(0);
            job.view.recognised = None;
            job.view.scanned = None;
            job.view.error = None;
            job.view.cloud_offer = false;
        });
        let cloud = CloudService::from_env(service);
        let imports = self.clone();
        spawn(Box::pin(async move {
            let mut progress = |p: ConvertProgress| {
                let percent = match p {
                    ConvertProgress::Uploading { .. } => 5,
                    ConvertProgress::Uploaded { .. } => 20,
                    // The service's OCR is most of the wait.
                    ConvertProgress::Processing { percent } => {
                        20 + u16::from(percent.min(100)) * 7 / 10
                    }
                    ConvertProgress::Unlocking | ConvertProgress::Converting => 92,
                    ConvertProgress::Done => 100,
                };
                let percent = u8::try_from(percent).unwrap_or(100);
                imports.update(id, |job| {
                    if job.view.stage == JobStage::Processing {
                        job.view.percent = Some(percent);
                    }
                });
            };
            let result =
                crate::convert_in_cloud(&cloud, key, &path, bank_name.as_deref(), &mut progress)
                    .await
                    .and_then(|read| {
                        let review = imports.session().with_folio(|f| f.review(&read))?;
                        Ok((read, summary_of(&review)))
                    });
            imports.update(id, |job| match result {
                Ok((read, summary)) => {
                    job.view.stage = JobStage::Review;
                    job.view.percent = Some(100);
                    job.view.summary = Some(summary);
                    job.read = Some(JobRead::Pdf(Box::new(read)));
                }
                Err(e) => {
                    job.view.stage = JobStage::Failed;
                    job.view.cloud_offer = true;
                    job.view.error = Some(e.into());
                }
            });
        }));
        self.job(id)
    }

    /// Stops a job: a queued one at once, one being read at its next page (its running
    /// recognitions are killed). It ends as failed with `CANCELLED`; nothing was written.
    pub fn cancel(&self, id: u64) -> Result<(), AppError> {
        let queued = {
            let mut inner = self.lock();
            let job = inner.jobs.get(&id).ok_or_else(|| no_job(id))?;
            job.cancel.store(true, Ordering::SeqCst);
            let queued = job.view.stage == JobStage::Queued;
            if queued {
                inner.queue.retain(|q| *q != id);
            }
            queued
        };
        if queued {
            self.update(id, |job| {
                job.view.stage = JobStage::Failed;
                job.view.error = Some(ErrorView::from(AppError::from(
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

    /// The worker: reads queued jobs one after another (PDFium reads one file at a time anyway).
    fn work(&self) {
        loop {
            let next = {
                let mut inner = self.lock();
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
                Some((format, bytes)) => self.work_bank_file(id, &path, format, bytes, options),
                None => self.work_pdf(id, &path, password, &cancel),
            }
        }
    }

    fn work_bank_file(
        &self,
        id: u64,
        path: &Path,
        format: Format,
        bytes: Arc<Vec<u8>>,
        mut options: BankFileOptions,
    ) {
        let session = self.session();
        self.update(id, |job| {
            job.view.stage = JobStage::Checking;
            job.view.format = Some(format.to_string());
        });
        let tabular = matches!(format, Format::Csv | Format::Xlsx);
        let mut into = None;
        let mut remembered = false;
        let ledger = self.shared.reading_only.is_none();
        if ledger && tabular && options.mapping.is_none() {
            // Only a ledger that is open can remember; a locked one means the person sets it
            // again.
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
            if !ledger {
                let read = read_bank_file(&|_| Ok(None), path, &options)?;
                return Ok((read, None));
            }
            let read = read_bank_file(
                &|sha| session.with_folio(|f| f.statement_with_file(sha)),
                path,
                &options,
            )?;
            let review = session.with_folio(|f| f.bank_file_review(&read, into))?;
            Ok((read, Some(review)))
        })();
        self.update(id, |job| {
            job.view.remembered_mapping = remembered;
            match result {
                Ok((read, review)) => {
                    job.view.stage = JobStage::Review;
                    job.view.summary = review.as_ref().map(summary_of);
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
                    job.view.stage = if needs_choices(format, e.code().as_str()) {
                        JobStage::NeedsOptions
                    } else {
                        JobStage::Failed
                    };
                    job.view.error = Some(e.into());
                }
            }
        });
    }

    fn work_pdf(
        &self,
        id: u64,
        path: &Path,
        password: Option<Sensitive<String>>,
        cancel: &AtomicBool,
    ) {
        let session = self.session();
        let had_password = password.is_some();
        // `--currency` (or the person's choice) for a statement that names none.
        let currency = self.lock().jobs.get(&id).and_then(|j| j.options.currency);
        // The filed statements the insights compare with (months missing, duplicates). A locked
        // ledger has none to give; the read itself does not need it.
        let prior = match &self.shared.reading_only {
            Some(prior) => prior.clone(),
            None => session
                .with_folio(|f| f.prior_summaries())
                .unwrap_or_default(),
        };
        let ledger = self.shared.reading_only.is_none();
        let result = folio_statements::pdf_engine_from_env()
            .map_err(AppError::from)
            .and_then(|engine| {
                if cancel.load(Ordering::SeqCst) {
                    return Err(AppError::from(folio_statements::StatementError::Cancelled));
                }
                read_statement_file(
                    &Known {
                        filed_as: &|sha| {
                            if ledger {
                                session.with_folio(|f| f.statement_with_file(sha))
                            } else {
                                Ok(None)
                            }
                        },
                        prior: &prior,
                    },
                    engine,
                    path,
                    crate::FileOptions {
                        password: password.as_ref().map(|p| p.expose().as_str()),
                        limits: self.shared.limits,
                        currency,
                    },
                    &mut |stage| self.update(id, |job| show_stage(&mut job.view, stage)),
                    cancel,
                )
            });
        drop(password);
        self.update(id, |job| match result {
            Ok(read) => {
                let s = &read.statement;
                job.view.stage = JobStage::Review;
                job.view.password_rejected = false;
                job.view.summary = Some(JobSummary {
                    account: read.account_name(),
                    period_start: s.period_start.to_string(),
                    period_end: s.period_end.to_string(),
                    transactions: count(s.transactions.len()),
                    reconciled: s.reconciled,
                });
                job.read = Some(JobRead::Pdf(Box::new(read)));
            }
            Err(e) => {
                let code = e.code().as_str();
                if code == "PASSWORD_REQUIRED" || code == "INVALID_PASSWORD" {
                    job.view.stage = JobStage::NeedsPassword;
                    job.view.password_rejected = had_password;
                } else {
                    job.view.stage = JobStage::Failed;
                    // What Folio could not read, a cloud converter may (Balanzio and FinBox take
                    // PDFs only; a duplicate or a cancel is no reading failure).
                    job.view.cloud_offer = !matches!(
                        code,
                        "INVALID_FILE_TYPE" | "STATEMENT_DUPLICATE" | "CANCELLED" | "INTERNAL"
                    );
                }
                job.view.error = Some(e.into());
            }
        });
    }
}

/// A reading's stage on the job's row.
fn show_stage(view: &mut ImportJob, stage: ReadStage) {
    match stage {
        ReadStage::Checking => view.stage = JobStage::Checking,
        ReadStage::Page {
            page,
            pages,
            percent,
        } => {
            // Once recognition started, page reads of later pages stay under the OCR line.
            if view.stage != JobStage::Processing {
                view.stage = JobStage::Reading;
            }
            view.page = Some(page);
            view.pages = Some(pages);
            view.percent = Some(percent);
        }
        ReadStage::Recognising {
            done,
            scanned,
            percent,
        } => {
            view.stage = JobStage::Processing;
            view.recognised = Some(done);
            view.scanned = Some(scanned);
            view.percent = Some(percent);
        }
        ReadStage::Verifying => {
            view.stage = JobStage::Verifying;
            view.percent = Some(100);
        }
    }
}

/// The bank-file format and bytes of a file, or `None` for a PDF (or anything else: the PDF
/// reader then refuses it with its reason).
fn bank_file_of(path: &Path, options: &BankFileOptions) -> Option<(Format, Arc<Vec<u8>>)> {
    // Too large or unreadable as a bank file: the PDF reader says why.
    let bytes = crate::read_bank_bytes(path).ok()?;
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

/// A review in one line's worth.
pub fn summary_of(review: &StatementReview) -> JobSummary {
    JobSummary {
        account: review
            .matched_account
            .as_ref()
            .map_or_else(|| review.new_account_name.clone(), |a| a.name.clone()),
        period_start: review.period_start.clone(),
        period_end: review.period_end.clone(),
        transactions: count(review.rows.len()),
        reconciled: review.reconciled,
    }
}
