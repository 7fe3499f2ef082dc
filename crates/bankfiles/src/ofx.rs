//! OFX 1.x (SGML: leaf elements are not closed, `<TRNAMT>-12.50` ends at the next tag) and OFX
//! 2.x (XML), QFX included. One tolerant tokenizer reads both into the same tree: text after an
//! open tag makes it a leaf, closed by its own end tag or by whatever tag comes next.
//!
//! Every `STMTRS` (bank) and `CCSTMTRS` (credit card) is one statement; several `BANKTRANLIST`s
//! in one statement are read as one list.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::text::{clean, parse_amount};
use crate::xml::{Node, MAX_DEPTH};
use crate::{
    account_ref, currency_at, AccountRef, BankFileError, BankFileStatement, BankFileTransaction,
    Format,
};

pub(crate) fn parse(bytes: &[u8]) -> Result<Vec<BankFileStatement>, BankFileError> {
    let text = crate::text::decode_auto(bytes)?;
    let root = tree(&text)?;
    let mut stmts = Vec::new();
    root.descendants("STMTRS", &mut stmts);
    root.descendants("CCSTMTRS", &mut stmts);
    if stmts.is_empty() {
        return Err(BankFileError::NoStatement {
            format: Format::Ofx,
            detail: "no STMTRS or CCSTMTRS (bank or card statement) in the OFX".into(),
        });
    }
    stmts
        .iter()
        .enumerate()
        .map(|(i, s)| statement(s, &format!("{} {}", s.name, i + 1)))
        .collect()
}

fn statement(s: &Node, at: &str) -> Result<BankFileStatement, BankFileError> {
    let mut warnings = Vec::new();
    let currency = match s.text_at("CURDEF") {
        Some(code) => Some(currency_at(&code, format!("{at}, CURDEF"))?),
        None => {
            warnings.push(format!("{at}: no CURDEF; the account's currency is used"));
            None
        }
    };
    let from = s.child("BANKACCTFROM").or_else(|| s.child("CCACCTFROM"));
    let (iban, number) = account_ref(&from.and_then(|f| f.text_at("ACCTID")).unwrap_or_default());
    let bank_id = from.and_then(|f| match (f.text_at("BANKID"), f.text_at("BRANCHID")) {
        (Some(b), Some(br)) => Some(format!("{b}/{br}")),
        (b, _) => b,
    });
    if from.is_none() {
        warnings.push(format!(
            "{at}: no BANKACCTFROM/CCACCTFROM; the account is not named"
        ));
    }
    let mut period_start: Option<NaiveDate> = None;
    let mut period_end: Option<NaiveDate> = None;
    let mut transactions = Vec::new();
    let mut n = 0usize;
    for list in s.children("BANKTRANLIST") {
        if let Some(d) = list.text_at("DTSTART").and_then(|t| ofx_date(&t)) {
            period_start = Some(period_start.map_or(d, |p| p.min(d)));
        }
        if let Some(d) = list.text_at("DTEND").and_then(|t| ofx_date(&t)) {
            period_end = Some(period_end.map_or(d, |p| p.max(d)));
        }
        for trn in list.children("STMTTRN") {
            n += 1;
            transactions.push(transaction(trn, &format!("{at}, STMTTRN {n}"))?);
        }
    }
    let (closing_balance, closing_date) = match s.child("LEDGERBAL") {
        Some(bal) => {
            let bat = format!("{at}, LEDGERBAL");
            let text = bal.text_at("BALAMT").unwrap_or_default();
            let amount = ofx_amount(&text).ok_or_else(|| BankFileError::InvalidAmount {
                text: text.clone(),
                at: format!("{bat}, BALAMT"),
                reason: String::new(),
            })?;
            (
                Some(amount),
                bal.text_at("DTASOF").and_then(|t| ofx_date(&t)),
            )
        }
        None => (None, None),
    };
    Ok(BankFileStatement {
        format: Format::Ofx,
        account: AccountRef {
            iban,
            number,
            bank_id,
            name: None,
            currency,
        },
        statement_id: None,
        period_start,
        period_end,
        opening_balance: None,
        opening_date: None,
        closing_balance,
        closing_date,
        transactions,
        warnings,
    })
}

