//! OCR benchmark (not a timed test): the scanned copy of every generated layout read through
//! Tesseract and the proof; prints seconds per scanned page, transaction-level F1 and whether each
//! reconciles. `scripts/bench-ocr` runs it pinned to one core (one Tesseract at a time).
//! Then the layouts scanned from other seeds (`FOLIO_OCR_SEEDS`, default 2 more), accuracy
//! first: one seed's figures are one draw of resolution, angle and noise.
//! Timing passes: "warm" reads every file with one engine, as the running app does after its first
//! scan (Tesseract's models loaded once); "cold" starts a new engine for each file, so every
//! file also pays loading the models.

#![allow(clippy::unwrap_used)]

#[path = "../tests/common/scans.rs"]
#[allow(dead_code)]
mod scans;

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use folio_statements::{
    parse_statement, pdfium_candidates, tesseract_candidates, IntakeLimits, OcrEngine, PdfEngine,
    PdfText,
};

fn main() {
    let engine = PdfEngine::load(&pdfium_candidates(
        std::env::var_os("FOLIO_PDFIUM_LIB"),
        None,
    ))
    .unwrap_or_else(|e| panic!("{e}: run scripts/lib/deps build"));
    let find = || {
        OcrEngine::find(&tesseract_candidates(std::env::var_os("FOLIO_TESSERACT")))
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let ocr = find();
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "{}, languages {}, parallel pages {workers}",
        ocr.describe(),
        ocr.languages()
    );
    let mut files = Vec::new();
    for f in folio_fixtures::all() {
        files.push(scans::scanned(engine, &f));
        if f.name == "abn-amro-nl" {
            files.push(scans::mixed(engine, &f));
        }
    }
    let (mut pages, mut seconds, mut reconciled) = (0usize, 0.0f64, 0usize);
    let mut total = scans::Score::default();
    for f in &files {
        let started = Instant::now();
        let text = recognise(engine, &f.pdf, &ocr);
        let took = started.elapsed().as_secs_f64();
        let scanned = text.image_pages().len();
        let (score, ok, corrected) = judge(&text, f);
        println!(
            "{:<26} pages {scanned} s/page {:.2} F1 {:.3} ({}/{} right, {} read) reconciled {ok} ocr_corrected {corrected}",
            f.name,
            took / scanned.max(1) as f64,
            score.f1(),
            score.right,
            score.truth,
            score.read
        );
        pages += scanned;
        seconds += took;
        reconciled += usize::from(ok);
        total.add(score);
    }
    println!(
        "overall (warm): s_per_page={:.2} f1={:.3} reconciliation_rate={:.2} ({reconciled}/{}) scanned_pages={pages}",
        seconds / pages.max(1) as f64,
        total.f1(),
        reconciled as f64 / files.len() as f64,
        files.len()
    );
    // The same layouts degraded from other seeds (other resolutions, angles, noise, JPEG): the
    // figures above are one draw; these say how much they hold on scans not tuned against.
    let extra: u64 = std::env::var("FOLIO_OCR_SEEDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2);
    for seed in (1..=extra).map(|k| scans::SEED + k) {
        let (mut pages, mut seconds, mut reconciled, mut n) = (0usize, 0.0f64, 0usize, 0usize);
        let mut total = scans::Score::default();
        let mut unproven = Vec::new();
        for f in folio_fixtures::all() {
            let scan = scans::scanned_with_seed(engine, &f, seed);
            let started = Instant::now();
            let text = recognise(engine, &scan.pdf, &ocr);
            seconds += started.elapsed().as_secs_f64();
            pages += text.image_pages().len();
            n += 1;
            let (score, ok, _) = judge(&text, &scan);
            total.add(score);
            if ok {
                reconciled += 1;
            } else {
                unproven.push(f.name.clone());
            }
        }
        println!(
            "seed {seed}: s_per_page={:.2} f1={:.3} reconciliation_rate={:.2} ({reconciled}/{n}) not proven: {unproven:?}",
            seconds / pages.max(1) as f64,
            total.f1(),
            reconciled as f64 / n.max(1) as f64,
        );
    }
    let (mut cold_pages, mut cold_seconds) = (0usize, 0.0f64);
    for f in &files {
        let started = Instant::now();
        let fresh = find();
        let text = recognise(engine, &f.pdf, &fresh);
        cold_seconds += started.elapsed().as_secs_f64();
        cold_pages += text.image_pages().len();
    }
    println!(
        "cold (models loaded for each file): s_per_page={:.2}",
        cold_seconds / cold_pages.max(1) as f64
    );
}

/// One file read with OCR, as the app reads it.
fn recognise(engine: &PdfEngine, pdf: &[u8], ocr: &OcrEngine) -> PdfText {
    engine
        .extract_scans(
            pdf,
            None,
            IntakeLimits::default(),
            Some(ocr),
            &mut |_| {},
            &AtomicBool::new(false),
        )
        .unwrap()
}

/// A reading against its fixture's truth: the score, whether it is proven, and how many figures
/// the arithmetic corrected. A statement that does not parse scores nothing right.
fn judge(text: &PdfText, f: &folio_fixtures::Fixture) -> (scans::Score, bool, usize) {
    match parse_statement(text) {
        Ok(s) => (
            scans::score(&s.transactions, &f.truth.transactions),
            s.reconciled,
            s.warnings
                .iter()
                .filter(|w| w.code == "OCR_CORRECTED")
                .count(),
        ),
        Err(_) => (
            scans::Score {
                right: 0,
                read: 0,
                truth: f.truth.transactions.len(),
            },
            false,
            0,
        ),
    }
}
