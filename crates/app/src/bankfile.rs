//! Importing bank export files (OFX/QFX, QIF, CAMT.053/.054, MT940, CSV/XLSX) with the rules of
//! statement PDFs: the file's SHA-256 refuses it twice (STATEMENT_DUPLICATE), each statement goes
//! to the account matched by IBAN or number (else a new one), rows already known by fingerprint
//! or by the bank's id are skipped, printed balances are proven (STATEMENT_NOT_RECONCILED unless
//! accepted), and the whole file is one SQL transaction: every statement in it or none.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use folio_bankfiles::{
    BankFileStatement, CsvMapping, DateOrder, Format, NumberFormat, ParseOptions, Reconciliation,
};
use folio_ledger::{mask_account_number, Currency, Money, NewAccount, NewTransaction};
use folio_store::{StatementFilePart, StatementImport};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use crate::import::{ReviewRow, StatementReview};
use crate::views::plain_decimal;
use crate::{AppError, ErrorCode, Folio};

/// What the person tells Folio beyond the file's bytes.
#[derive(Clone, Debug, Default)]
pub struct BankFileOptions {
    /// QIF: the date order when the file does not settle it.
    pub date_order: Option<DateOrder>,
    /// QIF: the number format when the file does not settle it.
    pub number_format: Option<NumberFormat>,
    /// CSV/XLSX: which column holds what.
    pub mapping: Option<CsvMapping>,
    /// The account's currency, for files that name none (QIF, most CSV).
    pub currency: Option<Currency>,
}

/// A bank file read, not filed yet.
#[derive(Clone, Debug)]
pub struct ReadBankFile {
    pub path: PathBuf,
    pub file_name: String,
    pub sha256: String,
    pub format: Format,
    pub statements: Vec<BankFileStatement>,
    /// The name the person gave the new account a one-account file opens (a CSV names none).
    pub account_name: Option<String>,
}

/// How a statement's balances were proven.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Proof {
    /// Opening + rows = closing.
    Balanced,
    /// Printed balances that do not agree with the rows (filed only when accepted).
    NotReconciled,
    /// The file printed no opening and closing balance: nothing to prove.
    NoBalances,
}

/// What filing one statement of a bank file did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BankStatementReport {
    pub statement_id: i64,
    pub account_id: i64,
    pub account_name: String,
    pub account_created: bool,
    /// The account as the file names it, masked (`****4300`).
    pub account: Option<String>,
    pub currency: String,
    pub period_start: String,
    pub period_end: String,
    pub opening: Option<String>,
    pub closing: Option<String>,
    pub proof: Proof,
    /// Rows filed now.
    pub added: usize,
    /// Rows already in the ledger (same fingerprint or the bank's same id).
    pub already_known: usize,
    pub warnings: Vec<String>,
}

/// What filing a bank file did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BankFileReport {
    pub file: String,
    /// `MT940`, `CAMT`, `OFX`, `QIF`, `CSV` or `XLSX`.
    pub format: String,
    pub statements: Vec<BankStatementReport>,
    /// Statements without a row or a date (nothing to file).
    pub skipped_empty: usize,
}

/// The bank-file format of these bytes, or `None` for a PDF or a file that is no bank export.
/// With a column mapping, any text that is not a PDF is read as CSV.
pub fn bank_file_format(
    bytes: &[u8],
    file_name: Option<&str>,
    has_mapping: bool,
) -> Option<Format> {
    if bytes.starts_with(b"%PDF") {
        return None;
    }
    match folio_bankfiles::detect(bytes, file_name) {
        Some(format) => Some(format),
        None if has_mapping && !file_name.is_some_and(is_pdf_name) => Some(Format::Csv),
        None => None,
    }
}

fn is_pdf_name(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".pdf")
}

/// A bank file's bytes, refused by size (FILE_TOO_LARGE) before it is read.
pub fn read_bank_bytes(path: &Path) -> Result<Vec<u8>, AppError> {
    let size = std::fs::metadata(path)
        .map_err(|e| io_error(path, &e))?
        .len();
    if size > folio_bankfiles::MAX_FILE_BYTES as u64 {
        return Err(folio_bankfiles::BankFileError::FileTooLarge {
            size: usize::try_from(size).unwrap_or(usize::MAX),
            limit: folio_bankfiles::MAX_FILE_BYTES,
        }
        .into());
    }
    std::fs::read(path).map_err(|e| io_error(path, &e))
}

