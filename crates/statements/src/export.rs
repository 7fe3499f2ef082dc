//! A read statement as CSV, XLSX or JSON. The JSON has the Balanzio conversion API's shape
//! (`transactions`, `metadata`, `warnings`) plus Folio's own fields at the top level.

use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::value::RawValue;

use crate::{ParsedStatement, PdfType, StatementInsights, Warning};

/// An output format of `folio convert`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Json,
    Csv,
    Xlsx,
}

impl std::str::FromStr for ExportFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "json" => Ok(ExportFormat::Json),
            "csv" => Ok(ExportFormat::Csv),
            "xlsx" => Ok(ExportFormat::Xlsx),
            other => Err(format!("unknown format {other:?}: use json, csv or xlsx")),
        }
    }
}

/// An amount as a JSON number with exactly the statement's decimals (`-85.30`, not `-85.3`).
fn number(value: Decimal, decimals: u32) -> Box<RawValue> {
    let mut v = value;
    v.rescale(decimals);
    // A Decimal's text is a valid JSON number; the fallback is never taken.
    RawValue::from_string(v.to_string())
        .unwrap_or_else(|_| RawValue::from_string("null".to_string()).unwrap_or_default())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonTransaction<'a> {
    date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    value_date: Option<String>,
    description: &'a str,
    amount: Box<RawValue>,
    balance: Option<Box<RawValue>>,
    currency: Option<&'a str>,
    page: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonMetadata<'a> {
    bank: Option<&'a str>,
    account_number: Option<String>,
    statement_period: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonStatement<'a> {
    transactions: Vec<JsonTransaction<'a>>,
    metadata: JsonMetadata<'a>,
    warnings: Vec<String>,
    iban: Option<String>,
    holder: Option<&'a str>,
    bic: Option<&'a str>,
    ifsc: Option<&'a str>,
    /// `null` when the document names none (with a CURRENCY_UNKNOWN warning).
    currency: Option<&'a str>,
    /// What told the currency: `printed`, `iban`, `bic`, `ifsc` or `given`.
    currency_cue: Option<crate::CurrencyCue>,
    period_start: String,
    period_end: String,
    opening_balance: Box<RawValue>,
    closing_balance: Box<RawValue>,
    reconciled: bool,
    pdf_type: PdfType,
    pages: u32,
    /// FinBox-style extras (identity, months, duplicate, tamper score) when computed.
    #[serde(skip_serializing_if = "Option::is_none")]
    insights: Option<&'a StatementInsights>,
}

/// `2024-01` for a statement of one calendar month, else `2024-01-05/2024-02-04` (ISO 8601).
pub fn statement_period(s: &ParsedStatement) -> String {
    use chrono::Datelike;
    let (a, b) = (s.period_start, s.period_end);
    let whole_month = a.day() == 1
        && a.year() == b.year()
        && a.month() == b.month()
        && b.succ_opt().is_none_or(|next| next.month() != b.month());
    if whole_month {
        format!("{:04}-{:02}", a.year(), a.month())
    } else {
        format!("{a}/{b}")
    }
}

fn warning_text(w: &Warning) -> String {
    format!("{}: {}", w.code, w.message)
}

/// The statement as JSON, pretty-printed. Account numbers are masked; the IBAN is the holder's own
/// and shown whole, as on the statement.
pub fn to_json(s: &ParsedStatement) -> String {
    to_json_with_insights(s, None)
}

