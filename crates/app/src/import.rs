//! Importing a statement file in two steps, as the window does it: *read* (no ledger write; the
//! slow part, reporting progress) and, after the person reviewed what was read, *file* (one SQL
//! transaction). The CLI runs both steps back to back.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use folio_ledger::{AccountId, Currency, Money, NewAccount, NewTransaction};
use folio_statements::{
    IntakeLimits, Ocr, ParsedStatement, PdfEngine, ReadOptions, ReadStage, StatementInsights,
    StatementSummary,
};
use folio_store::StatementImport;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::views::plain_decimal;
use crate::{AccountView, AppError, ErrorCode, Folio, ImportReport};

/// A statement file read and verified, not filed yet. It holds no secret: the password (if any)
/// was only used to open the file.
#[derive(Clone, Debug)]
pub struct ReadStatement {
    pub path: PathBuf,
    pub file_name: String,
    pub sha256: String,
    pub statement: ParsedStatement,
    /// Identity, months, duplicates and the tamper report, from the file itself (PDF reads; a
    /// cloud reading has none: its review computes what the statement alone tells).
    pub insights: Option<StatementInsights>,
    /// The name the person gave the new account this statement opens (else one is made from
    /// the bank and the number).
    pub account_name: Option<String>,
}

/// What the ledger already holds, as a read needs it; the read itself never touches the ledger,
/// so a window can read a long file without holding it.
pub struct Known<'a> {
    /// The filed statement that came from a file with this SHA-256, if any.
    pub filed_as: &'a dyn Fn(&str) -> Result<Option<i64>, AppError>,
    /// The filed statements the insights compare with (months missing, duplicates).
    pub prior: &'a [StatementSummary],
}

/// Reads and verifies a statement file without writing to the ledger. A file already filed (same
/// bytes, any name; `filed_as` answers from the ledger) is [`ErrorCode::StatementDuplicate`]
/// before it is even opened. It takes a lookup, not the ledger, so a window can read a long file
/// without holding the ledger for the whole time.
///
/// Scanned pages are recognised offline (Tesseract, when installed: else a scanned file is
/// `OCR_ENGINE_MISSING` with the install line); `cancel` stops the read between pages and kills
/// running recognitions (`CANCELLED`).
pub fn read_statement_file(
    known: &Known<'_>,
    engine: &PdfEngine,
    path: &Path,
    file: FileOptions<'_>,
    progress: &mut dyn FnMut(ReadStage),
    cancel: &AtomicBool,
) -> Result<ReadStatement, AppError> {
    let FileOptions {
        password,
        limits,
        currency,
    } = file;
    progress(ReadStage::Checking);
    let bytes = folio_statements::read_pdf(path, limits)?;
    let sha256 = hex::encode(Sha256::digest(&bytes));
    if let Some(id) = (known.filed_as)(&sha256)? {
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
    let found = folio_statements::read_statement(
        engine,
        &bytes,
        &ReadOptions {
            password,
            limits,
            ocr: Ocr::Auto,
            label: Some(&file_name),
            prior: known.prior,
            cancel,
            currency,
        },
        progress,
    )?
    .into_statement()?;
    Ok(ReadStatement {
        path: path.to_path_buf(),
        file_name,
        sha256,
        statement: found.statement,
        insights: Some(found.insights),
        account_name: None,
    })
}

/// What the person says about one statement file before it is read.
#[derive(Clone, Copy, Debug, Default)]
pub struct FileOptions<'a> {
    /// The PDF's user password, when it has one.
    pub password: Option<&'a str>,
    pub limits: IntakeLimits,
    /// The currency for a statement that names none (one the statement names wins).
    pub currency: Option<Currency>,
}

/// A currency code the person typed (`" eur "` is EUR); `None` for none given. Anything that
/// is not an ISO 4217 code is CURRENCY_NEEDED with the code quoted.
pub fn parse_currency(code: Option<&str>) -> Result<Option<Currency>, AppError> {
    let Some(code) = code.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    let code = code.to_ascii_uppercase();
    code.parse().map(Some).map_err(|_| {
        AppError::new(
            ErrorCode::CurrencyNeeded,
            format!("{code:?} is not an ISO 4217 currency code (EUR, USD, GBP...)"),
        )
    })
}

impl ReadStatement {
    /// The name of the account the statement would open: the one the person gave, else the
    /// bank and the masked number.
    pub fn account_name(&self) -> String {
        let s = &self.statement;
        let named = self
            .account_name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty());
        named
            .map(str::to_string)
            .unwrap_or_else(|| match (&s.identity.bank, s.masked_account()) {
                (Some(bank), Some(masked)) => format!("{bank} {masked}"),
                (Some(bank), None) => bank.clone(),
                (None, Some(masked)) => format!("Account {masked}"),
                (None, None) => "Account".to_string(),
            })
    }

    /// The account as the statement names it, in `currency` (the statement's own when it names
    /// one).
    pub fn account_in(&self, currency: Currency) -> NewAccount {
        let s = &self.statement;
        NewAccount {
            name: self.account_name(),
            bank: s.identity.bank.clone(),
            holder: s.identity.holder.clone(),
            iban: s.identity.iban.clone(),
            number: s.identity.account_number.clone(),
            currency: s.currency.unwrap_or(currency),
        }
    }

    /// The account as the statement names it; `None` while its currency is unknown.
    pub fn account(&self) -> Option<NewAccount> {
        self.statement.currency.map(|c| self.account_in(c))
    }

    fn warnings(&self) -> Vec<String> {
        self.statement
            .warnings
            .iter()
            .map(|w| format!("{}: {}", w.code, w.message))
            .collect()
    }
}

