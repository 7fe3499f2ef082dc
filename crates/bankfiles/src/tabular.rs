//! CSV and XLSX exports read through a [`CsvMapping`] the person sets once per account (Folio
//! stores it as JSON). [`suggest_mapping`] proposes one from the header words and the cells.
//!
//! CSV through the `csv` crate (quoting, embedded newlines, ragged rows), text decoded first
//! (UTF-8 with or without BOM, UTF-16 LE/BE by BOM, Windows-1252) with encoding_rs. XLSX/XLS/ODS
//! through calamine: numbers are IEEE doubles in the file and become decimals through their
//! shortest round-trip form; date cells are read as dates.

use std::io::Cursor;
use std::str::FromStr;

use chrono::NaiveDate;
use folio_ledger::Currency;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::text::{clean, non_empty, parse_amount};
use crate::{
    currency_at, AccountRef, BankFileError, BankFileStatement, BankFileTransaction, Format,
};

/// The text encoding of a CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum TextEncoding {
    /// By byte-order mark; else UTF-8 when valid, else Windows-1252.
    #[default]
    Auto,
    Utf8,
    Utf16Le,
    Utf16Be,
    Windows1252,
}

/// Where the amount is: one signed column, two columns, or an unsigned amount and a D/C column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AmountColumns {
    /// Negative is money out.
    Signed { column: usize },
    /// Money out in `debit` (sign ignored: always out), money in `credit` (taken as written).
    DebitCredit { debit: usize, credit: usize },
    /// An amount whose direction is in `indicator`: a cell equal (case-insensitively) to one of
    /// `debit_values` is money out, anything else money in.
    WithIndicator {
        amount: usize,
        indicator: usize,
        debit_values: Vec<String>,
    },
}

/// How to read one account's CSV/XLSX export. Columns are 0-based indices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsvMapping {
    pub delimiter: char,
    pub encoding: TextEncoding,
    /// Lines (rows) before the header, or before the data when there is no header.
    pub skip_rows: usize,
    pub has_header: bool,
    /// Rows after the data to leave out (closing-balance lines and the like).
    pub skip_footer_rows: usize,
    pub date_column: usize,
    /// chrono format, e.g. `%d/%m/%Y`; date cells in XLSX need none.
    pub date_format: String,
    pub value_date_column: Option<usize>,
    pub amount: AmountColumns,
    pub decimal_separator: char,
    pub thousands_separator: Option<char>,
    /// Card exports that print purchases as positive amounts.
    pub invert_sign: bool,
    /// Joined with " / " into the description.
    pub description_columns: Vec<usize>,
    pub counterparty_column: Option<usize>,
    pub counterparty_account_column: Option<usize>,
    pub reference_column: Option<usize>,
    /// A column holding the bank's unique id for each row (makes re-import idempotent).
    pub provider_id_column: Option<usize>,
    /// Running balance after each row: checked, and gives opening/closing balances.
    pub balance_column: Option<usize>,
    /// A per-row currency code; each must be the statement's currency.
    pub currency_column: Option<usize>,
    /// XLSX: the sheet to read; the first when `None`.
    pub sheet: Option<String>,
}

impl Default for CsvMapping {
    fn default() -> Self {
        CsvMapping {
            delimiter: ',',
            encoding: TextEncoding::Auto,
            skip_rows: 0,
            has_header: true,
            skip_footer_rows: 0,
            date_column: 0,
            date_format: "%Y-%m-%d".into(),
            value_date_column: None,
            amount: AmountColumns::Signed { column: 1 },
            decimal_separator: '.',
            thousands_separator: None,
            invert_sign: false,
            description_columns: Vec::new(),
            counterparty_column: None,
            counterparty_account_column: None,
            reference_column: None,
            provider_id_column: None,
            balance_column: None,
            currency_column: None,
            sheet: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Text(String),
    Number(Decimal),
    Date(NaiveDate),
    Empty,
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::Text(t) => t.trim().to_string(),
            Cell::Number(n) => n.to_string(),
            Cell::Date(d) => d.to_string(),
            Cell::Empty => String::new(),
        }
    }
    fn is_empty(&self) -> bool {
        match self {
            Cell::Text(t) => t.trim().is_empty(),
            Cell::Empty => true,
            _ => false,
        }
    }
}

