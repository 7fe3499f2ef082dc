//! A whole statement from a PDF's text: fields, transactions, and the proof by arithmetic.
//!
//! opening + sum(amounts) = closing, and each running balance = previous + amount. When that
//! fails, the honest alternatives are tried (a card statement's sign convention, a debit/credit
//! pair read the wrong way round); rows are never invented or dropped to make it balance.

use chrono::NaiveDate;
use folio_ledger::{mask_account_number, Currency};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::fields::{self, Identity};
use crate::table::{Assembled, Role};
use crate::{
    assemble, detect_date_order, detect_number_format, page_lines, read_table, read_table_by_shape,
    Line, PdfText, PdfType, SignMark, StatementError,
};

/// One transaction of a read statement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ParsedTransaction {
    pub date: NaiveDate,
    pub value_date: Option<NaiveDate>,
    pub description: String,
    /// Money in positive, money out negative, with the statement's decimals.
    pub amount: Decimal,
    /// The running balance printed after this transaction, if the statement shows one.
    pub balance: Option<Decimal>,
    pub page: u32,
}

/// A warning about the reading, tied to a row where there is one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub code: &'static str,
    /// 0-based index into `transactions`.
    pub row: Option<usize>,
    pub message: String,
}

/// How the amounts' signs were read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignConvention {
    /// Money in positive; balances are what the account holds.
    Account,
    /// A card: purchases printed unsigned, balances owed; both negated.
    Card,
    /// The debit and credit columns were read the other way round.
    SwappedColumns,
    /// Unsigned amounts grouped in sections (deposits, checks, withdrawals): each section's
    /// sign is the one, of all, under which opening + rows = closing.
    Sections,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ParsedStatement {
    pub identity: Identity,
    /// `None` when nothing in the document says (no code or symbol printed, no IBAN, BIC or
    /// IFSC): a CURRENCY_UNKNOWN warning says so, and the person gives it ([`Self::set_currency`]).
    pub currency: Option<Currency>,
    /// What told the currency.
    pub currency_cue: Option<fields::CurrencyCue>,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub opening_balance: Decimal,
    pub closing_balance: Decimal,
    pub transactions: Vec<ParsedTransaction>,
    pub reconciled: bool,
    pub sign_convention: SignConvention,
    pub warnings: Vec<Warning>,
    pub pdf_type: PdfType,
    pub pages: u32,
    /// Digits after the decimal point the statement prints (2 for most currencies).
    pub decimals: u32,
}

/// The warning of a statement whose currency nothing in the document tells.
pub const CURRENCY_UNKNOWN: &str = "CURRENCY_UNKNOWN";

impl ParsedStatement {
    /// The currency the person gave, for a statement that names none (a printed or implied one
    /// is kept: the document outranks a default).
    pub fn set_currency(&mut self, currency: Currency) {
        if self.currency.is_none() {
            self.currency = Some(currency);
            self.currency_cue = Some(fields::CurrencyCue::Given);
            self.warnings.retain(|w| w.code != CURRENCY_UNKNOWN);
        }
    }

    /// `****1234` of the IBAN or account number.
    pub fn masked_account(&self) -> Option<String> {
        self.identity.iban.as_ref().map(|i| i.masked()).or_else(|| {
            self.identity
                .account_number
                .as_deref()
                .map(mask_account_number)
        })
    }

    /// Sum of money in and of money out.
    pub fn totals(&self) -> (Decimal, Decimal) {
        self.transactions
            .iter()
            .fold((Decimal::ZERO, Decimal::ZERO), |(i, o), t| {
                if t.amount.is_sign_negative() {
                    (i, o - t.amount)
                } else {
                    (i + t.amount, o)
                }
            })
    }
}