/// What the person sees before filing: what was read, whether it adds up, which rows break the
/// arithmetic, and where it would go.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StatementReview {
    pub file_name: String,
    pub bank: Option<String>,
    pub holder: Option<String>,
    pub iban: Option<String>,
    pub account_number: Option<String>,
    pub masked: Option<String>,
    pub currency: String,
    pub period_start: String,
    pub period_end: String,
    pub opening: String,
    pub closing: String,
    pub money_in: String,
    pub money_out: String,
    /// Opening + in - out: equals `closing` when the statement reconciles.
    pub computed_closing: String,
    pub reconciled: bool,
    /// `account`, `card` or `swapped_columns`: how the amounts' signs were read.
    pub sign_convention: String,
    pub scanned: bool,
    pub pages: u32,
    pub rows: Vec<ReviewRow>,
    /// Warnings not tied to a row.
    pub warnings: Vec<String>,
    /// The existing account it would be filed into; `None` means a new account.
    pub matched_account: Option<AccountView>,
    /// Per statement in the file: identity, months present and missing, a duplicate of a filed
    /// statement, and the tamper signals with their score.
    pub insights: Vec<StatementInsights>,
    /// The name a new account would get.
    pub new_account_name: String,
    /// `PDF`, or the bank file's format (`MT940`, `CAMT`, `OFX`, `QIF`, `CSV`, `XLSX`).
    pub format: String,
    /// Whether the file printed opening and closing balances (most CSV and every QIF do not:
    /// then there is nothing to prove, and `reconciled` is false).
    pub balances_printed: bool,
    /// Statements in the file (a bank file may hold several days or accounts).
    pub statements: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReviewRow {
    pub date: String,
    pub value_date: Option<String>,
    pub description: String,
    pub amount: String,
    pub balance: Option<String>,
    pub page: u32,
    /// Set when this row breaks the balance arithmetic (the warning's text).
    pub problem: Option<String>,
}

impl Folio {
    /// The filed statements as the insights compare a new one with them: account (hashed),
    /// period and balances. Statements without printed balances have none to compare.
    pub fn prior_summaries(&self) -> Result<Vec<StatementSummary>, AppError> {
        let accounts = self.ledger.accounts()?;
        Ok(self
            .ledger
            .statements()?
            .into_iter()
            .map(|s| {
                let account = accounts.iter().find(|a| a.account.id == s.account_id);
                let printed = s.balances_printed;
                StatementSummary {
                    id: format!("statement {}", s.id),
                    label: Some(s.file_name.clone()),
                    account_key: account.and_then(|a| {
                        folio_statements::account_key(
                            a.account.iban.as_ref().map(|i| i.as_str()),
                            a.account.number.as_deref(),
                        )
                    }),
                    bank: account.and_then(|a| a.account.bank.clone()),
                    period_start: s.period_start,
                    period_end: s.period_end,
                    opening_balance: printed.then(|| s.opening.amount()),
                    closing_balance: printed.then(|| s.closing.amount()),
                    sha256: None,
                    producer: None,
                    creator: None,
                }
            })
            .collect())
    }

    /// The filed statement that came from a file with this SHA-256, if any.
    pub fn statement_with_file(&self, sha256: &str) -> Result<Option<i64>, AppError> {
        Ok(self.ledger.statement_with_file(sha256)?)
    }

