//! Scanned pages become words with boxes: Tesseract (Debian's `libtesseract5` with the eng, fra,
//! nld and deu data, through `folio-tesseract`) reads a cleaned, deskewed grey image, its TSV word
//! boxes are converted to the page's PDF points, and the words go through the same layout, table
//! and proof as a text PDF's. Each worker keeps its readers (models loaded) for the next page.
//! See ARCHITECTURE.md for why in-process.

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use folio_tesseract::{Reader, Tesseract, TesseractError};

use crate::{StatementError, Word};

/// A grey image, one byte a pixel (0 black, 255 white), rows top to bottom.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Raster {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

/// The languages asked of Tesseract, in order, when installed. Statements' amounts and dates are
/// language-free; the labels and descriptions are in these. All four are asked even of an
/// English statement: a line Tesseract is unsure of is read again with each other model, and on
/// noisy scans that second opinion is worth its time (English alone: 14% faster, F1 0.962 and
/// one statement of nine no longer proven, because English statements lost rows too).
const LANGUAGES: &[&str] = &["eng", "fra", "nld", "deu"];

/// Page segmentation mode 6, one uniform block: a table row stays one line (3 splits columns).
const PSM_SINGLE_BLOCK: i32 = 6;

/// A page still being recognised after this long is given up (OCR_FAILED), not waited on.
const PAGE_DEADLINE_MS: u32 = 120_000;

/// The characters a re-read number may have.
const NUMBER_CHARACTERS: &str = "0123456789.,-+()";

/// Tesseract, found and checked, with the readers it has loaded kept for the next page.
#[derive(Clone, Debug)]
pub struct OcrEngine {
    tesseract: Tesseract,
    languages: String,
    idle: Arc<Mutex<Idle>>,
}

/// How long loaded models are kept after the last page: a drop of many files reads warm, and an
/// app left open gives the memory back (~80 MB for the four languages, ~30 MB for the number
/// reader, per worker) once reading is over.
const KEEP_LOADED: Duration = Duration::from_secs(120);

/// Readers not in use, and whether a thread is waiting to free them.
#[derive(Debug)]
struct Idle {
    readers: Vec<Readers>,
    /// Number readers without a page reader: the English reader `find` loaded to list the
    /// installed languages, kept for the first page instead of loaded twice.
    spare_numbers: Vec<Reader>,
    last_used: Option<Instant>,
    reaper: bool,
    /// How long idle readers are kept ([`KEEP_LOADED`] unless a test says otherwise).
    keep: Duration,
}

/// One worker's pair of loaded readers: the page reader (all languages) and the number
/// re-reader (English, digits and signs only).
#[derive(Debug)]
struct Readers {
    text: Reader,
    numbers: Reader,
}

/// Where Folio looks for Tesseract's library: `FOLIO_TESSERACT` (a library file), then the
/// system's library path (Debian's `libtesseract5`, which `tesseract-ocr` installs).
pub fn tesseract_candidates(env: Option<OsString>) -> Vec<PathBuf> {
    folio_tesseract::library_candidates(env)
}

fn ocr_error(page: u32, e: TesseractError) -> StatementError {
    match e {
        TesseractError::Cancelled => StatementError::Cancelled,
        other => StatementError::OcrFailed {
            page,
            detail: other.to_string(),
        },
    }
}

impl OcrEngine {
    /// The first candidate library that loads with English data; the other seed languages join
    /// when installed. OCR_ENGINE_MISSING with the places searched otherwise.
    pub fn find(candidates: &[PathBuf]) -> Result<OcrEngine, StatementError> {
        let missing = || StatementError::OcrEngineMissing {
            searched: candidates.to_vec(),
        };
        let tesseract = Tesseract::load(candidates).map_err(|_| missing())?;
        let mut english =
            Reader::new(&tesseract, "eng", PSM_SINGLE_BLOCK, &[]).map_err(|_| missing())?;
        let installed = english.available_languages();
        english
            .set("tessedit_char_whitelist", NUMBER_CHARACTERS)
            .map_err(|_| missing())?;
        let languages: Vec<&str> = LANGUAGES
            .iter()
            .copied()
            .filter(|l| *l == "eng" || installed.iter().any(|i| i == l))
            .collect();
        let idle = Arc::new(Mutex::new(Idle {
            readers: Vec::new(),
            spare_numbers: vec![english],
            last_used: Some(Instant::now()),
            reaper: false,
            keep: KEEP_LOADED,
        }));
        if let Ok(mut guard) = idle.lock() {
            Self::watch(&idle, &mut guard);
        }
        Ok(OcrEngine {
            tesseract,
            languages: languages.join("+"),
            idle,
        })
    }