/// Reads a bank file without writing to the ledger. The same bytes filed before (any name;
/// `filed_as` answers from the ledger) are [`ErrorCode::StatementDuplicate`] before parsing.
pub fn read_bank_file(
    filed_as: &dyn Fn(&str) -> Result<Option<i64>, AppError>,
    path: &Path,
    options: &BankFileOptions,
) -> Result<ReadBankFile, AppError> {
    let bytes = read_bank_bytes(path)?;
    let sha256 = hex::encode(Sha256::digest(&bytes));
    if let Some(id) = filed_as(&sha256)? {
        return Err(AppError::new(
            ErrorCode::StatementDuplicate,
            format!(
                "{} is already in your ledger as statement {id} (same file content)",
                path.display()
            ),
        ));
    }
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let (format, statements) = parse_bank_file(&bytes, &file_name, options)?;
    Ok(ReadBankFile {
        path: path.to_path_buf(),
        file_name,
        sha256,
        format,
        statements,
        account_name: None,
    })
}

/// Parses a bank file's bytes (no ledger): its format and statements.
pub fn parse_bank_file(
    bytes: &[u8],
    file_name: &str,
    options: &BankFileOptions,
) -> Result<(Format, Vec<BankFileStatement>), AppError> {
    let name = (!file_name.is_empty()).then_some(file_name);
    let format = bank_file_format(bytes, name, options.mapping.is_some())
        .ok_or(folio_bankfiles::BankFileError::UnknownFormat)?;
    let parse_options = ParseOptions {
        format: Some(format),
        file_name: name.map(str::to_string),
        qif_date_order: options.date_order,
        qif_number_format: options.number_format,
        csv_mapping: options.mapping.clone(),
        currency: options.currency,
    };
    let statements = folio_bankfiles::parse(bytes, &parse_options)?;
    Ok((format, statements))
}

fn io_error(path: &Path, e: &std::io::Error) -> AppError {
    AppError::new(
        ErrorCode::BankFile("FILE_UNREADABLE"),
        format!("{}: {e}", path.display()),
    )
}

/// The SHA-256 a statement of the file is filed under: the file's own for the first, one derived
/// from it for the others (the ledger keeps one statement per hash).
fn part_sha256(file_sha256: &str, index: usize) -> String {
    if index == 0 {
        file_sha256.to_string()
    } else {
        hex::encode(Sha256::digest(format!("{file_sha256}:{index}")))
    }
}

/// A statement's period: as printed, else its balances' dates, else its rows' dates.
fn period(s: &BankFileStatement) -> Option<(NaiveDate, NaiveDate)> {
    let first = s.transactions.iter().map(|t| t.booked).min();
    let last = s.transactions.iter().map(|t| t.booked).max();
    let start = s.period_start.or(s.opening_date).or(first)?;
    let end = s.period_end.or(s.closing_date).or(last).unwrap_or(start);
    Some((start.min(end), start.max(end)))
}

fn masked(s: &BankFileStatement) -> Option<String> {
    s.account
        .iban
        .as_ref()
        .map(folio_ledger::Iban::masked)
        .or_else(|| s.account.number.as_deref().map(mask_account_number))
}

/// The row's text in the ledger (and its fingerprint): the description, else who paid or was
/// paid, else the reference or the bank's type code.
fn description(t: &folio_bankfiles::BankFileTransaction) -> String {
    [
        Some(t.description.as_str()),
        t.counterparty.as_deref(),
        t.reference.as_deref(),
        t.type_code.as_deref(),
    ]
    .into_iter()
    .flatten()
    .map(str::trim)
    .find(|text| !text.is_empty())
    .unwrap_or("(no description)")
    .to_string()
}

/// One statement ready to file.
struct Prepared {
    account: NewAccount,
    period: (NaiveDate, NaiveDate),
    opening: Money,
    closing: Money,
    proof: Proof,
    rows: Vec<(NewTransaction, u32)>,
    provider_ids: Vec<Option<String>>,
    sha256: String,
    masked: Option<String>,
    warnings: Vec<String>,
}

