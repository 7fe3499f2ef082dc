//! SWIFT MT940 customer statements (and MT942 interim reports): `:tag:` lines, SWIFT blocks
//! `{1:..}{4:` and bank headers around them are skipped. Each `:20:` opens a statement.
//!
//! `:61:` is value date YYMMDD, optional entry date MMDD, mark (D, C, RD, RC), optional funds
//! code, amount with a decimal comma, type code (`N426`), customer reference, `//` bank reference,
//! supplementary details on the next line. The `:86:` after it describes it: German `?20`
//! subfields, SWIFT-style `/REMI/`, `/NAME/`, `/CNTP/` tags, or free text.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use crate::text::{clean, full_year, non_empty, parse_amount};
use crate::{
    account_ref, currency_at, AccountRef, BankFileError, BankFileStatement, BankFileTransaction,
    Format,
};

/// True when the text has MT940 tags: `:20:` and `:25:`/`:60F:`/`:61:` at line starts.
pub(crate) fn looks_like(text: &str) -> bool {
    let mut tags = 0;
    for line in text.lines().take(200) {
        let l = line.trim_start();
        if l.starts_with(":20:")
            || l.starts_with(":25:")
            || l.starts_with(":60F:")
            || l.starts_with(":61:")
            || l.starts_with(":28C:")
        {
            tags += 1;
        }
    }
    tags >= 2
}

/// Splits into (tag, content, first line number); continuation lines join the content with '\n'.
fn fields(text: &str) -> Vec<(String, String, usize)> {
    let mut out: Vec<(String, String, usize)> = Vec::new();
    let mut open = false; // a field is open for continuation lines
    let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
    let mut i = 0;
    while i < lines.len() {
        let line_no = i + 1;
        let mut line = lines[i].to_string();
        // Some exports break the tag itself: ":" alone, then "86:...".
        if line.trim() == ":" {
            if let Some(next) = lines.get(i + 1) {
                line = format!(":{next}");
                i += 1;
            }
        }
        i += 1;
        if let Some((tag, rest)) = tag_of(&line) {
            out.push((tag, rest.to_string(), line_no));
            open = true;
            continue;
        }
        let t = line.trim();
        if t == "-" || t == "-}" || t.starts_with("-}{") || t.starts_with('{') {
            // End of a message, or a SWIFT block header; content may follow `{4:`.
            open = false;
            if let Some(pos) = t.find("{4:") {
                let after = t[pos + 3..].trim();
                if let Some((tag, rest)) = tag_of(after) {
                    out.push((tag, rest.to_string(), line_no));
                    open = true;
                }
            }
            continue;
        }
        if open {
            if let Some(last) = out.last_mut() {
                last.1.push('\n');
                last.1.push_str(&line);
            }
        }
    }
    out
}

/// `:61:rest` -> ("61", "rest"); tags are two digits and an optional letter.
fn tag_of(line: &str) -> Option<(String, &str)> {
    let rest = line.strip_prefix(':')?;
    let end = rest.find(':')?;
    let tag = &rest[..end];
    let b = tag.as_bytes();
    let ok = (b.len() == 2 || b.len() == 3)
        && b[0].is_ascii_digit()
        && b[1].is_ascii_digit()
        && (b.len() == 2 || b[2].is_ascii_uppercase());
    let ok = ok || tag == "NS";
    ok.then(|| (tag.to_string(), &rest[end + 1..]))
}

fn new_statement() -> BankFileStatement {
    BankFileStatement {
        format: Format::Mt940,
        account: AccountRef::default(),
        statement_id: None,
        period_start: None,
        period_end: None,
        opening_balance: None,
        opening_date: None,
        closing_balance: None,
        closing_date: None,
        transactions: Vec::new(),
        warnings: Vec::new(),
    }
}