    /// The languages read with, Tesseract's `-l` form, e.g. `eng+fra+nld+deu`.
    pub fn languages(&self) -> &str {
        &self.languages
    }

    /// Where the library was loaded from, and its version.
    pub fn describe(&self) -> String {
        format!(
            "Tesseract {} ({})",
            self.tesseract.version(),
            self.tesseract.path().display()
        )
    }

    /// A pair of loaded readers: an idle one, or a new one (the models load once per worker,
    /// ~0.55 s, then serve every later page and file while the process runs).
    fn take_readers(&self, page: u32) -> Result<Readers, StatementError> {
        let spare = match self.idle.lock() {
            Ok(mut idle) => {
                if let Some(r) = idle.readers.pop() {
                    return Ok(r);
                }
                idle.spare_numbers.pop()
            }
            Err(_) => None,
        };
        let text = Reader::new(&self.tesseract, &self.languages, PSM_SINGLE_BLOCK, &[])
            .map_err(|e| ocr_error(page, e))?;
        if let Some(numbers) = spare {
            return Ok(Readers { text, numbers });
        }
        let numbers = Reader::new(
            &self.tesseract,
            "eng",
            PSM_SINGLE_BLOCK,
            &[("tessedit_char_whitelist", NUMBER_CHARACTERS)],
        )
        .map_err(|e| ocr_error(page, e))?;
        Ok(Readers { text, numbers })
    }

    fn give_back(&self, readers: Readers) {
        let Ok(mut idle) = self.idle.lock() else {
            return;
        };
        idle.readers.push(readers);
        idle.last_used = Some(Instant::now());
        Self::watch(&self.idle, &mut idle);
    }

    /// Starts the thread that frees idle readers once unused for the keep time, unless one runs.
    fn watch(pool: &Arc<Mutex<Idle>>, idle: &mut Idle) {
        if idle.reaper {
            return;
        }
        idle.reaper = true;
        let pool = Arc::downgrade(pool);
        let spawned = std::thread::Builder::new()
            .name("ocr-models".into())
            .spawn(move || loop {
                let keep = match pool.upgrade() {
                    Some(pool) => pool.lock().map_or(KEEP_LOADED, |idle| idle.keep),
                    None => return,
                };
                // Short ticks: a keep time changed meanwhile (tests) is seen within a second.
                std::thread::sleep((keep / 4).min(Duration::from_secs(1)));
                let Some(pool) = pool.upgrade() else { return };
                let Ok(mut idle) = pool.lock() else { return };
                let stale = idle.last_used.is_none_or(|t| t.elapsed() >= idle.keep);
                let nothing = idle.readers.is_empty() && idle.spare_numbers.is_empty();
                if nothing || stale {
                    // Dropped outside the lock: ending a reader frees its models (a few ms).
                    let freed = (
                        std::mem::take(&mut idle.readers),
                        std::mem::take(&mut idle.spare_numbers),
                    );
                    idle.reaper = false;
                    drop(idle);
                    drop(freed);
                    return;
                }
            });
        if spawned.is_err() {
            idle.reaper = false;
        }
    }

    /// The same engine keeping its models loaded for `keep` after the last page instead of
    /// [`KEEP_LOADED`].
    pub fn keeping_models_for(self, keep: Duration) -> OcrEngine {
        if let Ok(mut idle) = self.idle.lock() {
            idle.keep = keep;
        }
        self
    }

    /// How many Tesseract readers (models loaded) are idle: two per worker that has read a page,
    /// plus the English one `find` loaded until a page takes it.
    pub fn loaded_readers(&self) -> usize {
        self.idle
            .lock()
            .map_or(0, |idle| 2 * idle.readers.len() + idle.spare_numbers.len())
    }

    /// Frees the loaded models now (the command line calls this before it exits; Tesseract
    /// warns at exit about models still loaded).
    pub fn release(&self) {
        let freed = match self.idle.lock() {
            Ok(mut idle) => (
                std::mem::take(&mut idle.readers),
                std::mem::take(&mut idle.spare_numbers),
            ),
            Err(_) => return,
        };
        drop(freed);
    }

