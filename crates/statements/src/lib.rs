//! Statement files become verified statements.
//!
//! This first layer is the intake: byte-level checks with stable codes ([`check_pdf`],
//! [`read_pdf`]) and words with positions from every page ([`PdfEngine::extract`]), with each page
//! classified as text, scan or blank. Table rebuild and balance proof build on these words.

mod amounts;
mod dates;
mod error;
mod export;
mod fields;
mod intake;
mod layout;
mod ocr;
mod pdf;
mod statement;
mod table;

pub use amounts::{detect_number_format, parse_amount, AmountToken, NumberFormat, SignMark};
pub use dates::{detect_date_order, parse_date, DateOrder, PartialDate};
pub use error::StatementError;
pub use export::{statement_period, to_csv, to_json, to_xlsx, ExportFormat};
pub use fields::Identity;
pub use intake::{check_pdf, read_pdf, IntakeLimits};
pub use layout::{page_lines, Line, Phrase};
pub use ocr::{tesseract_candidates, OcrEngine, Raster};
pub use pdf::{
    pdfium_candidates, PageKind, PageText, PdfEngine, PdfText, PdfType, ReadProgress, ReadStep,
    Word, OCR_DPI,
};
pub use statement::{parse_statement, ParsedStatement, ParsedTransaction, SignConvention, Warning};
pub use table::{
    assemble, read_table, Assembled, Column, RawRow, Role, RowKind, Table, TableReading,
};

/// Reads and checks a PDF file and extracts its words: the one call the use cases make.
pub fn open_pdf(
    engine: &PdfEngine,
    path: &std::path::Path,
    password: Option<&str>,
    limits: IntakeLimits,
) -> Result<PdfText, StatementError> {
    let bytes = read_pdf(path, limits)?;
    engine.extract_within(&bytes, password, limits)
}

/// [`open_pdf`] that also reads scanned pages with `ocr` (see [`PdfEngine::extract_scans`]),
/// reporting each page read and recognised, and stopping with CANCELLED when `cancel` is set.
pub fn open_pdf_scans(
    engine: &PdfEngine,
    ocr: Option<&OcrEngine>,
    path: &std::path::Path,
    password: Option<&str>,
    limits: IntakeLimits,
    on_progress: &mut dyn FnMut(ReadProgress),
    cancel: &std::sync::atomic::AtomicBool,
) -> Result<PdfText, StatementError> {
    let bytes = read_pdf(path, limits)?;
    engine.extract_scans(&bytes, password, limits, ocr, on_progress, cancel)
}
