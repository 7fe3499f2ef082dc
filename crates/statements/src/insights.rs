//! FinBox-style extras for a read statement, computed locally: who and which account
//! ([`IdentityInsight`]), the period and balances, the calendar months covered, present and
//! missing (inside the period and between the account's statements), a duplicate of a statement
//! seen before, and tamper signals summed into a score ([`TamperReport`]).
//!
//! Everything here is pure: the caller hands in the statement ([`StatementView`], from a PDF or any
//! other reader), what the file says about itself ([`FileFacts`], from the raw bytes and PDFium's
//! Info dictionary), the words with their fonts when the file is a PDF, and the summaries of the
//! account's earlier statements ([`StatementSummary`], kept from earlier calls). Nothing is read
//! from disk or the ledger here.
//!
//! # Tamper signals, weights and why
//!
//! Each signal carries a weight; the score is their sum capped at 100. Level: below 25 low,
//! below 55 medium, else high. One signal alone is at most medium: each has innocent causes,
//! so the score says "look at this statement", not "this is a forgery".
//!
//! | code | weight | why | known false positives |
//! |---|---|---|---|
//! | `PRODUCER_EDITOR` | 30 | Producer/Creator names a PDF editor or online editor ([`EDITING_TOOLS`]): banks' systems do not print statements with them, people change amounts with them | a person who only merged, rotated or compressed the PDF with such a tool |
//! | `PRODUCER_OFFICE` | 25 | Producer/Creator is an office suite: a statement retyped or converted to a document and back | small banks or accountants that really issue statements from Word/Excel |
//! | `PRODUCER_CHANGED` | 15 | earlier statements of the same bank or account all came from one producer, this one from another | the bank changed its statement software |
//! | `MODIFIED_AFTER_CREATION` | 15 | ModDate more than a day after CreationDate: the file was saved again later | archiving tools and some e-mail gateways that re-save |
//! | `CREATED_BEFORE_PERIOD_END` | 10 | CreationDate/ModDate more than a day before the period's last day: a statement cannot be issued before its period ends | a misread period end; interim statements printed mid-period |
//! | `INCREMENTAL_UPDATE` | 15 (+5 per further update, at most 25) | `startxref` sections after the first (a linearized file's first-page section excepted): the file was changed in place after it was written | forms filled in, annotations, some banks' post-processing |
//! | `SIGNED_THEN_MODIFIED` | 35 | bytes and a new xref section after the last signature's signed range: a change the signature does not cover | long-term-validation data (DSS) added after signing |
//! | `AMOUNT_FONT_MISMATCH` | 30 | on a page, a few of the table's amount cells (rows' amounts and running balances) drawn in another font family than the page's other amount cells, or an amount whose glyphs mix fonts: an amount typed over in an editor | a bank printing some rows (a fee, a carried-forward balance) in another typeface; a row amount equal to a summary figure printed in another typeface on the same page |
//! | `ARITHMETIC_BREAKS` | 25 | the statement's running balances or closing balance do not follow from its amounts (its own proof, `reconciled`) | a row misread by the table reader or OCR |
//! | `PERIOD_CONFLICT` | 30 | another statement of the same account for the same period prints other balances | a corrected statement re-issued by the bank |
//!
//! Checks that cannot run say so in [`TamperReport::skipped`] (scanned pages: no file fonts;
//! no balances printed: nothing to prove), so "no signal" is never mistaken for "checked".
//! Family names ignore weight and style (`Arial-BoldMT` and `ArialMT` are one family), so bold
//! totals are not a mismatch.
//!
//! The list of tools is data ([`EDITING_TOOLS`]): add a name there, not a code path.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{
    detect_number_format, parse_amount, parse_date, DateOrder, DocumentInfo, PageKind,
    ParsedStatement, PdfText,
};

// ---------------------------------------------------------------------------------------------
// Data: the tools that edit PDFs

/// What a Producer/Creator name says about how the file was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ToolKind {
    /// A PDF editor, desktop or online.
    Editor,
    /// An office suite: the statement went through a document.
    Office,
}

/// Lower-case fragments of Producer/Creator names and what they are. Matched as substrings.
/// Deliberately absent: Acrobat Distiller, Adobe PDF Library, iText, Ghostscript, Skia/PDF,
/// Quartz PDFContext, wkhtmltopdf: banks' own pipelines and browsers' "print to PDF" use them.
pub const EDITING_TOOLS: &[(&str, ToolKind)] = &[
    ("acrobat pro", ToolKind::Editor),
    ("acrobat standard", ToolKind::Editor),
    ("foxit phantompdf", ToolKind::Editor),
    ("foxit pdf editor", ToolKind::Editor),
    ("foxit editor", ToolKind::Editor),
    ("nitro pro", ToolKind::Editor),
    ("nitro pdf", ToolKind::Editor),
    ("pdfelement", ToolKind::Editor),
    ("wondershare", ToolKind::Editor),
    ("pdf-xchange editor", ToolKind::Editor),
    ("pdf-xchange viewer", ToolKind::Editor),
    ("sejda", ToolKind::Editor),
    ("ilovepdf", ToolKind::Editor),
    ("smallpdf", ToolKind::Editor),
    ("pdffiller", ToolKind::Editor),
    ("pdfescape", ToolKind::Editor),
    ("dochub", ToolKind::Editor),
    ("pdf candy", ToolKind::Editor),
    ("soda pdf", ToolKind::Editor),
    ("sodapdf", ToolKind::Editor),
    ("pdf24", ToolKind::Editor),
    ("master pdf editor", ToolKind::Editor),
    ("qoppa", ToolKind::Editor),
    ("pdf studio", ToolKind::Editor),
    ("infix", ToolKind::Editor),
    ("inkscape", ToolKind::Editor),
    ("canva", ToolKind::Editor),
    ("microsoft word", ToolKind::Office),
    ("microsoft® word", ToolKind::Office),
    ("microsoft excel", ToolKind::Office),
    ("microsoft® excel", ToolKind::Office),
    ("libreoffice", ToolKind::Office),
    ("openoffice", ToolKind::Office),
    ("google docs", ToolKind::Office),
    ("wps office", ToolKind::Office),
];