    /// Reads one page: `raster` is the page rendered (at `OCR_DPI`, lower only for a huge page),
    /// `page_size` its size in points. Words come back in PDF points, origin top-left, like a
    /// text page's. Tesseract asks `cancel` before every word; a set flag returns CANCELLED.
    pub fn recognise(
        &self,
        raster: &Raster,
        page_size: (f32, f32),
        page: u32,
        cancel: &AtomicBool,
    ) -> Result<Vec<Word>, StatementError> {
        let cleaned = normalise_contrast(raster);
        let angle = skew_angle(&cleaned);
        let mut upright = if angle.abs() > 0.04 {
            rotate(&cleaned, -angle)
        } else {
            cleaned
        };
        remove_rules(&mut upright);
        despeckle(&mut upright);
        // Tesseract is told the resolution the page was rendered at (it sizes noise and text by it).
        let dpi = (raster.width as f32 * 72.0 / page_size.0.max(1.0))
            .round()
            .clamp(30.0, 1200.0) as u32;
        let mut readers = self.take_readers(page)?;
        let read = read_page(&mut readers.text, &upright, dpi, cancel).and_then(|tsv| {
            let mut raws = drop_specks(raw_words(&tsv));
            reread_numbers(&mut readers.numbers, &upright, dpi, &mut raws, cancel)?;
            Ok(raws)
        });
        // A reader that failed mid-page may hold a broken state: only good ones are reused.
        if matches!(read, Ok(_) | Err(TesseractError::Cancelled)) {
            self.give_back(readers);
        }
        let mut raws = read.map_err(|e| ocr_error(page, e))?;
        for r in &mut raws {
            if let Some(tidy) = tidy_number(&r.text) {
                r.text = tidy;
            }
        }
        let scale_x = page_size.0 / upright.width.max(1) as f32;
        let scale_y = page_size.1 / upright.height.max(1) as f32;
        Ok(words_from_raws(&raws, scale_x, scale_y))
    }
}

/// Reads again, digits and signs only, the numbers Tesseract was unsure of (a minus read as a
/// quote or lost in noise, a speck read as a decimal point): their boxes, widened to the left
/// where a sign would stand, stacked into one small image and recognised with a character
/// whitelist by the worker's English-only number reader. The second reading replaces
/// the first only when it is a well-formed number read with more confidence. Whatever is read
/// still has to pass the balance arithmetic: a wrong reading is a mismatch warning, not a
/// silent guess.
fn reread_numbers(
    reader: &mut Reader,
    page_image: &Raster,
    dpi: u32,
    raws: &mut [RawWord],
    cancel: &AtomicBool,
) -> Result<(), TesseractError> {
    const UNSURE: f32 = 80.0;
    let picked: Vec<usize> = (0..raws.len())
        .filter(|&i| raws[i].conf < UNSURE && looks_numeric(&raws[i].text))
        .collect();
    if picked.is_empty() {
        return Ok(());
    }
    let (pw, ph) = (page_image.width as i64, page_image.height as i64);
    let mut boxes = Vec::new();
    for &i in &picked {
        let r = &raws[i];
        let h = r.height.max(8.0);
        // Room on the left for a sign, but not into the word before it on the line.
        let before = raws[..i]
            .iter()
            .rev()
            .take_while(|p| p.line == r.line)
            .map(|p| p.left + p.width)
            .next()
            .unwrap_or(0.0);
        let x0 = (r.left - h * 0.8).max(before + 2.0).min(r.left) as i64;
        let x1 = (r.left + r.width + h * 0.3) as i64;
        let y0 = (r.top - h * 0.3) as i64;
        let y1 = (r.top + r.height + h * 0.3) as i64;
        boxes.push((
            x0.clamp(0, pw),
            y0.clamp(0, ph),
            x1.clamp(0, pw),
            y1.clamp(0, ph),
        ));
    }
    let margin = 20i64;
    let width = boxes.iter().map(|b| b.2 - b.0).max().unwrap_or(0) + 2 * margin;
    let gap = 30i64;
    let mut slots = Vec::new();
    let mut y = margin;
    for b in &boxes {
        slots.push(y);
        y += (b.3 - b.1) + gap;
    }
    let height = y + margin;
    let mut pixels = vec![255u8; (width * height) as usize];
    for (b, &top) in boxes.iter().zip(&slots) {
        for sy in b.1..b.3 {
            let src = (sy * pw) as usize;
            let dst = ((top + sy - b.1) * width + margin) as usize;
            let n = (b.2 - b.0) as usize;
            pixels[dst..dst + n]
                .copy_from_slice(&page_image.pixels[src + b.0 as usize..src + b.0 as usize + n]);
        }
    }
    let strip = Raster {
        width: width as u32,
        height: height as u32,
        pixels,
    };
    let tsv = read_page(reader, &strip, dpi, cancel)?;
    let again = raw_words(&tsv);
    for (n, &i) in picked.iter().enumerate() {
        let (top, bottom) = (slots[n] as f32, (slots[n] + boxes[n].3 - boxes[n].1) as f32);
        let hits: Vec<&RawWord> = again
            .iter()
            .filter(|w| {
                let mid = w.top + w.height / 2.0;
                mid >= top && mid <= bottom
            })
            .collect();
        if hits.is_empty() {
            continue;
        }
        let text: String = hits.iter().map(|w| w.text.as_str()).collect();
        let conf = hits.iter().map(|w| w.conf).fold(f32::MAX, f32::min);
        let first_unreadable = !well_formed_number(&raws[i].text);
        if well_formed_number(&text) && (conf > raws[i].conf || first_unreadable) {
            raws[i].text = text;
            raws[i].conf = conf;
        }
    }
    Ok(())
}