fn prepare(
    read: &ReadBankFile,
    index: usize,
    s: &BankFileStatement,
    accept_unreconciled: bool,
) -> Result<Option<Prepared>, AppError> {
    let Some(period) = period(s) else {
        return Ok(None);
    };
    let place = format!(
        "{}: statement {}{}",
        read.path.display(),
        index + 1,
        masked(s).map(|m| format!(" ({m})")).unwrap_or_default()
    );
    let currency = s.account.currency.ok_or_else(|| {
        AppError::new(
            ErrorCode::CurrencyNeeded,
            format!("{place}: the {} file names no currency", read.format),
        )
    })?;
    let decimals = currency.minor_units();
    let proof = match s.reconcile() {
        Reconciliation::Balanced => Proof::Balanced,
        Reconciliation::Unknown => Proof::NoBalances,
        Reconciliation::Off {
            expected_closing,
            difference,
        } => {
            if !accept_unreconciled {
                return Err(AppError::new(
                    ErrorCode::StatementNotReconciled,
                    format!(
                        "{place}, {} .. {}: opening {} + rows {} = {}, but the closing balance is {} (difference {})",
                        period.0,
                        period.1,
                        plain_decimal(s.opening_balance.unwrap_or_default(), decimals),
                        plain_decimal(s.total(), decimals),
                        plain_decimal(expected_closing, decimals),
                        plain_decimal(s.closing_balance.unwrap_or_default(), decimals),
                        plain_decimal(difference, decimals),
                    ),
                ));
            }
            Proof::NotReconciled
        }
    };
    let balance = |b: Option<Decimal>| Money::new(b.unwrap_or_default(), currency);
    let (opening, closing) = match proof {
        Proof::NoBalances => (Money::zero(currency), Money::zero(currency)),
        _ => (balance(s.opening_balance), balance(s.closing_balance)),
    };
    let masked = masked(s);
    let named = read
        .account_name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    let name = named
        .map(str::to_string)
        .unwrap_or_else(|| match (&s.account.name, &masked) {
            _ if named.is_some() => named.unwrap_or_default().to_string(),
            (Some(name), _) if !name.trim().is_empty() => name.trim().to_string(),
            (_, Some(m)) => format!("Account {m}"),
            _ => format!("{} account", read.format),
        });
    let account = NewAccount {
        name,
        bank: s.account.bank_id.clone(),
        holder: None,
        iban: s.account.iban.clone(),
        number: s.account.number.clone(),
        currency,
    };
    let rows = s
        .transactions
        .iter()
        .map(|t| {
            (
                NewTransaction {
                    date: t.booked,
                    value_date: t.value_date,
                    description: description(t),
                    amount: Money::new(t.amount, currency),
                    balance: None,
                },
                0,
            )
        })
        .collect();
    Ok(Some(Prepared {
        account,
        period,
        opening,
        closing,
        proof,
        rows,
        provider_ids: s
            .transactions
            .iter()
            .map(|t| t.provider_id.clone())
            .collect(),
        sha256: part_sha256(&read.sha256, index),
        masked,
        warnings: s.warnings.clone(),
    }))
}