/// Reads a statement from extracted PDF text.
pub fn parse_statement(text: &PdfText) -> Result<ParsedStatement, StatementError> {
    let lines: Vec<Line> = text.pages.iter().flat_map(page_lines).collect();
    let scanned = text.unread_pages();
    if lines.is_empty() {
        return Err(if scanned.is_empty() {
            StatementError::UnsupportedFormat {
                reason: "the pages hold no text",
            }
        } else {
            StatementError::PdfIsImage { pages: scanned }
        });
    }
    let (format, order) = conventions(&lines);
    // The table as its shape and arithmetic find it, and as its header words name it: the
    // shape's reading stands when it is proven; otherwise the better proven of the two (a
    // header's words can name what the shape cannot tell: a reference column, a sign column).
    let by_shape = read_table_by_shape(&lines, format, order)
        .map(|t| from_table(text, &lines, format, order, &t));
    let by_shape = match by_shape {
        Some(Ok(s)) if s.reconciled => return Ok(s),
        other => other,
    };
    let by_words =
        read_table(&lines, format, order).map(|t| from_table(text, &lines, format, order, &t));
    match (by_shape, by_words) {
        (Some(Ok(s)), Some(Ok(w))) => Ok(if rank(&s) > rank(&w) { s } else { w }),
        (Some(Ok(s)), _) => Ok(s),
        (_, Some(Ok(w))) => Ok(w),
        (Some(Err(e)), _) | (None, Some(Err(e))) => Err(e),
        (None, None) => Err(if scanned.is_empty() {
            StatementError::UnsupportedFormat {
                reason: "no transaction table: no column of dates with amounts beside it",
            }
        } else {
            StatementError::PdfIsImage { pages: scanned }
        }),
    }
}

/// Reads a statement by the table's shape alone, ignoring header words: what Folio reads of a
/// statement whose header is in words no vocabulary knows. [`parse_statement`] uses it when the
/// header words give no proven reading; tests use it to hold the shape reader to every layout.
pub fn parse_statement_by_shape(text: &PdfText) -> Result<ParsedStatement, StatementError> {
    let lines: Vec<Line> = text.pages.iter().flat_map(page_lines).collect();
    let (format, order) = conventions(&lines);
    let table =
        read_table_by_shape(&lines, format, order).ok_or(StatementError::UnsupportedFormat {
            reason: "no transaction table: no column of dates with amounts beside it",
        })?;
    from_table(text, &lines, format, order, &table)
}

/// The document's number format and date order, voted by its words.
fn conventions(lines: &[Line]) -> (crate::NumberFormat, crate::DateOrder) {
    let words: Vec<&str> = lines
        .iter()
        .flat_map(|l| l.phrases.iter().flat_map(|p| p.text.split_whitespace()))
        .collect();
    // "02.01" reads as a date and as an amount with two decimals; dates must not vote on the
    // number format.
    let format = detect_number_format(words.iter().copied().filter(|w| {
        crate::parse_date(w, crate::DateOrder::DayMonthYear).is_none()
            && crate::parse_date(w, crate::DateOrder::MonthDayYear).is_none()
    }));
    (format, detect_date_order(words.iter().copied()))
}

/// How well a reading is proven: reconciled first, then fewer rows that do not add up, then
/// more rows read.
fn rank(s: &ParsedStatement) -> (bool, std::cmp::Reverse<usize>, usize) {
    let breaks = s
        .warnings
        .iter()
        .filter(|w| w.code.ends_with("_MISMATCH") || w.code.ends_with("_NOT_READ"))
        .count();
    (
        s.reconciled,
        std::cmp::Reverse(breaks),
        s.transactions.len(),
    )
}