/// One image, rendered at `dpi`, through one reader.
fn read_page(
    reader: &mut Reader,
    raster: &Raster,
    dpi: u32,
    cancel: &AtomicBool,
) -> Result<String, TesseractError> {
    reader.read_tsv(
        &raster.pixels,
        raster.width,
        raster.height,
        dpi,
        cancel,
        PAGE_DEADLINE_MS,
    )
}

/// One word of Tesseract's TSV, in the image's pixels.
#[derive(Clone, Debug)]
struct RawWord {
    line: (u32, u32, u32),
    left: f32,
    top: f32,
    width: f32,
    height: f32,
    conf: f32,
    text: String,
}

/// Tesseract's TSV rows of level 5 (words), in order.
fn raw_words(tsv: &str) -> Vec<RawWord> {
    let mut raws = Vec::new();
    // The API's TSV has no header row (the program's has one): rows are told by their level.
    for row in tsv.lines() {
        let cols: Vec<&str> = row.split('\t').collect();
        if cols.len() < 12 || cols[0] != "5" {
            continue;
        }
        let text = cols[11].trim();
        if text.is_empty() {
            continue;
        }
        let num = |i: usize| cols[i].parse::<f32>().unwrap_or(0.0);
        let id = |i: usize| cols[i].parse::<u32>().unwrap_or(0);
        raws.push(RawWord {
            line: (id(2), id(3), id(4)),
            left: num(6),
            top: num(7),
            width: num(8),
            height: num(9),
            conf: num(10),
            text: text.to_string(),
        });
    }
    raws
}

/// Whether a word is mostly a number: digits with separators and perhaps a sign.
fn looks_numeric(text: &str) -> bool {
    let digits = text.chars().filter(char::is_ascii_digit).count();
    let numeric = text
        .chars()
        .filter(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '\'' | '-'))
        .count();
    digits >= 3 && numeric * 10 >= text.chars().count() * 7 && !text.contains('/')
}

/// A number as statements print one: an optional sign or parentheses, digits in groups, and a
/// decimal part of two digits.
fn well_formed_number(text: &str) -> bool {
    let t = text.strip_prefix(['-', '+', '(']).unwrap_or(text);
    let t = t.strip_suffix([')', '-']).unwrap_or(t);
    let Some(cut) = t.len().checked_sub(3) else {
        return false;
    };
    let (int, frac) = t.split_at(cut);
    frac.starts_with(['.', ','])
        && frac[1..].chars().all(|c| c.is_ascii_digit())
        && int.chars().next().is_some_and(|c| c.is_ascii_digit())
        && int
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '\''))
}

/// A number with a speck read as a point or comma beside it ("3,276.10.", ".2,853.01"): the
/// number without it. Only points and commas outside the digits go; the digits are as read.
fn tidy_number(text: &str) -> Option<String> {
    if !looks_numeric(text) || well_formed_number(text) {
        return None;
    }
    let t = text.trim_matches(['.', ',']);
    (t.len() < text.len() && well_formed_number(t)).then(|| t.to_string())
}