impl Folio {
    /// Files a read bank file: every statement in one SQL transaction (all or nothing). A
    /// statement whose printed balances do not add up is STATEMENT_NOT_RECONCILED unless
    /// `accept_unreconciled`; one without balances is filed unproven (`Proof::NoBalances`).
    ///
    /// `into` files every statement into that existing account (the person picked it, or a
    /// remembered mapping names it); a file holding several accounts refuses that
    /// (SEVERAL_ACCOUNTS_IN_FILE): each of its statements goes to its own account.
    pub fn file_bank_file(
        &mut self,
        read: &ReadBankFile,
        into: Option<i64>,
        accept_unreconciled: bool,
    ) -> Result<BankFileReport, AppError> {
        let mut prepared = Vec::new();
        for (i, s) in read.statements.iter().enumerate() {
            if let Some(p) = prepare(read, i, s, accept_unreconciled)? {
                prepared.push(p);
            }
        }
        // One account picked, or one name given, for the whole file: only for a file of one
        // account.
        if into.is_some() || read.account_name.is_some() {
            one_account(read, &prepared)?;
        }
        let skipped_empty = read.statements.len() - prepared.len();
        if prepared.is_empty() {
            return Err(AppError::from(
                folio_bankfiles::BankFileError::NoStatement {
                    format: read.format,
                    detail: format!("{}: no statement has a row or a date", read.path.display()),
                },
            ));
        }
        let parts: Vec<StatementFilePart<'_>> = prepared
            .iter()
            .map(|p| StatementFilePart {
                statement: StatementImport {
                    account: &p.account,
                    into_account: into.map(folio_ledger::AccountId),
                    file_sha256: &p.sha256,
                    file_name: &read.file_name,
                    period_start: p.period.0,
                    period_end: p.period.1,
                    opening: p.opening,
                    closing: p.closing,
                    reconciled: p.proof == Proof::Balanced,
                    pages: 0,
                    transactions: &p.rows,
                },
                provider_ids: &p.provider_ids,
                balances_printed: p.proof != Proof::NoBalances,
            })
            .collect();
        let outcomes = self.ledger.import_statement_file(&parts)?;
        let statements = prepared
            .into_iter()
            .zip(outcomes)
            .map(|(p, o)| {
                let printed = p.proof != Proof::NoBalances;
                BankStatementReport {
                    statement_id: o.statement_id,
                    account_id: o.account.id.0,
                    account_name: o.account.name,
                    account_created: o.account_created,
                    account: p.masked,
                    currency: p.account.currency.to_string(),
                    period_start: p.period.0.to_string(),
                    period_end: p.period.1.to_string(),
                    opening: printed.then(|| crate::views::plain_amount(p.opening)),
                    closing: printed.then(|| crate::views::plain_amount(p.closing)),
                    proof: p.proof,
                    added: o.added,
                    already_known: o.already_known,
                    warnings: p.warnings,
                }
            })
            .collect();
        Ok(BankFileReport {
            file: read.path.display().to_string(),
            format: read.format.to_string(),
            statements,
            skipped_empty,
        })
    }

    /// Reads a bank file and files it at once (the CLI's `folio import`). Any failure changes
    /// nothing.
    pub fn import_bank_file(
        &mut self,
        path: &Path,
        options: &BankFileOptions,
        accept_unreconciled: bool,
    ) -> Result<BankFileReport, AppError> {
        let read = read_bank_file(&|sha| self.statement_with_file(sha), path, options)?;
        self.file_bank_file(&read, None, accept_unreconciled)
    }

