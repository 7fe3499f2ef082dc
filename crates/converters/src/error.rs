//! Why a conversion failed, in terms a person can act on: every error code each service
//! documents has its own variant, a message and a recovery; Folio's own failures (file too
//! large before sending, rate limited, network, malformed answer, keychain) have theirs. The UI
//! switches on [`ConverterError::code`], never on text.

use std::fmt;

/// The cloud converters Folio can call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Service {
    Balanzio,
    FinBox,
}

impl Service {
    pub fn name(self) -> &'static str {
        match self {
            Service::Balanzio => "Balanzio",
            Service::FinBox => "FinBox",
        }
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Balanzio's documented error codes (the seed's "Foutcodes" table), and any other code it
/// sends, kept as it came.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum BalanzioCode {
    /// 400: the file is not a PDF.
    InvalidFileType,
    /// 400: the format parameter is not CSV, XLSX or JSON.
    InvalidFormat,
    /// 401: the API key is invalid or missing.
    Unauthorized,
    /// 403: not enough credits to process the file.
    InsufficientCredits,
    /// 404: no file with that uuid (files are deleted after 24 hours).
    FileNotFound,
    /// 413: the file is over 3 MB.
    FileTooLarge,
    /// 422: the PDF is password protected.
    PasswordRequired,
    /// 422: the PDF password is wrong.
    InvalidPassword,
    /// 429: too many requests.
    RateLimitExceeded,
    /// 500: server error.
    InternalError,
    /// A code the seed does not list.
    Other(String),
}

impl BalanzioCode {
    /// Every documented code, in the seed's order.
    pub const DOCUMENTED: [BalanzioCode; 10] = [
        BalanzioCode::InvalidFileType,
        BalanzioCode::InvalidFormat,
        BalanzioCode::Unauthorized,
        BalanzioCode::InsufficientCredits,
        BalanzioCode::FileNotFound,
        BalanzioCode::FileTooLarge,
        BalanzioCode::PasswordRequired,
        BalanzioCode::InvalidPassword,
        BalanzioCode::RateLimitExceeded,
        BalanzioCode::InternalError,
    ];

    pub fn parse(code: &str) -> BalanzioCode {
        Self::DOCUMENTED
            .into_iter()
            .find(|c| c.as_str() == code)
            .unwrap_or_else(|| BalanzioCode::Other(code.to_string()))
    }

    /// The documented code for an answer without a readable body, by its status.
    pub fn for_status(status: u16) -> Option<BalanzioCode> {
        match status {
            401 => Some(BalanzioCode::Unauthorized),
            403 => Some(BalanzioCode::InsufficientCredits),
            404 => Some(BalanzioCode::FileNotFound),
            413 => Some(BalanzioCode::FileTooLarge),
            429 => Some(BalanzioCode::RateLimitExceeded),
            500 => Some(BalanzioCode::InternalError),
            _ => None,
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            BalanzioCode::InvalidFileType => "INVALID_FILE_TYPE",
            BalanzioCode::InvalidFormat => "INVALID_FORMAT",
            BalanzioCode::Unauthorized => "UNAUTHORIZED",
            BalanzioCode::InsufficientCredits => "INSUFFICIENT_CREDITS",
            BalanzioCode::FileNotFound => "FILE_NOT_FOUND",
            BalanzioCode::FileTooLarge => "FILE_TOO_LARGE",
            BalanzioCode::PasswordRequired => "PASSWORD_REQUIRED",
            BalanzioCode::InvalidPassword => "INVALID_PASSWORD",
            BalanzioCode::RateLimitExceeded => "RATE_LIMIT_EXCEEDED",
            BalanzioCode::InternalError => "INTERNAL_ERROR",
            BalanzioCode::Other(code) => code,
        }
    }

    /// The documented HTTP status (none for an undocumented code).
    pub fn status(&self) -> Option<u16> {
        Some(match self {
            BalanzioCode::InvalidFileType | BalanzioCode::InvalidFormat => 400,
            BalanzioCode::Unauthorized => 401,
            BalanzioCode::InsufficientCredits => 403,
            BalanzioCode::FileNotFound => 404,
            BalanzioCode::FileTooLarge => 413,
            BalanzioCode::PasswordRequired | BalanzioCode::InvalidPassword => 422,
            BalanzioCode::RateLimitExceeded => 429,
            BalanzioCode::InternalError => 500,
            BalanzioCode::Other(_) => return None,
        })
    }