/// Drops what Tesseract made of toner specks and stray marks: a lone point or comma, and a word
/// it is unsure of that is one character, no wider than a quarter of its line's height (a digit
/// is about 0.6 of it, a 1 a third) or has no letter or digit.
fn drop_specks(raws: Vec<RawWord>) -> Vec<RawWord> {
    // A line's height from the words Tesseract is sure of (the specks would shrink it).
    let mut heights: std::collections::HashMap<(u32, u32, u32), Vec<f32>> = Default::default();
    for r in raws.iter().filter(|r| r.conf >= 60.0) {
        heights.entry(r.line).or_default().push(r.height);
    }
    let line_height = |line| {
        let mut h = heights.get(&line).cloned().unwrap_or_default();
        h.sort_by(f32::total_cmp);
        h.get(h.len() / 2).copied().unwrap_or(0.0)
    };
    raws.into_iter()
        .filter(|r| {
            let unsure = r.conf < 60.0;
            let tiny = r.width * 4.0 < line_height(r.line);
            let no_alnum = !r.text.chars().any(char::is_alphanumeric);
            // A lone point or comma, however sure, is a speck too.
            let speck = no_alnum && r.width * 3.0 < line_height(r.line);
            // One character Tesseract is unsure of ("i", "à", "5" beside a column) is a mark
            // it made a letter of: a real one-letter word ("PRET A MANGER") reads surely.
            let lone = r.text.chars().count() == 1;
            !(unsure && (tiny || no_alnum || lone) || speck)
        })
        .collect()
}

/// Tesseract's TSV (level 5 rows are words) to words in points. Every word of one Tesseract line
/// gets the line's top and bottom, as a text PDF's words on one line share their font's box; the
/// font size is estimated from the line's height.
#[cfg(test)]
fn words_from_tsv(tsv: &str, scale_x: f32, scale_y: f32) -> Vec<Word> {
    words_from_raws(&raw_words(tsv), scale_x, scale_y)
}

/// Raw words to words in points (see [`words_from_tsv`]).
fn words_from_raws(raws: &[RawWord], scale_x: f32, scale_y: f32) -> Vec<Word> {
    let mut out = Vec::with_capacity(raws.len());
    let mut start = 0;
    while start < raws.len() {
        let line = raws[start].line;
        let end = raws[start..]
            .iter()
            .position(|r| r.line != line)
            .map_or(raws.len(), |n| start + n);
        let group = &raws[start..end];
        // The line's band: the median word's top and bottom (a lone tall bracket or a speck
        // glued to a word does not stretch it).
        let mut tops: Vec<f32> = group.iter().map(|r| r.top).collect();
        let mut bottoms: Vec<f32> = group.iter().map(|r| r.top + r.height).collect();
        tops.sort_by(f32::total_cmp);
        bottoms.sort_by(f32::total_cmp);
        let top = tops[tops.len() / 2] * scale_y;
        let bottom = bottoms[bottoms.len() / 2] * scale_y;
        // Capitals and digits stand about 0.72 of the font size.
        let font_size = ((bottom - top) / 0.72).clamp(4.0, 40.0);
        for r in group {
            out.push(Word {
                text: r.text.clone(),
                x0: r.left * scale_x,
                x1: (r.left + r.width) * scale_x,
                top: top.min(r.top * scale_y + r.height * scale_y / 2.0),
                bottom: bottom.max(r.top * scale_y + r.height * scale_y / 2.0),
                font_size,
                font: None,
                mixed_fonts: false,
            });
        }
        start = end;
    }
    out
}

/// Stretches the grey levels so paper is white and ink black (a photocopy's grey paper and washed
/// out toner otherwise confuse Tesseract's thresholding at the page's edges).
fn normalise_contrast(r: &Raster) -> Raster {
    let mut hist = [0usize; 256];
    for &p in &r.pixels {
        hist[usize::from(p)] += 1;
    }
    let n = r.pixels.len().max(1);
    let level = |fraction: f64| {
        let target = (n as f64 * fraction) as usize;
        let mut seen = 0;
        for (v, c) in hist.iter().enumerate() {
            seen += c;
            if seen > target {
                return v as i32;
            }
        }
        255
    };
    // Most of a page is paper: its level is well above the 50th percentile; ink is the darkest 1%.
    let ink = level(0.005);
    let paper = level(0.5);
    if paper - ink < 40 {
        return r.clone();
    }
    let span = (paper - ink) as f32;
    let mut lut = [0u8; 256];
    for (v, out) in lut.iter_mut().enumerate() {
        let x = ((v as i32 - ink) as f32 / span).clamp(0.0, 1.0);
        *out = (x * 255.0).round() as u8;
    }
    Raster {
        width: r.width,
        height: r.height,
        pixels: r.pixels.iter().map(|&p| lut[usize::from(p)]).collect(),
    }
}

