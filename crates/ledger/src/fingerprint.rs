//! What makes two transactions the same one: date, amount, normalised description, and which
//! occurrence of that triple it is within its statement. Two identical coffees on one day are
//! occurrences 0 and 1, so they stay two; the same coffee seen again in an overlapping statement
//! has the same fingerprint and is filed once.

use chrono::NaiveDate;

/// Lower case, letters and digits only, single spaces: "CARTE 12/01  MONOPRIX" -> "carte 12 01 monoprix".
pub fn normalise_description(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The fingerprint of the `occurrence`-th transaction with this date, amount (minor units) and
/// description in one statement.
pub fn fingerprint(
    date: NaiveDate,
    amount_minor: i64,
    description: &str,
    occurrence: usize,
) -> String {
    format!(
        "{date}|{amount_minor}|{}|{occurrence}",
        normalise_description(description)
    )
}

/// Fingerprints for a statement's rows, in order: occurrences counted per (date, amount,
/// description).
pub fn fingerprints<'a>(rows: impl IntoIterator<Item = (NaiveDate, i64, &'a str)>) -> Vec<String> {
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    rows.into_iter()
        .map(|(date, amount, description)| {
            let base = fingerprint(date, amount, description, 0);
            let n = seen.entry(base).or_insert(0);
            let fp = fingerprint(date, amount, description, *n);
            *n += 1;
            fp
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 1, d).unwrap()
    }

    #[test]
    fn twins_differ_by_occurrence_and_layout_noise_does_not_count() {
        let fps = fingerprints([
            (day(5), -250, "COFFEE  BAR"),
            (day(5), -250, "coffee bar"),
            (day(6), -250, "Coffee-Bar"),
        ]);
        assert_eq!(fps[0], "2024-01-05|-250|coffee bar|0");
        assert_eq!(fps[1], "2024-01-05|-250|coffee bar|1");
        assert_eq!(fps[2], "2024-01-06|-250|coffee bar|0");
    }

    #[test]
    fn descriptions_normalise() {
        assert_eq!(
            normalise_description("CARTE 12/01  MONOPRIX"),
            "carte 12 01 monoprix"
        );
        assert_eq!(normalise_description("  Café—Crème "), "café crème");
    }
}
