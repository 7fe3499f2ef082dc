//! The statement's fields outside the table: who and which account (IBAN with verified check
//! digits, account number, BIC, IFSC, holder, bank), the currency, the period, and the balances of
//! an account summary. Found by labels and patterns, in the seed banks' languages, not by position
//! on a known layout.

use chrono::{Datelike, NaiveDate};
use folio_ledger::{Currency, Iban};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::table::amount_of;
use crate::{parse_date, DateOrder, Line, NumberFormat, PartialDate, Phrase};

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Identity {
    pub bank: Option<String>,
    pub holder: Option<String>,
    pub iban: Option<Iban>,
    pub account_number: Option<String>,
    pub bic: Option<String>,
    pub ifsc: Option<String>,
    /// IBAN-like text whose check digits fail (anonymised or mistyped): reported, not used.
    pub rejected_iban: Option<String>,
}

/// BIC institution codes of the banks Folio knows by name.
const BIC_BANKS: &[(&str, &str)] = &[
    ("HBUK", "HSBC UK"),
    ("MIDL", "HSBC UK"),
    ("GEBA", "BNP Paribas Fortis"),
    ("BNPA", "BNP Paribas"),
    ("GKCC", "Belfius"),
    ("ABNA", "ABN AMRO"),
    ("INGB", "ING"),
    ("BBRU", "ING Belgium"),
    ("HDFC", "HDFC Bank"),
    ("CHAS", "JPMorgan Chase"),
    ("BARC", "Barclays"),
    ("NWBK", "NatWest"),
    ("LOYD", "Lloyds Bank"),
    ("RABO", "Rabobank"),
    ("KRED", "KBC"),
    ("DEUT", "Deutsche Bank"),
];

/// Bank names as printed (logos, addresses, web sites), lower case.
const BANK_NAMES: &[(&str, &str)] = &[
    ("hsbc", "HSBC"),
    ("bnp paribas", "BNP Paribas"),
    ("belfius", "Belfius"),
    ("abn amro", "ABN AMRO"),
    ("abnamro", "ABN AMRO"),
    ("ing bank", "ING"),
    ("ing belgium", "ING Belgium"),
    ("hdfc bank", "HDFC Bank"),
    ("chase", "JPMorgan Chase"),
    ("barclays", "Barclays"),
    ("natwest", "NatWest"),
    ("lloyds", "Lloyds Bank"),
    ("rabobank", "Rabobank"),
    ("wells fargo", "Wells Fargo"),
    ("bank of america", "Bank of America"),
    ("citibank", "Citibank"),
    ("monzo", "Monzo"),
    ("revolut", "Revolut"),
    ("kbc", "KBC"),
];

fn lower(s: &str) -> String {
    s.to_lowercase()
}

fn has_label<S: AsRef<str>>(phrase: &str, labels: &[S]) -> bool {
    let t = lower(phrase);
    let t = t.trim_end_matches([':', '.']);
    labels
        .iter()
        .any(|l| crate::layout::is_label(t, l.as_ref(), &[' ', ':']))
}

/// A line naming three or more table columns: a transaction table's header, whose labels name
/// columns, not one value each.
fn is_table_header(line: &Line) -> bool {
    line.phrases
        .iter()
        .filter(|q| crate::table::label_role(&q.text).is_some())
        .count()
        >= 3
}