fn transaction(t: &Node, at: &str) -> Result<BankFileTransaction, BankFileError> {
    let posted = t.text_at("DTPOSTED").ok_or_else(|| {
        BankFileError::malformed(Format::Ofx, at.to_string(), "no DTPOSTED (posting date)")
    })?;
    let booked = ofx_date(&posted).ok_or_else(|| BankFileError::InvalidDate {
        text: posted.clone(),
        at: format!("{at}, DTPOSTED"),
    })?;
    let amount_text = t.text_at("TRNAMT").ok_or_else(|| {
        BankFileError::malformed(Format::Ofx, at.to_string(), "no TRNAMT (amount)")
    })?;
    let amount = ofx_amount(&amount_text).ok_or_else(|| BankFileError::InvalidAmount {
        text: amount_text.clone(),
        at: format!("{at}, TRNAMT"),
        reason: String::new(),
    })?;
    let name = t
        .text_at("NAME")
        .or_else(|| t.text_at("PAYEE/NAME"))
        .map(|n| clean(&n));
    let memo = t.text_at("MEMO").map(|m| clean(&m));
    let description = match (&name, &memo) {
        (Some(n), Some(m)) if n != m => format!("{n} / {m}"),
        (Some(n), _) => n.clone(),
        (None, Some(m)) => m.clone(),
        (None, None) => String::new(),
    };
    Ok(BankFileTransaction {
        booked,
        value_date: t.text_at("DTAVAIL").and_then(|d| ofx_date(&d)),
        amount,
        description,
        counterparty: name,
        counterparty_account: t
            .text_at("BANKACCTTO/ACCTID")
            .or_else(|| t.text_at("CCACCTTO/ACCTID")),
        reference: t.text_at("CHECKNUM").or_else(|| t.text_at("REFNUM")),
        provider_id: t.text_at("FITID"),
        type_code: t.text_at("TRNTYPE"),
    })
}

/// OFX dates: `YYYYMMDD[HHMMSS[.XXX]][[gmt offset:tz]]`; the day is the first eight digits.
fn ofx_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    let digits = t.get(..8)?;
    NaiveDate::parse_from_str(digits, "%Y%m%d").ok()
}

/// OFX amounts use a point; some banks write a comma instead, never both.
fn ofx_amount(text: &str) -> Option<Decimal> {
    if text.contains(',') && !text.contains('.') {
        parse_amount(text, ',', &[])
    } else {
        parse_amount(text, '.', &[])
    }
}

