//! Folio's checks of a statement (identity, months, duplicates, tamper signals) as the review
//! screen shows them: scores and reasons in words, enums by their serialised names.

use folio_statements::{MissingReason, StatementInsights};
use serde::Serialize;

/// What Folio's checks say about one statement, for the review screen.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct InsightsView {
    /// 0-100: the signals' weights summed.
    pub score: u8,
    /// `low`, `medium` or `high`.
    pub level: String,
    pub signals: Vec<SignalView>,
    /// Checks that could not run, with why (a scanned page has no fonts to compare).
    pub skipped: Vec<String>,
    /// `2024-03`: months with transactions.
    pub months_present: Vec<String>,
    pub months_missing: Vec<MissingMonthView>,
    /// The filed statement this one repeats, with why.
    pub duplicate_of: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct SignalView {
    pub code: String,
    pub weight: u8,
    pub reason: String,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct MissingMonthView {
    pub month: String,
    /// Why it counts as missing, in words.
    pub reason: String,
}

/// A serde enum's name as it serialises (`SAME_FILE`, `no_transactions`...).
fn serde_name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

impl From<&StatementInsights> for InsightsView {
    fn from(i: &StatementInsights) -> Self {
        InsightsView {
            score: i.tamper.score,
            level: serde_name(&i.tamper.level),
            signals: i
                .tamper
                .signals
                .iter()
                .map(|s| SignalView {
                    code: serde_name(&s.code),
                    weight: s.weight,
                    reason: s.reason.clone(),
                })
                .collect(),
            skipped: i.tamper.skipped.iter().map(|c| c.reason.clone()).collect(),
            months_present: i.months_present.iter().map(ToString::to_string).collect(),
            months_missing: i
                .months_missing
                .iter()
                .map(|m| MissingMonthView {
                    month: m.month.to_string(),
                    reason: match m.reason {
                        MissingReason::NoTransactions => {
                            "no transaction dated in this month of the period".to_string()
                        }
                        MissingReason::NotCovered => {
                            "no statement of this account covers it".to_string()
                        }
                    },
                })
                .collect(),
            duplicate_of: i.duplicate_of.as_ref().map(|d| {
                format!(
                    "{} ({})",
                    d.label.clone().unwrap_or_else(|| d.id.clone()),
                    serde_name(&d.reason).replace('_', " ")
                )
            }),
        }
    }
}