/// The statement a table gives: its rows assembled, the fields read, the signs and the proof.
fn from_table(
    text: &PdfText,
    lines: &[Line],
    format: crate::NumberFormat,
    order: crate::DateOrder,
    table: &crate::Table,
) -> Result<ParsedStatement, StatementError> {
    let scanned = text.unread_pages();
    let mut reading = assemble(table);
    if reading.transactions.is_empty() && reading.opening.is_none() {
        return Err(StatementError::UnsupportedFormat {
            reason: "the transaction table has no rows",
        });
    }
    let identity = fields::identity(lines);
    let mut warnings = Vec::new();
    if !scanned.is_empty() {
        warnings.push(Warning {
            code: "PAGES_NOT_READ",
            row: None,
            message: format!("pages {scanned:?} are scans and were not read"),
        });
    }
    if let Some(bad) = &identity.rejected_iban {
        warnings.push(Warning {
            code: "IBAN_CHECK_FAILED",
            row: None,
            message: format!(
                "{} looks like an IBAN but its check digits fail; not used",
                mask_account_number(bad)
            ),
        });
    }
    // A currency is never a reason to refuse: with no cue the reading has none, and says so.
    let (currency, currency_cue) = fields::currency(lines, &identity).unzip();
    if currency.is_none() {
        warnings.push(Warning {
            code: CURRENCY_UNKNOWN,
            row: None,
            message: "no currency is printed and no IBAN, BIC or IFSC implies one; give it \
                      (`--currency EUR`, or in the review) before filing"
                .into(),
        });
    }

    // The period: printed, else from the dates of the rows and the latest full date printed.
    let (period_start, period_end) = match fields::period(lines, order) {
        Some(p) => p,
        None => fallback_period(&reading.transactions, lines, order).ok_or(
            StatementError::UnsupportedFormat {
                reason: "no statement period and no dated rows to infer it from",
            },
        )?,
    };

    let (summary_open, summary_close) = fields::summary_balances(lines, format);
    let card = fields::is_card_statement(lines);
    let decimals = reading
        .transactions
        .iter()
        .map(|t| t.decimals)
        .max()
        .unwrap_or(2);

    // Newest first (some banks print their lists that way): read oldest first, like every
    // other statement, so running balances follow and rows are filed in order.
    if newest_first(&reading.transactions, period_start, period_end) {
        reading.transactions.reverse();
        warnings.push(Warning {
            code: "NEWEST_FIRST",
            row: None,
            message:
                "the statement lists its newest transactions first; they are read oldest first"
                    .into(),
        });
    }

    let mut transactions = Vec::with_capacity(reading.transactions.len());
    for (i, t) in reading.transactions.iter().enumerate() {
        let date = t.date.and_then(|d| d.resolve(period_start, period_end));
        let Some(date) = date else {
            warnings.push(Warning {
                code: "ROW_WITHOUT_DATE",
                row: Some(i),
                message: format!("no date for {:?}; dated at the period start", t.description),
            });
            transactions.push(raw(t, period_start, period_start, period_end));
            continue;
        };
        transactions.push(raw(t, date, period_start, period_end));
    }

    // "Balance of the day" rows: each is the running balance after that day's last row; the
    // last one before the first row opens, the one on or after the last row closes.
    let day_balances: Vec<(NaiveDate, Decimal)> = reading
        .day_balances
        .iter()
        .filter_map(|(d, v)| Some((d.and_then(|d| d.resolve(period_start, period_end))?, *v)))
        .collect();
    for (day, value) in &day_balances {
        if let Some(t) = transactions.iter_mut().rev().find(|t| t.date == *day) {
            t.balance = t.balance.or(Some(*value));
        }
    }
    let first_day = transactions.iter().map(|t| t.date).min();
    let last_day = transactions.iter().map(|t| t.date).max();
    let day_opening = day_balances
        .iter()
        .filter(|(d, _)| first_day.is_some_and(|f| *d < f))
        .max_by_key(|(d, _)| *d)
        .map(|(_, v)| *v);
    let day_closing = day_balances
        .iter()
        .filter(|(d, _)| last_day.is_some_and(|l| *d >= l))
        .max_by_key(|(d, _)| *d)
        .map(|(_, v)| *v);

    let opening_printed = summary_open.or(reading.opening).or(day_opening);
    let closing_printed = summary_close.or(reading.closing).or(day_closing);

    // Try the sign conventions in order of likelihood; keep the first that reconciles.
    let mut conventions = vec![SignConvention::Account, SignConvention::Card];
    if card {
        conventions.swap(0, 1);
    }
    conventions.push(SignConvention::SwappedColumns);
    let mut best: Option<(SignConvention, Candidate)> = None;
    for convention in conventions {
        let candidate = apply(
            convention,
            &reading.transactions,
            &transactions,
            opening_printed,
            closing_printed,
        );
        let ok = candidate.breaks.is_empty();
        if best
            .as_ref()
            .is_none_or(|(_, b)| candidate.breaks.len() < b.breaks.len())
        {
            best = Some((convention, candidate));
        }
        if ok {
            break;
        }
    }
    // Amounts printed unsigned, in sections, with no running balance: the signs per section
    // that the printed balances prove, when exactly one choice of them does.
    if best.as_ref().is_some_and(|(_, b)| !b.breaks.is_empty()) {
        if let Some(signed) = signed_by_section(
            &reading.transactions,
            &transactions,
            opening_printed,
            closing_printed,
        ) {
            let candidate = apply(
                SignConvention::Account,
                &reading.transactions,
                &signed,
                opening_printed,
                closing_printed,
            );
            if candidate.breaks.is_empty() && candidate.proven {
                best = Some((SignConvention::Sections, candidate));
            }
        }
    }
    let Some((sign_convention, mut chosen)) = best else {
        return Err(StatementError::UnsupportedFormat {
            reason: "nothing to read",
        });
    };
    let recognised: Vec<u32> = text
        .pages
        .iter()
        .filter(|p| p.kind == crate::PageKind::ImageBased && !p.words.is_empty())
        .map(|p| p.number)
        .collect();
    if !chosen.breaks.is_empty() && chosen.proven && !recognised.is_empty() {
        let notes = correct_ocr(
            &mut chosen.transactions,
            &recognised,
            chosen.opening,
            chosen.closing,
        );
        if !notes.is_empty() {
            chosen.breaks = breaks_of(&chosen.transactions, chosen.opening, chosen.closing);
            warnings.extend(notes);
        }
    }
    if sign_convention == SignConvention::SwappedColumns {
        warnings.push(Warning {
            code: "COLUMNS_SWAPPED",
            row: None,
            message: "the debit and credit columns only add up read the other way round".into(),
        });
    }
    warnings.extend(chosen.breaks.iter().cloned());
    warnings.extend(difference_hints(
        &chosen.transactions,
        chosen.opening,
        chosen.closing,
        &chosen.breaks,
    ));
    let sections: Vec<u32> = reading.transactions.iter().map(|t| t.section).collect();
    warnings.extend(date_checks(
        &chosen.transactions,
        &sections,
        period_start,
        period_end,
    ));
    // A balance of a day with no row of its own (a weekend, a day of unprinted movements) is
    // checked against the rows up to it, so the day that does not add up is named.
    let flip = |b: Decimal| {
        if sign_convention == SignConvention::Card {
            -b
        } else {
            b
        }
    };
    for (day, value) in &day_balances {
        if chosen.transactions.iter().any(|t| t.date == *day) {
            continue;
        }
        let mut running = chosen.opening;
        for t in chosen.transactions.iter().filter(|t| t.date <= *day) {
            running = t.balance.unwrap_or(running + t.amount);
        }
        if first_day.is_some_and(|f| *day >= f) && running != flip(*value) {
            chosen.breaks.push(Warning {
                code: "DAY_BALANCE_MISMATCH",
                row: None,
                message: format!(
                    "the balance of {day} is printed as {}, but the rows up to that day give {running}",
                    flip(*value)
                ),
            });
            warnings.push(chosen.breaks[chosen.breaks.len() - 1].clone());
        }
    }
    if !chosen.proven && text.pdf_type() == PdfType::ImageBased {
        // A text PDF without printed balances is what the bank printed; a scan without them
        // may be OCR that missed them, and nothing checked its amounts: say so.
        warnings.push(Warning {
            code: "BALANCES_NOT_FOUND",
            row: None,
            message: "no opening or closing balance was read from the scanned pages, so the amounts are not proven".into(),
        });
    }
    Ok(ParsedStatement {
        identity,
        currency,
        currency_cue,
        period_start,
        period_end,
        opening_balance: chosen.opening,
        closing_balance: chosen.closing,
        reconciled: chosen.breaks.is_empty() && chosen.proven,
        transactions: chosen.transactions,
        sign_convention,
        warnings,
        pdf_type: text.pdf_type(),
        pages: u32::try_from(text.pages.len()).unwrap_or(u32::MAX),
        decimals,
    })
}

