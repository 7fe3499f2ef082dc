//! Text with positions from PDF files, through PDFium (pdfium-render binding the PDFium library at
//! run time). See ARCHITECTURE.md for why PDFium and what was rejected.

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, TrySendError};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use pdfium_render::prelude::*;
use serde::Serialize;

use crate::ocr::{OcrEngine, Raster};
use crate::StatementError;

/// Resolution scanned pages are rendered at for OCR: Tesseract reads 10 pt print best at 300 dpi.
pub const OCR_DPI: f32 = 300.0;

/// The most pixels a scanned page is rendered with for OCR. A3 at 300 dpi is 17.4 million; a
/// page declared larger than about A2 (a PDF may say up to 200 x 200 inches) is rendered at a
/// lower resolution instead of asking for gigabytes of pixels.
pub const MAX_OCR_PIXELS: f32 = 36_000_000.0;

/// The resolution a page of `width` x `height` points is rendered at for OCR: [`OCR_DPI`], or
/// less so that the image stays within [`MAX_OCR_PIXELS`].
pub fn ocr_dpi(width: f32, height: f32) -> f32 {
    let inches = (width.abs() / 72.0) * (height.abs() / 72.0);
    let pixels = inches * OCR_DPI * OCR_DPI;
    if pixels > MAX_OCR_PIXELS {
        OCR_DPI * (MAX_OCR_PIXELS / pixels).sqrt()
    } else {
        OCR_DPI
    }
}

/// How far reading a file has come, for a progress bar: text pages count little, each scanned
/// page's OCR much more. `percent` never goes down.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ReadProgress {
    pub stage: ReadStep,
    /// The page this event is about (1-based).
    pub page: u32,
    pub pages: u32,
    /// Scanned pages recognised so far, and found so far.
    pub recognised: u32,
    pub scanned: u32,
    pub percent: u8,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReadStep {
    /// Page `page`'s text layer is being read (and, for a scan, the page rendered).
    Reading,
    /// OCR of page `page` finished.
    Recognised,
}

/// Where Folio looks for the PDFium library, in order: `FOLIO_PDFIUM_LIB` (a file), next to the
/// executable, `<exe dir>/../lib/folio/`, then the system's library path. The caller hands in the
/// variable and the executable's path, so this reads no environment itself.
pub fn pdfium_candidates(env: Option<OsString>, exe: Option<PathBuf>) -> Vec<PathBuf> {
    let name = Pdfium::pdfium_platform_library_name();
    let mut out = Vec::new();
    if let Some(path) = env.filter(|v| !v.is_empty()) {
        out.push(PathBuf::from(path));
    }
    if let Some(dir) = exe.as_ref().and_then(|e| e.parent()) {
        out.push(dir.join(&name));
        out.push(dir.join("../lib/folio").join(&name));
    }
    out.push(PathBuf::from(name));
    out
}

/// The PDF engine: one PDFium per process (PDFium keeps global state), shared by all threads;
/// pdfium-render's `thread_safe` feature serializes calls into it.
pub struct PdfEngine {
    pdfium: Pdfium,
    /// PDFium reports why a document failed to open through a process-wide "last error"; with
    /// two threads opening files, one can read the other's. Each extraction holds this lock from
    /// load to last page, so an error code always belongs to its own file.
    one_at_a_time: std::sync::Mutex<()>,
}

static ENGINE: OnceLock<Result<PdfEngine, Vec<PathBuf>>> = OnceLock::new();