/// Rows with their 1-based line (CSV record start) or row number (XLSX).
type Rows = Vec<(usize, Vec<Cell>)>;

fn decode(bytes: &[u8], encoding: TextEncoding) -> Result<String, BankFileError> {
    let (enc, name) = match encoding {
        TextEncoding::Auto => return crate::text::decode_auto(bytes),
        TextEncoding::Utf8 => (encoding_rs::UTF_8, "UTF-8"),
        TextEncoding::Utf16Le => (encoding_rs::UTF_16LE, "UTF-16LE"),
        TextEncoding::Utf16Be => (encoding_rs::UTF_16BE, "UTF-16BE"),
        TextEncoding::Windows1252 => (encoding_rs::WINDOWS_1252, "Windows-1252"),
    };
    // A BOM of the chosen encoding is dropped; the chosen encoding wins over another BOM.
    let (text, had_errors) = enc.decode_with_bom_removal(bytes);
    if had_errors {
        return Err(BankFileError::Encoding {
            encoding: name,
            detail: "bytes that are not valid in this encoding".into(),
        });
    }
    Ok(text.into_owned())
}

fn csv_rows(text: &str, delimiter: char) -> Result<Rows, BankFileError> {
    let delim = u8::try_from(delimiter)
        .ok()
        .filter(u8::is_ascii)
        .ok_or_else(|| BankFileError::CsvMappingMismatch {
            at: "mapping".into(),
            detail: format!("the delimiter {delimiter:?} is not a single ASCII character"),
        })?;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delim)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            BankFileError::malformed(Format::Csv, format!("line {line}"), e.to_string())
        })?;
        let line = record
            .position()
            .map_or(rows.len() + 1, |p| p.line() as usize);
        rows.push((
            line,
            record.iter().map(|c| Cell::Text(c.to_string())).collect(),
        ));
    }
    Ok(rows)
}

fn xlsx_rows(bytes: &[u8], sheet: Option<&str>) -> Result<Rows, BankFileError> {
    use calamine::{Data, Reader};
    let bad = |detail: String| BankFileError::malformed(Format::Xlsx, "workbook", detail);
    let mut book =
        calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| bad(e.to_string()))?;
    let names = book.sheet_names();
    let name = match sheet {
        Some(s) => names
            .iter()
            .find(|n| n.as_str() == s)
            .cloned()
            .ok_or_else(|| BankFileError::CsvMappingMismatch {
                at: "sheet".into(),
                detail: format!("no sheet named {s:?} (sheets: {names:?})"),
            })?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| bad("no sheet".into()))?,
    };
    let range = book
        .worksheet_range(&name)
        .map_err(|e| bad(e.to_string()))?;
    let (first_row, _) = range.start().unwrap_or((0, 0));
    let mut rows = Vec::new();
    for (i, row) in range.rows().enumerate() {
        let cells = row
            .iter()
            .map(|c| match c {
                Data::Empty => Cell::Empty,
                Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => {
                    Cell::Text(s.clone())
                }
                Data::Int(n) => Cell::Number(Decimal::from(*n)),
                Data::Float(f) => Decimal::from_str(&format!("{f}"))
                    .map(Cell::Number)
                    .unwrap_or_else(|_| Cell::Text(format!("{f}"))),
                Data::Bool(b) => Cell::Text(b.to_string()),
                Data::DateTime(dt) => excel_date(dt.as_f64())
                    .map(Cell::Date)
                    .unwrap_or(Cell::Empty),
                Data::Error(e) => Cell::Text(format!("#{e:?}")),
            })
            .collect();
        rows.push((first_row as usize + i + 1, cells));
    }
    Ok(rows)
}

/// Excel serial day (1900 system) -> date.
fn excel_date(serial: f64) -> Option<NaiveDate> {
    if !serial.is_finite() || !(1.0..=2_958_465.0).contains(&serial) {
        return None;
    }
    let base = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    base.checked_add_days(chrono::Days::new(serial.floor() as u64))
}