    /// What the review screen shows for a bank file, as for a PDF: the statements of the file
    /// together (periods joined, rows in file order), whether each adds up, and the account it
    /// would go to (`into` when a remembered mapping names one).
    pub fn bank_file_review(
        &self,
        read: &ReadBankFile,
        into: Option<i64>,
    ) -> Result<StatementReview, AppError> {
        let mut prepared = Vec::new();
        for (i, s) in read.statements.iter().enumerate() {
            if let Some(p) = prepare(read, i, s, true)? {
                prepared.push((s, p));
            }
        }
        let (Some((_, first)), Some((_, last))) = (prepared.first(), prepared.last()) else {
            return Err(AppError::from(
                folio_bankfiles::BankFileError::NoStatement {
                    format: read.format,
                    detail: format!("{}: no statement has a row or a date", read.path.display()),
                },
            ));
        };
        let currency = first.account.currency;
        let decimals = currency.minor_units();
        let amount = |d: Decimal| plain_decimal(d, decimals);
        let mut warnings = Vec::new();
        let accounts = distinct_accounts(prepared.iter().map(|(_, p)| p));
        if accounts > 1 {
            warnings.push(format!(
                "This file holds statements of {accounts} accounts: each is filed into its own account."
            ));
        }
        let mut rows = Vec::new();
        let (mut money_in, mut money_out) = (Decimal::ZERO, Decimal::ZERO);
        for (s, p) in &prepared {
            if let Reconciliation::Off {
                expected_closing,
                difference,
            } = s.reconcile()
            {
                warnings.push(format!(
                    "{} .. {}: the rows add up to {} but the closing balance is {} (difference {})",
                    p.period.0,
                    p.period.1,
                    amount(expected_closing),
                    amount(s.closing_balance.unwrap_or_default()),
                    amount(difference),
                ));
            }
            warnings.extend(p.warnings.iter().cloned());
            for t in &s.transactions {
                if t.amount.is_sign_negative() {
                    money_out -= t.amount;
                } else {
                    money_in += t.amount;
                }
                rows.push(ReviewRow {
                    date: t.booked.to_string(),
                    value_date: t.value_date.map(|d| d.to_string()),
                    description: description(t),
                    amount: amount(t.amount),
                    balance: None,
                    page: 0,
                    problem: None,
                });
            }
        }
        let balances_printed = prepared.iter().any(|(_, p)| p.proof != Proof::NoBalances);
        let reconciled = prepared.iter().all(|(_, p)| p.proof == Proof::Balanced);
        let opening = first.opening.amount();
        let closing = last.closing.amount();
        let matched_id = match into {
            Some(id) => Some(id),
            None if accounts == 1 => self.ledger.matching_account(&first.account)?.map(|a| a.0),
            None => None,
        };
        let matched_account = match matched_id {
            Some(id) => self.accounts()?.into_iter().find(|a| a.id == id),
            None => None,
        };
        let first_statement = &read.statements[0];
        Ok(StatementReview {
            file_name: read.file_name.clone(),
            bank: first.account.bank.clone(),
            holder: None,
            iban: first_statement
                .account
                .iban
                .as_ref()
                .map(ToString::to_string),
            account_number: first_statement.account.number.clone(),
            masked: first.masked.clone(),
            currency: currency.to_string(),
            period_start: prepared
                .iter()
                .map(|(_, p)| p.period.0)
                .min()
                .unwrap_or(first.period.0)
                .to_string(),
            period_end: prepared
                .iter()
                .map(|(_, p)| p.period.1)
                .max()
                .unwrap_or(last.period.1)
                .to_string(),
            opening: amount(opening),
            closing: amount(closing),
            money_in: amount(money_in),
            money_out: amount(money_out),
            computed_closing: amount(opening + money_in - money_out),
            reconciled,
            sign_convention: "account".into(),
            scanned: false,
            pages: 0,
            rows,
            warnings,
            matched_account,
            new_account_name: first.account.name.clone(),
            insights: bank_file_insights(
                &read.statements,
                &read.file_name,
                &self.prior_summaries()?,
            )
            .into_iter()
            .flatten()
            .collect(),
            format: read.format.to_string(),
            balances_printed,
            statements: u32::try_from(prepared.len()).unwrap_or(u32::MAX),
        })
    }

    /// The remembered mapping whose header row this CSV/XLSX export has, if any: how it is read,
    /// its currency and the account it goes to.
    pub fn remembered_mapping(&self, bytes: &[u8]) -> Result<Option<RememberedMapping>, AppError> {
        for stored in self.ledger.bank_file_mappings()? {
            // A mapping this build cannot read (written by a later one) is passed over.
            let Ok(mapping) = serde_json::from_str::<CsvMapping>(&stored.mapping_json) else {
                continue;
            };
            let Ok(currency) = stored.currency.parse::<Currency>() else {
                continue;
            };
            if folio_bankfiles::header_signature(bytes, &mapping).as_deref()
                == Some(stored.header_signature.as_str())
            {
                return Ok(Some(RememberedMapping {
                    mapping,
                    currency,
                    account_id: stored.account_id.0,
                }));
            }
        }
        Ok(None)
    }

    /// Remembers how this account's export is read (after it was filed with this mapping).
    /// Returns false when the mapping has no header row to know the next export by.
    pub fn remember_mapping(
        &mut self,
        account_id: i64,
        bytes: &[u8],
        mapping: &CsvMapping,
        currency: Currency,
    ) -> Result<bool, AppError> {
        let Some(header_signature) = folio_bankfiles::header_signature(bytes, mapping) else {
            return Ok(false);
        };
        let mapping_json = serde_json::to_string(mapping)
            .map_err(|e| AppError::new(ErrorCode::Internal, format!("mapping as JSON: {e}")))?;
        self.ledger
            .remember_bank_file_mapping(&folio_store::BankFileMapping {
                account_id: folio_ledger::AccountId(account_id),
                header_signature,
                mapping_json,
                currency: currency.to_string(),
            })?;
        Ok(true)
    }
}

/// A remembered way to read an account's CSV/XLSX export.
#[derive(Clone, Debug, PartialEq)]
pub struct RememberedMapping {
    pub mapping: CsvMapping,
    pub currency: Currency,
    pub account_id: i64,
}