/// The value printed for a label: to its right on the same line, or below it in the same column.
fn labelled_value<'a, S: AsRef<str>>(
    lines: &'a [Line],
    labels: &[S],
    accept: impl Fn(&str) -> bool,
) -> Option<&'a Phrase> {
    for (i, line) in lines.iter().enumerate() {
        // The transaction table's header ("Naam / Omschrijving  Af/Bij  Bedrag") labels columns,
        // not one value.
        if is_table_header(line) {
            continue;
        }
        for (j, p) in line.phrases.iter().enumerate() {
            if !has_label(&p.text, labels) {
                continue;
            }
            // "Account number: 1234" in one phrase.
            if let Some((_, rest)) = p.text.split_once(':') {
                if accept(rest.trim()) {
                    return Some(p);
                }
            }
            // A line of several labels is a form's header row: its values are on the line below.
            let labels_on_line = line
                .phrases
                .iter()
                .filter(|q| is_any_label(&q.text))
                .count();
            if labels_on_line < 2 {
                if let Some(next) = line.phrases.get(j + 1).filter(|n| accept(&n.text)) {
                    return Some(next);
                }
            }
            for below in lines
                .iter()
                .skip(i + 1)
                .take(2)
                .filter(|l| l.page == line.page)
            {
                let hit = below
                    .phrases
                    .iter()
                    .filter(|b| b.x1 > p.x0 - 2.0 && b.x0 < p.x1 && accept(&b.text))
                    .min_by(|a, b| (a.x0 - p.x0).abs().total_cmp(&(b.x0 - p.x0).abs()));
                if hit.is_some() {
                    return hit;
                }
            }
        }
    }
    None
}

/// Words that label a field rather than hold one.
pub(crate) fn is_any_label(text: &str) -> bool {
    let v = crate::vocab::vocabulary();
    has_label(text, &v.account_labels)
        || has_label(text, &v.holder_labels)
        || has_label(text, &v.other_labels)
}

fn after_colon(p: &Phrase) -> String {
    match p.text.split_once(':') {
        Some((_, rest)) if !rest.trim().is_empty() => rest.trim().to_string(),
        _ => p.text.trim().to_string(),
    }
}

fn digit_count(s: &str) -> usize {
    s.chars().filter(char::is_ascii_digit).count()
}

/// Finds an IBAN whose check digits hold; remembers the first IBAN-shaped text that fails them.
/// An IBAN starts at a word ("IBAN BE68 5390 0754 7034", "IBAN:BE68...") and may run over the
/// following groups of the same phrase.
/// The countries of the IBAN registry (ISO 13616).
const IBAN_COUNTRIES: &[&str] = &[
    "AD", "AE", "AL", "AT", "AZ", "BA", "BE", "BG", "BH", "BI", "BR", "BY", "CH", "CR", "CY", "CZ",
    "DE", "DJ", "DK", "DO", "EE", "EG", "ES", "FI", "FK", "FO", "FR", "GB", "GE", "GI", "GL", "GR",
    "GT", "HR", "HU", "IE", "IL", "IQ", "IS", "IT", "JO", "KW", "KZ", "LB", "LC", "LI", "LT", "LU",
    "LV", "LY", "MC", "MD", "ME", "MK", "MN", "MR", "MT", "MU", "NI", "NL", "NO", "OM", "PK", "PL",
    "PS", "PT", "QA", "RO", "RS", "RU", "SA", "SC", "SD", "SE", "SI", "SK", "SM", "SO", "ST", "SV",
    "TL", "TN", "TR", "UA", "VA", "VG", "XK", "YE",
];

fn find_iban(lines: &[Line]) -> (Option<Iban>, Option<String>) {
    let mut rejected = None;
    for line in lines {
        for p in &line.phrases {
            let words: Vec<&str> = p
                .text
                .split(|c: char| c.is_whitespace() || c == ':')
                .filter(|w| !w.is_empty())
                .collect();
            for start in 0..words.len() {
                let compact: Vec<char> = words[start..].concat().chars().take(34).collect();
                if compact.len() < 15
                    || !(compact[0].is_ascii_uppercase()
                        && compact[1].is_ascii_uppercase()
                        && compact[2].is_ascii_digit()
                        && compact[3].is_ascii_digit())
                {
                    continue;
                }
                let max = compact
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .count();
                for len in (15..=max).rev() {
                    let candidate: String = compact[..len].iter().collect();
                    if let Ok(iban) = Iban::parse(&candidate) {
                        return (Some(iban), rejected);
                    }
                }
                // Only text that starts like an IBAN of a country that has them is reported as
                // an IBAN that fails its check ("AF48F604..." in a payment narration is none).
                let country: String = compact[..2].iter().collect();
                if rejected.is_none() && max >= 15 && IBAN_COUNTRIES.contains(&country.as_str()) {
                    rejected = Some(compact[..max].iter().collect());
                }
            }
        }
    }
    (None, rejected)
}