fn rows_of(bytes: &[u8], format: Format, mapping: &CsvMapping) -> Result<Rows, BankFileError> {
    match format {
        Format::Xlsx => xlsx_rows(bytes, mapping.sheet.as_deref()),
        _ => {
            let text = decode(bytes, mapping.encoding)?;
            csv_rows(&text, mapping.delimiter)
        }
    }
}

/// The format a tabular export is read as: a spreadsheet by its bytes, else delimited text.
fn tabular_format(bytes: &[u8]) -> Format {
    match crate::detect(bytes, None) {
        Some(Format::Xlsx) => Format::Xlsx,
        _ => Format::Csv,
    }
}

/// The first `limit` rows of an export as text cells, read with the mapping's encoding,
/// delimiter and sheet: what a mapping form shows the person.
pub fn preview_rows(
    bytes: &[u8],
    mapping: &CsvMapping,
    limit: usize,
) -> Result<Vec<Vec<String>>, BankFileError> {
    let rows = rows_of(bytes, tabular_format(bytes), mapping)?;
    Ok(rows
        .into_iter()
        .take(limit)
        .map(|(_, cells)| cells.iter().map(Cell::text).collect())
        .collect())
}

/// The header row of an export read with `mapping`, normalised (cells trimmed, lower-cased,
/// joined by `|`): how Folio knows the next export of the same account. `None` when the mapping
/// has no header row or the file has no such row.
pub fn header_signature(bytes: &[u8], mapping: &CsvMapping) -> Option<String> {
    if !mapping.has_header {
        return None;
    }
    let rows = rows_of(bytes, tabular_format(bytes), mapping).ok()?;
    let (_, header) = rows.get(mapping.skip_rows)?;
    let cells: Vec<String> = header.iter().map(|c| c.text().to_lowercase()).collect();
    let signature = cells.join("|");
    (cells.iter().any(|c| !c.is_empty())).then_some(signature)
}