    /// The stable code Folio's UI switches on.
    pub fn stable_code(&self) -> &'static str {
        match self {
            BalanzioCode::InvalidFileType => "BALANZIO_INVALID_FILE_TYPE",
            BalanzioCode::InvalidFormat => "BALANZIO_INVALID_FORMAT",
            BalanzioCode::Unauthorized => "BALANZIO_UNAUTHORIZED",
            BalanzioCode::InsufficientCredits => "BALANZIO_INSUFFICIENT_CREDITS",
            BalanzioCode::FileNotFound => "BALANZIO_FILE_NOT_FOUND",
            BalanzioCode::FileTooLarge => "BALANZIO_FILE_TOO_LARGE",
            BalanzioCode::PasswordRequired => "BALANZIO_PASSWORD_REQUIRED",
            BalanzioCode::InvalidPassword => "BALANZIO_INVALID_PASSWORD",
            BalanzioCode::RateLimitExceeded => "BALANZIO_RATE_LIMIT_EXCEEDED",
            BalanzioCode::InternalError => "BALANZIO_INTERNAL_ERROR",
            BalanzioCode::Other(_) => "BALANZIO_REFUSED",
        }
    }

    pub fn message(&self) -> String {
        match self {
            BalanzioCode::InvalidFileType => "Balanzio accepts PDF files only.".into(),
            BalanzioCode::InvalidFormat => {
                "Balanzio was asked for a format it does not make (CSV, XLSX or JSON only).".into()
            }
            BalanzioCode::Unauthorized => "Balanzio refused the API key.".into(),
            BalanzioCode::InsufficientCredits => {
                "Your Balanzio account has not enough credits for this file.".into()
            }
            BalanzioCode::FileNotFound => {
                "Balanzio no longer has this file (it deletes files after 24 hours).".into()
            }
            BalanzioCode::FileTooLarge => "The file is over Balanzio's 3 MB limit.".into(),
            BalanzioCode::PasswordRequired => "The PDF is protected by a password.".into(),
            BalanzioCode::InvalidPassword => "The PDF's password is not right.".into(),
            BalanzioCode::RateLimitExceeded => "Balanzio asks to slow down.".into(),
            BalanzioCode::InternalError => "Balanzio failed on its side.".into(),
            BalanzioCode::Other(code) => format!("Balanzio refused the request ({code})."),
        }
    }

    pub fn recovery(&self) -> &'static str {
        match self {
            BalanzioCode::InvalidFileType => "Choose the statement's PDF file.",
            BalanzioCode::InvalidFormat => "This is a bug in Folio; please report it.",
            BalanzioCode::Unauthorized => {
                "Check the API key in your Balanzio account and enter it again in Folio."
            }
            BalanzioCode::InsufficientCredits => {
                "Add credits to your Balanzio account, or convert the statement locally."
            }
            BalanzioCode::FileNotFound => "Convert the file again.",
            BalanzioCode::FileTooLarge => {
                "Convert this statement locally, or split the PDF into files of at most 3 MB."
            }
            BalanzioCode::PasswordRequired => "Enter the PDF's password and try again.",
            BalanzioCode::InvalidPassword => "Enter the PDF's password again.",
            BalanzioCode::RateLimitExceeded => "Wait a minute, then try again.",
            BalanzioCode::InternalError => "Try again in a few minutes.",
            BalanzioCode::Other(_) => "Try again later, or convert the statement locally.",
        }
    }
}

/// A documented error answer of Balanzio.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BalanzioError {
    pub code: BalanzioCode,
    /// The HTTP status it came with.
    pub status: u16,
    /// Balanzio's own `message` and `recovery` (English, unvetted: shown as details only).
    pub server_message: Option<String>,
    pub server_recovery: Option<String>,
    /// The uploaded file the error is about, when there is one: a `PASSWORD_REQUIRED` or
    /// `INVALID_PASSWORD` is resumed on it ([`crate::resume_balanzio`]) without a new upload,
    /// which would spend credits again.
    pub uuid: Option<String>,
}

impl fmt::Display for BalanzioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code.message())
    }
}

/// FinBox BankConnect's documented error codes (the seed's table and its error example), and
/// any other code it sends, kept as it came.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum FinBoxCode {
    /// 402
    TrialPeriodExpired,
    /// 400 (two documented messages: not a form field / file object invalid)
    InvalidFileObject,
    /// 400
    InvalidFileUrl,
    /// 400
    MissingFileObject,
    /// 400
    InvalidBase64,
    /// 400
    InvalidAccountCategory,
    /// 400
    PasswordIncorrect,
    /// 400
    StatementUnsupportedFormat,
    /// 400
    BankNameUndetected,
    /// 400
    PdfIsImage,
    /// 400
    BankNameMismatch,
    /// 400
    OutOfDateRange,
    /// 400
    StatementDuplicate,
    /// The seed's error example (no status given).
    SessionNotFound,
    /// A 401 or 403 without a documented code: the key is refused (the seed names no code).
    Unauthorized,
    /// A code the seed does not list.
    Other(String),
}

