//! Text decoding, amounts and dates shared by the formats.

use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::BankFileError;

/// Decodes by BOM (UTF-8, UTF-16 LE/BE); without one, UTF-8 when valid, else Windows-1252
/// (the encoding of older OFX/QIF/MT940 exports, in which every byte is a character).
pub(crate) fn decode_auto(bytes: &[u8]) -> Result<String, BankFileError> {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[bom..]);
        if had_errors {
            return Err(BankFileError::Encoding {
                encoding: if encoding == encoding_rs::UTF_8 {
                    "UTF-8"
                } else {
                    "UTF-16"
                },
                detail: "invalid byte sequence after the byte-order mark".into(),
            });
        }
        return Ok(text.into_owned());
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_string()),
        // A UTF-8 sequence cut by a length limit (sniffing) is still UTF-8.
        Err(e) if e.error_len().is_none() && e.valid_up_to() + 4 > bytes.len() => {
            Ok(String::from_utf8_lossy(&bytes[..e.valid_up_to()]).into_owned())
        }
        Err(_) => {
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            Ok(text.into_owned())
        }
    }
}

/// Parses `text` as an amount with the given decimal separator; `thousands` are grouping marks
/// that may appear in the integer part. Accepts a leading or trailing sign and `(12.00)`.
pub(crate) fn parse_amount(text: &str, decimal: char, thousands: &[char]) -> Option<Decimal> {
    let mut s = text.trim();
    let mut negative = false;
    if let Some(inner) = s.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        negative = true;
        s = inner.trim();
    }
    if let Some(rest) = s.strip_prefix('-') {
        negative = !negative;
        s = rest.trim_start();
    } else if let Some(rest) = s.strip_prefix('+') {
        s = rest.trim_start();
    } else if let Some(rest) = s.strip_suffix('-') {
        negative = !negative;
        s = rest.trim_end();
    }
    if s.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(s.len() + 1);
    let mut seen_decimal = false;
    let mut digits = 0usize;
    for c in s.chars() {
        if c.is_ascii_digit() {
            out.push(c);
            digits += 1;
        } else if c == decimal && !seen_decimal {
            seen_decimal = true;
            out.push('.');
        } else if thousands.contains(&c) && !seen_decimal {
            continue;
        } else {
            return None;
        }
    }
    if digits == 0 || digits > 27 {
        return None;
    }
    if out.starts_with('.') {
        out.insert(0, '0');
    }
    if out.ends_with('.') {
        out.pop();
    }
    let value = Decimal::from_str(&out).ok()?;
    Some(if negative { -value } else { value })
}

/// Expands a two-digit year: 00-79 -> 2000s, 80-99 -> 1900s.
pub(crate) fn full_year(y: i32, digits: usize) -> i32 {
    if digits <= 2 {
        if y < 80 {
            2000 + y
        } else {
            1900 + y
        }
    } else {
        y
    }
}

/// `YYYY-MM-DD` at the start of `text` (CAMT dates and date-times).
pub(crate) fn iso_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    let head = t.get(..10)?;
    NaiveDate::parse_from_str(head, "%Y-%m-%d").ok()
}

/// Strips control characters and collapses white space runs.
pub(crate) fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split(|c: char| c.is_whitespace() || c.is_control()) {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

pub(crate) fn non_empty(text: String) -> Option<String> {
    if text.is_empty() {
        None
    } else {
        Some(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap_or_default()
    }

    #[test]
    fn amounts_in_both_conventions() {
        assert_eq!(parse_amount("1,234.56", '.', &[',']), Some(d("1234.56")));
        assert_eq!(
            parse_amount("-1.234,56", ',', &['.', ' ']),
            Some(d("-1234.56"))
        );
        assert_eq!(parse_amount("(12.00)", '.', &[]), Some(d("-12.00")));
        assert_eq!(parse_amount("12,00-", ',', &[]), Some(d("-12.00")));
        assert_eq!(parse_amount("+31070,11", ',', &[]), Some(d("31070.11")));
        assert_eq!(parse_amount("9,", ',', &[]), Some(d("9")));
        assert_eq!(parse_amount("1.2.3", '.', &[]), None);
        assert_eq!(parse_amount("", '.', &[]), None);
        assert_eq!(parse_amount("-", '.', &[]), None);
        assert_eq!(parse_amount("12a", '.', &[]), None);
    }

    #[test]
    fn encodings_by_bom_and_fallback() {
        assert_eq!(decode_auto(b"\xEF\xBB\xBFabc").ok().as_deref(), Some("abc"));
        assert_eq!(
            decode_auto(b"\xFF\xFEa\x00b\x00").ok().as_deref(),
            Some("ab")
        );
        assert_eq!(
            decode_auto(b"\xFE\xFF\x00a\x00b").ok().as_deref(),
            Some("ab")
        );
        assert_eq!(decode_auto(b"caf\xE9 \x80").ok().as_deref(), Some("café €"));
    }
}