impl PdfEngine {
    /// Binds PDFium from the first candidate that loads. The first successful call wins for the
    /// whole process; later calls return the same engine.
    pub fn load(candidates: &[PathBuf]) -> Result<&'static PdfEngine, StatementError> {
        let engine = ENGINE.get_or_init(|| {
            for path in candidates {
                // A bare file name goes to the system loader, a path must exist.
                if path.components().count() > 1 && !path.exists() {
                    continue;
                }
                if let Ok(bindings) = Pdfium::bind_to_library(path) {
                    return Ok(PdfEngine {
                        pdfium: Pdfium::new(bindings),
                        one_at_a_time: std::sync::Mutex::new(()),
                    });
                }
            }
            Err(candidates.to_vec())
        });
        engine
            .as_ref()
            .map_err(|searched| StatementError::PdfEngineMissing {
                searched: searched.clone(),
            })
    }

    /// Opens a PDF (already past [`crate::check_pdf`]) and extracts every page's words with their
    /// boxes. Encrypted files (RC4 40/128, AES-128/256) open with their user password.
    pub fn extract(&self, bytes: &[u8], password: Option<&str>) -> Result<PdfText, StatementError> {
        self.extract_within(bytes, password, crate::IntakeLimits::default())
    }

    /// [`PdfEngine::extract`] with explicit limits on pages and glyphs per page, checked before
    /// each is read, so a page bomb costs a refusal, not the machine.
    pub fn extract_within(
        &self,
        bytes: &[u8],
        password: Option<&str>,
        limits: crate::IntakeLimits,
    ) -> Result<PdfText, StatementError> {
        self.extract_reporting(bytes, password, limits, &mut |_, _| {})
    }

    /// [`PdfEngine::extract_within`] that calls `on_page(k, n)` before reading page `k` of `n`,
    /// so a window can show "page k of n" while a long statement is read.
    pub fn extract_reporting(
        &self,
        bytes: &[u8],
        password: Option<&str>,
        limits: crate::IntakeLimits,
        on_page: &mut dyn FnMut(u32, u32),
    ) -> Result<PdfText, StatementError> {
        // A panic inside a previous extraction leaves nothing shared half-done: a poisoned lock
        // is still safe to take.
        let _turn = self.one_at_a_time.lock().unwrap_or_else(|p| p.into_inner());
        let document = self
            .pdfium
            .load_pdf_from_byte_slice(bytes, password)
            .map_err(|e| open_error(e, password.is_some()))?;
        let count = u32::try_from(document.pages().len()).unwrap_or(0);
        if count > limits.max_pages {
            return Err(StatementError::TooManyPages {
                pages: count,
                limit: limits.max_pages,
            });
        }
        let info = document_info(&document);
        let mut pages = Vec::new();
        for (index, page) in document.pages().iter().enumerate() {
            let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
            on_page(number, count);
            pages.push(read_page(&page, number, limits.max_chars_per_page)?);
        }
        Ok(PdfText { pages, info })
    }
}

impl PdfEngine {
    /// [`PdfEngine::extract_reporting`] that also reads scanned pages with `ocr` (when given):
    /// each is rendered at [`OCR_DPI`] and recognised by its own single-threaded Tesseract, up to
    /// one per core at once, and gets words with boxes in PDF points like a text page (its kind
    /// stays [`PageKind::ImageBased`]). `on_progress` hears every page read and every page
    /// recognised; `cancel` set from another thread stops the Tesseracts running and returns
    /// [`StatementError::Cancelled`]. A page Tesseract fails on stays unread (the statement warns
    /// PAGES_NOT_READ); OCR_FAILED only when no scanned page could be read.
    pub fn extract_scans(
        &self,
        bytes: &[u8],
        password: Option<&str>,
        limits: crate::IntakeLimits,
        ocr: Option<&OcrEngine>,
        on_progress: &mut dyn FnMut(ReadProgress),
        cancel: &AtomicBool,
    ) -> Result<PdfText, StatementError> {
        self.extract_scans_lazily(bytes, password, limits, &|| ocr, on_progress, cancel)
    }

