//! Reading a statement file: the one function every caller uses (`folio convert`, `folio
//! import`, `folio serve` and the window's import jobs). Bytes in; out come the words of every
//! page (scanned pages recognised offline when OCR is on), the statement rebuilt and proven by
//! its balance arithmetic, and Folio's insights (identity, months, duplicates, tamper signals).
//!
//! What differs between callers is an option, never a copy: the password, the limits, whether
//! scanned pages are recognised now ([`Ocr::Auto`]) or reported as a scan for later
//! ([`Ocr::Off`], the API server's upload answer), progress and cancel.

use std::sync::atomic::AtomicBool;

use sha2::{Digest, Sha256};

use crate::{
    IntakeLimits, ParsedStatement, PdfEngine, PdfText, PdfType, ReadProgress, ReadStep,
    StatementError, StatementInsights, StatementSummary,
};

/// Whether scanned pages are recognised while reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ocr {
    /// Recognised by the process's OCR engine (Tesseract), loaded at the first scanned page: a
    /// text PDF never loads it. A scan with no engine installed is `OCR_ENGINE_MISSING`.
    Auto,
    /// Not recognised: a scanned file reads as [`PdfType::ImageBased`] whose statement is
    /// `PDF_IS_IMAGE`, so a caller can answer at once and recognise it later.
    Off,
}

/// How to read a statement file.
#[derive(Clone, Copy)]
pub struct ReadOptions<'a> {
    /// The PDF's user password, when it has one.
    pub password: Option<&'a str>,
    pub limits: IntakeLimits,
    pub ocr: Ocr,
    /// The file's name, for the insights (`insights.summary.label`).
    pub label: Option<&'a str>,
    /// Statements seen before, which the insights compare with (months missing, duplicates).
    pub prior: &'a [StatementSummary],
    /// Set from another thread to stop the reading between pages (running recognitions are
    /// stopped mid-page): `CANCELLED`.
    pub cancel: &'a AtomicBool,
    /// The currency for a statement that names none (`--currency`); one the document names wins.
    pub currency: Option<folio_ledger::Currency>,
}

static NEVER: AtomicBool = AtomicBool::new(false);

impl<'a> ReadOptions<'a> {
    /// Default limits, OCR on, no password, nothing to compare with, no cancel.
    pub fn new() -> ReadOptions<'a> {
        ReadOptions {
            password: None,
            limits: IntakeLimits::default(),
            ocr: Ocr::Auto,
            label: None,
            prior: &[],
            cancel: &NEVER,
            currency: None,
        }
    }
}

impl Default for ReadOptions<'_> {
    fn default() -> Self {
        ReadOptions::new()
    }
}

/// Where a reading is, for a progress line or bar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadStage {
    /// Checking the file's bytes (and, in the ledger, whether it was filed before).
    Checking,
    /// Reading page `page` of `pages`; `percent` of the whole read is done.
    Page { page: u32, pages: u32, percent: u8 },
    /// Scanned pages: `done` of `scanned` recognised by OCR; `percent` of the whole read.
    Recognising {
        done: u32,
        scanned: u32,
        percent: u8,
    },
    /// Finding the account, period, balances and rows, and proving them.
    Verifying,
}

impl From<ReadProgress> for ReadStage {
    fn from(p: ReadProgress) -> Self {
        match p.stage {
            ReadStep::Reading => ReadStage::Page {
                page: p.page,
                pages: p.pages,
                percent: p.percent,
            },
            ReadStep::Recognised => ReadStage::Recognising {
                done: p.recognised,
                scanned: p.scanned,
                percent: p.percent,
            },
        }
    }
}

/// A file opened and read. Opening can fail (not a PDF, a password needed, a page bomb,
/// cancelled: [`read_statement`]'s error); finding a statement in what was opened can fail too,
/// and that failure sits in `statement`, beside what is known of the document anyway.
#[derive(Debug)]
pub struct Reading {
    /// The SHA-256 of the file's bytes (hex): the same file filed twice is refused by it.
    pub sha256: String,
    pub pages: u32,
    pub pdf_type: PdfType,
    /// The words of every page as read (OCR'd pages included).
    pub text: PdfText,
    pub statement: Result<FoundStatement, StatementError>,
}

/// A statement found in a file, proven or flagged, with Folio's checks of it.
#[derive(Clone, Debug)]
pub struct FoundStatement {
    pub statement: ParsedStatement,
    pub insights: StatementInsights,
}

impl Reading {
    /// The statement, or why the file holds none.
    pub fn into_statement(self) -> Result<FoundStatement, StatementError> {
        self.statement
    }
}

/// Reads a statement file's bytes: the PDF opened (with the password), every page's words (scans
/// recognised when `options.ocr` is on), the statement rebuilt and proven, and its insights.
/// `progress` hears each page read and recognised, then [`ReadStage::Verifying`].
///
/// The bytes should have passed [`crate::read_pdf`] or [`crate::check_pdf`] (size, header,
/// trailer): this checks them again, cheaply, so no caller can skip it.
pub fn read_statement(
    engine: &PdfEngine,
    bytes: &[u8],
    options: &ReadOptions<'_>,
    progress: &mut dyn FnMut(ReadStage),
) -> Result<Reading, StatementError> {
    crate::check_pdf(bytes, options.limits)?;
    let sha256 = hex_sha256(bytes);
    let text = match options.ocr {
        Ocr::Auto => engine.extract_scans_lazily(
            bytes,
            options.password,
            options.limits,
            &|| crate::ocr_engine_from_env().ok(),
            &mut |p| progress(p.into()),
            options.cancel,
        )?,
        Ocr::Off => engine.extract_scans_lazily(
            bytes,
            options.password,
            options.limits,
            &|| None,
            &mut |p| progress(p.into()),
            options.cancel,
        )?,
    };
    let pages = u32::try_from(text.pages.len()).unwrap_or(u32::MAX);
    let pdf_type = text.pdf_type();
    progress(ReadStage::Verifying);
    let statement = match crate::parse_statement(&text) {
        Ok(mut statement) => {
            if let Some(c) = options.currency {
                statement.set_currency(c);
            }
            let insights =
                crate::pdf_insights(&statement, &text, bytes, options.label, options.prior);
            Ok(FoundStatement {
                statement,
                insights,
            })
        }
        // A scan with no OCR engine: say what to install, not only that it is a scan.
        Err(e) if e.code() == "PDF_IS_IMAGE" && options.ocr == Ocr::Auto => {
            match crate::ocr_engine_from_env() {
                Err(missing) => Err(missing),
                Ok(_) => Err(e),
            }
        }
        Err(e) => Err(e),
    };
    Ok(Reading {
        sha256,
        pages,
        pdf_type,
        text,
        statement,
    })
}

fn hex_sha256(bytes: &[u8]) -> String {
    use std::fmt::Write;
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}