fn is_bic(s: &str) -> bool {
    let b = s.as_bytes();
    (b.len() == 8 || b.len() == 11)
        && b[..6].iter().all(u8::is_ascii_uppercase)
        && b[6..]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

fn is_ifsc(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 11
        && b[..4].iter().all(u8::is_ascii_uppercase)
        && b[4] == b'0'
        && b[5..]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// The first line of a postal address block on page 1: a name of two to five words without
/// digits, with lines below it starting at the same x, one of which holds a number (street,
/// postcode). Statements print the holder's address for the envelope window.
fn address_block_name(lines: &[Line]) -> Option<String> {
    for (i, line) in lines.iter().enumerate().filter(|(_, l)| l.page == 1) {
        for p in &line.phrases {
            let words: Vec<&str> = p.text.split_whitespace().collect();
            let name_like = (2..=5).contains(&words.len())
                && digit_count(&p.text) == 0
                && p.text
                    .chars()
                    .all(|c| c.is_alphabetic() || " .-'&".contains(c))
                && !is_any_label(&p.text)
                && BANK_NAMES
                    .iter()
                    .all(|(needle, _)| !lower(&p.text).contains(needle));
            if !name_like {
                continue;
            }
            let below: Vec<&Phrase> = lines[i + 1..]
                .iter()
                .take(3)
                .filter(|l| l.page == line.page && l.top - line.top < 45.0)
                .filter_map(|l| l.phrases.iter().find(|q| (q.x0 - p.x0).abs() < 1.5))
                .collect();
            if below.len() >= 2 && below.iter().any(|q| digit_count(&q.text) > 0) {
                return Some(p.text.trim().to_string());
            }
        }
    }
    None
}

/// Reads who and which account the statement is about, from the first two pages: later pages
/// carry terms and the bank's own payment details (its IBAN and BIC), not the holder's.
pub fn identity(all_lines: &[Line]) -> Identity {
    let first_pages: Vec<Line> = all_lines.iter().filter(|l| l.page <= 2).cloned().collect();
    let lines = first_pages.as_slice();
    let (iban, rejected_iban) = find_iban(lines);
    let account_number = labelled_value(lines, &crate::vocab::vocabulary().account_labels, |t| {
        let t = t.trim();
        digit_count(t) >= 4
            && digit_count(t) * 2 >= t.chars().filter(|c| !c.is_whitespace()).count()
    })
    .map(after_colon);
    let bic = labelled_value(
        lines,
        &[
            "bic",
            "swift",
            "bic/swift",
            "swift/bic",
            "branch identifier code",
            "bic code",
        ],
        |t| is_bic(t.trim().trim_start_matches(':').trim()),
    )
    .map(after_colon)
    .or_else(|| {
        // A BIC printed inline: "BIC: GKCCBEBB".
        lines.iter().flat_map(|l| &l.phrases).find_map(|p| {
            let t = p.text.to_uppercase();
            let rest = t
                .strip_prefix("BIC")?
                .trim_start_matches([':', ' '])
                .trim()
                .to_string();
            is_bic(&rest).then_some(rest)
        })
    });
    // "IFSC: CNRB0009999" in one phrase, or "IFSC Code" with the code in the next phrase.
    let ifsc = lines.iter().find_map(|l| {
        l.phrases.iter().enumerate().find_map(|(i, p)| {
            let t = p.text.to_uppercase();
            let at = t.find("IFSC")?;
            let code = |text: &str| {
                text.split(|c: char| !c.is_ascii_alphanumeric())
                    .find(|w| is_ifsc(w))
                    .map(str::to_string)
            };
            code(&t[at + 4..]).or_else(|| {
                l.phrases
                    .get(i + 1)
                    .and_then(|next| code(&next.text.to_uppercase()))
            })
        })
    });
    let holder = labelled_value(lines, &crate::vocab::vocabulary().holder_labels, |t| {
        let t = t.trim();
        t.chars().any(char::is_alphabetic) && digit_count(t) == 0 && t.len() >= 3
    })
    .map(after_colon)
    .or_else(|| {
        lines.iter().flat_map(|l| &l.phrases).find_map(|p| {
            let first = p.text.split_whitespace().next()?;
            let rest = p.text[first.len()..].trim();
            (crate::vocab::vocabulary()
                .salutations
                .contains(&lower(first))
                && !rest.is_empty()
                && digit_count(rest) == 0)
                .then(|| p.text.trim().to_string())
        })
    });
    let holder = holder.or_else(|| address_block_name(lines));
    let bank = bic
        .as_deref()
        .and_then(|b| {
            BIC_BANKS
                .iter()
                .find(|(code, _)| b.starts_with(code))
                .map(|(_, n)| n.to_string())
        })
        .or_else(|| {
            // Short names only as a whole word in capitals (the logo): "ING", "KBC".
            lines.iter().flat_map(|l| &l.phrases).find_map(|p| {
                ["ING", "KBC"]
                    .iter()
                    .find(|n| p.text.split_whitespace().any(|w| w == **n))
                    .map(|n| n.to_string())
            })
        })
        .or_else(|| {
            let text = lower(&lines.iter().map(Line::text).collect::<Vec<_>>().join(" "));
            BANK_NAMES
                .iter()
                .filter_map(|(needle, name)| whole_word_at(&text, needle).map(|at| (at, *name)))
                .min_by_key(|(at, _)| *at)
                .map(|(_, name)| name.to_string())
        });
    Identity {
        bank,
        holder,
        iban,
        account_number,
        bic,
        ifsc,
        rejected_iban,
    }
}

/// Where `needle` first stands as words of their own in `text` ("chase" in "chase bank", not
/// in "card purchase").
fn whole_word_at(text: &str, needle: &str) -> Option<usize> {
    text.match_indices(needle).map(|(at, _)| at).find(|&at| {
        let before = text[..at].chars().next_back();
        let after = text[at + needle.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// Currency marks printed on statements, and their ISO 4217 code. A symbol counts anywhere in a
/// word ("€12.50", "R$"); a code only as a word of its own. `$` alone is read last (see
/// [`currency`]).
const CURRENCY_MARKS: &[(&str, &str)] = &[
    ("€", "EUR"),
    ("£", "GBP"),
    ("₹", "INR"),
    ("Rs.", "INR"),
    // Longer dollar marks first: "US$" holds "S$".
    ("US$", "USD"),
    ("HK$", "HKD"),
    ("NZ$", "NZD"),
    ("R$", "BRL"),
    ("A$", "AUD"),
    ("C$", "CAD"),
    ("S$", "SGD"),
    ("Rp", "IDR"),
    ("zł", "PLN"),
    ("₺", "TRY"),
    ("₩", "KRW"),
    ("₱", "PHP"),
    ("₦", "NGN"),
    ("₪", "ILS"),
];

/// ISO 4217 codes Folio recognises as words of their own.
/// Only codes that are no common upper-case word or name ("RON", "TRY" are left out).
const CURRENCY_CODES: &[&str] = &[
    "EUR", "GBP", "INR", "SGD", "USD", "CHF", "BRL", "AUD", "CAD", "HKD", "NZD", "IDR", "PLN",
    "JPY", "SEK", "DKK", "NOK", "CZK", "HUF", "BGN", "MXN", "ZAR", "CNY", "MYR", "AED",
];

/// The currency of an account's country, for the countries whose statements Folio may see with
/// no currency printed (IBAN, BIC or IFSC country).
fn country_currency(country: &str) -> Option<&'static str> {
    Some(match country {
        "GB" => "GBP",
        "IN" => "INR",
        "US" => "USD",
        "CH" | "LI" => "CHF",
        "SG" => "SGD",
        "BR" => "BRL",
        "PL" => "PLN",
        "SE" => "SEK",
        "DK" => "DKK",
        "NO" => "NOK",
        "TR" => "TRY",
        "CZ" => "CZK",
        "HU" => "HUF",
        "RO" => "RON",
        "BG" => "BGN",
        "ID" => "IDR",
        "AE" => "AED",
        "SA" => "SAR",
        "BE" | "NL" | "FR" | "DE" | "LU" | "IE" | "ES" | "IT" | "PT" | "AT" | "FI" | "GR"
        | "SK" | "SI" | "EE" | "LV" | "LT" | "MT" | "CY" | "HR" | "MC" | "SM" => "EUR",
        _ => return None,
    })
}

/// What told Folio a statement's currency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CurrencyCue {
    /// A code or symbol printed in the document (the most printed one).
    Printed,
    /// The IBAN's country.
    Iban,
    /// The BIC's country.
    Bic,
    /// An Indian IFSC code.
    Ifsc,
    /// The person (`--currency`, the review, the account it was filed into).
    Given,
}

/// The statement's currency and what says so: the most printed currency mark, else the IBAN's,
/// BIC's or IFSC's country. `None` when nothing does: the person is asked, never guessed for.
pub fn currency(lines: &[Line], identity: &Identity) -> Option<(Currency, CurrencyCue)> {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    let mut count = |code: &'static str| match counts.iter_mut().find(|(c, _)| *c == code) {
        Some((_, n)) => *n += 1,
        None => counts.push((code, 1)),
    };
    for line in lines {
        for p in &line.phrases {
            for word in p.text.split_whitespace() {
                let bare = word.trim_matches(|c: char| !c.is_ascii_alphanumeric());
                if let Some(code) = CURRENCY_CODES.iter().find(|c| **c == bare) {
                    count(code);
                } else if let Some((_, code)) = CURRENCY_MARKS.iter().find(|(m, _)| {
                    // "Rp" and "zł" are words of their own or stuck to the number ("Rp10.000").
                    if m.chars().all(char::is_alphabetic) {
                        word == *m
                            || word
                                .strip_prefix(m)
                                .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
                            || word
                                .strip_suffix(m)
                                .is_some_and(|rest| rest.ends_with(|c: char| c.is_ascii_digit()))
                    } else {
                        word.contains(m)
                    }
                }) {
                    count(code);
                }
            }
        }
    }
    // "$" alone is USD only when no other currency was named.
    if counts.is_empty()
        && lines
            .iter()
            .any(|l| l.phrases.iter().any(|p| p.text.contains('$')))
    {
        counts.push(("USD", 1));
    }
    if let Some((code, _)) = counts.iter().max_by_key(|(_, n)| *n) {
        return Currency::from_code(code)
            .ok()
            .map(|c| (c, CurrencyCue::Printed));
    }
    // Each cue in turn, the first whose country has a currency: an anonymised IBAN's "99" says
    // nothing, the IFSC after it still does.
    let countries = [
        (
            identity.iban.as_ref().map(|i| i.country().to_string()),
            CurrencyCue::Iban,
        ),
        (
            identity
                .rejected_iban
                .as_ref()
                .and_then(|r| r.get(..2).map(str::to_string)),
            CurrencyCue::Iban,
        ),
        (
            identity
                .bic
                .as_ref()
                .and_then(|b| b.get(4..6).map(str::to_string)),
            CurrencyCue::Bic,
        ),
        (
            identity.ifsc.as_ref().map(|_| "IN".to_string()),
            CurrencyCue::Ifsc,
        ),
    ];
    countries.iter().find_map(|(country, cue)| {
        let code = country_currency(country.as_deref()?)?;
        Currency::from_code(code).ok().map(|c| (c, *cue))
    })
}

/// The statement period: two dates joined by "to", "au", "tot", "-", ... on one line. A first date
/// without a year takes the second's (or the year before, across New Year).
pub fn period(lines: &[Line], order: DateOrder) -> Option<(NaiveDate, NaiveDate)> {
    for line in lines {
        let words: Vec<&str> = line
            .phrases
            .iter()
            .flat_map(|p| p.text.split_whitespace())
            .collect();
        let spans = date_spans(&words, order);
        for pair in spans.windows(2) {
            let (a_end, b_start) = (pair[0].1, pair[1].0);
            let between: Vec<String> = words[a_end..b_start]
                .iter()
                .map(|w| lower(w))
                .filter(|w| w.chars().any(char::is_alphanumeric) || w == "-" || w == "–")
                .collect();
            let joined = between.len() == 1
                && crate::vocab::vocabulary()
                    .period_connectors
                    .contains(&between[0]);
            if !joined {
                continue;
            }
            let (a, b) = (pair[0].2, pair[1].2);
            let Some(end_year) = b.year else { continue };
            let end = NaiveDate::from_ymd_opt(end_year, b.month, b.day)?;
            let start_year = a.year.unwrap_or(if a.month > b.month {
                end_year - 1
            } else {
                end_year
            });
            let start = NaiveDate::from_ymd_opt(start_year, a.month, a.day)?;
            if start <= end && (end - start).num_days() <= 400 {
                return Some((start, end));
            }
        }
    }
    None
}

/// Non-overlapping runs of words that read as a date: (first word, end, date), longest first.
fn date_spans(words: &[&str], order: DateOrder) -> Vec<(usize, usize, PartialDate)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let mut found = None;
        for len in (1..=4).rev() {
            if i + len > words.len() {
                continue;
            }
            // A date does not start or end with a lone connector ("1 Mar 2024 -").
            let bare = |w: &str| !w.chars().any(char::is_alphanumeric);
            if bare(words[i]) || bare(words[i + len - 1]) {
                continue;
            }
            let text = words[i..i + len].join(" ");
            // Only whole words that look like part of a date: a digit or a month name.
            if let Some(d) = parse_date(&text, order) {
                found = Some((i, i + len, d));
                break;
            }
        }
        match found {
            Some(span) => {
                i = span.1;
                out.push(span);
            }
            None => i += 1,
        }
    }
    out
}

/// Balances an account summary prints: (opening, closing), each from its label's line.
pub fn summary_balances(
    lines: &[Line],
    format: NumberFormat,
) -> (Option<Decimal>, Option<Decimal>) {
    let vocab = crate::vocab::vocabulary();
    // Summary labels only: brought/carried-forward rows belong to the table, which reads them in
    // order. The first opening and the last closing printed win.
    let found = |labels: &[String]| -> Vec<Decimal> {
        lines
            .iter()
            .enumerate()
            .filter_map(|(i, line)| {
                let at = line.phrases.iter().position(|p| {
                    let t = lower(&p.text);
                    labels
                        .iter()
                        .any(|l| crate::layout::is_label(&t, l, &[' ', ':']))
                })?;
                let amount = |p: &Phrase| amount_of(&p.text, format).filter(|a| a.decimals > 0);
                // To its right on the line; else, in a summary box, on the line below, under
                // the label or to its right ("Neuer Kontostand" / "EUR  + 5.314,05").
                line.phrases[at + 1..]
                    .iter()
                    .find_map(amount)
                    .or_else(|| {
                        // Not under a table's header ("Closing Balance" naming a column).
                        if is_table_header(line) {
                            return None;
                        }
                        let label = &line.phrases[at];
                        let next = lines.get(i + 1)?;
                        let size = label.font_size.max(6.0);
                        (next.page == line.page && next.top - line.bottom < size * 1.5)
                            .then(|| {
                                next.phrases
                                    .iter()
                                    .filter(|p| p.x1 > label.x0)
                                    .find_map(amount)
                            })
                            .flatten()
                    })
                    .map(|a| a.signed())
            })
            .collect()
    };
    (
        found(&vocab.summary_opening).first().copied(),
        found(&vocab.summary_closing).last().copied(),
    )
}

/// Whether the statement is of a card (a liability: balances owed, purchases unsigned).
pub fn is_card_statement(lines: &[Line]) -> bool {
    let text = lower(
        &lines
            .iter()
            .take(200)
            .map(Line::text)
            .collect::<Vec<_>>()
            .join(" "),
    );
    crate::vocab::vocabulary()
        .card_words
        .iter()
        .filter(|k| text.contains(k.as_str()))
        .count()
        >= 2
}

/// A full date printed in the document (e.g. "Statement Date 11 January 2022"), the latest one:
/// the year source for statements that print no period.
pub fn latest_full_date(lines: &[Line], order: DateOrder) -> Option<NaiveDate> {
    lines
        .iter()
        .flat_map(|l| {
            let words: Vec<&str> = l
                .phrases
                .iter()
                .flat_map(|p| p.text.split_whitespace())
                .collect();
            date_spans(&words, order)
        })
        .filter_map(|(_, _, d)| {
            d.year
                .and_then(|y| NaiveDate::from_ymd_opt(y, d.month, d.day))
        })
        .filter(|d| d.year() > 1990 && d.year() < 2100)
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(texts: &[&str]) -> Line {
        Line {
            page: 1,
            top: 100.0,
            bottom: 110.0,
            phrases: texts
                .iter()
                .enumerate()
                .map(|(i, t)| Phrase {
                    text: (*t).to_string(),
                    x0: 100.0 * i as f32,
                    x1: 100.0 * i as f32 + 80.0,
                    font_size: 10.0,
                })
                .collect(),
        }
    }

    fn currency_of(lines: &[Line]) -> Option<String> {
        currency(lines, &identity(lines)).map(|(c, _)| c.to_string())
    }

    #[test]
    fn a_bank_is_named_by_whole_words_only() {
        assert_eq!(whole_word_at("card purchase tesco", "chase"), None);
        assert_eq!(whole_word_at("chase bank, card purchase", "chase"), Some(0));
        assert_eq!(whole_word_at("purchase at chase.", "chase"), Some(12));
    }

    #[test]
    fn the_currency_comes_from_the_marks_printed() {
        for (text, code) in [
            ("Saldo R$ 1.671,92", "BRL"),
            ("Total US$100.00", "USD"),
            ("Balance S$ 12.00", "SGD"),
            ("Saldo Rp10.000,00", "IDR"),
            ("Saldo 120,00 zł", "PLN"),
            ("Belopp SEK", "SEK"),
            ("Balance $12.00", "USD"),
        ] {
            assert_eq!(
                currency_of(&[line(&[text])]).as_deref(),
                Some(code),
                "{text}"
            );
        }
        // A name in capitals is no currency code.
        assert_eq!(currency_of(&[line(&["RON WEASLEY"])]), None);
    }

    #[test]
    fn with_no_mark_the_account_s_country_tells() {
        // The IFSC printed in the phrase after its label: an Indian account.
        let lines = [
            line(&["Phone", "910000000000", "IFSC Code", "CNRB0009999"]),
            line(&["Date", "Particulars", "Withdrawals", "Deposits", "Balance"]),
        ];
        assert_eq!(identity(&lines).ifsc.as_deref(), Some("CNRB0009999"));
        assert_eq!(currency_of(&lines).as_deref(), Some("INR"));
        assert_eq!(country_currency("PL"), Some("PLN"));
        assert_eq!(country_currency("HR"), Some("EUR"));
        assert_eq!(country_currency("XX"), None);
    }
}