/// The rows signed per section: for a table of unsigned amounts in two to eight sections with
/// no running balance, the one assignment of money in / money out to the sections under which
/// opening + rows = closing. `None` when none or several do (then nothing is guessed).
fn signed_by_section(
    read: &[Assembled],
    base: &[ParsedTransaction],
    opening: Option<Decimal>,
    closing: Option<Decimal>,
) -> Option<Vec<ParsedTransaction>> {
    let (opening, closing) = (opening?, closing?);
    let eligible = read.iter().all(|r| {
        r.balance.is_none() && r.amount_role == Some(Role::Amount) && r.amount_mark.is_none()
    });
    let mut sections: Vec<u32> = read.iter().map(|r| r.section).collect();
    sections.dedup();
    let mut distinct = sections.clone();
    distinct.sort_unstable();
    distinct.dedup();
    // Each section one run of rows, two to eight of them.
    if !eligible || distinct.len() != sections.len() || !(2..=8).contains(&sections.len()) {
        return None;
    }
    let totals: Vec<Decimal> = sections
        .iter()
        .map(|s| {
            read.iter()
                .filter(|r| r.section == *s)
                .map(|r| r.amount.abs())
                .sum()
        })
        .collect();
    let fits: Vec<u32> = (0..1_u32 << sections.len())
        .filter(|mask| {
            let sum: Decimal = totals
                .iter()
                .enumerate()
                .map(|(k, t)| if mask & (1 << k) != 0 { *t } else { -*t })
                .sum();
            opening + sum == closing
        })
        .collect();
    let [mask] = fits[..] else { return None };
    Some(
        base.iter()
            .zip(read)
            .map(|(t, r)| {
                let k = sections.iter().position(|s| *s == r.section).unwrap_or(0);
                let amount = if mask & (1 << k) != 0 {
                    t.amount.abs()
                } else {
                    -t.amount.abs()
                };
                ParsedTransaction {
                    amount,
                    ..t.clone()
                }
            })
            .collect(),
    )
}

