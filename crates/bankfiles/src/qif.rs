//! QIF (Quicken Interchange Format): `!Type:Bank|CCard|Cash|Oth A|Oth L` blocks of records
//! ended by `^`; `D` date, `T`/`U` amount, `P` payee, `M` memo, `N` number.
//!
//! QIF says nothing about its date order or number format. Both are inferred from every date and
//! amount in the file: `8/15/13` can only be month/day, `-1,000.00` only a decimal point. When the
//! file fits more than one reading and the caller gave no choice, the typed errors
//! QIF_DATE_ORDER_AMBIGUOUS / QIF_NUMBER_FORMAT_AMBIGUOUS list the choices.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::text::{clean, full_year, parse_amount};
use crate::{
    AccountRef, BankFileError, BankFileStatement, BankFileTransaction, DateOrder, Format,
    NumberFormat, ParseOptions,
};

struct Record {
    line: usize,
    date: Option<(String, usize)>,
    amount: Option<(String, usize)>,
    payee: Option<String>,
    memo: Option<String>,
    number: Option<String>,
}

struct Block {
    account_name: Option<String>,
    records: Vec<Record>,
}

pub(crate) fn parse(
    bytes: &[u8],
    options: &ParseOptions,
) -> Result<Vec<BankFileStatement>, BankFileError> {
    let text = crate::text::decode_auto(bytes)?;
    let blocks = read_blocks(&text)?;
    if blocks.iter().all(|b| b.records.is_empty()) {
        return Err(BankFileError::NoStatement {
            format: Format::Qif,
            detail:
                "no bank, cash or card transactions (investment and list sections are not read)"
                    .into(),
        });
    }
    let dates: Vec<(&str, usize)> = blocks
        .iter()
        .flat_map(|b| b.records.iter())
        .filter_map(|r| r.date.as_ref().map(|(d, l)| (d.as_str(), *l)))
        .collect();
    let order = date_order(&dates, options.qif_date_order)?;
    let amounts: Vec<&str> = blocks
        .iter()
        .flat_map(|b| b.records.iter())
        .filter_map(|r| r.amount.as_ref().map(|(a, _)| a.as_str()))
        .collect();
    let number_format = number_format(&amounts, options.qif_number_format)?;

    let mut out = Vec::new();
    for block in blocks.into_iter().filter(|b| !b.records.is_empty()) {
        let mut st = BankFileStatement {
            format: Format::Qif,
            account: AccountRef {
                name: block.account_name.clone(),
                ..AccountRef::default()
            },
            statement_id: None,
            period_start: None,
            period_end: None,
            opening_balance: None,
            opening_date: None,
            closing_balance: None,
            closing_date: None,
            transactions: Vec::new(),
            warnings: Vec::new(),
        };
        for (i, r) in block.records.into_iter().enumerate() {
            let at = format!("line {}", r.line);
            let (date_text, dline) = r.date.ok_or_else(|| {
                BankFileError::malformed(
                    Format::Qif,
                    at.clone(),
                    "a record without a D (date) line",
                )
            })?;
            let booked =
                read_date(&date_text, order).ok_or_else(|| BankFileError::InvalidDate {
                    text: date_text.clone(),
                    at: format!("line {dline}"),
                })?;
            let (amount_text, aline) = r.amount.ok_or_else(|| {
                BankFileError::malformed(
                    Format::Qif,
                    at.clone(),
                    "a record without a T (amount) line",
                )
            })?;
            let amount = read_amount(&amount_text, number_format).ok_or_else(|| {
                BankFileError::InvalidAmount {
                    text: amount_text.clone(),
                    at: format!("line {aline}"),
                    reason: String::new(),
                }
            })?;
            let payee = r.payee.map(|p| clean(&p)).filter(|p| !p.is_empty());
            let memo = r.memo.map(|m| clean(&m)).filter(|m| !m.is_empty());
            // Quicken writes the account's starting balance as a first pseudo-transaction.
            if i == 0 && payee.as_deref() == Some("Opening Balance") {
                st.opening_balance = Some(amount);
                st.opening_date = Some(booked);
                continue;
            }
            let description = match (&payee, &memo) {
                (Some(p), Some(m)) if p != m => format!("{p} / {m}"),
                (Some(p), _) => p.clone(),
                (None, Some(m)) => m.clone(),
                (None, None) => String::new(),
            };
            st.transactions.push(BankFileTransaction {
                booked,
                value_date: None,
                amount,
                description,
                counterparty: payee,
                counterparty_account: None,
                reference: r.number.filter(|n| !n.trim().is_empty()),
                provider_id: None,
                type_code: None,
            });
        }
        st.period_start = st.transactions.iter().map(|t| t.booked).min();
        st.period_end = st.transactions.iter().map(|t| t.booked).max();
        if let Some(open) = st.opening_balance {
            st.closing_balance = Some(open + st.total());
            st.warnings
                .push("closing balance computed from the opening balance record".into());
        }
        out.push(st);
    }
    Ok(out)
}