    /// [`PdfEngine::extract_scans`] that asks `ocr` for the OCR engine only when the first
    /// scanned page is met, so a text PDF never pays for loading Tesseract's models.
    pub fn extract_scans_lazily<'o>(
        &self,
        bytes: &[u8],
        password: Option<&str>,
        limits: crate::IntakeLimits,
        ocr: &dyn Fn() -> Option<&'o OcrEngine>,
        on_progress: &mut dyn FnMut(ReadProgress),
        cancel: &AtomicBool,
    ) -> Result<PdfText, StatementError> {
        let _turn = self.one_at_a_time.lock().unwrap_or_else(|p| p.into_inner());
        let document = self
            .pdfium
            .load_pdf_from_byte_slice(bytes, password)
            .map_err(|e| open_error(e, password.is_some()))?;
        let count = u32::try_from(document.pages().len()).unwrap_or(0);
        if count > limits.max_pages {
            return Err(StatementError::TooManyPages {
                pages: count,
                limit: limits.max_pages,
            });
        }
        let workers = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, 8);
        let info = document_info(&document);
        let mut meter = Meter::new(count);
        // Workers stop on this: the caller's cancel, or an error that ends the reading.
        let stop = AtomicBool::new(false);
        let (job_tx, job_rx) = mpsc::sync_channel::<Job>(workers);
        let (done_tx, done_rx) = mpsc::channel::<(usize, Result<Vec<Word>, StatementError>)>();
        let job_rx = Mutex::new(job_rx);
        std::thread::scope(|scope| {
            // The OCR engine, asked for at the first scanned page: `None` until then, then
            // whether there is one. Its workers start with it; the reader's own sender of
            // finished pages goes once they hold theirs, so `done_rx` ends when they do.
            let mut engine: Option<Option<&'o OcrEngine>> = None;
            let mut done_tx = Some(done_tx);
            let (job_rx_ref, stop_ref) = (&job_rx, &stop);
            let mut ocr_for_scan = || -> bool {
                let found = *engine.get_or_insert_with(|| {
                    let found = ocr();
                    if let (Some(ocr), Some(tx)) = (found, done_tx.take()) {
                        for _ in 0..workers {
                            let done_tx = tx.clone();
                            scope.spawn(move || ocr_worker(ocr, job_rx_ref, done_tx, stop_ref));
                        }
                    }
                    found
                });
                found.is_some()
            };
            let mut run = Run {
                pages: Vec::new(),
                outstanding: 0,
                first_failure: None,
                recognised_ok: 0,
                cancel,
                stop: &stop,
            };
            let result = (|| {
                for (index, page) in document.pages().iter().enumerate() {
                    let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
                    run.check_cancel()?;
                    on_progress(meter.event(ReadStep::Reading, number));
                    run.check_cancel()?;
                    let text = read_page(&page, number, limits.max_chars_per_page)?;
                    let scan = text.kind == PageKind::ImageBased && ocr_for_scan();
                    let size = (text.width, text.height);
                    run.pages.push(text);
                    if scan {
                        meter.scanned += 1;
                        let raster = render_gray(&page, number, ocr_dpi(size.0, size.1))?;
                        let mut job = Job {
                            index,
                            number,
                            size,
                            raster,
                        };
                        run.outstanding += 1;
                        // Hand the page to a free worker; meanwhile report what finished.
                        loop {
                            match job_tx.try_send(job) {
                                Ok(()) => break,
                                Err(TrySendError::Full(back)) => {
                                    job = back;
                                    run.wait_one(&done_rx, &mut meter, on_progress)?;
                                }
                                Err(TrySendError::Disconnected(_)) => {
                                    return Err(StatementError::OcrFailed {
                                        page: number,
                                        detail: "the OCR workers stopped".into(),
                                    })
                                }
                            }
                        }
                    }
                }
                while run.outstanding > 0 {
                    run.wait_one(&done_rx, &mut meter, on_progress)?;
                }
                Ok(())
            })();
            // Workers end when the job channel closes; on an error the stop flag also ends the
            // page each Tesseract is reading.
            drop(job_tx);
            if result.is_err() {
                stop.store(true, Ordering::Relaxed);
            }
            result?;
            if meter.scanned > 0 && run.recognised_ok == 0 {
                if let Some(e) = run.first_failure.take() {
                    return Err(e);
                }
            }
            Ok(PdfText {
                pages: run.pages,
                info,
            })
        })
    }
}

/// Renders a page for OCR: BGRA (PDFium's grey format renders blank), then luma.
fn render_gray(page: &PdfPage<'_>, number: u32, dpi: f32) -> Result<Raster, StatementError> {
    let width = (page.width().value / 72.0 * dpi).round().max(1.0) as i32;
    let height = (page.height().value / 72.0 * dpi).round().max(1.0) as i32;
    let config = PdfRenderConfig::new()
        .set_target_width(width)
        .set_maximum_height(height);
    let bitmap = page
        .render_with_config(&config)
        .map_err(|e| StatementError::CorruptFile {
            detail: format!("page {number} could not be rendered: {e:?}"),
        })?;
    let (w, h) = (
        bitmap.width().max(0) as usize,
        bitmap.height().max(0) as usize,
    );
    let bytes = bitmap.as_raw_bytes();
    let stride = bytes.len().checked_div(h).unwrap_or(0);
    if stride < 4 * w {
        return Err(StatementError::CorruptFile {
            detail: format!("page {number} rendered to an unexpected bitmap"),
        });
    }
    let mut pixels = Vec::with_capacity(w * h);
    for y in 0..h {
        let row = &bytes[y * stride..];
        for x in 0..w {
            let (b, g, r) = (
                row[4 * x] as u32,
                row[4 * x + 1] as u32,
                row[4 * x + 2] as u32,
            );
            pixels.push(((r * 299 + g * 587 + b * 114) / 1000) as u8);
        }
    }
    Ok(Raster {
        width: w as u32,
        height: h as u32,
        pixels,
    })
}