/// Whether the rows' dates mostly go down: a list printed newest first.
fn newest_first(rows: &[Assembled], start: NaiveDate, end: NaiveDate) -> bool {
    let dates: Vec<NaiveDate> = rows
        .iter()
        .filter_map(|r| r.date.and_then(|d| d.resolve(start, end)))
        .collect();
    let (mut up, mut down) = (0, 0);
    for pair in dates.windows(2) {
        match pair[1].cmp(&pair[0]) {
            std::cmp::Ordering::Greater => up += 1,
            std::cmp::Ordering::Less => down += 1,
            std::cmp::Ordering::Equal => {}
        }
    }
    down >= 2 && down > up * 3
}

fn raw(t: &Assembled, date: NaiveDate, start: NaiveDate, end: NaiveDate) -> ParsedTransaction {
    ParsedTransaction {
        date,
        value_date: t.value_date.and_then(|d| d.resolve(start, end)),
        description: t
            .description
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
        amount: t.amount,
        balance: t.balance,
        page: t.page,
    }
}

fn fallback_period(
    rows: &[Assembled],
    lines: &[Line],
    order: crate::DateOrder,
) -> Option<(NaiveDate, NaiveDate)> {
    let anchor = fields::latest_full_date(lines, order)?;
    let window = (anchor - chrono::Days::new(62), anchor);
    let dates: Vec<NaiveDate> = rows
        .iter()
        .filter_map(|r| r.date.and_then(|d| d.resolve(window.0, window.1)))
        .collect();
    let start = dates.iter().min().copied()?;
    let end = dates.iter().max().copied()?;
    Some((start, end))
}

struct Candidate {
    transactions: Vec<ParsedTransaction>,
    opening: Decimal,
    closing: Decimal,
    breaks: Vec<Warning>,
    /// False when there was nothing to check against (no balance printed anywhere).
    proven: bool,
}

fn apply(
    convention: SignConvention,
    read: &[Assembled],
    base: &[ParsedTransaction],
    opening_printed: Option<Decimal>,
    closing_printed: Option<Decimal>,
) -> Candidate {
    let flip_balance = |b: Decimal| {
        if convention == SignConvention::Card {
            -b
        } else {
            b
        }
    };
    let transactions: Vec<ParsedTransaction> = base
        .iter()
        .zip(read)
        .map(|(t, r)| {
            let amount = match convention {
                SignConvention::Account | SignConvention::Sections => t.amount,
                SignConvention::SwappedColumns => match r.amount_role {
                    Some(Role::Debit | Role::Credit) => -t.amount,
                    _ => t.amount,
                },
                SignConvention::Card => match (r.amount_role, r.amount_mark) {
                    // One amount column on a card: unsigned is a purchase, CR or minus a payment.
                    (
                        Some(Role::Amount),
                        Some(
                            SignMark::Credit
                            | SignMark::LeadingMinus
                            | SignMark::TrailingMinus
                            | SignMark::Parentheses,
                        ),
                    ) => t.amount.abs(),
                    (Some(Role::Amount), _) => -t.amount.abs(),
                    _ => t.amount,
                },
            };
            ParsedTransaction {
                amount,
                balance: t.balance.map(flip_balance),
                ..t.clone()
            }
        })
        .collect();
    let sum: Decimal = transactions.iter().map(|t| t.amount).sum();
    let first_balance = transactions.iter().position(|t| t.balance.is_some());
    let opening = opening_printed.map(flip_balance).or_else(|| {
        let i = first_balance?;
        let before: Decimal = transactions[..=i].iter().map(|t| t.amount).sum();
        transactions[i].balance.map(|b| b - before)
    });
    let last_balance = transactions.iter().rev().find_map(|t| t.balance);
    let closing = closing_printed.map(flip_balance).or(last_balance);
    let proven = opening.is_some() && closing.is_some();
    // One balance read and not the other: the rows imply the missing one. Say so, with the
    // figure, instead of a mismatch against a zero nobody printed.
    let mut missing = Vec::new();
    let (opening, closing) = match (opening, closing) {
        (None, Some(closing)) => {
            let implied = closing - sum;
            missing.push(Warning {
                code: "OPENING_BALANCE_NOT_READ",
                row: None,
                message: format!(
                    "no opening balance was read; the closing balance and the rows imply {implied}"
                ),
            });
            (implied, closing)
        }
        (Some(opening), None) => {
            let implied = opening + sum;
            missing.push(Warning {
                code: "CLOSING_BALANCE_NOT_READ",
                row: None,
                message: format!(
                    "no closing balance was read; the opening balance and the rows imply {implied}"
                ),
            });
            (opening, implied)
        }
        (opening, closing) => {
            let opening = opening.unwrap_or(Decimal::ZERO);
            (opening, closing.unwrap_or(opening + sum))
        }
    };
    let mut breaks = breaks_of(&transactions, opening, closing);
    breaks.extend(missing);
    Candidate {
        transactions,
        opening,
        closing,
        breaks,
        proven,
    }
}