/// How many different accounts (by IBAN, number, else name) the prepared statements name.
fn distinct_accounts<'a>(prepared: impl Iterator<Item = &'a Prepared>) -> usize {
    let mut keys: Vec<String> = prepared
        .map(|p| {
            p.account
                .iban
                .as_ref()
                .map(ToString::to_string)
                .or_else(|| p.account.number.clone())
                .unwrap_or_else(|| p.account.name.clone())
        })
        .collect();
    keys.sort();
    keys.dedup();
    keys.len()
}

fn one_account(read: &ReadBankFile, prepared: &[Prepared]) -> Result<(), AppError> {
    let accounts = distinct_accounts(prepared.iter());
    if accounts > 1 {
        return Err(AppError::new(
            ErrorCode::SeveralAccountsInFile,
            format!(
                "{} holds statements of {accounts} accounts; each is filed into its own account, so one account cannot be picked for all",
                read.path.display()
            ),
        ));
    }
    Ok(())
}

// ---- convert: the statements as JSON or CSV, no ledger ------------------------------------

/// An amount as a JSON number with the currency's decimals (`-85.30`), as the PDF convert writes
/// them; more decimals than that are kept, never cut.
fn number(value: Decimal, currency: Option<Currency>) -> Box<RawValue> {
    let text = match currency {
        Some(c) => plain_decimal(value, c.minor_units()),
        None => value.to_string(),
    };
    RawValue::from_string(text)
        .or_else(|_| RawValue::from_string("null".to_string()))
        .unwrap_or_default()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonTransaction<'a> {
    date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    value_date: Option<String>,
    description: String,
    amount: Box<RawValue>,
    currency: Option<&'a str>,
    counterparty: Option<&'a str>,
    counterparty_account: Option<&'a str>,
    reference: Option<&'a str>,
    provider_id: Option<&'a str>,
    type_code: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonMetadata<'a> {
    bank: Option<&'a str>,
    account_number: Option<String>,
    statement_period: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonStatement<'a> {
    transactions: Vec<JsonTransaction<'a>>,
    metadata: JsonMetadata<'a>,
    warnings: &'a [String],
    iban: Option<String>,
    account_number: Option<&'a str>,
    account_name: Option<&'a str>,
    statement_id: Option<&'a str>,
    currency: Option<&'a str>,
    period_start: Option<String>,
    period_end: Option<String>,
    opening_balance: Option<Box<RawValue>>,
    opening_date: Option<String>,
    closing_balance: Option<Box<RawValue>>,
    closing_date: Option<String>,
    reconciled: bool,
    proof: Proof,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonFile<'a> {
    format: String,
    statements: Vec<JsonStatement<'a>>,
}

