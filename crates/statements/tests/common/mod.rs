//! What the statement test binaries share: the PDF engine and the shared corpus's files.

#![allow(dead_code)] // Each test binary uses its own subset.

use std::path::{Path, PathBuf};

use folio_statements::{pdfium_candidates, PdfEngine};

/// PDFium from `FOLIO_PDFIUM_LIB` (scripts/test-all sets it).
pub fn engine() -> &'static PdfEngine {
    PdfEngine::load(&pdfium_candidates(
        std::env::var_os("FOLIO_PDFIUM_LIB"),
        None,
    ))
    .unwrap_or_else(|e| panic!("{e}: run scripts/lib/deps and set FOLIO_PDFIUM_LIB"))
}

/// ../shared/corpus beside the checkout (CI has it there).
pub fn corpus() -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    assert!(
        path.is_dir(),
        "the shared corpus must sit beside the checkout: {}",
        path.display()
    );
    path
}

/// The HSBC UK samples of one folder (`good` or `bad`), sorted.
pub fn hsbc(kind: &str) -> Vec<PathBuf> {
    let dir = corpus()
        .join("boscorat-bank_statement_parser/src/bank_statement_parser/test_data/pdfs")
        .join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    assert!(!files.is_empty(), "no HSBC samples in {kind}/");
    files
}
pub mod scans;