/// Where the arithmetic fails: each running balance against the previous plus the amount, and
/// opening plus every amount against the closing balance.
fn breaks_of(
    transactions: &[ParsedTransaction],
    opening: Decimal,
    closing: Decimal,
) -> Vec<Warning> {
    let mut breaks = Vec::new();
    let sum: Decimal = transactions.iter().map(|t| t.amount).sum();
    let mut running = opening;
    for (i, t) in transactions.iter().enumerate() {
        running += t.amount;
        if let Some(shown) = t.balance {
            if shown != running {
                breaks.push(Warning {
                    code: "RUNNING_BALANCE_MISMATCH",
                    row: Some(i),
                    message: format!(
                        "row {} ({} {:?} {}): balance printed {shown}, previous balance plus amount is {running}",
                        i + 1,
                        t.date,
                        t.description,
                        t.amount
                    ),
                });
                running = shown;
            }
        }
    }
    if opening + sum != closing {
        breaks.push(Warning {
            code: "CLOSING_BALANCE_MISMATCH",
            row: None,
            message: format!(
                "opening {opening} plus the {} amounts ({sum}) is {}, but the closing balance is {closing}",
                transactions.len(),
                opening + sum
            ),
        });
    }
    breaks
}

/// Where the only thing that fails is opening + rows = closing, the one row that explains the
/// difference, if exactly one does: a row equal to it may be no transaction (a carried-forward
/// or total line read as one), a row half of it may have its sign wrong. A hint for the review,
/// naming the row; nothing is changed.
fn difference_hints(
    transactions: &[ParsedTransaction],
    opening: Decimal,
    closing: Decimal,
    breaks: &[Warning],
) -> Vec<Warning> {
    if breaks.iter().any(|b| b.code != "CLOSING_BALANCE_MISMATCH") || breaks.is_empty() {
        return Vec::new();
    }
    let sum: Decimal = transactions.iter().map(|t| t.amount).sum();
    let gap = closing - opening - sum;
    if gap.is_zero() {
        return Vec::new();
    }
    let only = |pred: &dyn Fn(&ParsedTransaction) -> bool| {
        let found: Vec<usize> = (0..transactions.len())
            .filter(|&i| pred(&transactions[i]))
            .collect();
        match found[..] {
            [i] => Some(i),
            _ => None,
        }
    };
    let describe = |i: usize| {
        let t = &transactions[i];
        format!(
            "row {} ({} {:?} {})",
            i + 1,
            t.date,
            t.description,
            t.amount
        )
    };
    let mut out = Vec::new();
    if let Some(i) = only(&|t| t.amount == -gap) {
        out.push(Warning {
            code: "ROW_EQUALS_DIFFERENCE",
            row: Some(i),
            message: format!(
                "{} equals the difference: it may be a carried-forward or total line rather than a transaction",
                describe(i)
            ),
        });
    } else if let Some(i) = only(&|t| t.amount * Decimal::TWO == -gap) {
        out.push(Warning {
            code: "ROW_SIGN_SUSPECT",
            row: Some(i),
            message: format!(
                "{} read the other way round would make it add up: check its sign",
                describe(i)
            ),
        });
    }
    out
}