pub(crate) fn parse(bytes: &[u8]) -> Result<Vec<BankFileStatement>, BankFileError> {
    let text = crate::text::decode_auto(bytes)?;
    let mut out: Vec<BankFileStatement> = Vec::new();
    let mut current: Option<BankFileStatement> = None;
    // Whether the last :61: may still take its :86:.
    let mut last_is_line = false;
    for (tag, content, line) in fields(&text) {
        let at = format!("line {line}, :{tag}:");
        if tag == "20" {
            if let Some(st) = current.take() {
                out.push(st);
            }
        }
        if tag == "NS" {
            continue;
        }
        let st = current.get_or_insert_with(new_statement);
        match tag.as_str() {
            "20" => {
                let id = clean(&content);
                st.statement_id = non_empty(id);
            }
            "28C" | "28" => {
                let n: String = content.chars().filter(|c| !c.is_whitespace()).collect();
                if !n.is_empty() {
                    st.statement_id = Some(n);
                }
            }
            "25" => account(st, &content),
            "60F" | "60M" | "60" if st.opening_balance.is_none() => {
                let (amount, date, ccy) = balance(&content, &at, &mut st.warnings)?;
                set_currency(st, &ccy, &at)?;
                st.opening_balance = Some(amount);
                st.opening_date = Some(date);
            }
            "62F" | "62M" | "62" => {
                let (amount, date, ccy) = balance(&content, &at, &mut st.warnings)?;
                set_currency(st, &ccy, &at)?;
                st.closing_balance = Some(amount);
                st.closing_date = Some(date);
            }
            "34F" => {
                let code: String = content.trim().chars().take(3).collect();
                if st.account.currency.is_none() && code.len() == 3 {
                    set_currency(st, &code, &at)?;
                }
            }
            "61" => {
                let t = statement_line(&content, &at, &mut st.warnings)?;
                st.transactions.push(t);
                last_is_line = true;
                continue;
            }
            "86" if last_is_line => {
                if let Some(t) = st.transactions.last_mut() {
                    describe(t, &content);
                }
            }
            _ => {}
        }
        last_is_line = false;
    }
    if let Some(st) = current.take() {
        out.push(st);
    }
    out.retain(|st| {
        !st.transactions.is_empty() || st.opening_balance.is_some() || st.closing_balance.is_some()
    });
    if out.is_empty() {
        return Err(BankFileError::NoStatement {
            format: Format::Mt940,
            detail: "no :61: statement line and no :60F:/:62F: balance".into(),
        });
    }
    for st in &mut out {
        st.period_start = st
            .opening_date
            .or_else(|| st.transactions.iter().map(|t| t.booked).min());
        st.period_end = st
            .closing_date
            .or_else(|| st.transactions.iter().map(|t| t.booked).max());
    }
    Ok(out)
}

fn account(st: &mut BankFileStatement, content: &str) {
    let mut id = clean(content);
    // "NL34RABO0142623393 EUR", "51210600/9223382012EUR": a trailing currency code.
    if id.len() > 3 {
        let (head, tail) = id.split_at(id.len() - 3);
        let head_trim = head.trim_end();
        if tail.bytes().all(|b| b.is_ascii_uppercase())
            && head_trim.bytes().last().is_some_and(|b| b.is_ascii_digit())
        {
            if let Ok(c) = folio_ledger::Currency::from_code(tail) {
                st.account.currency.get_or_insert(c);
                id = head_trim.to_string();
            }
        }
    }
    if let Some((bank, number)) = id.split_once('/') {
        st.account.bank_id = non_empty(bank.trim().to_string());
        let (iban, number) = account_ref(number);
        st.account.iban = iban;
        st.account.number = number;
    } else {
        let (iban, number) = account_ref(&id);
        st.account.iban = iban;
        st.account.number = number;
    }
}

fn set_currency(st: &mut BankFileStatement, code: &str, at: &str) -> Result<(), BankFileError> {
    let c = currency_at(code, at.to_string())?;
    match st.account.currency {
        None => st.account.currency = Some(c),
        Some(existing) if existing == c => {}
        Some(existing) => {
            return Err(BankFileError::CurrencyMismatch {
                expected: existing.code().to_string(),
                found: c.code().to_string(),
                at: at.to_string(),
            })
        }
    }
    Ok(())
}

/// `C110522EUR3236,28` -> (3236.28, 2011-05-22, "EUR").
fn balance(
    content: &str,
    at: &str,
    warnings: &mut Vec<String>,
) -> Result<(Decimal, NaiveDate, String), BankFileError> {
    let c: String = content.chars().filter(|c| !c.is_whitespace()).collect();
    let bad =
        |detail: &str| BankFileError::malformed(Format::Mt940, at.to_string(), detail.to_string());
    let mark = c.chars().next().ok_or_else(|| bad("empty balance"))?;
    let sign = match mark {
        'C' => Decimal::ONE,
        'D' => -Decimal::ONE,
        _ => return Err(bad("a balance starts with C or D")),
    };
    let date_text = c.get(1..7).ok_or_else(|| bad("no YYMMDD date"))?;
    let date = yymmdd(date_text, at, warnings)?;
    let ccy = c.get(7..10).ok_or_else(|| bad("no currency"))?.to_string();
    let amount_text = c.get(10..).unwrap_or("");
    let amount = parse_amount(amount_text, ',', &[])
        .filter(|a| !a.is_sign_negative())
        .ok_or_else(|| BankFileError::InvalidAmount {
            text: amount_text.to_string(),
            at: at.to_string(),
            reason: String::new(),
        })?;
    Ok((amount * sign, date, ccy))
}