pub(crate) fn parse(
    bytes: &[u8],
    format: Format,
    mapping: &CsvMapping,
    currency: Option<Currency>,
) -> Result<Vec<BankFileStatement>, BankFileError> {
    let rows = rows_of(bytes, format, mapping)?;
    let skip = mapping.skip_rows + usize::from(mapping.has_header);
    let end = rows.len().saturating_sub(mapping.skip_footer_rows);
    let data = rows.get(skip..end.max(skip)).unwrap_or(&[]);
    let mut st = BankFileStatement {
        format,
        account: AccountRef {
            currency,
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
    let mut balances: Vec<(usize, Decimal)> = Vec::new();
    for (line, cells) in data {
        let line = *line;
        if cells.iter().all(Cell::is_empty) {
            continue;
        }
        let cell = |col: usize| cells.get(col).cloned().unwrap_or(Cell::Empty);
        let at = |col: usize| format!("row {line}, column {}", col + 1);
        let date_cell = cell(mapping.date_column);
        if date_cell.is_empty() {
            st.warnings.push(format!(
                "row {line}: no date in column {}; skipped",
                mapping.date_column + 1
            ));
            continue;
        }
        let booked = read_date(&date_cell, &mapping.date_format).ok_or_else(|| {
            BankFileError::InvalidDate {
                text: date_cell.text(),
                at: at(mapping.date_column),
            }
        })?;
        let value_date = match mapping.value_date_column.map(|c| (c, cell(c))) {
            Some((c, v)) if !v.is_empty() => {
                Some(read_date(&v, &mapping.date_format).ok_or_else(|| {
                    BankFileError::InvalidDate {
                        text: v.text(),
                        at: at(c),
                    }
                })?)
            }
            _ => None,
        };
        let number = |col: usize| -> Result<Option<Decimal>, BankFileError> {
            let c = cell(col);
            if c.is_empty() {
                return Ok(None);
            }
            read_number(&c, mapping)
                .map(Some)
                .ok_or_else(|| BankFileError::InvalidAmount {
                    text: c.text(),
                    at: at(col),
                    reason: String::new(),
                })
        };
        let missing = |col: usize| BankFileError::InvalidAmount {
            text: String::new(),
            at: at(col),
            reason: ": the amount is empty".into(),
        };
        let mut amount = match &mapping.amount {
            AmountColumns::Signed { column } => number(*column)?.ok_or_else(|| missing(*column))?,
            AmountColumns::DebitCredit { debit, credit } => {
                match (number(*debit)?, number(*credit)?) {
                    (None, None) => return Err(missing(*debit)),
                    (d, c) => c.unwrap_or_default() - d.unwrap_or_default().abs(),
                }
            }
            AmountColumns::WithIndicator {
                amount,
                indicator,
                debit_values,
            } => {
                let value = number(*amount)?.ok_or_else(|| missing(*amount))?.abs();
                let mark = cell(*indicator).text();
                if debit_values
                    .iter()
                    .any(|d| d.eq_ignore_ascii_case(mark.trim()))
                {
                    -value
                } else {
                    value
                }
            }
        };
        if mapping.invert_sign {
            amount = -amount;
        }
        if let Some(col) = mapping.currency_column {
            let code = cell(col).text();
            if !code.is_empty() {
                let found = currency_at(&code, at(col))?;
                match st.account.currency {
                    None => st.account.currency = Some(found),
                    Some(c) if c == found => {}
                    Some(c) => {
                        return Err(BankFileError::CurrencyMismatch {
                            expected: c.code().to_string(),
                            found: found.code().to_string(),
                            at: at(col),
                        })
                    }
                }
            }
        }
        if let Some(col) = mapping.balance_column {
            if let Some(b) = number(col)? {
                balances.push((st.transactions.len(), b));
            }
        }
        let text_of = |col: Option<usize>| col.and_then(|c| non_empty(clean(&cell(c).text())));
        let description = mapping
            .description_columns
            .iter()
            .filter_map(|c| non_empty(clean(&cell(*c).text())))
            .collect::<Vec<_>>()
            .join(" / ");
        st.transactions.push(BankFileTransaction {
            booked,
            value_date,
            amount,
            description,
            counterparty: text_of(mapping.counterparty_column),
            counterparty_account: text_of(mapping.counterparty_account_column),
            reference: text_of(mapping.reference_column),
            provider_id: text_of(mapping.provider_id_column),
            type_code: None,
        });
    }
    if st.transactions.is_empty() {
        st.warnings
            .push("the file holds no transaction rows".into());
    }
    running_balances(&mut st, &balances);
    st.period_start = st.transactions.iter().map(|t| t.booked).min();
    st.period_end = st.transactions.iter().map(|t| t.booked).max();
    Ok(vec![st])
}

/// With a balance on every row: oldest-first or newest-first, whichever the arithmetic shows;
/// opening/closing follow from it and rows that break it are named in warnings.
fn running_balances(st: &mut BankFileStatement, balances: &[(usize, Decimal)]) {
    let n = st.transactions.len();
    if n == 0 || balances.len() != n {
        if !balances.is_empty() && balances.len() != n {
            st.warnings
                .push("some rows have no balance; balances not checked".into());
        }
        return;
    }
    let amt = |i: usize| st.transactions[i].amount;
    let bal = |i: usize| balances[i].1;
    let forward_breaks: Vec<usize> = (1..n).filter(|&i| bal(i - 1) + amt(i) != bal(i)).collect();
    let backward_breaks: Vec<usize> = (1..n)
        .filter(|&i| bal(i) + amt(i - 1) != bal(i - 1))
        .collect();
    let newest_first = n > 1 && !forward_breaks.is_empty() && backward_breaks.is_empty();
    if newest_first {
        st.opening_balance = Some(bal(n - 1) - amt(n - 1));
        st.opening_date = Some(st.transactions[n - 1].booked);
        st.closing_balance = Some(bal(0));
        st.closing_date = Some(st.transactions[0].booked);
    } else {
        st.opening_balance = Some(bal(0) - amt(0));
        st.opening_date = Some(st.transactions[0].booked);
        st.closing_balance = Some(bal(n - 1));
        st.closing_date = Some(st.transactions[n - 1].booked);
        for i in forward_breaks {
            st.warnings.push(format!(
                "transaction {}: balance {} is not the previous balance {} plus {}",
                i + 1,
                bal(i),
                bal(i - 1),
                amt(i)
            ));
        }
    }
}

fn read_date(cell: &Cell, format: &str) -> Option<NaiveDate> {
    match cell {
        Cell::Date(d) => Some(*d),
        Cell::Number(_) | Cell::Empty => None,
        Cell::Text(t) => {
            let t = t.trim();
            NaiveDate::parse_from_str(t, format)
                .ok()
                .or_else(|| {
                    // "2018-12-15 00:00:00", "15/12/2018 10:02": the day is the first word.
                    let first = t.split_whitespace().next()?;
                    NaiveDate::parse_from_str(first, format).ok()
                })
                .or_else(|| crate::text::iso_date(t).filter(|_| format.is_empty()))
        }
    }
}

fn read_number(cell: &Cell, mapping: &CsvMapping) -> Option<Decimal> {
    match cell {
        Cell::Number(n) => Some(*n),
        Cell::Text(t) => {
            let mut thousands: Vec<char> = mapping.thousands_separator.into_iter().collect();
            thousands.extend([' ', '\u{a0}', '\u{202f}']);
            let stripped = strip_currency(t.trim().trim_start_matches('\''));
            parse_amount(&stripped, mapping.decimal_separator, &thousands)
        }
        _ => None,
    }
}

/// Drops a currency symbol or a three-letter code before or after the number ("USD 9.126,07",
/// "544,00 $"): banks' spreadsheets often print amounts as such text.
fn strip_currency(text: &str) -> String {
    let symbols = ['€', '$', '£', '¥'];
    let mut t = text.trim().trim_matches(symbols).trim();
    let is_code = |s: &str| s.len() == 3 && s.bytes().all(|b| b.is_ascii_uppercase());
    if let Some((head, tail)) = t.rsplit_once(' ') {
        if is_code(tail) {
            t = head.trim();
        }
    }
    if let Some((head, tail)) = t.split_once(' ') {
        if is_code(head) {
            t = tail.trim();
        }
    }
    t.trim_matches(symbols).trim().to_string()
}

const DATE_FORMATS: &[&str] = &[
    "%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%d-%m-%Y", "%m-%d-%Y", "%Y/%m/%d", "%Y%m%d",
    "%d/%m/%y", "%m/%d/%y", "%d.%m.%y", "%d-%m-%y",
];

fn header_kind(h: &str) -> Option<&'static str> {
    let h = h.trim().to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| h.contains(w));
    if h.is_empty() {
        return None;
    }
    if has(&["value date", "valuta", "wertstellung", "date de valeur"]) {
        return Some("value_date");
    }
    if has(&["balance", "saldo", "solde"]) {
        return Some("balance");
    }
    if h == "d/c" || h == "dc" || h == "cr/dr" || h == "dr/cr" || h == "af bij" || h == "sign" {
        return Some("indicator");
    }
    if has(&[
        "debit",
        "withdrawal",
        "paid out",
        "money out",
        "soll",
        "débit",
    ]) {
        return Some("debit");
    }
    if has(&[
        "credit", "deposit", "paid in", "money in", "haben", "crédit",
    ]) {
        return Some("credit");
    }
    if has(&["date", "datum", "fecha", "data"]) {
        return Some("date");
    }
    if has(&["amount currency", "original amount", "currency amount"]) {
        return None;
    }
    if has(&[
        "amount", "betrag", "bedrag", "montant", "importe", "importo",
    ]) {
        return Some("amount");
    }
    if has(&[
        "partner",
        "payee",
        "counterparty",
        "beneficiary",
        "naam",
        "empfänger",
        "name",
    ]) {
        return Some("counterparty");
    }
    if has(&["bank account", "iban", "tegenrekening", "counter account"]) {
        return Some("counterparty_account");
    }
    if has(&[
        "transaction id",
        "operation number",
        "reference",
        "référence",
        "referenz",
        "ref",
    ]) {
        return Some("reference");
    }
    if has(&[
        "description",
        "label",
        "memo",
        "detail",
        "narrative",
        "verwendungszweck",
        "omschrijving",
        "libellé",
        "libelle",
        "text",
        "particulars",
    ]) {
        return Some("description");
    }
    None
}