/// Removes table rules: long thin horizontal runs of ink. A rule through a row (a total's
/// double line, a rule drawn where the row's text sits) otherwise makes Tesseract drop the row.
/// Where a letter's stroke crosses the rule, ink above or below it keeps that pixel.
fn remove_rules(r: &mut Raster) {
    // Grey, not only black: a photocopied rule is lighter than the text it crosses.
    const INK: u8 = 200;
    const MIN_RUN: usize = 150; // pixels at 300 dpi: 13 mm, longer than any word's stroke
    const REACH: usize = 4; // a rule is thinner than 2 x REACH
    let (w, h) = (r.width as usize, r.height as usize);
    if h <= 2 * REACH {
        return;
    }
    let ink_at = |px: &[u8], x: usize, y: usize| px[y * w + x] < INK;
    // A run is looked for in a band of three rows, so a line a little off the horizontal (a
    // photocopier's streak, a rule on a page the deskew left a fraction of a degree off), which
    // steps one row every few dozen pixels, is still one run.
    let mut clear = Vec::new();
    for y in 1..h - 1 {
        let banded = |x: usize| (y - 1..=y + 1).any(|yy| ink_at(&r.pixels, x, yy));
        let mut x = 0;
        while x < w {
            if !banded(x) {
                x += 1;
                continue;
            }
            let start = x;
            while x < w && banded(x) {
                x += 1;
            }
            if x - start >= MIN_RUN {
                clear.push((y, start, x));
            }
        }
    }
    let mut wipe = Vec::new();
    for &(y, x0, x1) in &clear {
        for x in x0..x1 {
            for yy in y - 1..=y + 1 {
                if !ink_at(&r.pixels, x, yy) {
                    continue;
                }
                let above = yy >= REACH && ink_at(&r.pixels, x, yy - REACH);
                let below = yy + REACH < h && ink_at(&r.pixels, x, yy + REACH);
                // A stroke crossing the rule has ink on both sides; a rule's own pixels do not.
                // Off the run's own row only ink with none on either side goes: the rows beside
                // a rule that touches a line of text hold that text's tops and bottoms.
                let crossing = above && (below || yy + REACH >= h);
                let touching = above || below;
                if (yy == y && !crossing) || (yy != y && !touching) {
                    wipe.push(yy * w + x);
                }
            }
        }
    }
    for i in wipe {
        r.pixels[i] = 255;
    }
}

/// Removes toner specks: tiny blobs of ink with no other ink near them. A speck beside an amount
/// reads as a decimal point or a comma; a real point always sits next to digits, so it stays.
fn despeckle(r: &mut Raster) {
    const INK: u8 = 140;
    const MAX_AREA: usize = 80; // pixels at 300 dpi: a 10 pt full stop is about 25
    const ALONE: i64 = 14; // no other ink within this many pixels (a digit is ~23 wide)
    let (w, h) = (r.width as usize, r.height as usize);
    if w == 0 || h == 0 {
        return;
    }
    // Integral image of ink pixels, for counting ink in any box at once.
    let mut sum = vec![0u32; (w + 1) * (h + 1)];
    for y in 0..h {
        let mut row = 0u32;
        for x in 0..w {
            row += u32::from(r.pixels[y * w + x] < INK);
            sum[(y + 1) * (w + 1) + x + 1] = sum[y * (w + 1) + x + 1] + row;
        }
    }
    let count = |x0: i64, y0: i64, x1: i64, y1: i64| -> u32 {
        let cx = |x: i64| x.clamp(0, w as i64) as usize;
        let cy = |y: i64| y.clamp(0, h as i64) as usize;
        let (x0, x1, y0, y1) = (cx(x0), cx(x1 + 1), cy(y0), cy(y1 + 1));
        sum[y1 * (w + 1) + x1] + sum[y0 * (w + 1) + x0]
            - sum[y0 * (w + 1) + x1]
            - sum[y1 * (w + 1) + x0]
    };
    let mut seen = vec![false; w * h];
    let mut stack = Vec::new();
    let mut blob = Vec::new();
    for start in 0..w * h {
        if seen[start] || r.pixels[start] >= INK {
            continue;
        }
        seen[start] = true;
        stack.push(start);
        blob.clear();
        let mut too_big = false;
        while let Some(i) = stack.pop() {
            if blob.len() <= MAX_AREA {
                blob.push(i);
            } else {
                too_big = true;
            }
            let (x, y) = (i % w, i / w);
            let mut visit = |j: usize| {
                if !seen[j] && r.pixels[j] < INK {
                    seen[j] = true;
                    stack.push(j);
                }
            };
            if x > 0 {
                visit(i - 1);
            }
            if x + 1 < w {
                visit(i + 1);
            }
            if y > 0 {
                visit(i - w);
            }
            if y + 1 < h {
                visit(i + w);
            }
        }
        if too_big || blob.len() > MAX_AREA {
            continue;
        }
        let xs = blob.iter().map(|i| (i % w) as i64);
        let ys = blob.iter().map(|i| (i / w) as i64);
        let (x0, x1) = (xs.clone().min().unwrap_or(0), xs.max().unwrap_or(0));
        let (y0, y1) = (ys.clone().min().unwrap_or(0), ys.max().unwrap_or(0));
        let around = count(x0 - ALONE, y0 - ALONE, x1 + ALONE, y1 + ALONE);
        if around as usize <= blob.len() {
            for &i in &blob {
                r.pixels[i] = 255;
            }
        }
    }
}