/// The statements as JSON: per statement the PDF convert's shape (`transactions`, `metadata`,
/// `warnings`, balances as exact numbers) plus the bank file's own fields (provider ids,
/// references, counterparties).
pub fn bank_file_json(format: Format, statements: &[BankFileStatement]) -> String {
    let doc = JsonFile {
        format: format.to_string(),
        statements: statements
            .iter()
            .map(|s| {
                let currency = s.account.currency;
                let code = s.account.currency.as_ref().map(Currency::code);
                let proof = match s.reconcile() {
                    Reconciliation::Balanced => Proof::Balanced,
                    Reconciliation::Off { .. } => Proof::NotReconciled,
                    Reconciliation::Unknown => Proof::NoBalances,
                };
                JsonStatement {
                    transactions: s
                        .transactions
                        .iter()
                        .map(|t| JsonTransaction {
                            date: t.booked.to_string(),
                            value_date: t.value_date.map(|d| d.to_string()),
                            description: description(t),
                            amount: number(t.amount, currency),
                            currency: code,
                            counterparty: t.counterparty.as_deref(),
                            counterparty_account: t.counterparty_account.as_deref(),
                            reference: t.reference.as_deref(),
                            provider_id: t.provider_id.as_deref(),
                            type_code: t.type_code.as_deref(),
                        })
                        .collect(),
                    metadata: JsonMetadata {
                        bank: s.account.bank_id.as_deref(),
                        account_number: masked(s),
                        statement_period: period(s).map(|(a, b)| format!("{a}/{b}")),
                    },
                    warnings: &s.warnings,
                    iban: s.account.iban.as_ref().map(ToString::to_string),
                    account_number: s.account.number.as_deref(),
                    account_name: s.account.name.as_deref(),
                    statement_id: s.statement_id.as_deref(),
                    currency: code,
                    period_start: period(s).map(|p| p.0.to_string()),
                    period_end: period(s).map(|p| p.1.to_string()),
                    opening_balance: s.opening_balance.map(|b| number(b, currency)),
                    opening_date: s.opening_date.map(|d| d.to_string()),
                    closing_balance: s.closing_balance.map(|b| number(b, currency)),
                    closing_date: s.closing_date.map(|d| d.to_string()),
                    reconciled: proof == Proof::Balanced,
                    proof,
                }
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// Every statement's rows as one CSV:
/// `account,date,value_date,description,amount,currency,reference,provider_id`.
pub fn bank_file_csv(statements: &[BankFileStatement]) -> String {
    let mut out =
        String::from("account,date,value_date,description,amount,currency,reference,provider_id\n");
    for s in statements {
        let account = s
            .account
            .iban
            .as_ref()
            .map(|i| i.as_str().to_string())
            .or_else(|| s.account.number.clone())
            .or_else(|| s.account.name.clone())
            .unwrap_or_default();
        let currency = s.account.currency;
        for t in &s.transactions {
            let amount = match currency {
                Some(c) => plain_decimal(t.amount, c.minor_units()),
                None => t.amount.to_string(),
            };
            let row = [
                csv_field(&account),
                t.booked.to_string(),
                t.value_date.map(|d| d.to_string()).unwrap_or_default(),
                csv_field(&description(t)),
                amount,
                currency.map(|c| c.code().to_string()).unwrap_or_default(),
                csv_field(t.reference.as_deref().unwrap_or_default()),
                csv_field(t.provider_id.as_deref().unwrap_or_default()),
            ];
            out.push_str(&row.join(","));
            out.push('\n');
        }
    }
    out
}

/// Insights of each statement of a bank file: identity, period, balances, months, duplicates
/// among `prior` and the file's own statements. No PDF behind them, so no file or font signals (the report
/// says so); the arithmetic is the bank file's own reconciliation.
pub fn bank_file_insights(
    statements: &[folio_bankfiles::BankFileStatement],
    label: &str,
    prior: &[folio_statements::StatementSummary],
) -> Vec<Option<folio_statements::StatementInsights>> {
    use folio_bankfiles::Reconciliation;
    let mut seen: Vec<folio_statements::StatementSummary> = prior.to_vec();
    statements
        .iter()
        .map(|s| {
            let first = s.transactions.iter().map(|t| t.booked).min();
            let last = s.transactions.iter().map(|t| t.booked).max();
            let start = s.period_start.or(s.opening_date).or(first)?;
            let end = s.period_end.or(s.closing_date).or(last).unwrap_or(start);
            let (breaks, printed) = match s.reconcile() {
                Reconciliation::Balanced => (Vec::new(), true),
                Reconciliation::Off {
                    expected_closing, ..
                } => (
                    vec![format!(
                        "opening {} plus the {} amounts is {expected_closing}, but the closing balance is {}",
                        s.opening_balance.unwrap_or_default(),
                        s.transactions.len(),
                        s.closing_balance.unwrap_or_default()
                    )],
                    true,
                ),
                Reconciliation::Unknown => (Vec::new(), false),
            };
            let view = folio_statements::StatementView {
                bank: s.account.bank_id.clone(),
                holder: s.account.name.clone(),
                iban: s.account.iban.as_ref().map(|i| i.as_str().to_string()),
                account_number: s.account.number.clone(),
                currency: s
                    .account
                    .currency
                    .as_ref()
                    .map(|c| c.code().to_string())
                    .unwrap_or_default(),
                period_start: start.min(end),
                period_end: start.max(end),
                opening_balance: s.opening_balance,
                closing_balance: s.closing_balance,
                transaction_dates: s.transactions.iter().map(|t| t.booked).collect(),
                reconciled: printed && breaks.is_empty(),
                arithmetic_breaks: breaks,
                balances_printed: printed,
                ..folio_statements::StatementView::default()
            };
            let insights = folio_statements::analyse(&view, None, None, Some(label), &seen);
            seen.push(insights.summary.clone());
            Some(insights)
        })
        .collect()
}
