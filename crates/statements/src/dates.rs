//! Dates as statements print them: `15/01/2024` `15.01.24` `15-01-2024` `2024-01-15`
//! `15 janv. 2024` `5 mei 2024` `5. März 2024` `Jan 5` `09 May 19` `15JAN24` `02/07`, in English,
//! French, Dutch and German. A date without a year takes it from the statement period.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

/// The order of numeric dates in a document. Month names need no order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum DateOrder {
    DayMonthYear,
    MonthDayYear,
    YearMonthDay,
}

/// A date as printed, possibly without its year.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PartialDate {
    pub year: Option<i32>,
    pub month: u32,
    pub day: u32,
}

/// Month names and abbreviations (lower case, without a trailing dot) in the languages of the
/// banks Folio reads.
fn month_from_name(word: &str) -> Option<u32> {
    let w = word.trim_end_matches(['.', ',']).to_lowercase();
    crate::vocab::vocabulary()
        .months
        .iter()
        .find(|(name, _)| *name == w)
        .map(|(_, m)| *m)
}

fn full_year(y: i32, digits: usize) -> i32 {
    if digits <= 2 {
        if y < 70 {
            2000 + y
        } else {
            1900 + y
        }
    } else {
        y
    }
}

/// Parses one date. Words may be separated by spaces ("15 janv. 2024", "Jan 5, 2024").
pub fn parse_date(text: &str, order: DateOrder) -> Option<PartialDate> {
    let t = without_time(text.trim());
    if t.is_empty() || t.len() > 24 {
        return None;
    }
    parse_numeric(t, order)
        .or_else(|| parse_named(t))
        .filter(|d| is_valid(*d))
}

/// The date part of "12/03/2024 14:32", "12 Mar 2:05 pm", "2024-03-12 14:32:09": a trailing time
/// of day (hours:minutes, optional seconds and am/pm) is no part of the date.
fn without_time(t: &str) -> &str {
    let is_time = |w: &str| {
        let parts: Vec<&str> = w.split(':').collect();
        (2..=3).contains(&parts.len())
            && parts[0].len() <= 2
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.len() <= 2 && p.chars().all(|c| c.is_ascii_digit()))
    };
    let mut rest = t;
    if let Some((head, last)) = rest.rsplit_once(' ') {
        if matches!(last.to_ascii_lowercase().as_str(), "am" | "pm") {
            rest = head.trim_end();
        }
    }
    match rest.rsplit_once(' ') {
        Some((head, last)) if is_time(last) => head.trim_end(),
        _ => t,
    }
}

fn is_valid(d: PartialDate) -> bool {
    // 2000 is a leap year: a day that exists in some year is accepted until the year is known.
    NaiveDate::from_ymd_opt(d.year.unwrap_or(2000), d.month, d.day).is_some()
}

fn parse_numeric(t: &str, order: DateOrder) -> Option<PartialDate> {
    let sep = t.chars().find(|c| matches!(c, '/' | '.' | '-'))?;
    let parts: Vec<&str> = t.trim_end_matches('.').split(sep).collect();
    if parts
        .iter()
        .any(|p| p.is_empty() || p.len() > 4 || !p.chars().all(|c| c.is_ascii_digit()))
    {
        return None;
    }
    let n = |i: usize| -> Option<(i32, usize)> {
        let p = parts.get(i)?;
        Some((p.parse().ok()?, p.len()))
    };
    match (parts.len(), order) {
        (3, _) if parts[0].len() == 4 => {
            let (y, _) = n(0)?;
            Some(PartialDate {
                year: Some(y),
                month: u32::try_from(n(1)?.0).ok()?,
                day: u32::try_from(n(2)?.0).ok()?,
            })
        }
        (3, DateOrder::YearMonthDay) => None,
        (3, o) => {
            let (a, b, (y, ylen)) = (n(0)?.0, n(1)?.0, n(2)?);
            if !(ylen == 2 || ylen == 4) || parts[0].len() > 2 || parts[1].len() > 2 {
                return None;
            }
            let (day, month) = if o == DateOrder::MonthDayYear {
                (b, a)
            } else {
                (a, b)
            };
            Some(PartialDate {
                year: Some(full_year(y, ylen)),
                month: u32::try_from(month).ok()?,
                day: u32::try_from(day).ok()?,
            })
        }
        (2, o) if parts[0].len() <= 2 && parts[1].len() <= 2 => {
            let (a, b) = (n(0)?.0, n(1)?.0);
            let (day, month) = if o == DateOrder::MonthDayYear {
                (b, a)
            } else {
                (a, b)
            };
            Some(PartialDate {
                year: None,
                month: u32::try_from(month).ok()?,
                day: u32::try_from(day).ok()?,
            })
        }
        _ => None,
    }
}