/// Dates that do not fit: a row dated outside the statement's period, or before the rows above
/// it in its section of a list read oldest first (each section, "deposits", "withdrawals", has
/// its own order). Warnings naming the row; the dates stay as printed.
fn date_checks(
    transactions: &[ParsedTransaction],
    sections: &[u32],
    start: NaiveDate,
    end: NaiveDate,
) -> Vec<Warning> {
    let mut out = Vec::new();
    // The last date inside the period: a row outside it says nothing about the order.
    let mut previous: Option<NaiveDate> = None;
    for (i, t) in transactions.iter().enumerate() {
        if i > 0 && sections.get(i) != sections.get(i - 1) {
            previous = None;
        }
        if t.date < start || t.date > end {
            out.push(Warning {
                code: "DATE_OUTSIDE_PERIOD",
                row: Some(i),
                message: format!(
                    "row {} ({:?}) is dated {}, outside the period {start} to {end}",
                    i + 1,
                    t.description,
                    t.date
                ),
            });
            continue;
        }
        if let Some(before) = previous.filter(|p| t.date < *p) {
            out.push(Warning {
                code: "DATE_OUT_OF_ORDER",
                row: Some(i),
                message: format!(
                    "row {} ({:?}) is dated {}, before the rows above it ({before})",
                    i + 1,
                    t.description,
                    t.date,
                ),
            });
        }
        previous = Some(previous.map_or(t.date, |p| p.max(t.date)));
    }
    out
}

/// Whether `a` and `b` print alike but for one digit (OCR's 5/6, 3/8, 1/7...) or a lost minus.
fn one_confusion_apart(a: Decimal, b: Decimal) -> bool {
    if a == -b && !a.is_zero() {
        return true;
    }
    if a.is_sign_negative() != b.is_sign_negative() {
        return false;
    }
    let scale = a.scale().max(b.scale());
    let (x, y) = (
        format!("{:.*}", scale as usize, a.abs()),
        format!("{:.*}", scale as usize, b.abs()),
    );
    x.len() == y.len()
        && x.chars()
            .zip(y.chars())
            .filter(|(p, q)| p != q)
            .all(|(p, q)| p.is_ascii_digit() && q.is_ascii_digit())
        && x.chars().zip(y.chars()).filter(|(p, q)| p != q).count() == 1
}