impl PdfEngine {
    /// Every page rendered to grey pixels at `dpi` (fixtures make their scanned copies from these).
    pub fn render_pages(
        &self,
        bytes: &[u8],
        password: Option<&str>,
        dpi: f32,
    ) -> Result<Vec<Raster>, StatementError> {
        let _turn = self.one_at_a_time.lock().unwrap_or_else(|p| p.into_inner());
        let document = self
            .pdfium
            .load_pdf_from_byte_slice(bytes, password)
            .map_err(|e| open_error(e, password.is_some()))?;
        let mut out = Vec::new();
        for (index, page) in document.pages().iter().enumerate() {
            let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
            out.push(render_gray(&page, number, dpi)?);
        }
        Ok(out)
    }
}

struct Job {
    index: usize,
    number: u32,
    size: (f32, f32),
    raster: Raster,
}

fn ocr_worker(
    ocr: &OcrEngine,
    jobs: &Mutex<Receiver<Job>>,
    done: mpsc::Sender<(usize, Result<Vec<Word>, StatementError>)>,
    stop: &AtomicBool,
) {
    loop {
        let job = {
            let Ok(rx) = jobs.lock() else { return };
            rx.recv()
        };
        let Ok(job) = job else { return };
        let words = if stop.load(Ordering::Relaxed) {
            Err(StatementError::Cancelled)
        } else {
            ocr.recognise(&job.raster, job.size, job.number, stop)
        };
        drop(job.raster);
        if done.send((job.index, words)).is_err() {
            return;
        }
    }
}

/// The reading's state on the calling thread.
struct Run<'a> {
    pages: Vec<PageText>,
    outstanding: usize,
    first_failure: Option<StatementError>,
    recognised_ok: u32,
    cancel: &'a AtomicBool,
    stop: &'a AtomicBool,
}

impl Run<'_> {
    fn check_cancel(&self) -> Result<(), StatementError> {
        if self.cancel.load(Ordering::Relaxed) {
            self.stop.store(true, Ordering::Relaxed);
            return Err(StatementError::Cancelled);
        }
        Ok(())
    }

    /// Waits for one recognised page (checking `cancel` meanwhile) and files its words.
    fn wait_one(
        &mut self,
        done: &Receiver<(usize, Result<Vec<Word>, StatementError>)>,
        meter: &mut Meter,
        on_progress: &mut dyn FnMut(ReadProgress),
    ) -> Result<(), StatementError> {
        loop {
            self.check_cancel()?;
            match done.recv_timeout(Duration::from_millis(20)) {
                Ok((index, words)) => {
                    self.outstanding = self.outstanding.saturating_sub(1);
                    meter.recognised += 1;
                    let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
                    match words {
                        Ok(words) => {
                            self.recognised_ok += 1;
                            if let Some(page) = self.pages.get_mut(index) {
                                page.words = words;
                            }
                        }
                        Err(StatementError::Cancelled) => return Err(StatementError::Cancelled),
                        Err(e) => {
                            self.first_failure.get_or_insert(e);
                        }
                    }
                    on_progress(meter.event(ReadStep::Recognised, number));
                    return Ok(());
                }
                Err(mpsc::RecvTimeoutError::Timeout) => continue,
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(StatementError::OcrFailed {
                        page: 0,
                        detail: "the OCR workers stopped".into(),
                    })
                }
            }
        }
    }
}

/// Progress as a percentage: reading a page is one unit, recognising a scan twenty (about what
/// they cost); pages not read yet are expected to be scans as often as the pages read so far.
struct Meter {
    pages: u32,
    read: u32,
    /// The last page whose reading was announced.
    seen: u32,
    scanned: u32,
    recognised: u32,
    last: u8,
}

impl Meter {
    fn new(pages: u32) -> Meter {
        Meter {
            pages,
            read: 0,
            seen: 0,
            scanned: 0,
            recognised: 0,
            last: 0,
        }
    }