/// [`to_json`] with a top-level `insights` object; every other field is the same.
pub fn to_json_with_insights(s: &ParsedStatement, insights: Option<&StatementInsights>) -> String {
    let currency = s.currency.as_ref().map(|c| c.code());
    let d = s.decimals;
    let doc = JsonStatement {
        transactions: s
            .transactions
            .iter()
            .map(|t| JsonTransaction {
                date: t.date.to_string(),
                value_date: t.value_date.map(|v| v.to_string()),
                description: &t.description,
                amount: number(t.amount, d),
                balance: t.balance.map(|b| number(b, d)),
                currency,
                page: t.page,
            })
            .collect(),
        metadata: JsonMetadata {
            bank: s.identity.bank.as_deref(),
            account_number: s.masked_account(),
            statement_period: statement_period(s),
        },
        warnings: s.warnings.iter().map(warning_text).collect(),
        iban: s.identity.iban.as_ref().map(|i| i.to_string()),
        holder: s.identity.holder.as_deref(),
        bic: s.identity.bic.as_deref(),
        ifsc: s.identity.ifsc.as_deref(),
        currency,
        currency_cue: s.currency_cue,
        period_start: s.period_start.to_string(),
        period_end: s.period_end.to_string(),
        opening_balance: number(s.opening_balance, d),
        closing_balance: number(s.closing_balance, d),
        reconciled: s.reconciled,
        pdf_type: s.pdf_type,
        pages: s.pages,
        insights,
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

/// The transactions as CSV: `date,value_date,description,amount,balance,currency`.
pub fn to_csv(s: &ParsedStatement) -> String {
    let mut out = String::from("date,value_date,description,amount,balance,currency\n");
    let fixed = |v: Decimal| {
        let mut v = v;
        v.rescale(s.decimals);
        v.to_string()
    };
    for t in &s.transactions {
        let row = [
            t.date.to_string(),
            t.value_date.map(|v| v.to_string()).unwrap_or_default(),
            csv_field(&t.description),
            fixed(t.amount),
            t.balance.map(fixed).unwrap_or_default(),
            s.currency.as_ref().map_or("", |c| c.code()).to_string(),
        ];
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

/// The statement as an XLSX workbook: a Transactions sheet with real date and number cells, and a
/// Statement sheet with the account, period, balances and warnings.
///
/// Spreadsheet numbers are IEEE doubles by the file format's definition, so amounts become `f64`
/// here and only here; two-decimal amounts below 2^53 cents convert exactly enough to print back
/// identically under the cell's number format.
pub fn to_xlsx(s: &ParsedStatement) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_decimal::prelude::ToPrimitive;
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let pattern = if s.decimals == 0 {
        "#,##0".to_string()
    } else {
        format!("#,##0.{}", "0".repeat(s.decimals as usize))
    };
    let money = Format::new().set_num_format(&pattern);
    let excel_date = |d: chrono::NaiveDate| {
        use chrono::Datelike;
        ExcelDateTime::from_ymd(
            u16::try_from(d.year()).unwrap_or(1900),
            u8::try_from(d.month()).unwrap_or(1),
            u8::try_from(d.day()).unwrap_or(1),
        )
    };

    let sheet = book.add_worksheet().set_name("Transactions")?;
    for (col, title) in [
        "Date",
        "Value date",
        "Description",
        "Amount",
        "Balance",
        "Currency",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string_with_format(0, u16::try_from(col).unwrap_or(0), *title, &bold)?;
    }
    for (i, t) in s.transactions.iter().enumerate() {
        let row = u32::try_from(i + 1).unwrap_or(u32::MAX);
        sheet.write_datetime_with_format(row, 0, &excel_date(t.date)?, &date)?;
        if let Some(v) = t.value_date {
            sheet.write_datetime_with_format(row, 1, &excel_date(v)?, &date)?;
        }
        sheet.write_string(row, 2, &t.description)?;
        sheet.write_number_with_format(row, 3, t.amount.to_f64().unwrap_or(f64::NAN), &money)?;
        if let Some(b) = t.balance {
            sheet.write_number_with_format(row, 4, b.to_f64().unwrap_or(f64::NAN), &money)?;
        }
        sheet.write_string(row, 5, s.currency.as_ref().map_or("", |c| c.code()))?;
    }
    sheet.set_column_width(0, 12)?;
    sheet.set_column_width(1, 12)?;
    sheet.set_column_width(2, 60)?;
    sheet.set_column_width(3, 14)?;
    sheet.set_column_width(4, 14)?;

    let info = book.add_worksheet().set_name("Statement")?;
    let rows: Vec<(&str, String)> = vec![
        ("Bank", s.identity.bank.clone().unwrap_or_default()),
        ("Holder", s.identity.holder.clone().unwrap_or_default()),
        ("Account", s.masked_account().unwrap_or_default()),
        (
            "IBAN",
            s.identity
                .iban
                .as_ref()
                .map(|i| i.to_string())
                .unwrap_or_default(),
        ),
        (
            "Currency",
            s.currency
                .as_ref()
                .map_or_else(|| "unknown".to_string(), |c| c.code().to_string()),
        ),
        ("Period", statement_period(s)),
        (
            "Reconciled",
            if s.reconciled {
                "yes".into()
            } else {
                "no".into()
            },
        ),
    ];
    for (i, (label, value)) in rows.iter().enumerate() {
        let row = u32::try_from(i).unwrap_or(0);
        info.write_string_with_format(row, 0, *label, &bold)?;
        info.write_string(row, 1, value)?;
    }
    let base = u32::try_from(rows.len()).unwrap_or(0);
    info.write_string_with_format(base, 0, "Opening balance", &bold)?;
    info.write_number_with_format(
        base,
        1,
        s.opening_balance.to_f64().unwrap_or(f64::NAN),
        &money,
    )?;
    info.write_string_with_format(base + 1, 0, "Closing balance", &bold)?;
    info.write_number_with_format(
        base + 1,
        1,
        s.closing_balance.to_f64().unwrap_or(f64::NAN),
        &money,
    )?;
    for (i, w) in s.warnings.iter().enumerate() {
        let row = base + 3 + u32::try_from(i).unwrap_or(0);
        info.write_string(row, 0, w.code)?;
        info.write_string(row, 1, &w.message)?;
    }
    info.set_column_width(0, 18)?;
    info.set_column_width(1, 60)?;
    book.save_to_buffer()
}
