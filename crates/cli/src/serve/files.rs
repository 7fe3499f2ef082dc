//! The uploaded statements, in memory only, and their reading.
//!
//! A text PDF is read while its upload is answered (PDFium gives its words in milliseconds), so it
//! is READY at once, as the contract says. A scanned one (any page an image) is PROCESSING: a
//! thread of its own recognises its pages with Tesseract, reporting a percentage, and ends
//! COMPLETED or ERROR. A password-protected PDF waits for `set-password`; the password is used
//! for that reading and dropped (zeroed), never kept. The bytes are dropped once read: what stays
//! is the statement read from them, until the file is forgotten.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use folio_app::Sensitive;
use folio_statements::{
    IntakeLimits, Ocr, ParsedStatement, PdfEngine, PdfType, ReadOptions, ReadStage, StatementError,
};
use uuid::Uuid;

/// A reading that failed, as the API reports it.
#[derive(Clone, Debug)]
pub struct Failure {
    pub code: &'static str,
    pub message: String,
    pub recovery: String,
}

impl From<&StatementError> for Failure {
    fn from(e: &StatementError) -> Self {
        Failure {
            code: e.code(),
            message: e.to_string(),
            recovery: e.recovery().to_string(),
        }
    }
}

/// Where an uploaded file is.
#[derive(Clone, Debug)]
pub enum Phase {
    /// Password-protected: waits for `set-password`; the bytes are kept until then.
    Locked(Arc<Vec<u8>>),
    /// Scanned pages being recognised; `percent` of the reading done.
    Processing { percent: u8 },
    /// A text PDF, read: convertible (`READY`).
    Ready(Arc<ParsedStatement>),
    /// A scanned PDF, read: convertible (`COMPLETED`).
    Completed(Arc<ParsedStatement>),
    /// The file could not be read as a statement (`ERROR`).
    Failed(Failure),
}

impl Phase {
    /// The contract's `state`.
    pub fn state(&self) -> &'static str {
        match self {
            Phase::Locked(_) | Phase::Ready(_) => "READY",
            Phase::Processing { .. } => "PROCESSING",
            Phase::Completed(_) => "COMPLETED",
            Phase::Failed(_) => "ERROR",
        }
    }

    /// The contract's `progress` (0-100).
    pub fn progress(&self) -> u8 {
        match self {
            Phase::Locked(_) => 0,
            Phase::Processing { percent } => *percent,
            Phase::Ready(_) | Phase::Completed(_) | Phase::Failed(_) => 100,
        }
    }
}

/// One uploaded file.
#[derive(Debug)]
pub struct Upload {
    pub filename: String,
    received: Instant,
    /// Unknown while the file is locked.
    pub pdf_type: Option<PdfType>,
    pub pages: Option<u32>,
    pub password_set: bool,
    pub phase: Phase,
    /// Set when the file is forgotten while its scan is being read: the OCR stops.
    cancel: Arc<AtomicBool>,
}

/// What opening a file without OCR found.
pub enum Probe {
    /// Text: read and parsed (or not a statement).
    Text {
        pages: u32,
        read: Result<Arc<ParsedStatement>, Failure>,
    },
    /// Scanned pages: to be recognised in the background.
    Scanned { pages: u32 },
    /// Needs a password.
    Locked,
}

/// Reads `bytes` without OCR: the cheap look the upload answer needs (a text PDF is read whole,
/// a scan only opened, to be recognised in the background).
pub fn probe(
    engine: &PdfEngine,
    bytes: &[u8],
    password: Option<&str>,
    limits: IntakeLimits,
) -> Result<Probe, StatementError> {
    let options = ReadOptions {
        password,
        limits,
        ocr: Ocr::Off,
        ..ReadOptions::new()
    };
    match folio_statements::read_statement(engine, bytes, &options, &mut |_| {}) {
        Ok(reading) => Ok(match reading.pdf_type {
            PdfType::TextBased => Probe::Text {
                pages: reading.pages,
                read: reading
                    .statement
                    .map(|found| Arc::new(found.statement))
                    .map_err(|e| Failure::from(&e)),
            },
            PdfType::ImageBased => Probe::Scanned {
                pages: reading.pages,
            },
        }),
        Err(StatementError::PasswordRequired) if password.is_none() => Ok(Probe::Locked),
        Err(StatementError::PasswordRequired) => Err(StatementError::InvalidPassword),
        Err(e) => Err(e),
    }
}

/// All uploaded files, forgotten after `retention`.
pub struct Files {
    map: Mutex<HashMap<Uuid, Upload>>,
    retention: Duration,
    engine: &'static PdfEngine,
    limits: IntakeLimits,
}

impl Files {
    pub fn new(engine: &'static PdfEngine, limits: IntakeLimits, retention: Duration) -> Files {
        Files {
            map: Mutex::new(HashMap::new()),
            retention,
            engine,
            limits,
        }
    }

