//! What can be wrong with a statement file, with stable codes. The codes follow the Balanzio and
//! FinBox contracts where those name the case (INVALID_FILE_TYPE, FILE_TOO_LARGE, PASSWORD_REQUIRED,
//! INVALID_PASSWORD, STATEMENT_UNSUPPORTED_FORMAT, PDF_IS_IMAGE) and are Folio's own otherwise.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StatementError {
    #[error("the file is not a PDF")]
    InvalidFileType,
    #[error("the file is {size} bytes, over the {limit}-byte limit")]
    FileTooLarge { size: u64, limit: u64 },
    #[error("the PDF has {pages} pages, over the {limit}-page limit")]
    TooManyPages { pages: u32, limit: u32 },
    #[error("page {page} holds more text than any statement page ({chars} characters)")]
    TooComplex { page: u32, chars: u32 },
    #[error("the PDF is password-protected")]
    PasswordRequired,
    #[error("the password does not open this PDF")]
    InvalidPassword,
    #[error("the PDF is cut short (no end-of-file marker): it was not copied or downloaded whole")]
    TruncatedFile,
    #[error("the PDF is damaged and cannot be read: {detail}")]
    CorruptFile { detail: String },
    #[error("pages {pages:?} are scanned images and could not be read as a statement")]
    PdfIsImage { pages: Vec<u32> },
    #[error("no bank statement was found in this file: {reason}")]
    UnsupportedFormat { reason: &'static str },
    #[error("Folio's PDF engine (PDFium) was not found; looked in: {}", searched.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "))]
    PdfEngineMissing { searched: Vec<PathBuf> },
    #[error("could not read the file: {0}")]
    Io(#[from] std::io::Error),
    #[error("the scanned pages cannot be read: the OCR engine (Tesseract) was not found; looked for: {}", searched.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "))]
    OcrEngineMissing { searched: Vec<PathBuf> },
    #[error("page {page} could not be read by OCR: {detail}")]
    OcrFailed { page: u32, detail: String },
    #[error("reading the statement was cancelled")]
    Cancelled,
}

impl StatementError {
    /// The stable code the UI, the CLI and the local API switch on.
    pub fn code(&self) -> &'static str {
        match self {
            StatementError::InvalidFileType => "INVALID_FILE_TYPE",
            StatementError::FileTooLarge { .. } => "FILE_TOO_LARGE",
            StatementError::TooManyPages { .. } => "TOO_MANY_PAGES",
            StatementError::TooComplex { .. } => "FILE_TOO_COMPLEX",
            StatementError::PasswordRequired => "PASSWORD_REQUIRED",
            StatementError::InvalidPassword => "INVALID_PASSWORD",
            StatementError::TruncatedFile => "TRUNCATED_FILE",
            StatementError::CorruptFile { .. } => "CORRUPT_FILE",
            StatementError::PdfIsImage { .. } => "PDF_IS_IMAGE",
            StatementError::UnsupportedFormat { .. } => "STATEMENT_UNSUPPORTED_FORMAT",
            StatementError::PdfEngineMissing { .. } => "PDF_ENGINE_MISSING",
            StatementError::Io(_) => "FILE_UNREADABLE",
            StatementError::OcrEngineMissing { .. } => "OCR_ENGINE_MISSING",
            StatementError::OcrFailed { .. } => "OCR_FAILED",
            StatementError::Cancelled => "CANCELLED",
        }
    }

    /// One line a person can act on.
    pub fn recovery(&self) -> &'static str {
        match self {
            StatementError::InvalidFileType => "Choose the statement's PDF file (File > Save as PDF in your bank's site).",
            StatementError::FileTooLarge { .. } => "Split the PDF into smaller statements, or raise the size limit in settings.",
            StatementError::TooManyPages { .. } => {
                "Split the PDF into its statements, or raise the page limit."
            }
            StatementError::TooComplex { .. } => {
                "This does not look like a bank statement; print the statement to a new PDF and try that."
            }
            StatementError::PasswordRequired => "Enter the PDF's password (often your date of birth or customer number).",
            StatementError::InvalidPassword => "Check the password and try again; it is case-sensitive.",
            StatementError::TruncatedFile => "Download the statement again from your bank; this copy is incomplete.",
            StatementError::CorruptFile { .. } => "Download the statement again, or print it to a new PDF and try that.",
            StatementError::PdfIsImage { .. } => "Download a text PDF from your bank's site instead of a scan, if it offers one.",
            StatementError::UnsupportedFormat { .. } => "Check that this is a bank statement; if it is, report the layout so Folio can learn it.",
            StatementError::PdfEngineMissing { .. } => "Reinstall Folio, or set FOLIO_PDFIUM_LIB to the path of libpdfium.",
            StatementError::Io(_) => "Check that the file exists and that you can read it.",
            StatementError::OcrEngineMissing { .. } => "Install Tesseract (Debian/Ubuntu: sudo apt-get install tesseract-ocr tesseract-ocr-eng tesseract-ocr-fra tesseract-ocr-nld tesseract-ocr-deu), or set FOLIO_TESSERACT to the path of its library (libtesseract.so.5).",
            StatementError::OcrFailed { .. } => "Scan the page again (straight, 300 dpi), or download a text PDF from your bank's site.",
            StatementError::Cancelled => "Import the file again when you are ready.",
        }
    }
}