fn read_blocks(text: &str) -> Result<Vec<Block>, BankFileError> {
    let mut blocks: Vec<Block> = Vec::new();
    let mut reading = false; // inside a bank/cash/card type section
    let mut in_account = false; // inside an !Account header list
    let mut account_name: Option<String> = None;
    let mut pending_name: Option<String> = None;
    let mut current: Option<Record> = None;
    let mut saw_header = false;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw
            .trim_end_matches(['\r', '\n'])
            .trim_start_matches('\u{feff}');
        if line.trim().is_empty() {
            continue;
        }
        if let Some(header) = line.strip_prefix('!') {
            saw_header = true;
            let h = header.trim().to_ascii_lowercase();
            if h == "account" {
                in_account = true;
                reading = false;
                continue;
            }
            if h.starts_with("option") || h.starts_with("clear") {
                continue;
            }
            in_account = false;
            let kind = h.strip_prefix("type:").unwrap_or("").trim().to_string();
            reading = matches!(
                kind.as_str(),
                "bank" | "cash" | "ccard" | "oth a" | "oth l" | "oth  a" | "oth  l"
            );
            if reading {
                account_name = pending_name.take().or(account_name.take());
                blocks.push(Block {
                    account_name: account_name.clone(),
                    records: Vec::new(),
                });
            }
            current = None;
            continue;
        }
        if !saw_header {
            return Err(BankFileError::malformed(
                Format::Qif,
                format!("line {line_no}"),
                "the file does not start with a !Type: header",
            ));
        }
        if in_account {
            if let Some(name) = line.strip_prefix('N') {
                pending_name = Some(name.trim().to_string());
            }
            continue;
        }
        if !reading {
            continue;
        }
        let rec = current.get_or_insert(Record {
            line: line_no,
            date: None,
            amount: None,
            payee: None,
            memo: None,
            number: None,
        });
        let mut chars = line.chars();
        let code = chars.next().unwrap_or('^');
        let value = chars.as_str().trim().to_string();
        match code {
            '^' => {
                if let (Some(block), Some(rec)) = (blocks.last_mut(), current.take()) {
                    block.records.push(rec);
                }
            }
            'D' => rec.date = Some((value, line_no)),
            'T' => rec.amount = Some((value, line_no)),
            'U' if rec.amount.is_none() => rec.amount = Some((value, line_no)),
            'P' => rec.payee = Some(value),
            'M' => rec.memo = Some(value),
            'N' => rec.number = Some(value),
            _ => {}
        }
    }
    // A last record without its closing '^' still counts.
    if let (Some(block), Some(rec)) = (blocks.last_mut(), current.take()) {
        if rec.date.is_some() || rec.amount.is_some() {
            block.records.push(rec);
        }
    }
    if !saw_header {
        return Err(BankFileError::malformed(
            Format::Qif,
            "line 1",
            "no !Type: header",
        ));
    }
    Ok(blocks)
}

/// The three numbers of a date and the digit count of each: `8/15'13` -> (8,1) (15,2) (13,2).
fn date_parts(text: &str) -> Option<[(i32, usize); 3]> {
    let mut parts = Vec::with_capacity(3);
    for piece in text.split(|c: char| !c.is_ascii_digit()) {
        if piece.is_empty() {
            continue;
        }
        if piece.len() > 4 {
            return None;
        }
        parts.push((piece.parse::<i32>().ok()?, piece.len()));
    }
    // `20130815` written without separators
    if parts.len() == 1 && parts[0].1 == 8 {
        return None;
    }
    parts.try_into().ok()
}