/// The page's skew in degrees (clockwise positive), from the angle at which the rows of ink,
/// projected sideways, line up sharpest; searched within ±3 degrees on a reduced copy.
fn skew_angle(r: &Raster) -> f32 {
    let step = 4usize;
    let (w, h) = (r.width as usize, r.height as usize);
    let mut ink: Vec<(f32, f32)> = Vec::new();
    for y in (0..h).step_by(step) {
        for x in (0..w).step_by(step) {
            if r.pixels[y * w + x] < 110 {
                ink.push((x as f32, y as f32));
            }
        }
    }
    if ink.len() < 200 {
        return 0.0;
    }
    let score = |deg: f32| -> f64 {
        let t = deg.to_radians().tan();
        let bins = h / step + w / step + 2;
        let mut profile = vec![0u32; bins];
        let offset = (w as f32 * 0.06) as i64 / step as i64 + 1;
        for &(x, y) in &ink {
            // Rows that slope down to the right by `deg` become flat.
            let yy = ((y - x * t) / step as f32) as i64 + offset;
            if let Some(b) = usize::try_from(yy).ok().and_then(|i| profile.get_mut(i)) {
                *b += 1;
            }
        }
        profile.iter().map(|&c| f64::from(c) * f64::from(c)).sum()
    };
    let mut best = (0.0f32, score(0.0));
    let search = |from: f32, to: f32, by: f32, best: &mut (f32, f64)| {
        let mut a = from;
        while a <= to + 1e-4 {
            let s = score(a);
            if s > best.1 {
                *best = (a, s);
            }
            a += by;
        }
    };
    search(-3.0, 3.0, 0.2, &mut best);
    let centre = best.0;
    search(centre - 0.2, centre + 0.2, 0.02, &mut best);
    best.0
}