/// "15 janv. 2024", "5. März 2024", "Jan 5, 2024", "09 May 19", "15-Jan-2024", "15JAN24", "Jan 5".
fn parse_named(t: &str) -> Option<PartialDate> {
    // Split letters from digits and drop separators: "15JAN24" -> 15 JAN 24.
    let mut tokens: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut kind = 0_u8; // 1 digits, 2 letters
    for c in t.chars() {
        let k = if c.is_ascii_digit() {
            1
        } else if c.is_alphabetic() {
            2
        } else {
            0
        };
        if k != kind && !current.is_empty() {
            tokens.push(std::mem::take(&mut current));
        }
        if k != 0 {
            current.push(c);
        } else if !matches!(c, ' ' | '.' | ',' | '-' | '/' | '\u{a0}') {
            return None;
        }
        kind = k;
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    // Ordinal days: "12th", "1st", "2nd", "3rd", "1er".
    let mut k = 1;
    while k < tokens.len() {
        let after_number = tokens[k - 1].chars().all(|c| c.is_ascii_digit());
        if after_number
            && matches!(
                tokens[k].to_lowercase().as_str(),
                "st" | "nd" | "rd" | "th" | "er"
            )
        {
            tokens.remove(k);
        } else {
            k += 1;
        }
    }
    let month_at = tokens.iter().position(|w| month_from_name(w).is_some())?;
    let month = month_from_name(&tokens[month_at])?;
    let numbers: Vec<(i32, usize)> = tokens
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != month_at)
        .map(|(_, w)| w.parse::<i32>().ok().map(|v| (v, w.len())))
        .collect::<Option<Vec<_>>>()?;
    let (day, year) = match numbers.as_slice() {
        [(d, dl)] if *dl <= 2 => (*d, None),
        [(d, dl), (y, yl)] if *dl <= 2 && (*yl == 2 || *yl == 4) => (*d, Some(full_year(*y, *yl))),
        _ => return None,
    };
    Some(PartialDate {
        year,
        month,
        day: u32::try_from(day).ok()?,
    })
}

/// Decides a document's numeric date order from its date-like words: a first field over 12 means
/// day first, a second field over 12 means month first; day first when nothing tells.
pub fn detect_date_order<'a>(tokens: impl IntoIterator<Item = &'a str>) -> DateOrder {
    let (mut day_first, mut month_first, mut year_first) = (0, 0, 0);
    for t in tokens {
        let Some(sep) = t.chars().find(|c| matches!(c, '/' | '.' | '-')) else {
            continue;
        };
        let parts: Vec<&str> = t.split(sep).collect();
        if parts.len() < 2
            || !parts
                .iter()
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
        {
            continue;
        }
        if parts[0].len() == 4 {
            year_first += 1;
            continue;
        }
        let a: u32 = parts[0].parse().unwrap_or(0);
        let b: u32 = parts[1].parse().unwrap_or(0);
        if a > 12 && b <= 12 {
            day_first += 1;
        } else if b > 12 && a <= 12 {
            month_first += 1;
        }
    }
    if year_first > day_first + month_first {
        DateOrder::YearMonthDay
    } else if month_first > day_first {
        DateOrder::MonthDayYear
    } else {
        DateOrder::DayMonthYear
    }
}