    /// The review of a read statement against this ledger.
    pub fn review(&self, read: &ReadStatement) -> Result<StatementReview, AppError> {
        let s = &read.statement;
        let account = read.account();
        let matched = match account.as_ref() {
            Some(account) => match self.ledger.matching_account(account)? {
                Some(id) => self.accounts()?.into_iter().find(|a| a.id == id.0),
                None => None,
            },
            None => None,
        };
        let (money_in, money_out) = s.totals();
        let decimals = s.decimals;
        let amount = |d: rust_decimal::Decimal| plain_decimal(d, decimals);
        let mut row_problems: Vec<Option<String>> = vec![None; s.transactions.len()];
        let mut warnings = Vec::new();
        for w in &s.warnings {
            match w.row.and_then(|r| row_problems.get_mut(r)) {
                Some(slot) => {
                    let text = slot
                        .take()
                        .map_or(w.message.clone(), |prev| format!("{prev}; {}", w.message));
                    *slot = Some(text);
                }
                None => warnings.push(format!("{}: {}", w.code, w.message)),
            }
        }
        Ok(StatementReview {
            file_name: read.file_name.clone(),
            bank: s.identity.bank.clone(),
            holder: s.identity.holder.clone(),
            iban: s.identity.iban.as_ref().map(ToString::to_string),
            account_number: s.identity.account_number.clone(),
            masked: s.masked_account(),
            // Empty when the statement names none: the review asks (CURRENCY_UNKNOWN).
            currency: s.currency.map(|c| c.to_string()).unwrap_or_default(),
            period_start: s.period_start.to_string(),
            period_end: s.period_end.to_string(),
            opening: amount(s.opening_balance),
            closing: amount(s.closing_balance),
            money_in: amount(money_in),
            money_out: amount(money_out),
            computed_closing: amount(s.opening_balance + money_in - money_out),
            reconciled: s.reconciled,
            sign_convention: match s.sign_convention {
                folio_statements::SignConvention::Account => "account",
                folio_statements::SignConvention::Card => "card",
                folio_statements::SignConvention::SwappedColumns => "swapped_columns",
                folio_statements::SignConvention::Sections => "sections",
            }
            .to_string(),
            scanned: s.pdf_type == folio_statements::PdfType::ImageBased,
            pages: s.pages,
            rows: s
                .transactions
                .iter()
                .zip(row_problems)
                .map(|(t, problem)| ReviewRow {
                    date: t.date.to_string(),
                    value_date: t.value_date.map(|d| d.to_string()),
                    description: t.description.clone(),
                    amount: amount(t.amount),
                    balance: t.balance.map(amount),
                    page: t.page,
                    problem,
                })
                .collect(),
            warnings,
            matched_account: matched,
            new_account_name: read.account_name(),
            insights: vec![match &read.insights {
                Some(insights) => insights.clone(),
                None => folio_statements::analyse(
                    &folio_statements::StatementView::of_parsed(s, None),
                    None,
                    None,
                    Some(&read.file_name),
                    &self.prior_summaries()?,
                ),
            }],
            format: "PDF".into(),
            balances_printed: true,
            statements: 1,
        })
    }

    /// Files a read statement: into `into` when the person picked an account, else the account
    /// matched by IBAN or number (or a new one); rows already known from an overlapping statement
    /// are skipped; all in one SQL transaction. A statement that does not reconcile is
    /// STATEMENT_NOT_RECONCILED unless `accept_unreconciled`. Any failure changes nothing.
    pub fn file_statement(
        &mut self,
        read: &ReadStatement,
        into: Option<i64>,
        accept_unreconciled: bool,
    ) -> Result<ImportReport, AppError> {
        let s = &read.statement;
        let warnings = read.warnings();
        if !s.reconciled && !accept_unreconciled {
            return Err(AppError::new(
                ErrorCode::StatementNotReconciled,
                format!("{}: {}", read.path.display(), warnings.join("; ")),
            ));
        }
        // A statement that names no currency takes the account the person files it into, or
        // the currency they gave; with neither, nothing is filed.
        let currency = match (s.currency, into) {
            (Some(c), _) => c,
            (None, Some(id)) => self
                .accounts()?
                .into_iter()
                .find(|a| a.id == id)
                .and_then(|a| a.currency.parse().ok())
                .ok_or_else(|| {
                    AppError::new(ErrorCode::CurrencyNeeded, format!("no account {id}"))
                })?,
            (None, None) => {
                return Err(AppError::new(
                    ErrorCode::CurrencyNeeded,
                    format!(
                        "{} names no currency (no code or symbol printed, no IBAN, BIC or IFSC)",
                        read.path.display()
                    ),
                ))
            }
        };
        let account = read.account_in(currency);
        let rows: Vec<(NewTransaction, u32)> = s
            .transactions
            .iter()
            .map(|t| {
                (
                    NewTransaction {
                        date: t.date,
                        value_date: t.value_date,
                        description: t.description.clone(),
                        amount: Money::new(t.amount, currency),
                        balance: t.balance.map(|b| Money::new(b, currency)),
                    },
                    t.page,
                )
            })
            .collect();
        let outcome = self.ledger.import_statement(&StatementImport {
            account: &account,
            into_account: into.map(AccountId),
            file_sha256: &read.sha256,
            file_name: &read.file_name,
            period_start: s.period_start,
            period_end: s.period_end,
            opening: Money::new(s.opening_balance, currency),
            closing: Money::new(s.closing_balance, currency),
            reconciled: s.reconciled,
            pages: s.pages,
            transactions: &rows,
        })?;
        Ok(ImportReport {
            file: read.path.display().to_string(),
            statement_id: outcome.statement_id,
            account_id: outcome.account.id.0,
            account_name: outcome.account.name,
            account_created: outcome.account_created,
            added: outcome.added,
            already_known: outcome.already_known,
            reconciled: s.reconciled,
            period_start: s.period_start.to_string(),
            period_end: s.period_end.to_string(),
            warnings,
        })
    }
}
