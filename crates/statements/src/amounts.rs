//! Amounts as statements print them, in every convention Folio meets: `1.234,56` `1,234.56`
//! `1 234,56` `1'234.56` `1,23,456.78`, signs as `-12.50` `12.50-` `(12.50)` `12.50 CR` `DR`,
//! currency symbols before or after. Parsed into exact decimals; never through a float.

use rust_decimal::Decimal;
use serde::Serialize;

/// How a document writes numbers: its decimal mark and its digit-group separator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct NumberFormat {
    pub decimal: char,
    /// `None` when the document never groups digits.
    pub group: Option<char>,
}

impl NumberFormat {
    /// 1,234.56 (UK, US, India, Singapore...).
    pub const POINT: NumberFormat = NumberFormat {
        decimal: '.',
        group: Some(','),
    };
    /// 1.234,56 (Belgium, the Netherlands, Germany...).
    pub const COMMA: NumberFormat = NumberFormat {
        decimal: ',',
        group: Some('.'),
    };
    /// 1 234,56 (France; also with no-break spaces).
    pub const COMMA_SPACE: NumberFormat = NumberFormat {
        decimal: ',',
        group: Some(' '),
    };
    /// 1'234.56 (Switzerland).
    pub const POINT_APOSTROPHE: NumberFormat = NumberFormat {
        decimal: '.',
        group: Some('\''),
    };

    const ALL: [NumberFormat; 4] = [
        Self::POINT,
        Self::COMMA,
        Self::COMMA_SPACE,
        Self::POINT_APOSTROPHE,
    ];
}

/// A sign written next to the number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum SignMark {
    /// `-12.50`, `−12.50`
    LeadingMinus,
    /// `12.50-`
    TrailingMinus,
    /// `(12.50)`
    Parentheses,
    /// `+12.50`
    Plus,
    /// `12.50 CR` / `Cr`
    Credit,
    /// `12.50 DR` / `Dr`
    Debit,
}

/// A parsed amount: its magnitude, how many decimals were printed, and the sign mark if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct AmountToken {
    pub magnitude: Decimal,
    pub decimals: u32,
    pub sign: Option<SignMark>,
}

impl AmountToken {
    /// The signed value: minus, parentheses and DR are negative; CR, plus and none positive.
    /// (Whether a column's unsigned amounts are money in or out is decided by the table.)
    pub fn signed(&self) -> Decimal {
        match self.sign {
            Some(SignMark::LeadingMinus | SignMark::TrailingMinus | SignMark::Parentheses)
            | Some(SignMark::Debit) => -self.magnitude,
            _ => self.magnitude,
        }
    }
}

const CURRENCY_MARKS: &[&str] = &[
    "EUR", "USD", "GBP", "INR", "SGD", "CHF", "S$", "US$", "Rs.", "Rs", "€", "$", "£", "₹",
];

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\u{2009}')
}

/// Parses one amount in the given format. `None` when the text is not an amount in it.
pub fn parse_amount(text: &str, format: NumberFormat) -> Option<AmountToken> {
    let mut s = text.trim_matches(is_space).to_string();
    let mut sign = None;

    // Credit/debit suffixes, with or without a space: "12.50 CR", "12.50Dr".
    for (mark, value) in [("CR", SignMark::Credit), ("DR", SignMark::Debit)] {
        let upper = s.to_ascii_uppercase();
        if upper.len() > mark.len() && upper.ends_with(mark) {
            let cut = s.len() - mark.len();
            if s.is_char_boundary(cut) {
                s.truncate(cut);
                s = s.trim_end_matches(is_space).to_string();
                sign = Some(value);
                break;
            }
        }
    }
    if s.starts_with('(') && s.ends_with(')') && s.len() > 2 {
        s = s[1..s.len() - 1].to_string();
        sign = set_sign(sign, SignMark::Parentheses)?;
    }
    s = strip_currency(&s);
    if let Some(rest) = s.strip_prefix(['-', '\u{2212}', '\u{2013}']) {
        s = rest.trim_start_matches(is_space).to_string();
        sign = set_sign(sign, SignMark::LeadingMinus)?;
    } else if let Some(rest) = s.strip_prefix('+') {
        s = rest.trim_start_matches(is_space).to_string();
        sign = set_sign(sign, SignMark::Plus)?;
    }
    if let Some(rest) = s.strip_suffix(['-', '\u{2212}']) {
        s = rest.trim_end_matches(is_space).to_string();
        sign = set_sign(sign, SignMark::TrailingMinus)?;
    }
    // A currency mark may also stand between the sign and the digits: "-€12.50", "€ -12.50".
    s = strip_currency(&s);
    if sign.is_none() {
        if let Some(rest) = s.strip_prefix(['-', '\u{2212}']) {
            s = rest.to_string();
            sign = Some(SignMark::LeadingMinus);
        }
    }
    let (magnitude, decimals) = parse_digits(&s, format)?;
    Some(AmountToken {
        magnitude,
        decimals,
        sign,
    })
}