fn read_date(text: &str, order: DateOrder) -> Option<NaiveDate> {
    let [a, b, c] = date_parts(text)?;
    let (y, m, d) = match order {
        DateOrder::YearMonthDay => (a, b, c),
        DateOrder::MonthDayYear => (c, a, b),
        DateOrder::DayMonthYear => (c, b, a),
    };
    let year_first = a.1 == 4;
    if year_first != (order == DateOrder::YearMonthDay) || (!year_first && (b.1 > 2 || c.1 == 3)) {
        return None;
    }
    let year = full_year(y.0, y.1);
    NaiveDate::from_ymd_opt(year, u32::try_from(m.0).ok()?, u32::try_from(d.0).ok()?)
}

fn date_order(
    dates: &[(&str, usize)],
    choice: Option<DateOrder>,
) -> Result<DateOrder, BankFileError> {
    if dates.is_empty() {
        return Ok(choice.unwrap_or(DateOrder::MonthDayYear));
    }
    let orders = [
        DateOrder::MonthDayYear,
        DateOrder::DayMonthYear,
        DateOrder::YearMonthDay,
    ];
    let fits: Vec<DateOrder> = orders
        .into_iter()
        .filter(|o| dates.iter().all(|(d, _)| read_date(d, *o).is_some()))
        .collect();
    if let Some(c) = choice.filter(|c| fits.contains(c)) {
        return Ok(c);
    }
    // Orders that read every date the same way are one reading.
    let distinct: Vec<DateOrder> = fits
        .iter()
        .copied()
        .filter(|o| {
            !fits.iter().any(|p| {
                (*p as u8) < (*o as u8)
                    && dates
                        .iter()
                        .all(|(d, _)| read_date(d, *p) == read_date(d, *o))
            })
        })
        .collect();
    match distinct.as_slice() {
        [only] => Ok(*only),
        [] => {
            let order = choice.unwrap_or(DateOrder::MonthDayYear);
            let (text, line) = dates
                .iter()
                .find(|(d, _)| read_date(d, order).is_none())
                .or_else(|| dates.first())
                .copied()
                .unwrap_or(("", 0));
            Err(BankFileError::InvalidDate {
                text: text.to_string(),
                at: format!("line {line}"),
            })
        }
        several => {
            let example = dates
                .iter()
                .find(|(d, _)| {
                    let first = read_date(d, several[0]);
                    several.iter().any(|o| read_date(d, *o) != first)
                })
                .map(|(d, _)| d.to_string())
                .unwrap_or_default();
            Err(BankFileError::QifDateOrderAmbiguous {
                example,
                choices: several.to_vec(),
            })
        }
    }
}

/// What one amount says about the number format: `Some(format)` when only one reads it,
/// `None` when both do the same way, and ambiguity is reported by `ambiguous`.
fn evidence(text: &str) -> (Option<NumberFormat>, bool) {
    let t = text.trim();
    let last_dot = t.rfind('.');
    let last_comma = t.rfind(',');
    match (last_dot, last_comma) {
        (Some(d), Some(c)) => (
            Some(if d > c {
                NumberFormat::DecimalPoint
            } else {
                NumberFormat::DecimalComma
            }),
            false,
        ),
        (None, None) => (None, false),
        (Some(i), None) | (None, Some(i)) => {
            let sep = if last_dot.is_some() { '.' } else { ',' };
            let count = t.matches(sep).count();
            let decimals = t[i + 1..]
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .count();
            let as_decimal = if sep == '.' {
                NumberFormat::DecimalPoint
            } else {
                NumberFormat::DecimalComma
            };
            let as_thousands = if sep == '.' {
                NumberFormat::DecimalComma
            } else {
                NumberFormat::DecimalPoint
            };
            if count > 1 {
                (Some(as_thousands), false)
            } else if decimals != 3 {
                (Some(as_decimal), false)
            } else {
                (None, true)
            }
        }
    }
}