    fn event(&mut self, stage: ReadStep, page: u32) -> ReadProgress {
        match stage {
            ReadStep::Reading => {
                self.read = self.read.max(page.saturating_sub(1));
                self.seen = self.seen.max(page);
            }
            // Recognition waits for reading: every page announced so far has been read.
            ReadStep::Recognised => self.read = self.read.max(self.seen),
        }
        const OCR: f64 = 20.0;
        let pages = f64::from(self.pages.max(1));
        let read = f64::from(self.read);
        let share = if self.read == 0 {
            0.0
        } else {
            // The page being read may already be counted as a scan: a share, at most all.
            (f64::from(self.scanned) / read).min(1.0)
        };
        let expected_scans = f64::from(self.scanned) + (pages - read) * share;
        let total = pages + OCR * expected_scans;
        let done = read + OCR * f64::from(self.recognised);
        let percent = ((done / total) * 100.0).floor().clamp(0.0, 99.0) as u8;
        self.last = self.last.max(percent);
        ReadProgress {
            stage,
            page,
            pages: self.pages,
            recognised: self.recognised,
            scanned: self.scanned,
            percent: self.last,
        }
    }
}

fn open_error(e: PdfiumError, had_password: bool) -> StatementError {
    match e {
        PdfiumError::PdfiumLibraryInternalError(PdfiumInternalError::PasswordError) => {
            if had_password {
                StatementError::InvalidPassword
            } else {
                StatementError::PasswordRequired
            }
        }
        other => StatementError::CorruptFile {
            detail: format!("{other:?}"),
        },
    }
}

/// A page's text as words with boxes. Coordinates are PDF points with the origin at the page's
/// top-left corner and y growing downwards (reading order).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PageText {
    /// 1-based.
    pub number: u32,
    pub width: f32,
    pub height: f32,
    pub kind: PageKind,
    pub words: Vec<Word>,
}

/// Whether a page carries text, only images (a scan), or nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PageKind {
    TextBased,
    ImageBased,
    Blank,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Word {
    pub text: String,
    pub x0: f32,
    pub x1: f32,
    pub top: f32,
    pub bottom: f32,
    pub font_size: f32,
    /// The font of the word's first glyph as the file names it (`ABCDEF+Arial-BoldMT`); `None`
    /// for OCR words and glyphs PDFium names no font for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub font: Option<String>,
    /// True when the word's glyphs come from more than one font (a digit typed over in an
    /// editor is drawn in the editor's font).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub mixed_fonts: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PdfText {
    pub pages: Vec<PageText>,
    /// The document information dictionary and signature count, for the tamper checks.
    pub info: DocumentInfo,
}

/// What the file says about itself (the Info dictionary, as PDFium reads it) and how many
/// signature fields it has. Dates are kept as printed (`D:20240131120000+01'00'`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DocumentInfo {
    pub producer: Option<String>,
    pub creator: Option<String>,
    pub creation_date: Option<String>,
    pub mod_date: Option<String>,
    pub signatures: u32,
}

fn document_info(document: &PdfDocument<'_>) -> DocumentInfo {
    let tag = |t: PdfDocumentMetadataTagType| {
        document
            .metadata()
            .get(t)
            .map(|v| v.value().trim().to_string())
            .filter(|v| !v.is_empty())
    };
    DocumentInfo {
        producer: tag(PdfDocumentMetadataTagType::Producer),
        creator: tag(PdfDocumentMetadataTagType::Creator),
        creation_date: tag(PdfDocumentMetadataTagType::CreationDate),
        mod_date: tag(PdfDocumentMetadataTagType::ModificationDate),
        signatures: u32::from(document.signatures().len()),
    }
}

/// Balanzio's `pdfType` for a whole file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PdfType {
    TextBased,
    ImageBased,
}

impl PdfText {
    /// IMAGE_BASED as soon as one page needs OCR; TEXT_BASED otherwise.
    pub fn pdf_type(&self) -> PdfType {
        if self.pages.iter().any(|p| p.kind == PageKind::ImageBased) {
            PdfType::ImageBased
        } else {
            PdfType::TextBased
        }
    }

    /// The numbers of the scanned pages that carry no words: not recognised (no OCR asked, or
    /// OCR failed on them).
    pub fn unread_pages(&self) -> Vec<u32> {
        self.pages
            .iter()
            .filter(|p| p.kind == PageKind::ImageBased && p.words.is_empty())
            .map(|p| p.number)
            .collect()
    }

    /// The numbers of the pages that are scans.
    pub fn image_pages(&self) -> Vec<u32> {
        self.pages
            .iter()
            .filter(|p| p.kind == PageKind::ImageBased)
            .map(|p| p.number)
            .collect()
    }
}