impl FinBoxCode {
    /// Every documented code: the table's, then the example's.
    pub const DOCUMENTED: [FinBoxCode; 14] = [
        FinBoxCode::TrialPeriodExpired,
        FinBoxCode::InvalidFileObject,
        FinBoxCode::InvalidFileUrl,
        FinBoxCode::MissingFileObject,
        FinBoxCode::InvalidBase64,
        FinBoxCode::InvalidAccountCategory,
        FinBoxCode::PasswordIncorrect,
        FinBoxCode::StatementUnsupportedFormat,
        FinBoxCode::BankNameUndetected,
        FinBoxCode::PdfIsImage,
        FinBoxCode::BankNameMismatch,
        FinBoxCode::OutOfDateRange,
        FinBoxCode::StatementDuplicate,
        FinBoxCode::SessionNotFound,
    ];

    pub fn parse(code: &str) -> FinBoxCode {
        Self::DOCUMENTED
            .into_iter()
            .find(|c| c.as_str() == code)
            .unwrap_or_else(|| FinBoxCode::Other(code.to_string()))
    }

    pub fn as_str(&self) -> &str {
        match self {
            FinBoxCode::TrialPeriodExpired => "TRIAL_PERIOD_EXPIRED",
            FinBoxCode::InvalidFileObject => "INVALID_FILE_OBJECT",
            FinBoxCode::InvalidFileUrl => "INVALID_FILE_URL",
            FinBoxCode::MissingFileObject => "MISSING_FILE_OBJECT",
            FinBoxCode::InvalidBase64 => "INVALID_BASE_64",
            FinBoxCode::InvalidAccountCategory => "INVALID_ACCOUNT_CATEGORY",
            FinBoxCode::PasswordIncorrect => "PASSWORD_INCORRECT",
            FinBoxCode::StatementUnsupportedFormat => "STATEMENT_UNSUPPORTED_FORMAT",
            FinBoxCode::BankNameUndetected => "BANK_NAME_UNDETECTED",
            FinBoxCode::PdfIsImage => "PDF_IS_IMAGE",
            FinBoxCode::BankNameMismatch => "BANK_NAME_MISMATCH",
            FinBoxCode::OutOfDateRange => "OUT_OF_DATE_RANGE",
            FinBoxCode::StatementDuplicate => "STATEMENT_DUPLICATE",
            FinBoxCode::SessionNotFound => "SESSION_NOT_FOUND",
            FinBoxCode::Unauthorized => "UNAUTHORIZED",
            FinBoxCode::Other(code) => code,
        }
    }

    /// The documented HTTP status (none where the seed gives none).
    pub fn status(&self) -> Option<u16> {
        match self {
            FinBoxCode::TrialPeriodExpired => Some(402),
            FinBoxCode::SessionNotFound | FinBoxCode::Unauthorized | FinBoxCode::Other(_) => None,
            _ => Some(400),
        }
    }