fn set_sign(current: Option<SignMark>, new: SignMark) -> Option<Option<SignMark>> {
    match current {
        // Two sign marks on one number ("-(12.50)", "-12.50 CR") are not an amount.
        Some(_) => None,
        None => Some(Some(new)),
    }
}

fn strip_currency(s: &str) -> String {
    let mut out = s.trim_matches(is_space);
    for mark in CURRENCY_MARKS {
        if let Some(rest) = out.strip_prefix(mark) {
            out = rest.trim_start_matches(is_space);
        }
        if let Some(rest) = out.strip_suffix(mark) {
            out = rest.trim_end_matches(is_space);
        }
    }
    out.to_string()
}

/// Digits, group separators and a decimal part, validated against the format's grouping: groups
/// of three (or the Indian 2-2-3), never a stray separator.
fn parse_digits(s: &str, format: NumberFormat) -> Option<(Decimal, u32)> {
    if s.is_empty()
        || !s
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit() || c == format.decimal)
    {
        return None;
    }
    let (int_part, frac_part) = match s.rfind(format.decimal) {
        Some(i) => (&s[..i], Some(&s[i + format.decimal.len_utf8()..])),
        None => (s, None),
    };
    if let Some(frac) = frac_part {
        if frac.is_empty() || frac.len() > 4 || !frac.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
    }
    let groups: Vec<&str> = match format.group {
        Some(' ') => int_part.split(is_space).collect(),
        Some(g) => int_part.split(g).collect(),
        None => vec![int_part],
    };
    if groups
        .iter()
        .any(|g| g.is_empty() || !g.chars().all(|c| c.is_ascii_digit()))
    {
        // "0.50" has an empty integer part only when written ".50": refuse, statements print 0.
        return None;
    }
    if groups.len() > 1 {
        let first_ok = (1..=3).contains(&groups[0].len());
        let rest = &groups[1..];
        let western = rest.iter().all(|g| g.len() == 3);
        // Indian grouping: 1,23,45,678.90 — pairs, then a final group of three.
        let indian = format.group == Some(',')
            && rest.last().is_some_and(|g| g.len() == 3)
            && rest[..rest.len() - 1].iter().all(|g| g.len() == 2)
            && groups[0].len() <= 2;
        if !(first_ok && (western || indian)) {
            return None;
        }
    }
    let digits: String = groups.concat();
    let frac = frac_part.unwrap_or("");
    let decimals = u32::try_from(frac.len()).ok()?;
    let mantissa: i128 = format!("{digits}{frac}").parse().ok()?;
    let value = Decimal::try_from_i128_with_scale(mantissa, decimals).ok()?;
    Some((value, decimals))
}