/// The tool a Producer/Creator name matches, if any.
pub fn editing_tool(name: &str) -> Option<ToolKind> {
    let lower = name.to_lowercase();
    EDITING_TOOLS
        .iter()
        .find(|(needle, _)| lower.contains(needle))
        .map(|(_, kind)| *kind)
}

// ---------------------------------------------------------------------------------------------
// Public types: what a review screen shows

/// A calendar month, written `2024-01`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    pub year: i32,
    /// 1-12.
    pub month: u32,
}

impl YearMonth {
    pub fn of(date: NaiveDate) -> YearMonth {
        YearMonth {
            year: date.year(),
            month: date.month(),
        }
    }

    pub fn next(self) -> YearMonth {
        if self.month >= 12 {
            YearMonth {
                year: self.year + 1,
                month: 1,
            }
        } else {
            YearMonth {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// Every month from `a` to `b`, both included (empty when `b` is before `a`).
    fn range(a: YearMonth, b: YearMonth) -> Vec<YearMonth> {
        let mut out = Vec::new();
        let mut m = a;
        while m <= b {
            out.push(m);
            m = m.next();
        }
        out
    }
}

impl std::fmt::Display for YearMonth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl std::str::FromStr for YearMonth {
    type Err = InsightsError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || InsightsError::BadMonth(s.to_string());
        let (y, m) = s.split_once('-').ok_or_else(bad)?;
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u32 = m.parse().map_err(|_| bad())?;
        if !(1..=12).contains(&month) {
            return Err(bad());
        }
        Ok(YearMonth { year, month })
    }
}

impl Serialize for YearMonth {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for YearMonth {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Errors of this module: only reading summaries kept from earlier runs can fail.
#[derive(Debug, thiserror::Error)]
pub enum InsightsError {
    #[error("{0:?} is not a month (YYYY-MM)")]
    BadMonth(String),
    #[error("the earlier statement summary could not be read: {0}")]
    BadSummary(#[from] serde_json::Error),
}

/// Everything the review screen shows about one statement.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StatementInsights {
    pub identity: IdentityInsight,
    pub period: PeriodInsight,
    pub balances: BalancesInsight,
    /// Months the statement's period touches.
    pub months_covered: Vec<YearMonth>,
    /// Months with at least one transaction.
    pub months_present: Vec<YearMonth>,
    /// Months inside the period without transactions, and months between this account's
    /// statements that no statement covers; sorted by month.
    pub months_missing: Vec<MissingMonth>,
    /// The earlier statement this one repeats, if any.
    pub duplicate_of: Option<DuplicateMatch>,
    pub tamper: TamperReport,
    /// What to keep and hand back as `prior` when the account's next statement is read.
    pub summary: StatementSummary,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct IdentityInsight {
    pub holder: Option<String>,
    /// The bank's name as printed, when the statement prints one.
    pub bank: Option<String>,
    /// The bank's code from its BIC (4 letters) or IFSC (4 letters), when printed.
    pub bank_code: Option<String>,
    /// The IBAN, whole (it is the holder's own, printed on the statement).
    pub iban: Option<String>,
    /// The account number, masked (`****1234`).
    pub account_number: Option<String>,
    pub bic: Option<String>,
    pub ifsc: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PeriodInsight {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Days in the period, both ends included.
    pub days: i64,
    /// The first and last transaction dates (none without transactions).
    pub first_transaction: Option<NaiveDate>,
    pub last_transaction: Option<NaiveDate>,
    pub transactions: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BalancesInsight {
    pub currency: String,
    /// As printed (or implied by the first running balance); `None` when nothing was printed.
    pub opening: Option<Decimal>,
    pub closing: Option<Decimal>,
    /// The statement's own proof: balances printed and every amount adds up to them.
    pub reconciled: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingReason {
    /// Inside this statement's period (at least half of the month), no transaction is dated in
    /// this month.
    NoTransactions,
    /// Between this account's statements, no statement's period covers this month.
    NotCovered,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MissingMonth {
    pub month: YearMonth,
    pub reason: MissingReason,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateReason {
    /// Byte for byte the same file (same SHA-256).
    SameFile,
    /// Same account, same period, same opening and closing balances.
    SamePeriodAndBalances,
    /// Same account, periods overlap, same opening and closing balances.
    OverlappingPeriodSameBalances,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DuplicateMatch {
    /// The earlier statement's [`StatementSummary::id`].
    pub id: String,
    pub label: Option<String>,
    pub reason: DuplicateReason,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TamperLevel {
    Low,
    Medium,
    High,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SignalCode {
    ProducerEditor,
    ProducerOffice,
    ProducerChanged,
    ModifiedAfterCreation,
    CreatedBeforePeriodEnd,
    IncrementalUpdate,
    SignedThenModified,
    AmountFontMismatch,
    ArithmeticBreaks,
    PeriodConflict,
}

/// One reason to look twice, with its weight in the score.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Signal {
    pub code: SignalCode,
    pub weight: u8,
    /// One sentence a person can check against the file.
    pub reason: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CheckCode {
    Fonts,
    Arithmetic,
    FileStructure,
}

/// A check that could not run, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SkippedCheck {
    pub check: CheckCode,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TamperReport {
    /// 0-100: the signals' weights summed, capped at 100.
    pub score: u8,
    pub level: TamperLevel,
    pub signals: Vec<Signal>,
    pub skipped: Vec<SkippedCheck>,
}

impl TamperReport {
    fn from_signals(signals: Vec<Signal>, skipped: Vec<SkippedCheck>) -> TamperReport {
        let sum: u32 = signals.iter().map(|s| u32::from(s.weight)).sum();
        let score = u8::try_from(sum.min(100)).unwrap_or(100);
        TamperReport {
            score,
            level: level_of(score),
            signals,
            skipped,
        }
    }
}

/// Low below 25, medium below 55, high from 55.
pub fn level_of(score: u8) -> TamperLevel {
    match score {
        0..=24 => TamperLevel::Low,
        25..=54 => TamperLevel::Medium,
        _ => TamperLevel::High,
    }
}

/// What is kept of a statement to compare the next ones with: no transactions, no full account
/// number (the account is a hash).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementSummary {
    /// The file's SHA-256 (hex) when there is a file; otherwise whatever the caller chose.
    pub id: String,
    /// A name for people (the file name).
    #[serde(default)]
    pub label: Option<String>,
    /// `sha256:` and 16 hex digits of the normalised IBAN or account number.
    #[serde(default)]
    pub account_key: Option<String>,
    #[serde(default)]
    pub bank: Option<String>,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    #[serde(default)]
    pub opening_balance: Option<Decimal>,
    #[serde(default)]
    pub closing_balance: Option<Decimal>,
    #[serde(default)]
    pub sha256: Option<String>,
    #[serde(default)]
    pub producer: Option<String>,
    #[serde(default)]
    pub creator: Option<String>,
}

impl StatementSummary {
    /// The summaries in a `folio convert` JSON document (its `insights.summary`), or a bare
    /// summary, or an array of summaries.
    pub fn from_json(text: &str) -> Result<Vec<StatementSummary>, InsightsError> {
        let value: serde_json::Value = serde_json::from_str(text)?;
        let value = match value.get("insights").and_then(|i| i.get("summary")) {
            Some(s) => s.clone(),
            None => value,
        };
        if value.is_array() {
            Ok(serde_json::from_value(value)?)
        } else {
            Ok(vec![serde_json::from_value(value)?])
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Inputs

/// One statement as any reader gives it (PDF engine, OCR, bank file).
#[derive(Clone, Debug, Default)]
pub struct StatementView {
    pub bank: Option<String>,
    pub holder: Option<String>,
    /// Electronic form (no spaces).
    pub iban: Option<String>,
    pub account_number: Option<String>,
    pub bic: Option<String>,
    pub ifsc: Option<String>,
    pub currency: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub opening_balance: Option<Decimal>,
    pub closing_balance: Option<Decimal>,
    pub transaction_dates: Vec<NaiveDate>,
    pub reconciled: bool,
    /// The messages of the arithmetic's breaks (running or closing balance); empty when it
    /// adds up or when nothing was printed to check against.
    pub arithmetic_breaks: Vec<String>,
    /// True when balances were printed, so the arithmetic was checked.
    pub balances_printed: bool,
    /// Pages that are scans (their words come from OCR).
    pub scanned_pages: Vec<u32>,
    /// Digits after the decimal point (to parse amounts on the page for the font check).
    pub decimals: u32,
    /// The table's amount cells: (page, magnitude of an amount or running balance). The font
    /// check compares these cells only, so a summary box in another typeface is not a finding.
    /// Empty: every amount on the page is compared.
    pub row_amounts: Vec<(u32, Decimal)>,
}

impl StatementView {
    /// The view of a statement read from a PDF.
    pub fn of_parsed(s: &ParsedStatement, text: Option<&PdfText>) -> StatementView {
        let breaks: Vec<String> = s
            .warnings
            .iter()
            .filter(|w| {
                w.code == "RUNNING_BALANCE_MISMATCH" || w.code == "CLOSING_BALANCE_MISMATCH"
            })
            .map(|w| w.message.clone())
            .collect();
        // parse_statement sets opening 0 and closing = opening + sum when nothing was printed;
        // then it cannot have reconciled and finds no breaks.
        let balances_printed = s.reconciled || !breaks.is_empty();
        let scale = |d: Decimal| {
            let mut d = d;
            d.rescale(s.decimals);
            d
        };
        StatementView {
            bank: s.identity.bank.clone(),
            holder: s.identity.holder.clone(),
            iban: s.identity.iban.as_ref().map(|i| i.as_str().to_string()),
            account_number: s.identity.account_number.clone(),
            bic: s.identity.bic.clone(),
            ifsc: s.identity.ifsc.clone(),
            currency: s
                .currency
                .as_ref()
                .map(|c| c.code().to_string())
                .unwrap_or_default(),
            period_start: s.period_start,
            period_end: s.period_end,
            opening_balance: balances_printed.then(|| scale(s.opening_balance)),
            closing_balance: balances_printed.then(|| scale(s.closing_balance)),
            transaction_dates: s.transactions.iter().map(|t| t.date).collect(),
            reconciled: s.reconciled,
            arithmetic_breaks: breaks,
            balances_printed,
            scanned_pages: text.map(|t| t.image_pages()).unwrap_or_default(),
            decimals: s.decimals,
            row_amounts: s
                .transactions
                .iter()
                .flat_map(|t| {
                    std::iter::once((t.page, t.amount.abs()))
                        .chain(t.balance.map(|b| (t.page, b.abs())))
                })
                .map(|(p, a)| (p, a.normalize()))
                .collect(),
        }
    }

    /// The account's key for matching statements: a hash, so summaries kept on disk do not
    /// hold the number.
    pub fn account_key(&self) -> Option<String> {
        account_key(self.iban.as_deref(), self.account_number.as_deref())
    }
}

/// The key of an account (IBAN, else number) for matching statements: a hash, so summaries
/// kept on disk do not hold the number.
pub fn account_key(iban: Option<&str>, account_number: Option<&str>) -> Option<String> {
    {
        let raw = iban
            .or(account_number)?
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_uppercase();
        if raw.is_empty() {
            return None;
        }
        let digest = Sha256::digest(raw.as_bytes());
        Some(format!("sha256:{}", &hex(&digest)[..16]))
    }
}

/// What a file says about itself, gathered from its bytes and its Info dictionary.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FileFacts {
    pub sha256: String,
    pub size: u64,
    pub producer: Option<String>,
    pub creator: Option<String>,
    /// CreationDate and ModDate in UTC (unparseable dates are `None`).
    pub created: Option<NaiveDateTime>,
    pub modified: Option<NaiveDateTime>,
    /// `startxref` sections in the file: 1 for a file written once.
    pub xref_sections: u32,
    pub eof_markers: u32,
    /// A linearized ("fast web view") file has one extra section by design.
    pub linearized: bool,
    /// Signatures: PDFium's count, or the `/ByteRange`s seen in the bytes if more.
    pub signatures: u32,
    /// Where the last signature's signed bytes end.
    pub signed_until: Option<u64>,
    /// `startxref` sections that start after `signed_until`.
    pub sections_after_signature: u32,
}

/// Reads [`FileFacts`] from the file's bytes and the Info dictionary PDFium read.
pub fn file_facts(bytes: &[u8], info: &DocumentInfo) -> FileFacts {
    let startxrefs = find_all(bytes, b"startxref");
    let head = &bytes[..bytes.len().min(1024)];
    let linearized = !find_all(head, b"/Linearized").is_empty();
    let ranges = byte_ranges(bytes);
    let signed_until = ranges.iter().map(|r| r.2.saturating_add(r.3)).max();
    let sections_after_signature = signed_until.map_or(0, |end| {
        startxrefs
            .iter()
            .filter(|&&at| u64::try_from(at).unwrap_or(u64::MAX) >= end)
            .count()
    });
    FileFacts {
        sha256: hex(&Sha256::digest(bytes)),
        size: bytes.len() as u64,
        producer: info.producer.clone(),
        creator: info.creator.clone(),
        created: info.creation_date.as_deref().and_then(parse_pdf_date),
        modified: info.mod_date.as_deref().and_then(parse_pdf_date),
        xref_sections: count(startxrefs.len()),
        eof_markers: count(find_all(bytes, b"%%EOF").len()),
        linearized,
        signatures: info.signatures.max(count(ranges.len())),
        signed_until,
        sections_after_signature: count(sections_after_signature),
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn find_all(haystack: &[u8], needle: &[u8]) -> Vec<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return Vec::new();
    }
    haystack
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i)
        .collect()
}

/// Every `/ByteRange [a b c d]` in the bytes (signature dictionaries are never compressed:
/// the signer must patch them in place).
fn byte_ranges(bytes: &[u8]) -> Vec<(u64, u64, u64, u64)> {
    find_all(bytes, b"/ByteRange")
        .into_iter()
        .filter_map(|at| {
            let rest = &bytes[at + b"/ByteRange".len()..];
            let rest = &rest[..rest.len().min(120)];
            let text = String::from_utf8_lossy(rest);
            let inner = text.trim_start().strip_prefix('[')?;
            let inner = &inner[..inner.find(']')?];
            let n: Vec<u64> = inner
                .split_whitespace()
                .map(|p| p.parse().ok())
                .collect::<Option<Vec<u64>>>()?;
            (n.len() == 4).then(|| (n[0], n[1], n[2], n[3]))
        })
        .collect()
}

/// `D:YYYYMMDDHHmmSSOHH'mm'` (every part after the year optional) as UTC.
pub fn parse_pdf_date(text: &str) -> Option<NaiveDateTime> {
    let t = text.trim();
    let t = t.strip_prefix("D:").unwrap_or(t);
    let digits: String = t.chars().take_while(|c| c.is_ascii_digit()).collect();
    if digits.len() < 4 {
        return None;
    }
    let part = |from: usize, len: usize, default: u32| -> Option<u32> {
        match digits.get(from..from + len) {
            Some(p) => p.parse().ok(),
            None => Some(default),
        }
    };
    let year: i32 = digits.get(0..4)?.parse().ok()?;
    let date = NaiveDate::from_ymd_opt(year, part(4, 2, 1)?, part(6, 2, 1)?)?;
    let local = date.and_hms_opt(part(8, 2, 0)?, part(10, 2, 0)?, part(12, 2, 0)?.min(59))?;
    let zone = &t[digits.len()..];
    let offset_minutes: i64 = match zone.chars().next() {
        Some(sign @ ('+' | '-')) => {
            let z: String = zone[1..].chars().filter(|c| c.is_ascii_digit()).collect();
            let h: i64 = z.get(0..2).and_then(|h| h.parse().ok()).unwrap_or(0);
            let m: i64 = z.get(2..4).and_then(|m| m.parse().ok()).unwrap_or(0);
            let v = h * 60 + m;
            if sign == '-' {
                -v
            } else {
                v
            }
        }
        _ => 0,
    };
    local.checked_sub_signed(chrono::Duration::minutes(offset_minutes))
}

// ---------------------------------------------------------------------------------------------
// The analysis

/// Insights for a statement read from a PDF: the convenience the CLI and the app call.
pub fn pdf_insights(
    statement: &ParsedStatement,
    text: &PdfText,
    bytes: &[u8],
    label: Option<&str>,
    prior: &[StatementSummary],
) -> StatementInsights {
    let view = StatementView::of_parsed(statement, Some(text));
    let facts = file_facts(bytes, &text.info);
    analyse(&view, Some(&facts), Some(text), label, prior)
}

/// Insights for any statement: `file` and `text` when there is a PDF behind it, `prior` the
/// summaries of statements seen before (any account: other accounts are ignored).
pub fn analyse(
    view: &StatementView,
    file: Option<&FileFacts>,
    text: Option<&PdfText>,
    label: Option<&str>,
    prior: &[StatementSummary],
) -> StatementInsights {
    let account_key = view.account_key();
    let summary = StatementSummary {
        id: file.map_or_else(
            || {
                format!(
                    "{}:{}:{}",
                    account_key.as_deref().unwrap_or("unknown"),
                    view.period_start,
                    view.period_end
                )
            },
            |f| f.sha256.clone(),
        ),
        label: label.map(str::to_string),
        account_key: account_key.clone(),
        bank: view.bank.clone(),
        period_start: view.period_start,
        period_end: view.period_end,
        opening_balance: view.opening_balance,
        closing_balance: view.closing_balance,
        sha256: file.map(|f| f.sha256.clone()),
        producer: file.and_then(|f| f.producer.clone()),
        creator: file.and_then(|f| f.creator.clone()),
    };
    // Earlier statements of the same account; never this very summary again.
    let same_account: Vec<&StatementSummary> = prior
        .iter()
        .filter(|p| account_key.is_some() && p.account_key == account_key)
        .collect();

    let (covered, present, missing) = months(view, &same_account);
    let duplicate_of = duplicate(&summary, prior, &same_account);

    let mut signals = Vec::new();
    let mut skipped = Vec::new();
    match file {
        Some(f) => {
            signals.extend(producer_signals(f, view, prior));
            signals.extend(date_signals(f, view));
            signals.extend(structure_signals(f));
        }
        None => skipped.push(SkippedCheck {
            check: CheckCode::FileStructure,
            reason: "no PDF file behind this statement: metadata and structure not checked".into(),
        }),
    }
    match text {
        Some(t) => {
            let (found, skip) = font_signals(t, view);
            signals.extend(found);
            skipped.extend(skip);
        }
        None => skipped.push(SkippedCheck {
            check: CheckCode::Fonts,
            reason: "no PDF text: fonts not checked".into(),
        }),
    }
    if !view.arithmetic_breaks.is_empty() {
        let n = view.arithmetic_breaks.len();
        signals.push(Signal {
            code: SignalCode::ArithmeticBreaks,
            weight: 25,
            reason: format!(
                "the amounts do not add up to the printed balances ({n} break{}): {}",
                if n == 1 { "" } else { "s" },
                view.arithmetic_breaks[0]
            ),
        });
    } else if !view.balances_printed {
        skipped.push(SkippedCheck {
            check: CheckCode::Arithmetic,
            reason: "no opening or closing balance printed: nothing to check the amounts against"
                .into(),
        });
    }
    if duplicate_of.is_none() {
        if let Some(conflict) = same_account.iter().find(|p| {
            p.period_start == view.period_start
                && p.period_end == view.period_end
                && p.opening_balance.is_some()
                && view.opening_balance.is_some()
                && (p.opening_balance != view.opening_balance
                    || p.closing_balance != view.closing_balance)
        }) {
            signals.push(Signal {
                code: SignalCode::PeriodConflict,
                weight: 30,
                reason: format!(
                    "{} covers the same period {} to {} with balances {} / {}; this one prints {} / {}",
                    conflict.label.as_deref().unwrap_or(&conflict.id),
                    view.period_start,
                    view.period_end,
                    show(conflict.opening_balance),
                    show(conflict.closing_balance),
                    show(view.opening_balance),
                    show(view.closing_balance),
                ),
            });
        }
    }
    signals.sort_by(|a, b| b.weight.cmp(&a.weight).then(a.code.cmp(&b.code)));

    let first = view.transaction_dates.iter().min().copied();
    let last = view.transaction_dates.iter().max().copied();
    StatementInsights {
        identity: IdentityInsight {
            holder: view.holder.clone(),
            bank: view.bank.clone(),
            bank_code: bank_code(view),
            iban: view.iban.clone(),
            account_number: view
                .account_number
                .as_deref()
                .map(folio_ledger::mask_account_number),
            bic: view.bic.clone(),
            ifsc: view.ifsc.clone(),
        },
        period: PeriodInsight {
            from: view.period_start,
            to: view.period_end,
            days: (view.period_end - view.period_start).num_days() + 1,
            first_transaction: first,
            last_transaction: last,
            transactions: view.transaction_dates.len(),
        },
        balances: BalancesInsight {
            currency: view.currency.clone(),
            opening: view.opening_balance,
            closing: view.closing_balance,
            reconciled: view.reconciled,
        },
        months_covered: covered,
        months_present: present,
        months_missing: missing,
        duplicate_of,
        tamper: TamperReport::from_signals(signals, skipped),
        summary,
    }
}

fn show(d: Option<Decimal>) -> String {
    d.map_or_else(|| "none".to_string(), |d| d.to_string())
}

fn bank_code(view: &StatementView) -> Option<String> {
    let code = |s: &str| {
        let c: String = s.chars().take(4).collect();
        (c.len() == 4 && c.chars().all(|c| c.is_ascii_alphabetic())).then(|| c.to_uppercase())
    };
    view.bic
        .as_deref()
        .and_then(code)
        .or_else(|| view.ifsc.as_deref().and_then(code))
}

type Months = (Vec<YearMonth>, Vec<YearMonth>, Vec<MissingMonth>);

fn months(view: &StatementView, same_account: &[&StatementSummary]) -> Months {
    let (start, end) = if view.period_start <= view.period_end {
        (view.period_start, view.period_end)
    } else {
        (view.period_end, view.period_start)
    };
    let covered = YearMonth::range(YearMonth::of(start), YearMonth::of(end));
    let present: BTreeSet<YearMonth> = view
        .transaction_dates
        .iter()
        .map(|d| YearMonth::of(*d))
        .collect();
    // A month the period only grazes (a statement to the 8th touching its last month) is not
    // missing when it has no rows: at least half of it must be inside the period.
    let mostly_inside = |m: &YearMonth| {
        let Some(first) = NaiveDate::from_ymd_opt(m.year, m.month, 1) else {
            return false;
        };
        let next = m.next();
        let Some(after) = NaiveDate::from_ymd_opt(next.year, next.month, 1) else {
            return false;
        };
        let inside = (after.min(end + chrono::Days::new(1)) - first.max(start)).num_days();
        inside * 2 >= (after - first).num_days()
    };
    let mut missing: BTreeMap<YearMonth, MissingReason> = covered
        .iter()
        .filter(|m| !present.contains(m) && mostly_inside(m))
        .map(|m| (*m, MissingReason::NoTransactions))
        .collect();
    if !same_account.is_empty() {
        let mut all: BTreeSet<YearMonth> = covered.iter().copied().collect();
        for p in same_account {
            let (a, b) = if p.period_start <= p.period_end {
                (p.period_start, p.period_end)
            } else {
                (p.period_end, p.period_start)
            };
            all.extend(YearMonth::range(YearMonth::of(a), YearMonth::of(b)));
        }
        if let (Some(first), Some(last)) = (all.first().copied(), all.last().copied()) {
            for m in YearMonth::range(first, last) {
                if !all.contains(&m) {
                    missing.entry(m).or_insert(MissingReason::NotCovered);
                }
            }
        }
    }
    (
        covered,
        present.into_iter().collect(),
        missing
            .into_iter()
            .map(|(month, reason)| MissingMonth { month, reason })
            .collect(),
    )
}

fn duplicate(
    this: &StatementSummary,
    prior: &[StatementSummary],
    same_account: &[&StatementSummary],
) -> Option<DuplicateMatch> {
    let found = |p: &StatementSummary, reason| DuplicateMatch {
        id: p.id.clone(),
        label: p.label.clone(),
        reason,
    };
    if let Some(sha) = &this.sha256 {
        if let Some(p) = prior.iter().find(|p| p.sha256.as_ref() == Some(sha)) {
            return Some(found(p, DuplicateReason::SameFile));
        }
    }
    let same_balances = |p: &StatementSummary| {
        this.opening_balance.is_some()
            && this.closing_balance.is_some()
            && p.opening_balance == this.opening_balance
            && p.closing_balance == this.closing_balance
    };
    if let Some(p) = same_account.iter().find(|p| {
        p.period_start == this.period_start && p.period_end == this.period_end && same_balances(p)
    }) {
        return Some(found(p, DuplicateReason::SamePeriodAndBalances));
    }
    same_account
        .iter()
        .find(|p| {
            p.period_start <= this.period_end
                && this.period_start <= p.period_end
                && same_balances(p)
        })
        .map(|p| found(p, DuplicateReason::OverlappingPeriodSameBalances))
}

/// The name with version numbers and punctuation dropped: "Acme Statements 4.2.1" and
/// "Acme Statements 4.3" are one producer.
fn producer_family(name: &str) -> String {
    name.to_lowercase()
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn producer_signals(
    f: &FileFacts,
    view: &StatementView,
    prior: &[StatementSummary],
) -> Vec<Signal> {
    let mut out = Vec::new();
    let tools: Vec<(&str, &str, ToolKind)> = [("Producer", &f.producer), ("Creator", &f.creator)]
        .into_iter()
        .filter_map(|(field, v)| {
            let v = v.as_deref()?;
            editing_tool(v).map(|k| (field, v, k))
        })
        .collect();
    if let Some((field, name, _)) = tools.iter().find(|t| t.2 == ToolKind::Editor) {
        out.push(Signal {
            code: SignalCode::ProducerEditor,
            weight: 30,
            reason: format!("the file's {field} is {name:?}, a PDF editor; banks do not issue statements with it"),
        });
    } else if let Some((field, name, _)) = tools.first() {
        out.push(Signal {
            code: SignalCode::ProducerOffice,
            weight: 25,
            reason: format!(
                "the file's {field} is {name:?}, an office suite: the statement went through a document"
            ),
        });
    }
    // Earlier statements of the same account, else of the same bank.
    let key = view.account_key();
    let bank = view.bank.as_deref().map(str::to_lowercase);
    let mut peers: Vec<&StatementSummary> = prior
        .iter()
        .filter(|p| key.is_some() && p.account_key == key)
        .collect();
    if peers.is_empty() {
        peers = prior
            .iter()
            .filter(|p| bank.is_some() && p.bank.as_deref().map(str::to_lowercase) == bank)
            .collect();
    }
    let families: BTreeSet<String> = peers
        .iter()
        .filter(|p| Some(p.sha256.as_deref()) != Some(Some(f.sha256.as_str())))
        .filter_map(|p| p.producer.as_deref().map(producer_family))
        .collect();
    if let (Some(this), 1) = (f.producer.as_deref(), families.len()) {
        let mine = producer_family(this);
        if let Some(theirs) = families.iter().next() {
            if !mine.is_empty() && *theirs != mine {
                out.push(Signal {
                    code: SignalCode::ProducerChanged,
                    weight: 15,
                    reason: format!(
                        "earlier statements of this {} were produced by {theirs:?}; this one by {this:?}",
                        if key.is_some() && peers.iter().any(|p| p.account_key == key) {
                            "account"
                        } else {
                            "bank"
                        }
                    ),
                });
            }
        }
    }
    out
}

fn date_signals(f: &FileFacts, view: &StatementView) -> Vec<Signal> {
    let mut out = Vec::new();
    if let (Some(c), Some(m)) = (f.created, f.modified) {
        let gap = m - c;
        if gap > chrono::Duration::days(1) {
            out.push(Signal {
                code: SignalCode::ModifiedAfterCreation,
                weight: 15,
                reason: format!(
                    "the file was created {} and modified {} ({} days later)",
                    c.format("%Y-%m-%d %H:%M"),
                    m.format("%Y-%m-%d %H:%M"),
                    gap.num_days()
                ),
            });
        }
    }
    let limit = view.period_end - chrono::Days::new(1);
    let early = [("created", f.created), ("modified", f.modified)]
        .into_iter()
        .find_map(|(what, d)| d.filter(|d| d.date() < limit).map(|d| (what, d)));
    if let Some((what, d)) = early {
        out.push(Signal {
            code: SignalCode::CreatedBeforePeriodEnd,
            weight: 10,
            reason: format!(
                "the file says it was {what} {}, before the period it covers ended ({})",
                d.date(),
                view.period_end
            ),
        });
    }
    out
}

fn structure_signals(f: &FileFacts) -> Vec<Signal> {
    let mut out = Vec::new();
    if f.signed_until.is_some() {
        // Signing appends a revision of its own; only what comes after the last signature counts.
        if f.sections_after_signature > 0 {
            out.push(Signal {
                code: SignalCode::SignedThenModified,
                weight: 35,
                reason: format!(
                    "the file is signed, then changed: {} update{} after the signed bytes end (byte {})",
                    f.sections_after_signature,
                    if f.sections_after_signature == 1 { "" } else { "s" },
                    f.signed_until.unwrap_or_default()
                ),
            });
        }
        return out;
    }
    let expected = 1 + u32::from(f.linearized);
    let updates = f.xref_sections.saturating_sub(expected);
    if updates > 0 {
        let weight = (15 + 5 * (updates - 1)).min(25);
        out.push(Signal {
            code: SignalCode::IncrementalUpdate,
            weight: u8::try_from(weight).unwrap_or(25),
            reason: format!(
                "the file was changed after it was written: {updates} incremental update{} after the first end of file",
                if updates == 1 { "" } else { "s" }
            ),
        });
    }
    out
}

/// The font's family: subset tag (`ABCDEF+`), style (`-Bold`, `,Italic`) and `MT`/`PS` suffixes
/// dropped, lower case.
pub fn font_family(name: &str) -> String {
    let name = match name.split_once('+') {
        Some((tag, rest)) if tag.len() == 6 && tag.chars().all(|c| c.is_ascii_uppercase()) => rest,
        _ => name,
    };
    let base = name.split([',', '-']).next().unwrap_or(name);
    let mut family: String = base
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect::<String>()
        .to_lowercase();
    for suffix in ["psmt", "mt", "ps"] {
        if family.len() > suffix.len() + 2 && family.ends_with(suffix) {
            family.truncate(family.len() - suffix.len());
            break;
        }
    }
    family
}

fn font_signals(text: &PdfText, view: &StatementView) -> (Vec<Signal>, Vec<SkippedCheck>) {
    let mut skipped = Vec::new();
    let scanned: Vec<u32> = text
        .pages
        .iter()
        .filter(|p| p.kind == PageKind::ImageBased)
        .map(|p| p.number)
        .chain(view.scanned_pages.iter().copied())
        .collect::<BTreeSet<u32>>()
        .into_iter()
        .collect();
    if !scanned.is_empty() {
        skipped.push(SkippedCheck {
            check: CheckCode::Fonts,
            reason: format!(
                "page{} {scanned:?} {} scanned: the words come from OCR, so there are no file fonts to compare{}",
                if scanned.len() == 1 { "" } else { "s" },
                if scanned.len() == 1 { "is" } else { "are" },
                if scanned.len() == text.pages.len() { "" } else { " (the text pages were checked)" }
            ),
        });
    }
    let all_words = text
        .pages
        .iter()
        .filter(|p| p.kind == PageKind::TextBased)
        .flat_map(|p| p.words.iter().map(|w| w.text.as_str()));
    let format = detect_number_format(all_words.filter(|w| {
        parse_date(w, DateOrder::DayMonthYear).is_none()
            && parse_date(w, DateOrder::MonthDayYear).is_none()
    }));
    let cells: BTreeSet<(u32, Decimal)> = view.row_amounts.iter().copied().collect();
    let mut findings = Vec::new();
    for page in text
        .pages
        .iter()
        .filter(|p| p.kind == PageKind::TextBased && !scanned.contains(&p.number))
    {
        // Amount cells: numbers with decimals that are not dates and, when the table's rows
        // are known, that are a row's amount or balance on this page.
        let amounts: Vec<(&crate::Word, String)> = page
            .words
            .iter()
            .filter(|w| {
                parse_amount(&w.text, format).is_some_and(|a| {
                    a.decimals >= 1
                        && (cells.is_empty()
                            || cells.contains(&(page.number, a.magnitude.normalize())))
                }) && w.text.chars().any(|c| c.is_ascii_digit())
                    && parse_date(&w.text, DateOrder::DayMonthYear).is_none()
                    && parse_date(&w.text, DateOrder::MonthDayYear).is_none()
            })
            .filter_map(|w| w.font.as_deref().map(|f| (w, font_family(f))))
            .collect();
        for (w, _) in &amounts {
            let plain = w
                .text
                .chars()
                .all(|c| c.is_ascii_digit() || ".,'- ()+".contains(c));
            if w.mixed_fonts && plain {
                findings.push(format!(
                    "page {}: the glyphs of {:?} come from more than one font",
                    page.number, w.text
                ));
            }
        }
        if amounts.len() < 4 {
            continue;
        }
        let mut by_family: BTreeMap<&str, usize> = BTreeMap::new();
        for (_, family) in &amounts {
            *by_family.entry(family.as_str()).or_default() += 1;
        }
        let Some((main, main_count)) = by_family
            .iter()
            .max_by_key(|(_, n)| **n)
            .map(|(f, n)| (*f, *n))
        else {
            continue;
        };
        let odd: Vec<&(&crate::Word, String)> =
            amounts.iter().filter(|(_, f)| f.as_str() != main).collect();
        // A few odd ones out: a quarter or less of the amounts (a second typeface used for a
        // whole column is a layout, not an edit).
        if !odd.is_empty() && odd.len() * 4 <= amounts.len() && main_count >= 3 {
            let shown: Vec<String> = odd
                .iter()
                .take(3)
                .map(|(w, _)| {
                    format!(
                        "{:?} in {}",
                        w.text,
                        w.font.as_deref().unwrap_or("an unnamed font")
                    )
                })
                .collect();
            findings.push(format!(
                "page {}: {} of {} amounts in another font ({}) than the others ({main})",
                page.number,
                odd.len(),
                amounts.len(),
                shown.join(", ")
            ));
        }
    }
    let mut signals = Vec::new();
    if !findings.is_empty() {
        signals.push(Signal {
            code: SignalCode::AmountFontMismatch,
            weight: 30,
            reason: findings.join("; "),
        });
    }
    (signals, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn view(start: NaiveDate, end: NaiveDate, dates: &[NaiveDate]) -> StatementView {
        StatementView {
            iban: Some("BE71096123456769".into()),
            currency: "EUR".into(),
            period_start: start,
            period_end: end,
            opening_balance: Some(Decimal::new(10000, 2)),
            closing_balance: Some(Decimal::new(12000, 2)),
            transaction_dates: dates.to_vec(),
            reconciled: true,
            balances_printed: true,
            decimals: 2,
            ..StatementView::default()
        }
    }

    #[test]
    fn pdf_dates_read_with_their_offset() {
        assert_eq!(
            parse_pdf_date("D:20240131120000+01'00'"),
            Some(d(2024, 1, 31).and_hms_opt(11, 0, 0).unwrap_or_default())
        );
        assert_eq!(
            parse_pdf_date("D:2024"),
            Some(d(2024, 1, 1).and_hms_opt(0, 0, 0).unwrap_or_default())
        );
        assert_eq!(parse_pdf_date("yesterday"), None);
        assert_eq!(parse_pdf_date("D:20241399"), None);
    }

    #[test]
    fn font_families_ignore_subset_tags_and_styles() {
        assert_eq!(font_family("ABCDEF+Arial-BoldMT"), "arial");
        assert_eq!(font_family("ArialMT"), "arial");
        assert_eq!(font_family("Helvetica-Bold"), "helvetica");
        assert_eq!(font_family("Courier"), "courier");
        assert_eq!(font_family("TimesNewRomanPS-ItalicMT"), "timesnewroman");
    }

    #[test]
    fn tools_are_matched_from_the_list() {
        assert_eq!(
            editing_tool("Adobe Acrobat Pro DC 23.1"),
            Some(ToolKind::Editor)
        );
        assert_eq!(editing_tool("Acrobat Distiller 10.0"), None);
        assert_eq!(
            editing_tool("Microsoft® Word for Microsoft 365"),
            Some(ToolKind::Office)
        );
        assert_eq!(editing_tool("iText 5.5.13"), None);
    }

    #[test]
    fn months_without_transactions_and_between_statements() {
        let v = view(
            d(2024, 3, 1),
            d(2024, 5, 31),
            &[d(2024, 3, 4), d(2024, 5, 2)],
        );
        let prior = StatementSummary {
            id: "jan".into(),
            label: None,
            account_key: v.account_key(),
            bank: None,
            period_start: d(2024, 1, 1),
            period_end: d(2024, 1, 31),
            opening_balance: None,
            closing_balance: None,
            sha256: None,
            producer: None,
            creator: None,
        };
        let i = analyse(&v, None, None, None, std::slice::from_ref(&prior));
        let shown: Vec<String> = i
            .months_missing
            .iter()
            .map(|m| format!("{} {:?}", m.month, m.reason))
            .collect();
        assert_eq!(shown, ["2024-02 NotCovered", "2024-04 NoTransactions"]);
        assert_eq!(
            i.months_present
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            ["2024-03", "2024-05"]
        );
        assert_eq!(i.months_covered.len(), 3);

        // A month the period only grazes is covered, not missing; one mostly inside is.
        let v = view(d(2024, 3, 20), d(2024, 5, 8), &[d(2024, 4, 4)]);
        let i = analyse(&v, None, None, None, &[]);
        assert!(i.months_missing.is_empty(), "{:?}", i.months_missing);
        let v = view(d(2024, 3, 9), d(2024, 5, 20), &[d(2024, 4, 4)]);
        let i = analyse(&v, None, None, None, &[]);
        let shown: Vec<String> = i
            .months_missing
            .iter()
            .map(|m| m.month.to_string())
            .collect();
        assert_eq!(shown, ["2024-03", "2024-05"]);
    }

    #[test]
    fn scores_sum_and_cap() {
        let s = |w| Signal {
            code: SignalCode::ProducerEditor,
            weight: w,
            reason: String::new(),
        };
        let r = TamperReport::from_signals(vec![s(30), s(30), s(60)], vec![]);
        assert_eq!((r.score, r.level), (100, TamperLevel::High));
        let r = TamperReport::from_signals(vec![s(15)], vec![]);
        assert_eq!((r.score, r.level), (15, TamperLevel::Low));
        let r = TamperReport::from_signals(vec![s(30)], vec![]);
        assert_eq!(r.level, TamperLevel::Medium);
    }

    #[test]
    fn signature_then_update_is_found_in_the_bytes() {
        let mut pdf =
            b"%PDF-1.7\n1 0 obj << /ByteRange [0 10 20 80] >> endobj\nstartxref\n9\n%%EOF\n"
                .to_vec();
        while pdf.len() < 100 {
            pdf.push(b' ');
        }
        pdf.extend_from_slice(b"2 0 obj << >> endobj\nstartxref\n100\n%%EOF\n");
        let f = file_facts(&pdf, &DocumentInfo::default());
        assert_eq!(f.signed_until, Some(100));
        assert_eq!(f.xref_sections, 2);
        assert_eq!(f.sections_after_signature, 1);
        let s = structure_signals(&f);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].code, SignalCode::SignedThenModified);
    }
}