    /// The stable code Folio's UI switches on.
    pub fn stable_code(&self) -> &'static str {
        match self {
            FinBoxCode::TrialPeriodExpired => "FINBOX_TRIAL_PERIOD_EXPIRED",
            FinBoxCode::InvalidFileObject => "FINBOX_INVALID_FILE_OBJECT",
            FinBoxCode::InvalidFileUrl => "FINBOX_INVALID_FILE_URL",
            FinBoxCode::MissingFileObject => "FINBOX_MISSING_FILE_OBJECT",
            FinBoxCode::InvalidBase64 => "FINBOX_INVALID_BASE_64",
            FinBoxCode::InvalidAccountCategory => "FINBOX_INVALID_ACCOUNT_CATEGORY",
            FinBoxCode::PasswordIncorrect => "FINBOX_PASSWORD_INCORRECT",
            FinBoxCode::StatementUnsupportedFormat => "FINBOX_STATEMENT_UNSUPPORTED_FORMAT",
            FinBoxCode::BankNameUndetected => "FINBOX_BANK_NAME_UNDETECTED",
            FinBoxCode::PdfIsImage => "FINBOX_PDF_IS_IMAGE",
            FinBoxCode::BankNameMismatch => "FINBOX_BANK_NAME_MISMATCH",
            FinBoxCode::OutOfDateRange => "FINBOX_OUT_OF_DATE_RANGE",
            FinBoxCode::StatementDuplicate => "FINBOX_STATEMENT_DUPLICATE",
            FinBoxCode::SessionNotFound => "FINBOX_SESSION_NOT_FOUND",
            FinBoxCode::Unauthorized => "FINBOX_UNAUTHORIZED",
            FinBoxCode::Other(_) => "FINBOX_REFUSED",
        }
    }

    pub fn message(&self) -> String {
        match self {
            FinBoxCode::TrialPeriodExpired => "Your FinBox trial period has expired.".into(),
            FinBoxCode::InvalidFileObject => "FinBox could not read the file that was sent.".into(),
            FinBoxCode::InvalidFileUrl => "FinBox refused the file's address.".into(),
            FinBoxCode::MissingFileObject => "FinBox received no file.".into(),
            FinBoxCode::InvalidBase64 => "FinBox could not decode the file (Base64).".into(),
            FinBoxCode::InvalidAccountCategory => {
                "FinBox accepts SAVINGS, CURRENT or OVERDRAFT as the account category.".into()
            }
            FinBoxCode::PasswordIncorrect => "The PDF's password is missing or not right.".into(),
            FinBoxCode::StatementUnsupportedFormat => {
                "FinBox does not support this statement's format.".into()
            }
            FinBoxCode::BankNameUndetected => "FinBox could not tell the statement's bank.".into(),
            FinBoxCode::PdfIsImage => "FinBox does not read scanned statements.".into(),
            FinBoxCode::BankNameMismatch => {
                "The statement is not from the bank that was chosen.".into()
            }
            FinBoxCode::OutOfDateRange => {
                "The statement has no transactions in the expected dates.".into()
            }
            FinBoxCode::StatementDuplicate => "FinBox already has this statement.".into(),
            FinBoxCode::SessionNotFound => "FinBox does not know the upload session.".into(),
            FinBoxCode::Unauthorized => "FinBox refused the API key.".into(),
            FinBoxCode::Other(code) => format!("FinBox refused the request ({code})."),
        }
    }

    pub fn recovery(&self) -> &'static str {
        match self {
            FinBoxCode::TrialPeriodExpired => {
                "Ask FinBox to upgrade your plan, or convert the statement locally."
            }
            FinBoxCode::InvalidFileObject
            | FinBoxCode::MissingFileObject
            | FinBoxCode::InvalidBase64 => "Choose the statement's PDF file and try again.",
            FinBoxCode::InvalidFileUrl | FinBoxCode::InvalidAccountCategory => {
                "This is a bug in Folio; please report it."
            }
            FinBoxCode::PasswordIncorrect => "Enter the PDF's password and try again.",
            FinBoxCode::StatementUnsupportedFormat | FinBoxCode::PdfIsImage => {
                "Convert this statement locally (Folio reads scans with OCR)."
            }
            FinBoxCode::BankNameUndetected | FinBoxCode::BankNameMismatch => {
                "Choose the statement's bank and try again."
            }
            FinBoxCode::OutOfDateRange => "Check the statement's dates, or choose another one.",
            FinBoxCode::StatementDuplicate => "Nothing to do: FinBox already read this statement.",
            FinBoxCode::SessionNotFound => "Try again: Folio will start a new session.",
            FinBoxCode::Unauthorized => {
                "Check the API key in your FinBox account and enter it again in Folio."
            }
            FinBoxCode::Other(_) => "Try again later, or convert the statement locally.",
        }
    }
}

/// A documented error answer of FinBox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FinBoxError {
    pub code: FinBoxCode,
    pub status: u16,
    /// FinBox's own `message` (shown as a detail only).
    pub server_message: Option<String>,
    pub session_id: Option<String>,
}

impl fmt::Display for FinBoxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code.message())
    }
}

