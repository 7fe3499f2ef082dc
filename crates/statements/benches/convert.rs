//! Conversion speed (not a test): each generated layout, the ten-page statement and the HSBC
//! samples, read from disk to a checked statement. Prints ms per statement and pages/s, and
//! writes the files it timed to `target/bench-statements/` so the pdfplumber reference
//! (scripts/bench-statements) times the very same files.
//!
//!   FOLIO_PDFIUM_LIB=... cargo bench -p folio-statements --bench convert

use std::path::{Path, PathBuf};
use std::time::Instant;

use folio_statements::{open_pdf, parse_statement, pdfium_candidates, IntakeLimits, PdfEngine};

const ROUNDS: usize = 15;

fn main() {
    let engine = match PdfEngine::load(&pdfium_candidates(
        std::env::var_os("FOLIO_PDFIUM_LIB"),
        None,
    )) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("{}: {e}", e.code());
            std::process::exit(1);
        }
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = root.join("target/bench-statements");
    let _ = std::fs::remove_dir_all(&out);
    if let Err(e) = std::fs::create_dir_all(&out) {
        eprintln!("{}: {e}", out.display());
        std::process::exit(1);
    }
    let mut files: Vec<PathBuf> = Vec::new();
    for f in folio_fixtures::all()
        .into_iter()
        .chain([folio_fixtures::ten_pages()])
    {
        let path = out.join(format!("{}.pdf", f.name));
        if std::fs::write(&path, &f.pdf).is_ok() {
            files.push(path);
        }
    }
    let hsbc = root.join("../shared/corpus/boscorat-bank_statement_parser/src/bank_statement_parser/test_data/pdfs/good");
    if let Ok(entries) = std::fs::read_dir(&hsbc) {
        let mut corpus: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        corpus.sort();
        for src in corpus {
            let dst = out.join(src.file_name().unwrap_or_default());
            if std::fs::copy(&src, &dst).is_ok() {
                files.push(dst);
            }
        }
    }

    println!(
        "Folio statement conversion, {ROUNDS} rounds each, median (file -> checked statement)"
    );
    println!(
        "{:<58} {:>5} {:>9} {:>9} {:>10}",
        "file", "pages", "rows", "ms", "pages/s"
    );
    let (mut total_ms, mut total_pages) = (0.0_f64, 0_u32);
    for path in &files {
        let mut times = Vec::with_capacity(ROUNDS);
        let mut summary = (0, 0, false);
        for _ in 0..ROUNDS {
            let start = Instant::now();
            let parsed = open_pdf(engine, path, None, IntakeLimits::default())
                .and_then(|t| parse_statement(&t));
            times.push(start.elapsed().as_secs_f64() * 1000.0);
            match parsed {
                Ok(s) => summary = (s.pages, s.transactions.len(), s.reconciled),
                Err(e) => {
                    eprintln!("{}: {e}", path.display());
                    std::process::exit(1);
                }
            }
        }
        times.sort_by(f64::total_cmp);
        let ms = times[ROUNDS / 2];
        total_ms += ms;
        total_pages += summary.0;
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        println!(
            "{:<58} {:>5} {:>9} {:>9.2} {:>10.0}{}",
            name,
            summary.0,
            summary.1,
            ms,
            f64::from(summary.0) / (ms / 1000.0),
            if summary.2 { "" } else { "  (not reconciled)" }
        );
    }
    println!(
        "FOLIO_TOTAL files={} pages={} ms={:.2} ms_per_statement={:.2} pages_per_s={:.0}",
        files.len(),
        total_pages,
        total_ms,
        total_ms / files.len() as f64,
        f64::from(total_pages) / (total_ms / 1000.0)
    );
}
