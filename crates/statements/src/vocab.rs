//! The words a statement's reader knows, as data: one file per language under `vocab/`
//! (embedded at build time; see its README). Every language's words are merged into one
//! vocabulary: a statement names its own language nowhere, and many are printed in two.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::table::Role;

/// `(language, file text)` of every `vocab/*.toml`, sorted by name.
const FILES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/vocab_files.rs"));

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Columns {
    date: Vec<String>,
    value_date: Vec<String>,
    description: Vec<String>,
    debit: Vec<String>,
    credit: Vec<String>,
    amount: Vec<String>,
    balance: Vec<String>,
    direction: Vec<String>,
    other: Vec<String>,
}

impl Columns {
    /// Each list with the column role its words name.
    fn by_role(self) -> [(Vec<String>, Role); 9] {
        [
            (self.date, Role::Date),
            (self.value_date, Role::ValueDate),
            (self.description, Role::Description),
            (self.debit, Role::Debit),
            (self.credit, Role::Credit),
            (self.amount, Role::Amount),
            (self.balance, Role::Balance),
            (self.direction, Role::Direction),
            (self.other, Role::Other),
        ]
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Rows {
    opening: Vec<String>,
    closing: Vec<String>,
    balance_words: Vec<String>,
    total: Vec<String>,
    daily_balance: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Summary {
    opening: Vec<String>,
    closing: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct IdentityWords {
    account: Vec<String>,
    holder: Vec<String>,
    other: Vec<String>,
    salutations: Vec<String>,
    card: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Dates {
    months: Vec<Vec<String>>,
    period_connectors: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Marks {
    debit: Vec<String>,
    credit: Vec<String>,
}

/// One language's file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LanguageFile {
    columns: Columns,
    rows: Rows,
    summary: Summary,
    identity: IdentityWords,
    dates: Dates,
    marks: Marks,
}

/// Every language's words, merged.
#[derive(Debug, Default)]
pub struct Vocabulary {
    /// Header labels and the column role each names, longest first (so "value date" is tried
    /// before "date", "closing balance" before "balance").
    pub header: Vec<(String, Role)>,
    pub opening_rows: Vec<String>,
    pub closing_rows: Vec<String>,
    pub balance_words: Vec<String>,
    pub total_rows: Vec<String>,
    pub daily_balance_rows: Vec<String>,
    pub summary_opening: Vec<String>,
    pub summary_closing: Vec<String>,
    pub account_labels: Vec<String>,
    pub holder_labels: Vec<String>,
    pub other_labels: Vec<String>,
    pub salutations: Vec<String>,
    pub card_words: Vec<String>,
    /// Month names and abbreviations with their number (1-12).
    pub months: Vec<(String, u32)>,
    pub period_connectors: Vec<String>,
    pub debit_marks: Vec<String>,
    pub credit_marks: Vec<String>,
    /// The languages read (file names without `.toml`).
    pub languages: Vec<String>,
}

/// Why a vocabulary file was not used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VocabularyError {
    pub language: String,
    pub reason: String,
}

fn parse(language: &str, text: &str) -> Result<LanguageFile, VocabularyError> {
    let file: LanguageFile = toml::from_str(text).map_err(|e| VocabularyError {
        language: language.to_string(),
        reason: e.to_string(),
    })?;
    if file.dates.months.len() != 12 {
        return Err(VocabularyError {
            language: language.to_string(),
            reason: format!("{} month lists, not 12", file.dates.months.len()),
        });
    }
    Ok(file)
}

fn push_unique(into: &mut Vec<String>, words: Vec<String>) {
    for w in words {
        let w = w.trim().to_lowercase();
        if !w.is_empty() && !into.contains(&w) {
            into.push(w);
        }
    }
}

/// Merges the given files (a file that does not parse is reported and left out).
pub fn merge(files: &[(&str, &str)]) -> (Vocabulary, Vec<VocabularyError>) {
    let mut v = Vocabulary::default();
    let mut errors = Vec::new();
    for (language, text) in files {
        let file = match parse(language, text) {
            Ok(f) => f,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        v.languages.push(language.to_string());
        for (words, role) in file.columns.by_role() {
            for w in words {
                let w = w.trim().to_lowercase();
                if !w.is_empty() && !v.header.iter().any(|(h, _)| *h == w) {
                    v.header.push((w, role));
                }
            }
        }
        push_unique(&mut v.opening_rows, file.rows.opening);
        push_unique(&mut v.closing_rows, file.rows.closing);
        push_unique(&mut v.balance_words, file.rows.balance_words);
        push_unique(&mut v.total_rows, file.rows.total);
        push_unique(&mut v.daily_balance_rows, file.rows.daily_balance);
        push_unique(&mut v.summary_opening, file.summary.opening);
        push_unique(&mut v.summary_closing, file.summary.closing);
        push_unique(&mut v.account_labels, file.identity.account);
        push_unique(&mut v.holder_labels, file.identity.holder);
        push_unique(&mut v.other_labels, file.identity.other);
        push_unique(&mut v.salutations, file.identity.salutations);
        push_unique(&mut v.card_words, file.identity.card);
        push_unique(&mut v.period_connectors, file.dates.period_connectors);
        push_unique(&mut v.debit_marks, file.marks.debit);
        push_unique(&mut v.credit_marks, file.marks.credit);
        for (i, names) in file.dates.months.into_iter().enumerate() {
            let month = u32::try_from(i + 1).unwrap_or(0);
            for n in names {
                let n = n.trim().to_lowercase();
                if !n.is_empty() && !v.months.iter().any(|(m, _)| *m == n) {
                    v.months.push((n, month));
                }
            }
        }
    }
    // Longest labels first: by words, then by characters. Stable, so file order breaks ties.
    let words = |s: &str| s.split(' ').count();
    v.header.sort_by(|(a, _), (b, _)| {
        words(b)
            .cmp(&words(a))
            .then(b.chars().count().cmp(&a.chars().count()))
    });
    for list in [
        &mut v.opening_rows,
        &mut v.closing_rows,
        &mut v.total_rows,
        &mut v.daily_balance_rows,
        &mut v.summary_opening,
        &mut v.summary_closing,
        &mut v.account_labels,
        &mut v.holder_labels,
    ] {
        list.sort_by_key(|s| std::cmp::Reverse(s.chars().count()));
    }
    (v, errors)
}

/// The vocabulary of every embedded language file.
pub fn vocabulary() -> &'static Vocabulary {
    static VOCABULARY: OnceLock<Vocabulary> = OnceLock::new();
    VOCABULARY.get_or_init(|| {
        let (v, errors) = merge(FILES);
        for e in errors {
            // A test fails on this; a build that shipped one still reads every other language.
            eprintln!("folio: vocabulary {} skipped: {}", e.language, e.reason);
        }
        v
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_file_parses_and_the_issue_languages_are_there() {
        let (v, errors) = merge(FILES);
        assert!(errors.is_empty(), "{errors:?}");
        for lang in [
            "en", "fr", "nl", "de", "es", "it", "pt", "pl", "id", "sv", "da", "tr",
        ] {
            assert!(v.languages.iter().any(|l| l == lang), "{lang} missing");
        }
    }

    #[test]
    fn no_word_means_two_things_across_languages() {
        let mut roles: Vec<(String, Role, &str)> = Vec::new();
        let mut months: Vec<(String, u32, &str)> = Vec::new();
        for (language, text) in FILES {
            let file = parse(language, text).unwrap();
            for (words, role) in file.columns.by_role() {
                for w in words {
                    if let Some((_, other, lang)) =
                        roles.iter().find(|(x, r, _)| *x == w && *r != role)
                    {
                        panic!("{w:?} is {other:?} in {lang} and {role:?} in {language}");
                    }
                    roles.push((w, role, language));
                }
            }
            for (i, names) in file.dates.months.into_iter().enumerate() {
                let m = u32::try_from(i + 1).unwrap();
                for n in names {
                    if let Some((_, other, lang)) =
                        months.iter().find(|(x, o, _)| *x == n && *o != m)
                    {
                        panic!("{n:?} is month {other} in {lang} and {m} in {language}");
                    }
                    months.push((n, m, language));
                }
            }
        }
    }

    #[test]
    fn a_broken_file_is_reported_and_the_others_still_read() {
        let en = FILES.iter().find(|(l, _)| *l == "en").unwrap();
        let (v, errors) = merge(&[*en, ("xx", "[columns]\ndate = 3\n")]);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].language, "xx");
        assert_eq!(v.languages, vec!["en".to_string()]);
        assert!(v
            .header
            .iter()
            .any(|(w, r)| w == "date" && *r == Role::Date));
    }

    #[test]
    fn longer_labels_come_first() {
        let v = vocabulary();
        let at = |w: &str| v.header.iter().position(|(h, _)| h == w).unwrap();
        assert!(at("value date") < at("date"));
        assert!(at("closing balance") < at("balance"));
        assert!(at("date valeur") < at("valeur"));
    }
}
