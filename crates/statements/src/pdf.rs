//! Text with positions from PDF files, through PDFium (pdfium-render binding the PDFium library at
//! run time). See ARCHITECTURE.md for why PDFium and what was rejected.

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::OnceLock;

use pdfium_render::prelude::*;
use serde::Serialize;

use crate::StatementError;

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
        let mut pages = Vec::new();
        for (index, page) in document.pages().iter().enumerate() {
            let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
            on_page(number, count);
            pages.push(read_page(&page, number, limits.max_chars_per_page)?);
        }
        Ok(PdfText { pages })
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
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PdfText {
    pub pages: Vec<PageText>,
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
                w.text.push(c);
                w.x1 = w.x1.max(x1);
                w.top = w.top.min(top);
                w.bottom = w.bottom.max(bottom);
            }
        } else {
            words.extend(current.take());
            current = Some(Word {
                text: c.to_string(),
                x0,
                x1,
                top,
                bottom,
                font_size: size,
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