/// Reads the body from `<OFX>` on into a tree, closing SGML leaves implicitly.
fn tree(text: &str) -> Result<Node, BankFileError> {
    let start = find_ofx(text).ok_or_else(|| {
        BankFileError::malformed(Format::Ofx, "header", "no <OFX> element after the header")
    })?;
    let body = &text[start..];
    // stack[0] is the synthetic root; `leaf` marks that the top element got text (SGML leaf).
    let mut stack: Vec<Node> = vec![Node::default()];
    let mut leaf = false;
    let mut rest = body;
    let line_of = |rest: &str| text[..text.len() - rest.len()].lines().count().max(1);
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = match after.find("-->") {
                Some(i) => &after[i + 3..],
                None => "",
            };
            continue;
        }
        if rest.starts_with("<?") || rest.starts_with("<!") {
            rest = match rest.find('>') {
                Some(i) => &rest[i + 1..],
                None => "",
            };
            continue;
        }
        if let Some(after) = rest.strip_prefix('<') {
            let Some(end) = after.find('>') else {
                return Err(BankFileError::malformed(
                    Format::Ofx,
                    format!("line {}", line_of(rest)),
                    "a tag is not closed with '>'",
                ));
            };
            let tag = after[..end].trim();
            rest = &after[end + 1..];
            if let Some(name) = tag.strip_prefix('/') {
                let name = name.trim().to_ascii_uppercase();
                // Close up to the named element; an end tag for nothing open is ignored.
                if let Some(pos) = stack.iter().rposition(|n| n.name == name) {
                    if pos == 0 {
                        continue;
                    }
                    while stack.len() > pos {
                        pop(&mut stack);
                    }
                }
                leaf = false;
            } else {
                if leaf {
                    pop(&mut stack);
                    leaf = false;
                }
                let (name, self_closing) = match tag.strip_suffix('/') {
                    Some(n) => (n.trim(), true),
                    None => (tag, false),
                };
                let name = name
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_ascii_uppercase();
                if name.is_empty() {
                    return Err(BankFileError::malformed(
                        Format::Ofx,
                        format!("line {}", line_of(rest)),
                        "an empty tag <>",
                    ));
                }
                if stack.len() > MAX_DEPTH {
                    return Err(BankFileError::malformed(
                        Format::Ofx,
                        format!("line {}", line_of(rest)),
                        format!("elements nested deeper than {MAX_DEPTH}"),
                    ));
                }
                stack.push(Node {
                    name,
                    ..Node::default()
                });
                if self_closing {
                    pop(&mut stack);
                }
            }
            continue;
        }
        let end = rest.find('<').unwrap_or(rest.len());
        let raw = rest[..end].trim();
        rest = &rest[end..];
        if !raw.is_empty() && stack.len() > 1 {
            if let Some(top) = stack.last_mut() {
                top.text.push_str(&entities(raw));
                leaf = true;
            }
        }
    }
    while stack.len() > 1 {
        pop(&mut stack);
    }
    Ok(stack.pop().unwrap_or_default())
}

fn pop(stack: &mut Vec<Node>) {
    if stack.len() < 2 {
        return;
    }
    if let Some(node) = stack.pop() {
        if let Some(parent) = stack.last_mut() {
            parent.children.push(node);
        }
    }
}

fn find_ofx(text: &str) -> Option<usize> {
    let upper = text.to_ascii_uppercase();
    let mut from = 0;
    while let Some(i) = upper[from..].find("<OFX") {
        let at = from + i;
        let next = upper.as_bytes().get(at + 4).copied();
        if matches!(
            next,
            Some(b'>') | Some(b' ') | Some(b'\t') | Some(b'\r') | Some(b'\n')
        ) {
            return Some(at);
        }
        from = at + 4;
    }
    None
}

fn entities(raw: &str) -> String {
    if !raw.contains('&') {
        return raw.to_string();
    }
    raw.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sgml_leaves_close_at_the_next_tag() {
        let file = b"OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\nCHARSET:1252\r\n\r\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>EUR\r\n<BANKACCTFROM><BANKID>123<ACCTID>FR7630001007941234567890185<ACCTTYPE>CHECKING</BANKACCTFROM>\r\n<BANKTRANLIST><DTSTART>20240101<DTEND>20240131\r\n<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240105120000[+1:CET]<TRNAMT>-12,50<FITID>A1<NAME>Caf\xE9 &amp; Co<MEMO>Lunch</STMTTRN>\r\n</BANKTRANLIST><LEDGERBAL><BALAMT>100.00<DTASOF>20240131</LEDGERBAL></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>";
        let st = parse(file).unwrap_or_default();
        assert_eq!(st.len(), 1);
        let t = &st[0].transactions[0];
        assert_eq!(t.amount, Decimal::new(-1250, 2));
        assert_eq!(t.description, "Café & Co / Lunch");
        assert_eq!(t.provider_id.as_deref(), Some("A1"));
        assert_eq!(
            t.booked,
            NaiveDate::from_ymd_opt(2024, 1, 5).unwrap_or_default()
        );
        assert_eq!(
            st[0].account.iban.as_ref().map(|i| i.as_str()),
            Some("FR7630001007941234567890185")
        );
        assert_eq!(st[0].closing_balance, Some(Decimal::new(10000, 2)));
    }
}