/// YYMMDD; a day past the month's end (`160230`) is moved to the month's last day, with a
/// warning, as banks print such dates for month-end postings.
fn yymmdd(text: &str, at: &str, warnings: &mut Vec<String>) -> Result<NaiveDate, BankFileError> {
    let invalid = || BankFileError::InvalidDate {
        text: text.to_string(),
        at: at.to_string(),
    };
    if text.len() != 6 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    let num = |r: std::ops::Range<usize>| text.get(r).and_then(|s| s.parse::<u32>().ok());
    let (y, m, d) = match (num(0..2), num(2..4), num(4..6)) {
        (Some(y), Some(m), Some(d)) => (y, m, d),
        _ => return Err(invalid()),
    };
    let year = full_year(i32::try_from(y).map_err(|_| invalid())?, 2);
    if let Some(date) = NaiveDate::from_ymd_opt(year, m, d) {
        return Ok(date);
    }
    if (1..=12).contains(&m) && (29..=31).contains(&d) {
        let mut day = d;
        while day > 27 {
            day -= 1;
            if let Some(date) = NaiveDate::from_ymd_opt(year, m, day) {
                warnings.push(format!("{at}: date {text} does not exist; read as {date}"));
                return Ok(date);
            }
        }
    }
    Err(invalid())
}

fn statement_line(
    content: &str,
    at: &str,
    warnings: &mut Vec<String>,
) -> Result<BankFileTransaction, BankFileError> {
    let bad =
        |detail: &str| BankFileError::malformed(Format::Mt940, at.to_string(), detail.to_string());
    let s = content.trim_start();
    let value_text = s.get(..6).ok_or_else(|| bad("no YYMMDD value date"))?;
    let value_date = yymmdd(value_text, at, warnings)?;
    let mut rest = &s[6..];
    let mut booked = value_date;
    if rest.len() >= 4 && rest.as_bytes()[..4].iter().all(u8::is_ascii_digit) {
        let mm: u32 = rest[..2].parse().map_err(|_| bad("entry date"))?;
        let dd: u32 = rest[2..4].parse().map_err(|_| bad("entry date"))?;
        // The entry date has no year: the one closest to the value date.
        let y = value_date.year();
        let year = if mm == 12 && value_date.month() == 1 {
            y - 1
        } else if mm == 1 && value_date.month() == 12 {
            y + 1
        } else {
            y
        };
        booked = match NaiveDate::from_ymd_opt(year, mm, dd) {
            Some(d) => d,
            None => {
                warnings.push(format!(
                    "{at}: entry date {} is not a date; value date used",
                    &rest[..4]
                ));
                value_date
            }
        };
        rest = &rest[4..];
    }
    let (sign, after) = if let Some(r) = rest.strip_prefix("RD") {
        (Decimal::ONE, r)
    } else if let Some(r) = rest.strip_prefix("RC") {
        (-Decimal::ONE, r)
    } else if let Some(r) = rest.strip_prefix('D') {
        (-Decimal::ONE, r)
    } else if let Some(r) = rest.strip_prefix('C') {
        (Decimal::ONE, r)
    } else {
        return Err(bad("the debit/credit mark (D, C, RD, RC) is missing"));
    };
    rest = after;
    // Funds code: one letter before the amount.
    if rest.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) {
        rest = &rest[1..];
    }
    rest = rest.trim_start_matches(['\n', '\r']);
    let amount_len = rest
        .find(|c: char| !(c.is_ascii_digit() || c == ','))
        .unwrap_or(rest.len());
    let amount_text = &rest[..amount_len];
    let amount =
        parse_amount(amount_text, ',', &[]).ok_or_else(|| BankFileError::InvalidAmount {
            text: amount_text.to_string(),
            at: at.to_string(),
            reason: String::new(),
        })?;
    rest = &rest[amount_len..];
    let (first, supplementary) = match rest.split_once('\n') {
        Some((a, b)) => (a, Some(clean(b))),
        None => (rest, None),
    };
    let mut type_code = None;
    let mut refs = first;
    let tb = first.as_bytes();
    if tb.len() >= 4
        && tb[0].is_ascii_uppercase()
        && tb[1..4]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b' ')
    {
        type_code = Some(first[..4].trim_end().to_string());
        refs = &first[4..];
    }
    let (customer, bank) = match refs.split_once("//") {
        Some((c, b)) => (c.trim(), Some(b.trim())),
        None => (refs.trim(), None),
    };
    let useful = |r: &str| !r.is_empty() && r != "NONREF";
    let supplementary = supplementary.filter(|s| !s.is_empty());
    Ok(BankFileTransaction {
        booked,
        value_date: Some(value_date),
        amount: amount * sign,
        description: supplementary.clone().unwrap_or_default(),
        counterparty: None,
        counterparty_account: None,
        reference: useful(customer).then(|| customer.to_string()),
        provider_id: bank.filter(|b| useful(b)).map(str::to_string),
        type_code,
    })
}