/// Rotates about the centre by `degrees` clockwise, nearest pixel, white outside.
fn rotate(r: &Raster, degrees: f32) -> Raster {
    let (w, h) = (r.width as usize, r.height as usize);
    let (sin, cos) = degrees.to_radians().sin_cos();
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    let mut out = vec![255u8; w * h];
    for y in 0..h {
        let dy = y as f32 - cy;
        // Along a row the source moves by (cos, -sin) a pixel: step instead of multiplying.
        let mut sx = -cx * cos + sin * dy + cx;
        let mut sy = cx * sin + cos * dy + cy;
        let row = &mut out[y * w..(y + 1) * w];
        for px in row.iter_mut() {
            let (ix, iy) = (sx.round() as i64, sy.round() as i64);
            if ix >= 0 && iy >= 0 && (ix as usize) < w && (iy as usize) < h {
                *px = r.pixels[iy as usize * w + ix as usize];
            }
            sx += cos;
            sy -= sin;
        }
    }
    Raster {
        width: r.width,
        height: r.height,
        pixels: out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_words_share_their_line_band_in_points() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
                   4\t1\t1\t1\t1\t0\t100\t200\t900\t40\t-1\t\n\
                   5\t1\t1\t1\t1\t1\t100\t200\t200\t40\t95\t01/02/2024\n\
                   5\t1\t1\t1\t1\t2\t400\t210\t100\t30\t91\tcafe\n\
                   5\t1\t1\t1\t1\t3\t800\t200\t200\t40\t90\t-12,50\n";
        let words = words_from_tsv(tsv, 0.24, 0.24);
        assert_eq!(words.len(), 3);
        assert_eq!(words[0].text, "01/02/2024");
        assert!((words[0].x0 - 24.0).abs() < 0.01);
        assert_eq!(words[1].top, words[0].top);
        assert_eq!(words[2].bottom, words[0].bottom);
    }

    #[test]
    fn skew_is_measured_and_undone() {
        // Ten dark bars, one pixel row apart from white, rotated by 1.2 degrees.
        let (w, h) = (800u32, 600u32);
        let mut pixels = vec![255u8; (w * h) as usize];
        for bar in 0..10 {
            let y = 50 + bar * 50;
            for x in 100..700 {
                for dy in 0..6 {
                    pixels[((y + dy) * w + x) as usize] = 0;
                }
            }
        }
        let flat = Raster {
            width: w,
            height: h,
            pixels,
        };
        let tilted = rotate(&flat, 1.2);
        let angle = skew_angle(&tilted);
        assert!((angle - 1.2).abs() < 0.1, "{angle}");
        assert!(skew_angle(&flat).abs() < 0.05);
    }

    #[test]
    fn lone_specks_go_and_full_stops_stay() {
        let (w, h) = (200u32, 100u32);
        let mut pixels = vec![255u8; (w * h) as usize];
        let mut ink = |x0: u32, y0: u32, x1: u32, y1: u32| {
            for y in y0..y1 {
                for x in x0..x1 {
                    pixels[(y * w + x) as usize] = 0;
                }
            }
        };
        ink(20, 20, 40, 60); // a digit
        ink(43, 55, 47, 59); // its decimal point
        ink(120, 30, 124, 34); // a speck alone
        let mut r = Raster {
            width: w,
            height: h,
            pixels,
        };
        despeckle(&mut r);
        assert_eq!(r.pixels[(57 * w + 45) as usize], 0);
        assert_eq!(r.pixels[(32 * w + 122) as usize], 255);
    }

    #[test]
    fn numbers_are_told_and_tidied() {
        for ok in [
            "1,234.56",
            "-12,50",
            "(3.00)",
            "2,13,211.43",
            "12.50-",
            "1'234.50",
        ] {
            assert!(well_formed_number(ok), "{ok}");
        }
        for bad in ["“44,54", "12.5", "abc", "1234", "-", "3,276.10."] {
            assert!(!well_formed_number(bad), "{bad}");
        }
        assert_eq!(tidy_number("3,276.10.").as_deref(), Some("3,276.10"));
        assert_eq!(tidy_number(".2,853.01").as_deref(), Some("2,853.01"));
        assert_eq!(tidy_number("12.77").as_deref(), None);
        assert_eq!(tidy_number("“44,54"), None);
        assert_eq!(tidy_number("end."), None);
    }

    #[test]
    fn unsure_specks_are_dropped_and_words_kept() {
        let w = |text: &str, left: f32, width: f32, conf: f32| RawWord {
            line: (1, 1, 1),
            left,
            top: 100.0,
            width,
            height: 30.0,
            conf,
            text: text.into(),
        };
        let kept = drop_specks(vec![
            w("KUMAR", 10.0, 120.0, 91.0),
            w("5", 500.0, 5.0, 53.0),
            w("©", 600.0, 20.0, 34.0),
            w("-", 700.0, 12.0, 90.0),
            w(".", 750.0, 7.0, 80.0),
            w("1", 800.0, 9.0, 45.0),
            w("12.50", 900.0, 60.0, 45.0),
            w("A", 1000.0, 20.0, 92.0),
        ]);
        let texts: Vec<&str> = kept.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(texts, ["KUMAR", "-", "12.50", "A"]);
    }

    #[test]
    fn a_missing_program_is_ocr_engine_missing() {
        let err = OcrEngine::find(&[PathBuf::from("/nonexistent/tesseract")]).unwrap_err();
        assert_eq!(err.code(), "OCR_ENGINE_MISSING");
    }
}