fn read_page(page: &PdfPage<'_>, number: u32, max_chars: u32) -> Result<PageText, StatementError> {
    let height = page.height().value;
    let width = page.width().value;
    let text = page.text().map_err(|e| StatementError::CorruptFile {
        detail: format!("page {number}: {e:?}"),
    })?;
    let chars = u32::try_from(text.chars().len()).unwrap_or(u32::MAX);
    if chars > max_chars {
        return Err(StatementError::TooComplex {
            page: number,
            chars,
        });
    }
    let mut words = Vec::new();
    let mut current: Option<Word> = None;
    // PDFium inserts spaces of its own guessing ("generated") where glyphs are spaced apart; some
    // are real word gaps, some are tracked digits or kerned headings. They lower the gap needed to
    // split instead of splitting outright.
    let mut generated_space = false;
    for ch in text.chars().iter() {
        let Some(c) = ch.unicode_char() else { continue };
        if c.is_whitespace() || c == '\u{0}' {
            if ch.is_generated().unwrap_or(false) {
                generated_space = true;
            } else {
                words.extend(current.take());
            }
            continue;
        }
        let Ok(rect) = ch.loose_bounds() else {
            continue;
        };
        let size = ch.scaled_font_size().value.max(1.0);
        let (x0, x1) = (rect.left().value, rect.right().value);
        let (top, bottom) = (height - rect.top().value, height - rect.bottom().value);
        // A new word when the glyph is not just right of the previous one on the same line.
        let continues = current.as_ref().is_some_and(|w| {
            let gap = x0 - w.x1;
            let same_line = ((top + bottom) / 2.0 - (w.top + w.bottom) / 2.0).abs() < size * 0.5;
            // Within a word glyphs nearly touch; a third of the font size is a space, and so is
            // a sixth where PDFium saw a space too.
            let max_gap = if generated_space {
                size * 0.16
            } else {
                size * 0.33
            };
            same_line && gap < max_gap && gap > -size * 0.5
        });
        generated_space = false;
        if continues {
            if let Some(w) = current.as_mut() {
                // Fonts cost a PDFium call each: asked once per word, and per glyph only inside
                // numbers, where a glyph typed over in an editor matters.
                if is_numeric_glyph(c) && w.text.chars().all(is_numeric_glyph) {
                    let font = Some(ch.font_name()).filter(|f| !f.is_empty());
                    if font.is_some() && w.font != font {
                        w.mixed_fonts = true;
                    }
                }
                w.text.push(c);
                w.x1 = w.x1.max(x1);
                w.top = w.top.min(top);
                w.bottom = w.bottom.max(bottom);
            }
        } else {
            words.extend(current.take());
            let font = Some(ch.font_name()).filter(|f| !f.is_empty());
            current = Some(Word {
                text: c.to_string(),
                x0,
                x1,
                top,
                bottom,
                font_size: size,
                font,
                mixed_fonts: false,
            });
        }
    }
    words.extend(current);
    let kind = if !words.is_empty() {
        PageKind::TextBased
    } else if scanned_area(page) >= 0.25 * width * height {
        PageKind::ImageBased
    } else {
        PageKind::Blank
    };
    Ok(PageText {
        number,
        width,
        height,
        kind,
        words,
    })
}

/// Digits and what is printed around them in amounts.
fn is_numeric_glyph(c: char) -> bool {
    c.is_ascii_digit() || matches!(c, '.' | ',' | '\'' | '-' | '+' | '(' | ')')
}

/// The page area covered by images. A scan fills most of its page; a 1x1 spacer or a logo does not
/// make a page "scanned".
fn scanned_area(page: &PdfPage<'_>) -> f32 {
    page.objects()
        .iter()
        .filter(|o| o.object_type() == PdfPageObjectType::Image)
        .filter_map(|o| o.bounds().ok())
        .map(|q| {
            let r = q.to_rect();
            r.width().value.abs() * r.height().value.abs()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ocr_resolution_is_300_dpi_until_the_page_is_huge() {
        assert_eq!(ocr_dpi(595.0, 842.0), OCR_DPI); // A4
        assert_eq!(ocr_dpi(842.0, 1191.0), OCR_DPI); // A3
        let huge = ocr_dpi(14_400.0, 14_400.0); // the largest page a PDF may declare
        assert!(huge <= 30.0 + 1e-3, "{huge}");
        let side = 14_400.0 / 72.0 * huge;
        assert!(side * side <= MAX_OCR_PIXELS * 1.001, "{}", side * side);
    }
}