/// Proposes a mapping from the file: delimiter, header row, columns by header words (or by
/// content without a header), date format and decimal separator by what parses every cell.
/// The person confirms it once; Folio then stores it for the account.
pub fn suggest_mapping(bytes: &[u8]) -> Result<CsvMapping, BankFileError> {
    let is_sheet = matches!(crate::detect(bytes, None), Some(Format::Xlsx));
    let mut mapping = CsvMapping::default();
    let rows = if is_sheet {
        xlsx_rows(bytes, None)?
    } else {
        let text = crate::text::decode_auto(bytes)?;
        mapping.delimiter = guess_delimiter(&text);
        csv_rows(&text, mapping.delimiter)?
    };
    // Header: the first of the first 30 rows naming a date and an amount-like column.
    let header = rows.iter().take(30).position(|(_, cells)| {
        let kinds: Vec<_> = cells
            .iter()
            .filter_map(|c| header_kind(&c.text()))
            .collect();
        kinds.contains(&"date")
            && ["amount", "debit", "credit"]
                .iter()
                .any(|k| kinds.contains(k))
    });
    let mut cols: Vec<(&'static str, usize)> = Vec::new();
    match header {
        Some(h) => {
            mapping.skip_rows = h;
            mapping.has_header = true;
            for (i, c) in rows[h].1.iter().enumerate() {
                if let Some(kind) = header_kind(&c.text()) {
                    cols.push((kind, i));
                }
            }
        }
        None => {
            mapping.has_header = false;
            let width = rows.iter().map(|r| r.1.len()).max().unwrap_or(0);
            let sample: Vec<&Vec<Cell>> = rows.iter().take(50).map(|r| &r.1).collect();
            let all = |col: usize, f: &dyn Fn(&Cell) -> bool| {
                let cells: Vec<&Cell> = sample
                    .iter()
                    .filter_map(|r| r.get(col))
                    .filter(|c| !c.is_empty())
                    .collect();
                !cells.is_empty() && cells.iter().all(|c| f(c))
            };
            let is_date = |c: &Cell| {
                matches!(c, Cell::Date(_))
                    || DATE_FORMATS
                        .iter()
                        .any(|f| read_date(c, f).is_some_and(sane_year))
            };
            let is_num = |c: &Cell| {
                matches!(c, Cell::Number(_))
                    || parse_amount(&c.text(), '.', &[',']).is_some()
                    || parse_amount(&c.text(), ',', &['.']).is_some()
            };
            if let Some(d) = (0..width).find(|&c| all(c, &is_date)) {
                cols.push(("date", d));
                if let Some(a) = (0..width).find(|&c| c != d && all(c, &is_num)) {
                    cols.push(("amount", a));
                }
                if let Some(t) = (0..width)
                    .find(|&c| c != d && !all(c, &is_num) && all(c, &|x: &Cell| !x.is_empty()))
                {
                    cols.push(("description", t));
                }
            }
        }
    }
    let first = |kind: &str| cols.iter().find(|(k, _)| *k == kind).map(|(_, i)| *i);
    let date = first("date").ok_or(BankFileError::CsvMappingNeeded {
        format: if is_sheet { Format::Xlsx } else { Format::Csv },
    })?;
    mapping.date_column = date;
    mapping.value_date_column = first("value_date");
    mapping.balance_column = first("balance");
    mapping.counterparty_column = first("counterparty");
    mapping.counterparty_account_column = first("counterparty_account");
    mapping.reference_column = first("reference");
    mapping.description_columns = cols
        .iter()
        .filter(|(k, _)| *k == "description")
        .map(|(_, i)| *i)
        .collect();
    mapping.amount = match (
        first("amount"),
        first("debit"),
        first("credit"),
        first("indicator"),
    ) {
        (Some(a), _, _, Some(ind)) => AmountColumns::WithIndicator {
            amount: a,
            indicator: ind,
            debit_values: vec!["D".into(), "DR".into(), "DEBIT".into(), "AF".into()],
        },
        (_, Some(d), Some(c), _) => AmountColumns::DebitCredit {
            debit: d,
            credit: c,
        },
        (Some(a), _, _, _) => AmountColumns::Signed { column: a },
        _ => {
            return Err(BankFileError::CsvMappingNeeded {
                format: if is_sheet { Format::Xlsx } else { Format::Csv },
            })
        }
    };
    let data: Vec<&Vec<Cell>> = rows
        .iter()
        .skip(mapping.skip_rows + usize::from(mapping.has_header))
        .map(|r| &r.1)
        .collect();
    // Date format: the first that reads every date cell (rows without one are skipped).
    let dates: Vec<&Cell> = data
        .iter()
        .filter_map(|r| r.get(date))
        .filter(|c| !c.is_empty())
        .collect();
    let fitting = |f: &&str| {
        dates
            .iter()
            .filter(|c| read_date(c, f).is_some_and(sane_year))
            .count()
    };
    if let Some(best) = DATE_FORMATS.iter().max_by_key(|f| {
        (
            fitting(f),
            usize::MAX - DATE_FORMATS.iter().position(|x| x == *f).unwrap_or(0),
        )
    }) {
        mapping.date_format = best.to_string();
    }
    // Rows at the end whose date cell does not parse are footers.
    let footer = data
        .iter()
        .rev()
        .take_while(|r| {
            r.get(date)
                .is_some_and(|c| !c.is_empty() && read_date(c, &mapping.date_format).is_none())
        })
        .count();
    mapping.skip_footer_rows = footer;
    // Decimal separator from the amount cells.
    let amount_cols: Vec<usize> = match &mapping.amount {
        AmountColumns::Signed { column } => vec![*column],
        AmountColumns::DebitCredit { debit, credit } => vec![*debit, *credit],
        AmountColumns::WithIndicator { amount, .. } => vec![*amount],
    };
    let mut comma = 0;
    let mut point = 0;
    for r in &data {
        for c in &amount_cols {
            if let Some(Cell::Text(t)) = r.get(*c) {
                let (last_dot, last_comma) = (t.rfind('.'), t.rfind(','));
                match (last_dot, last_comma) {
                    (Some(d), Some(c)) if c > d => comma += 1,
                    (Some(_), Some(_)) => point += 1,
                    (None, Some(i)) if t.len() - i - 1 != 3 => comma += 1,
                    (Some(i), None) if t.len() - i - 1 != 3 => point += 1,
                    _ => {}
                }
            }
        }
    }
    if comma > point {
        mapping.decimal_separator = ',';
        mapping.thousands_separator = Some('.');
    } else {
        mapping.decimal_separator = '.';
        mapping.thousands_separator = Some(',');
    }
    Ok(mapping)
}

fn sane_year(d: NaiveDate) -> bool {
    use chrono::Datelike;
    (1970..=2100).contains(&d.year())
}

fn guess_delimiter(text: &str) -> char {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(30)
        .collect();
    let mut best = (',', 0usize);
    for d in [',', ';', '\t', '|'] {
        // Lines with the most common non-zero count of this delimiter (outside quotes).
        let counts: Vec<usize> = lines
            .iter()
            .map(|l| {
                let mut quoted = false;
                l.chars()
                    .filter(|c| {
                        if *c == '"' {
                            quoted = !quoted;
                        }
                        *c == d && !quoted
                    })
                    .count()
            })
            .collect();
        let mut freq = std::collections::HashMap::new();
        for c in counts.iter().filter(|c| **c > 0) {
            *freq.entry(*c).or_insert(0usize) += 1;
        }
        let score = freq.values().max().copied().unwrap_or(0);
        if score > best.1 {
            best = (d, score);
        }
    }
    best.0
}