/// Reads `:86:` into the description, counterparty and its account.
fn describe(t: &mut BankFileTransaction, content: &str) {
    let flat_joined: String = content.lines().collect::<Vec<_>>().join("");
    if content.contains("?20") || content.contains("?00") || content.contains("?32") {
        let mut fields: Vec<(u32, String)> = Vec::new();
        for (i, part) in flat_joined.split('?').enumerate() {
            if i == 0 {
                continue;
            }
            if let (Some(code), Some(value)) = (part.get(..2), part.get(2..)) {
                if let Ok(n) = code.parse::<u32>() {
                    fields.push((n, value.to_string()));
                }
            }
        }
        let pick = |range: &[std::ops::RangeInclusive<u32>]| -> String {
            fields
                .iter()
                .filter(|(n, _)| range.iter().any(|r| r.contains(n)))
                .map(|(_, v)| v.as_str())
                .collect::<String>()
        };
        let purpose = clean(&pick(&[20..=29, 60..=63]));
        let posting = clean(&pick(&[0..=0]));
        t.description = if purpose.is_empty() { posting } else { purpose };
        t.counterparty = non_empty(clean(&pick(&[32..=33])));
        t.counterparty_account = non_empty(clean(&pick(&[31..=31])));
        return;
    }
    if [
        "/REMI/", "/NAME/", "/CNTP/", "/EREF/", "/PREF/", "/ORDP/", "/BENM/",
    ]
    .iter()
    .any(|k| flat_joined.contains(k))
    {
        let tags = swift_tags(&flat_joined);
        let get = |k: &str| tags.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let remi = get("REMI").map(|r| {
            let r = r
                .strip_prefix("USTD//")
                .or_else(|| r.strip_prefix("STRD/CUR/"))
                .unwrap_or(&r)
                .to_string();
            clean(r.trim_end_matches('/'))
        });
        let mut counterparty = get("NAME").map(|n| clean(&n));
        let mut account = get("IBAN");
        if let Some(cntp) = get("CNTP") {
            let parts: Vec<&str> = cntp.split('/').collect();
            if account.is_none() {
                account = parts
                    .first()
                    .map(|s| s.to_string())
                    .filter(|s| !s.is_empty());
            }
            if counterparty.is_none() {
                counterparty = parts.get(2).map(|s| clean(s)).filter(|s| !s.is_empty());
            }
        }
        t.description = remi
            .filter(|r| !r.is_empty())
            .or_else(|| counterparty.clone())
            .unwrap_or_else(|| clean(&flat_joined));
        t.counterparty = counterparty;
        t.counterparty_account = account.or(t.counterparty_account.take());
        return;
    }
    let text = clean(&content.lines().collect::<Vec<_>>().join(" "));
    if !text.is_empty() {
        t.description = text;
    }
}

/// `/EREF/x//CNTP/a/b/c///REMI/USTD//text/` -> [(EREF, x), (CNTP, a/b/c), (REMI, USTD//text)].
fn swift_tags(text: &str) -> Vec<(String, String)> {
    const KNOWN: &[&str] = &[
        "EREF",
        "PREF",
        "MARF",
        "CSID",
        "CNTP",
        "REMI",
        "ORDP",
        "BENM",
        "NAME",
        "ADDR",
        "ISDT",
        "RTRN",
        "IBAN",
        "BIC",
        "ID",
        "PURP",
        "ULTC",
        "ULTD",
        "SUM",
        "TRCD",
        "FX",
        "CDTRREF",
        "CDTRREFTP",
        "CD",
        "ACCW",
        "BUSP",
        "SVCL",
        "OCMT",
        "CHGS",
        "EXCH",
        "ULTB",
        "ULTB",
    ];
    // Positions of "/TAG/" for known tags.
    let mut marks: Vec<(usize, usize, &str)> = Vec::new();
    for tag in KNOWN {
        let needle = format!("/{tag}/");
        let mut from = 0;
        while let Some(i) = text[from..].find(&needle) {
            let at = from + i;
            marks.push((at, at + needle.len(), tag));
            from = at + needle.len() - 1;
        }
    }
    marks.sort_by_key(|m| m.0);
    // Drop marks that sit inside an earlier mark's tag text.
    let mut kept: Vec<(usize, usize, &str)> = Vec::new();
    for m in marks {
        if kept.last().is_none_or(|k| m.0 >= k.1) {
            kept.push(m);
        }
    }
    let mut out = Vec::new();
    for (i, (_, start, tag)) in kept.iter().enumerate() {
        let end = kept.get(i + 1).map_or(text.len(), |n| n.0);
        let value = text.get(*start..end.max(*start)).unwrap_or("");
        out.push((tag.to_string(), value.trim_end_matches('/').to_string()));
    }
    out
}