    pub fn engine(&self) -> &'static PdfEngine {
        self.engine
    }

    pub fn limits(&self) -> IntakeLimits {
        self.limits
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Upload>> {
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Keeps a new file; a scanned one starts being read at once.
    pub fn add(
        self: &Arc<Self>,
        filename: String,
        bytes: Arc<Vec<u8>>,
        probe: Probe,
    ) -> (Uuid, Snapshot) {
        let uuid = Uuid::new_v4();
        let cancel = Arc::new(AtomicBool::new(false));
        let upload = Upload {
            filename,
            received: Instant::now(),
            pdf_type: None,
            pages: None,
            password_set: false,
            phase: Phase::Locked(Arc::clone(&bytes)),
            cancel,
        };
        self.lock().insert(uuid, upload);
        self.opened(uuid, bytes, probe, None);
        let snapshot = self.get(uuid).unwrap_or_else(|| Snapshot::gone(uuid));
        (uuid, snapshot)
    }

    /// Records what opening the file found (at upload, or once its password is set); a scan
    /// starts its OCR thread.
    pub fn opened(
        self: &Arc<Self>,
        uuid: Uuid,
        bytes: Arc<Vec<u8>>,
        probe: Probe,
        password: Option<Sensitive<String>>,
    ) {
        let mut map = self.lock();
        let Some(upload) = map.get_mut(&uuid) else {
            return;
        };
        // Two set-password calls racing: the first one to get here opened the file.
        if password.is_some() && !matches!(upload.phase, Phase::Locked(_)) {
            return;
        }
        upload.password_set = password.is_some();
        match probe {
            Probe::Locked => {}
            Probe::Text { pages, read } => {
                upload.pdf_type = Some(PdfType::TextBased);
                upload.pages = Some(pages);
                upload.phase = match read {
                    Ok(s) => Phase::Ready(s),
                    Err(f) => Phase::Failed(f),
                };
            }
            Probe::Scanned { pages } => {
                upload.pdf_type = Some(PdfType::ImageBased);
                upload.pages = Some(pages);
                upload.phase = Phase::Processing { percent: 0 };
                let cancel = Arc::clone(&upload.cancel);
                drop(map);
                let files = Arc::clone(self);
                std::thread::spawn(move || {
                    // A reading that panics must not leave the file PROCESSING for a day.
                    let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        files.recognise(uuid, &bytes, password, &cancel);
                    }));
                    if read.is_err() {
                        files.fail(
                            uuid,
                            Failure {
                                code: "INTERNAL_ERROR",
                                message: "reading the scanned pages failed unexpectedly".into(),
                                recovery: "Upload the file again; if it fails again, report it."
                                    .into(),
                            },
                        );
                    }
                });
            }
        }
    }

    /// The OCR thread of one scanned file.
    fn recognise(
        &self,
        uuid: Uuid,
        bytes: &[u8],
        password: Option<Sensitive<String>>,
        cancel: &AtomicBool,
    ) {
        let options = ReadOptions {
            password: password.as_ref().map(|p| p.expose().as_str()),
            limits: self.limits,
            ocr: Ocr::Auto,
            cancel,
            ..ReadOptions::new()
        };
        let read = folio_statements::read_statement(self.engine, bytes, &options, &mut |stage| {
            let percent = match stage {
                ReadStage::Page { percent, .. } | ReadStage::Recognising { percent, .. } => percent,
                ReadStage::Checking | ReadStage::Verifying => return,
            };
            if let Some(u) = self.lock().get_mut(&uuid) {
                if let Phase::Processing { percent: shown } = &mut u.phase {
                    // 100 only once the statement is read and proven.
                    *shown = (*shown).max(percent.min(99));
                }
            }
        })
        .and_then(|reading| reading.into_statement().map(|found| found.statement));
        drop(password);
        if cancel.load(Ordering::Relaxed) {
            return;
        }
        match read {
            Ok(s) => {
                if let Some(u) = self.lock().get_mut(&uuid) {
                    u.phase = Phase::Completed(Arc::new(s));
                }
            }
            Err(e) => self.fail(uuid, Failure::from(&e)),
        }
    }

    fn fail(&self, uuid: Uuid, failure: Failure) {
        if let Some(u) = self.lock().get_mut(&uuid) {
            u.phase = Phase::Failed(failure);
        }
    }

    /// A copy of what the API shows of a file; `None` when unknown or past its retention.
    pub fn get(&self, uuid: Uuid) -> Option<Snapshot> {
        let map = self.lock();
        let u = map.get(&uuid)?;
        if u.received.elapsed() >= self.retention {
            return None;
        }
        Some(Snapshot {
            uuid,
            filename: u.filename.clone(),
            pdf_type: u.pdf_type,
            pages: u.pages,
            password_set: u.password_set,
            phase: u.phase.clone(),
        })
    }

    /// Forgets every file past its retention (a reading still running is stopped). Returns how
    /// many were forgotten.
    pub fn sweep(&self) -> usize {
        let mut map = self.lock();
        let before = map.len();
        map.retain(|_, u| {
            let keep = u.received.elapsed() < self.retention;
            if !keep {
                u.cancel.store(true, Ordering::Relaxed);
            }
            keep
        });
        before - map.len()
    }

    /// Forgets one file now (its reading, if running, is stopped). False when unknown.
    pub fn forget(&self, uuid: Uuid) -> bool {
        match self.lock().remove(&uuid) {
            Some(u) => {
                u.cancel.store(true, Ordering::Relaxed);
                true
            }
            None => false,
        }
    }

    pub fn retention(&self) -> Duration {
        self.retention
    }
}

/// A file as one answer shows it.
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub uuid: Uuid,
    pub filename: String,
    pub pdf_type: Option<PdfType>,
    pub pages: Option<u32>,
    pub password_set: bool,
    pub phase: Phase,
}

impl Snapshot {
    fn gone(uuid: Uuid) -> Snapshot {
        Snapshot {
            uuid,
            filename: String::new(),
            pdf_type: None,
            pages: None,
            password_set: false,
            phase: Phase::Failed(Failure {
                code: "FILE_NOT_FOUND",
                message: "the file was forgotten".into(),
                recovery: "Upload the file again.".into(),
            }),
        }
    }
}
