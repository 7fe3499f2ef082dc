//! Without the PDFium library the engine says so, with where it looked. Its own test binary:
//! PDFium binds once per process.

use std::path::PathBuf;

use folio_statements::{PdfEngine, StatementError};

#[test]
fn a_missing_pdf_engine_is_a_typed_error_naming_the_places_searched() {
    let searched = vec![PathBuf::from("/nonexistent/folio/libpdfium.so")];
    match PdfEngine::load(&searched) {
        Err(e @ StatementError::PdfEngineMissing { .. }) => {
            assert_eq!(e.code(), "PDF_ENGINE_MISSING");
            assert!(
                e.to_string().contains("/nonexistent/folio/libpdfium.so"),
                "{e}"
            );
        }
        Err(other) => panic!("unexpected error {other}"),
        Ok(_) => panic!("a library that does not exist cannot load"),
    }
}