/// Corrects OCR misreadings on scanned pages, only where the balance arithmetic proves them:
/// a running balance one digit off when the corrected balance is confirmed by the next printed
/// balance (or the closing); an amount one digit or its minus off when the printed balance
/// before and after it are both confirmed; with no running balances, the one amount whose
/// one-digit or sign correction makes opening + amounts = closing, if exactly one does. Each
/// correction is an OCR_CORRECTED warning naming the row; anything else is left as read.
fn correct_ocr(
    transactions: &mut [ParsedTransaction],
    scanned: &[u32],
    opening: Decimal,
    closing: Decimal,
) -> Vec<Warning> {
    let mut notes = Vec::new();
    let on_scan = |t: &ParsedTransaction| scanned.contains(&t.page);
    let mut running = opening;
    for i in 0..transactions.len() {
        let amount = transactions[i].amount;
        let expected = running + amount;
        let Some(shown) = transactions[i].balance else {
            running = expected;
            continue;
        };
        if shown == expected || !on_scan(&transactions[i]) {
            running = shown;
            continue;
        }
        // What the next printed balance (or the closing) says this balance must be.
        let mut later = Decimal::ZERO;
        let mut confirmed_by = None;
        for t in &transactions[i + 1..] {
            later += t.amount;
            if let Some(b) = t.balance {
                confirmed_by = Some(b - later);
                break;
            }
        }
        let must_be = confirmed_by.unwrap_or(closing - later);
        if expected == must_be && one_confusion_apart(shown, expected) {
            notes.push(Warning {
                code: "OCR_CORRECTED",
                row: Some(i),
                message: format!(
                    "row {}: balance read as {shown} corrected to {expected}, as the balances around it prove",
                    i + 1
                ),
            });
            transactions[i].balance = Some(expected);
            running = expected;
        } else if shown == must_be && one_confusion_apart(amount, shown - running) {
            let fixed = shown - running;
            notes.push(Warning {
                code: "OCR_CORRECTED",
                row: Some(i),
                message: format!(
                    "row {}: amount read as {amount} corrected to {fixed}, as the balances before and after it prove",
                    i + 1
                ),
            });
            transactions[i].amount = fixed;
            running = shown;
        } else {
            running = shown;
        }
    }
    if transactions.iter().all(|t| t.balance.is_none()) {
        let sum: Decimal = transactions.iter().map(|t| t.amount).sum();
        let gap = closing - opening - sum;
        if !gap.is_zero() {
            let fits: Vec<usize> = (0..transactions.len())
                .filter(|&i| {
                    on_scan(&transactions[i])
                        && one_confusion_apart(transactions[i].amount, transactions[i].amount + gap)
                })
                .collect();
            if let [i] = fits[..] {
                let read = transactions[i].amount;
                transactions[i].amount = read + gap;
                notes.push(Warning {
                    code: "OCR_CORRECTED",
                    row: Some(i),
                    message: format!(
                        "row {}: amount read as {read} corrected to {}, the only reading that makes opening plus amounts equal the closing balance",
                        i + 1,
                        read + gap
                    ),
                });
            }
        }
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(day: u32, description: &str, cents: i64) -> ParsedTransaction {
        ParsedTransaction {
            date: NaiveDate::from_ymd_opt(2024, 3, day).unwrap_or_default(),
            value_date: None,
            description: description.into(),
            amount: Decimal::new(cents, 2),
            balance: None,
            page: 1,
        }
    }

    fn mismatch() -> Vec<Warning> {
        vec![Warning {
            code: "CLOSING_BALANCE_MISMATCH",
            row: None,
            message: String::new(),
        }]
    }

    #[test]
    fn the_one_row_that_explains_the_difference_is_named() {
        let rows = vec![
            row(2, "COFFEE", -350),
            row(3, "REPORT A NOUVEAU", 100_000),
            row(4, "SALARY", 250_000),
        ];
        // Opening 1000.00; the printed closing leaves the 1000.00 "report" out.
        let hints = difference_hints(
            &rows,
            Decimal::new(100_000, 2),
            Decimal::new(349_650, 2),
            &mismatch(),
        );
        assert_eq!(hints.len(), 1);
        assert_eq!(
            (hints[0].code, hints[0].row),
            ("ROW_EQUALS_DIFFERENCE", Some(1))
        );
        // A sign read the wrong way round: the coffee as money in.
        let rows = vec![row(2, "COFFEE", 350), row(4, "SALARY", 250_000)];
        let hints = difference_hints(&rows, Decimal::ZERO, Decimal::new(249_650, 2), &mismatch());
        assert_eq!((hints[0].code, hints[0].row), ("ROW_SIGN_SUSPECT", Some(0)));
        // Two rows could explain it: no guess.
        let rows = vec![row(2, "A", -500), row(3, "B", -500), row(4, "C", 2_000)];
        assert!(
            difference_hints(&rows, Decimal::ZERO, Decimal::new(2_000, 2), &mismatch()).is_empty()
        );
        // Running balances that break say more than a hint could.
        let mut breaks = mismatch();
        breaks.push(Warning {
            code: "RUNNING_BALANCE_MISMATCH",
            row: Some(0),
            message: String::new(),
        });
        let rows = vec![row(2, "COFFEE", 350)];
        assert!(difference_hints(&rows, Decimal::ZERO, Decimal::ZERO, &breaks).is_empty());
    }

    #[test]
    fn dates_outside_the_period_or_out_of_order_are_named() {
        let start = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap_or_default();
        let end = NaiveDate::from_ymd_opt(2024, 3, 20).unwrap_or_default();
        let rows = vec![
            row(2, "A", 1),
            row(25, "B", 1),
            row(5, "C", 1),
            row(4, "D", 1),
        ];
        let found: Vec<(&str, Option<usize>)> = date_checks(&rows, &[0; 4], start, end)
            .iter()
            .map(|w| (w.code, w.row))
            .collect();
        assert_eq!(
            found,
            [
                ("DATE_OUTSIDE_PERIOD", Some(1)),
                ("DATE_OUT_OF_ORDER", Some(3))
            ]
        );
    }
}