/// Why a conversion failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConverterError {
    /// A documented error answer of Balanzio.
    #[error("{0}")]
    Balanzio(BalanzioError),
    /// A documented error answer of FinBox.
    #[error("{0}")]
    FinBox(FinBoxError),
    /// Refused before sending anything: the file is over the service's limit.
    #[error(
        "The file is {size} bytes; {service} accepts at most {limit} bytes. Nothing was sent."
    )]
    FileTooLarge {
        service: Service,
        size: u64,
        limit: u64,
    },
    /// The file could not be read from disk (nothing was sent).
    #[error("The file could not be read: {detail}")]
    FileUnreadable { detail: String },
    /// Too many requests: the wait asked for is longer than Folio waits, or Folio was told not
    /// to wait.
    #[error("{service} asks to slow down; try again in {retry_after_secs} s.")]
    RateLimited {
        service: Service,
        retry_after_secs: u64,
    },
    /// The service failed (5xx) after the retries that are safe.
    #[error("{service} is not answering properly (HTTP {status}).")]
    Unavailable { service: Service, status: u16 },
    /// No answer in time, or no connection.
    #[error("{service} did not answer: {detail}")]
    Network { service: Service, detail: String },
    /// The answer is not what the documented contract says.
    #[error("{service} sent an answer Folio cannot read: {detail}")]
    Malformed { service: Service, detail: String },
    /// The service could not process the file (Balanzio's `ERROR` state).
    #[error("{service} could not process the file: {detail}")]
    ProcessingFailed { service: Service, detail: String },
    /// The file was still processing when Folio stopped waiting.
    #[error("{service} did not finish processing the file in {waited_secs} s.")]
    ProcessingTimedOut {
        service: Service,
        uuid: String,
        waited_secs: u64,
    },
    /// No API key for the service is kept in the keychain.
    #[error("No {service} API key is kept in your keychain.")]
    NoApiKey { service: Service },
    /// The API key is empty or holds characters an HTTP header cannot carry (nothing sent).
    #[error("The {service} API key is not valid (empty, or characters a key cannot have).")]
    InvalidApiKey { service: Service },
    /// The OS keychain failed.
    #[error("The keychain failed: {detail}")]
    Keychain { detail: String },
}

impl ConverterError {
    /// A stable code for the UI and scripts to switch on.
    pub fn code(&self) -> &'static str {
        match self {
            ConverterError::Balanzio(e) => e.code.stable_code(),
            ConverterError::FinBox(e) => e.code.stable_code(),
            ConverterError::FileTooLarge { .. } => "CONVERTER_FILE_TOO_LARGE",
            ConverterError::FileUnreadable { .. } => "CONVERTER_FILE_UNREADABLE",
            ConverterError::RateLimited { .. } => "CONVERTER_RATE_LIMITED",
            ConverterError::Unavailable { .. } => "CONVERTER_UNAVAILABLE",
            ConverterError::Network { .. } => "CONVERTER_NETWORK",
            ConverterError::Malformed { .. } => "CONVERTER_MALFORMED",
            ConverterError::ProcessingFailed { .. } => "CONVERTER_PROCESSING_FAILED",
            ConverterError::ProcessingTimedOut { .. } => "CONVERTER_PROCESSING_TIMED_OUT",
            ConverterError::NoApiKey { .. } => "CONVERTER_NO_API_KEY",
            ConverterError::InvalidApiKey { .. } => "CONVERTER_INVALID_API_KEY",
            ConverterError::Keychain { .. } => "KEYCHAIN_UNAVAILABLE",
        }
    }

    /// The message for a person (the same as `Display`).
    pub fn message(&self) -> String {
        self.to_string()
    }

    /// What the person can do about it.
    pub fn recovery(&self) -> String {
        match self {
            ConverterError::Balanzio(e) => e.code.recovery().to_string(),
            ConverterError::FinBox(e) => e.code.recovery().to_string(),
            ConverterError::FileTooLarge { .. } => {
                "Convert this statement locally, or split the PDF into smaller files.".into()
            }
            ConverterError::FileUnreadable { .. } => {
                "Check that the file still exists and that Folio may read it.".into()
            }
            ConverterError::RateLimited {
                retry_after_secs, ..
            } => format!("Try again in {retry_after_secs} seconds."),
            ConverterError::Unavailable { .. } => "Try again in a few minutes.".into(),
            ConverterError::Network { .. } => {
                "Check your internet connection and try again.".into()
            }
            ConverterError::Malformed { .. } => {
                "Try again later; if it persists, convert the statement locally.".into()
            }
            ConverterError::ProcessingFailed { .. } => {
                "Convert the statement locally, or try a clearer scan.".into()
            }
            ConverterError::ProcessingTimedOut { .. } => {
                "Try again later: the service may still finish it.".into()
            }
            ConverterError::NoApiKey { service } | ConverterError::InvalidApiKey { service } => {
                format!("Enter your {service} API key in Folio's settings.")
            }
            ConverterError::Keychain { .. } => {
                "Unlock your keychain (or start its service), then try again.".into()
            }
        }
    }

    /// The service's own code, when the service sent one.
    pub fn service_code(&self) -> Option<&str> {
        match self {
            ConverterError::Balanzio(e) => Some(e.code.as_str()),
            ConverterError::FinBox(e) => Some(e.code.as_str()),
            _ => None,
        }
    }
}