/// Picks the format that reads the most of a document's amount-like words as amounts with two
/// decimals (what statements print). Ties go to the order of [`NumberFormat::ALL`].
pub fn detect_number_format<'a>(tokens: impl IntoIterator<Item = &'a str>) -> NumberFormat {
    let tokens: Vec<&str> = tokens.into_iter().collect();
    let mut best = (NumberFormat::POINT, 0_usize);
    for format in NumberFormat::ALL {
        let score = tokens
            .iter()
            .filter(|t| parse_amount(t, format).is_some_and(|a| a.decimals == 2))
            .count();
        if score > best.1 {
            best = (format, score);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn signed(text: &str, format: NumberFormat) -> Decimal {
        parse_amount(text, format)
            .unwrap_or_else(|| panic!("{text:?} in {format:?}"))
            .signed()
    }

    #[test]
    fn every_convention_reads_exactly() {
        use NumberFormat as F;
        assert_eq!(signed("1.234,56", F::COMMA), d("1234.56"));
        assert_eq!(signed("1,234.56", F::POINT), d("1234.56"));
        assert_eq!(signed("1 234,56", F::COMMA_SPACE), d("1234.56"));
        assert_eq!(signed("1\u{a0}234,56", F::COMMA_SPACE), d("1234.56"));
        assert_eq!(
            signed("1\u{202f}234\u{202f}567,00", F::COMMA_SPACE),
            d("1234567.00")
        );
        assert_eq!(signed("1'234.56", F::POINT_APOSTROPHE), d("1234.56"));
        assert_eq!(signed("1,23,456.78", F::POINT), d("123456.78"));
        assert_eq!(signed("12,34,56,789.00", F::POINT), d("123456789.00"));
        assert_eq!(signed("0,05", F::COMMA), d("0.05"));
        assert_eq!(signed("739.85", F::POINT), d("739.85"));
        assert_eq!(signed("1500", F::POINT), d("1500"));
    }

    #[test]
    fn signs_in_every_position() {
        let f = NumberFormat::POINT;
        assert_eq!(signed("-12.50", f), d("-12.50"));
        assert_eq!(signed("\u{2212}12.50", f), d("-12.50"));
        assert_eq!(signed("12.50-", f), d("-12.50"));
        assert_eq!(signed("(12.50)", f), d("-12.50"));
        assert_eq!(signed("+12.50", f), d("12.50"));
        assert_eq!(signed("12.50 CR", f), d("12.50"));
        assert_eq!(signed("12.50Cr", f), d("12.50"));
        assert_eq!(signed("12.50 DR", f), d("-12.50"));
        assert_eq!(signed("12.50 Dr", f), d("-12.50"));
        assert_eq!(
            parse_amount("12.50 CR", f).unwrap().sign,
            Some(SignMark::Credit)
        );
    }

    #[test]
    fn currency_marks_are_ignored() {
        let f = NumberFormat::POINT;
        assert_eq!(signed("S$22,058.11", f), d("22058.11"));
        assert_eq!(signed("£1,400.00", f), d("1400.00"));
        assert_eq!(signed("-€12.50", f), d("-12.50"));
        assert_eq!(signed("€ -12.50", f), d("-12.50"));
        assert_eq!(signed("12.50 EUR", f), d("12.50"));
        assert_eq!(signed("Rs. 1,23,456.78", f), d("123456.78"));
        assert_eq!(signed("₹500.00", f), d("500.00"));
    }

    #[test]
    fn non_amounts_are_refused() {
        let f = NumberFormat::POINT;
        for text in [
            "",
            "-",
            "abc",
            "12.34.56",
            "1,2345.00",
            "1,,234.00",
            "12 May",
            "GB00TEST0011",
            "00-11-22",
            "12,34",
            "-(12.50)",
            "-12.50 CR",
            ".50",
            "1.2.3",
            "12.50 EURO",
        ] {
            assert_eq!(parse_amount(text, f), None, "{text:?}");
        }
        // A date is not an amount in either European format.
        assert_eq!(parse_amount("15.01.2024", NumberFormat::COMMA), None);
        assert_eq!(parse_amount("15/01", NumberFormat::COMMA), None);
    }

    #[test]
    fn printed_decimals_are_kept() {
        let a = parse_amount("1.500", NumberFormat::POINT).unwrap();
        assert_eq!((a.magnitude, a.decimals), (d("1.500"), 3));
        let b = parse_amount("1.500", NumberFormat::COMMA).unwrap();
        assert_eq!((b.magnitude, b.decimals), (d("1500"), 0));
    }

    #[test]
    fn the_document_decides_the_format() {
        let belgian = ["1.234,56", "12,00", "-3,50", "15.01.2024", "Saldo"];
        assert_eq!(detect_number_format(belgian), NumberFormat::COMMA);
        let british = ["1,234.56", "12.00", "739.85", "09", "May"];
        assert_eq!(detect_number_format(british), NumberFormat::POINT);
        let french = ["1 234,56", "12,00", "3,50"];
        assert_eq!(detect_number_format(french).decimal, ',');
    }

    proptest! {
        /// Any amount printed in a format reads back exactly in that format.
        #[test]
        fn printing_then_parsing_is_exact(cents in 0_i64..100_000_000_000, neg in any::<bool>()) {
            let value = Decimal::new(if neg { -cents } else { cents }, 2);
            for format in NumberFormat::ALL {
                let text = print(value, format);
                let back = parse_amount(&text, format).map(|a| a.signed());
                prop_assert_eq!(back, Some(value), "{} in {:?}", text, format);
            }
        }
    }

    /// Prints like a bank would: grouped by three, two decimals, leading minus.
    fn print(value: Decimal, format: NumberFormat) -> String {
        let abs = value.abs();
        let text = format!("{abs:.2}");
        let (int, frac) = text.split_once('.').unwrap();
        let mut grouped = String::new();
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                grouped.push(format.group.unwrap());
            }
            grouped.push(c);
        }
        let sign = if value.is_sign_negative() && !value.is_zero() {
            "-"
        } else {
            ""
        };
        format!("{sign}{grouped}{}{frac}", format.decimal)
    }
}