impl PartialDate {
    /// The full date, taking a missing year from the statement period: the year in which the day
    /// falls inside the period (or nearest to it, for a booking just outside).
    pub fn resolve(&self, period_start: NaiveDate, period_end: NaiveDate) -> Option<NaiveDate> {
        if let Some(y) = self.year {
            return NaiveDate::from_ymd_opt(y, self.month, self.day);
        }
        let mut best: Option<(i64, NaiveDate)> = None;
        for y in period_start.year() - 1..=period_end.year() + 1 {
            let Some(date) = NaiveDate::from_ymd_opt(y, self.month, self.day) else {
                continue;
            };
            let distance = if date < period_start {
                (period_start - date).num_days()
            } else if date > period_end {
                (date - period_end).num_days()
            } else {
                0
            };
            if best.is_none_or(|(d, _)| distance < d) {
                best = Some((distance, date));
            }
        }
        best.map(|(_, d)| d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn full(text: &str, order: DateOrder) -> NaiveDate {
        let p = parse_date(text, order).unwrap_or_else(|| panic!("{text:?}"));
        NaiveDate::from_ymd_opt(p.year.unwrap(), p.month, p.day).unwrap()
    }

    #[test]
    fn numeric_dates_in_every_separator() {
        use DateOrder::*;
        assert_eq!(full("15/01/2024", DayMonthYear), ymd(2024, 1, 15));
        assert_eq!(full("15.01.24", DayMonthYear), ymd(2024, 1, 15));
        assert_eq!(full("15-01-2024", DayMonthYear), ymd(2024, 1, 15));
        assert_eq!(full("01/15/2024", MonthDayYear), ymd(2024, 1, 15));
        assert_eq!(full("2024-01-15", DayMonthYear), ymd(2024, 1, 15));
        assert_eq!(full("31.12.99", DayMonthYear), ymd(1999, 12, 31));
    }

    #[test]
    fn a_time_beside_the_date_and_ordinal_days_are_read() {
        use DateOrder::*;
        assert_eq!(full("15/01/2024 14:32", DayMonthYear), ymd(2024, 1, 15));
        assert_eq!(full("2024-01-15 14:32:09", DayMonthYear), ymd(2024, 1, 15));
        assert_eq!(full("Jan 15, 2024 2:05 pm", DayMonthYear), ymd(2024, 1, 15));
        assert_eq!(full("15th January 2024", DayMonthYear), ymd(2024, 1, 15));
        assert_eq!(full("1er mars 2024", DayMonthYear), ymd(2024, 3, 1));
        let no_year = parse_date("2nd Mar", DayMonthYear).unwrap();
        assert_eq!((no_year.year, no_year.month, no_year.day), (None, 3, 2));
        // A time alone, or a date with a stray word, is no date.
        assert!(parse_date("14:32", DayMonthYear).is_none());
        assert!(parse_date("15th floor", DayMonthYear).is_none());
    }

    #[test]
    fn month_names_in_four_languages() {
        let d = DateOrder::DayMonthYear;
        assert_eq!(full("15 janv. 2024", d), ymd(2024, 1, 15));
        assert_eq!(full("3 févr. 2024", d), ymd(2024, 2, 3));
        assert_eq!(full("5 mei 2024", d), ymd(2024, 5, 5));
        assert_eq!(full("5. März 2024", d), ymd(2024, 3, 5));
        assert_eq!(full("09 May 19", d), ymd(2019, 5, 9));
        assert_eq!(full("Jan 5, 2024", d), ymd(2024, 1, 5));
        assert_eq!(full("15-Jan-2024", d), ymd(2024, 1, 15));
        assert_eq!(full("15JAN24", d), ymd(2024, 1, 15));
        assert_eq!(full("1 août 2023", d), ymd(2023, 8, 1));
        assert_eq!(full("12 okt 2023", d), ymd(2023, 10, 12));
    }

    #[test]
    fn dates_without_a_year_take_it_from_the_period() {
        let d = DateOrder::DayMonthYear;
        let jan = parse_date("Jan 5", d).unwrap();
        assert_eq!(jan.year, None);
        // A December-January statement: January is the later year, December the earlier.
        let (start, end) = (ymd(2023, 12, 10), ymd(2024, 1, 9));
        assert_eq!(jan.resolve(start, end), Some(ymd(2024, 1, 5)));
        assert_eq!(
            parse_date("28/12", d).unwrap().resolve(start, end),
            Some(ymd(2023, 12, 28))
        );
        assert_eq!(
            parse_date("02/07", d)
                .unwrap()
                .resolve(ymd(2023, 6, 2), ymd(2023, 7, 1)),
            Some(ymd(2023, 7, 2))
        );
        // 29 February only in a leap year.
        let leap = parse_date("29/02", d).unwrap();
        assert_eq!(
            leap.resolve(ymd(2024, 2, 1), ymd(2024, 2, 29)),
            Some(ymd(2024, 2, 29))
        );
    }

    #[test]
    fn non_dates_are_refused() {
        for t in [
            "",
            "32/01/2024",
            "15/13/2024",
            "739.85",
            "1.234,56",
            "Balance",
            "00-11-22-33",
            "30 février 2024",
            "12345678",
            "May",
            "2024",
            "15/01/202",
        ] {
            assert_eq!(parse_date(t, DateOrder::DayMonthYear), None, "{t:?}");
        }
    }

    #[test]
    fn the_document_decides_the_order() {
        assert_eq!(
            detect_date_order(["01/02/2024", "25/02/2024"]),
            DateOrder::DayMonthYear
        );
        assert_eq!(
            detect_date_order(["01/02/2024", "02/25/2024"]),
            DateOrder::MonthDayYear
        );
        assert_eq!(
            detect_date_order(["2024-02-01", "2024-02-25"]),
            DateOrder::YearMonthDay
        );
        assert_eq!(detect_date_order(["01/02/2024"]), DateOrder::DayMonthYear);
    }
}