fn number_format(
    amounts: &[&str],
    choice: Option<NumberFormat>,
) -> Result<NumberFormat, BankFileError> {
    let mut point = false;
    let mut comma = false;
    let mut ambiguous_example: Option<&str> = None;
    for a in amounts {
        match evidence(a) {
            (Some(NumberFormat::DecimalPoint), _) => point = true,
            (Some(NumberFormat::DecimalComma), _) => comma = true,
            (None, true) => {
                ambiguous_example.get_or_insert(a);
            }
            (None, false) => {}
        }
    }
    if let Some(c) = choice {
        return Ok(c);
    }
    match (point, comma, ambiguous_example) {
        (true, false, _) => Ok(NumberFormat::DecimalPoint),
        (false, true, _) => Ok(NumberFormat::DecimalComma),
        (false, false, None) => Ok(NumberFormat::DecimalPoint),
        (true, true, example) | (false, false, example) => {
            let example = example
                .or_else(|| amounts.iter().find(|a| evidence(a).0.is_some()).copied())
                .unwrap_or_default();
            Err(BankFileError::QifNumberFormatAmbiguous {
                example: example.to_string(),
                choices: vec![NumberFormat::DecimalPoint, NumberFormat::DecimalComma],
            })
        }
    }
}

fn read_amount(text: &str, format: NumberFormat) -> Option<Decimal> {
    match format {
        NumberFormat::DecimalPoint => parse_amount(text, '.', &[',', ' ', '\'']),
        NumberFormat::DecimalComma => parse_amount(text, ',', &['.', ' ', '\'', '\u{a0}']),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(order: Option<DateOrder>, nf: Option<NumberFormat>) -> ParseOptions {
        ParseOptions {
            qif_date_order: order,
            qif_number_format: nf,
            ..ParseOptions::default()
        }
    }

    #[test]
    fn day_month_inferred_from_a_day_over_twelve() {
        let file = b"!Type:Bank\nD01/02/03\nT-1.234,56\nPA\n^\nD25/12/03\nT10,00\nPB\n^\n";
        let st = parse(file, &ParseOptions::default()).unwrap_or_default();
        assert_eq!(st.len(), 1);
        assert_eq!(
            st[0].transactions[0].booked,
            NaiveDate::from_ymd_opt(2003, 2, 1).unwrap_or_default()
        );
        assert_eq!(st[0].transactions[0].amount, Decimal::new(-123456, 2));
    }

    #[test]
    fn ambiguous_dates_need_a_choice() {
        let file = b"!Type:Bank\nD01/02/03\nT-12.50\n^\nD03/04/03\nT1.00\n^\n";
        let err = parse(file, &ParseOptions::default()).err();
        assert_eq!(
            err.as_ref().map(|e| e.code()),
            Some("QIF_DATE_ORDER_AMBIGUOUS")
        );
        let st = parse(file, &opts(Some(DateOrder::DayMonthYear), None)).unwrap_or_default();
        assert_eq!(
            st[0].transactions[0].booked,
            NaiveDate::from_ymd_opt(2003, 2, 1).unwrap_or_default()
        );
        let st = parse(file, &opts(Some(DateOrder::MonthDayYear), None)).unwrap_or_default();
        assert_eq!(
            st[0].transactions[0].booked,
            NaiveDate::from_ymd_opt(2003, 1, 2).unwrap_or_default()
        );
    }

    #[test]
    fn ambiguous_numbers_need_a_choice() {
        let file = b"!Type:Bank\nD2003-01-02\nT1,000\n^\n";
        let err = parse(file, &ParseOptions::default()).err();
        assert_eq!(
            err.as_ref().map(|e| e.code()),
            Some("QIF_NUMBER_FORMAT_AMBIGUOUS")
        );
        let st = parse(file, &opts(None, Some(NumberFormat::DecimalPoint))).unwrap_or_default();
        assert_eq!(st[0].transactions[0].amount, Decimal::new(1000, 0));
        let st = parse(file, &opts(None, Some(NumberFormat::DecimalComma))).unwrap_or_default();
        assert_eq!(st[0].transactions[0].amount, Decimal::new(1, 0));
    }

    #[test]
    fn quicken_apostrophe_years_and_opening_balance() {
        let file =
            b"!Type:Bank\nD1/ 1'04\nT100.00\nPOpening Balance\n^\nD1/15'04\nT-20.00\nPShop\n^\n";
        let st = parse(file, &ParseOptions::default()).unwrap_or_default();
        assert_eq!(st[0].opening_balance, Some(Decimal::new(100, 0)));
        assert_eq!(st[0].transactions.len(), 1);
        assert_eq!(
            st[0].transactions[0].booked,
            NaiveDate::from_ymd_opt(2004, 1, 15).unwrap_or_default()
        );
    }
}
