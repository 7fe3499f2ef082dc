//! Living in the ledger: pages of transactions (sorted, filtered, searched), one transaction with
//! its source, monthly totals and balances over time. Filters arrive as text (from a window or a
//! terminal) and are checked here, so a bad date or amount is a typed error, not a wrong answer.

use std::collections::HashMap;

use chrono::NaiveDate;
use folio_ledger::{AccountId, TransactionId};
use folio_store::{TransactionQuery, TransactionSort};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::views::plain_amount;
use crate::{AppError, ErrorCode, Folio, StatementView};

/// Which transactions, as a person states them (the window's filter bar, camelCase). Blank text
/// fields mean "no filter".
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct TransactionFilter {
    #[serde(rename = "accountId")]
    pub account: Option<i64>,
    /// `YYYY-MM-DD`, inclusive.
    pub from: Option<String>,
    pub to: Option<String>,
    /// Signed decimal in the transaction's currency, inclusive (`-50`, `12.5`).
    pub min_amount: Option<String>,
    pub max_amount: Option<String>,
    /// Words that must start words of the description.
    pub text: Option<String>,
    /// `date`, `amount` or `description`.
    pub sort: String,
    pub descending: bool,
}

fn blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn invalid(what: &str, value: &str, expected: &str) -> AppError {
    AppError::new(
        ErrorCode::InvalidFilter,
        format!("{what} {value:?} is not {expected}"),
    )
}

impl TransactionFilter {
    /// The store's query for one page; a bad value is [`ErrorCode::InvalidFilter`].
    pub fn to_query(&self, offset: u64, limit: u32) -> Result<TransactionQuery, AppError> {
        let date = |what: &str, v: &Option<String>| -> Result<Option<NaiveDate>, AppError> {
            blank(v)
                .map(|s| {
                    NaiveDate::parse_from_str(s, "%Y-%m-%d")
                        .map_err(|_| invalid(what, s, "a date like 2024-03-31"))
                })
                .transpose()
        };
        let amount = |what: &str, v: &Option<String>| -> Result<Option<Decimal>, AppError> {
            blank(v)
                .map(|s| {
                    s.replace(['\u{2212}'], "-")
                        .parse::<Decimal>()
                        .map_err(|_| invalid(what, s, "an amount like -50 or 12.50"))
                })
                .transpose()
        };
        let sort = match self.sort.as_str() {
            "" | "date" => TransactionSort::Date,
            "amount" => TransactionSort::Amount,
            "description" => TransactionSort::Description,
            other => return Err(invalid("sort", other, "date, amount or description")),
        };
        let (from, to) = (date("from", &self.from)?, date("to", &self.to)?);
        if let (Some(f), Some(t)) = (from, to) {
            if f > t {
                return Err(AppError::new(
                    ErrorCode::InvalidFilter,
                    format!("the date range starts ({f}) after it ends ({t})"),
                ));
            }
        }
        Ok(TransactionQuery {
            account: self.account.map(AccountId),
            from,
            to,
            min_amount: amount("minimum amount", &self.min_amount)?,
            max_amount: amount("maximum amount", &self.max_amount)?,
            text: blank(&self.text).map(str::to_string),
            sort,
            descending: self.descending,
            offset,
            limit,
        })
    }
}

/// One row of the ledger table (window-only shapes here are camelCase: the UI's).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct LedgerRow {
    pub id: i64,
    pub account_id: i64,
    pub account_name: String,
    pub date: String,
    pub value_date: Option<String>,
    pub description: String,
    pub amount: String,
    pub currency: String,
    pub balance: Option<String>,
    pub statement_id: Option<i64>,
    pub page: Option<u32>,
}

/// One transaction with its account and the statement (and page) it was printed on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TransactionDetailView {
    pub row: LedgerRow,
    pub statement: Option<StatementView>,
}

/// One month's money in and out, in one currency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct MonthTotalsView {
    /// `YYYY-MM-01`.
    pub month: String,
    pub currency: String,
    pub income: String,
    /// A positive magnitude.
    pub expense: String,
    pub count: u64,
}

/// An account's balance at the end of a month.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct BalancePoint {
    /// The month's last day.
    pub date: String,
    pub balance: String,
}

impl Folio {
    fn account_names(&self) -> Result<HashMap<i64, String>, AppError> {
        Ok(self
            .ledger
            .accounts()?
            .into_iter()
            .map(|a| (a.account.id.0, a.account.name))
            .collect())
    }

    /// One page of the ledger table.
    pub fn ledger_rows(
        &self,
        filter: &TransactionFilter,
        offset: u64,
        limit: u32,
    ) -> Result<Vec<LedgerRow>, AppError> {
        let query = filter.to_query(offset, limit)?;
        let names = self.account_names()?;
        Ok(self
            .ledger
            .query_transactions(&query)?
            .into_iter()
            .map(|r| {
                let t = r.transaction;
                LedgerRow {
                    id: t.id.0,
                    account_id: t.account_id.0,
                    account_name: names.get(&t.account_id.0).cloned().unwrap_or_default(),
                    date: t.date.to_string(),
                    value_date: t.value_date.map(|d| d.to_string()),
                    description: t.description,
                    currency: t.amount.currency().to_string(),
                    amount: plain_amount(t.amount),
                    balance: t.balance.map(plain_amount),
                    statement_id: r.statement_id,
                    page: r.page,
                }
            })
            .collect())
    }

    /// How many transactions match (for the table's length).
    pub fn count_rows(&self, filter: &TransactionFilter) -> Result<u64, AppError> {
        Ok(self.ledger.count_transactions(&filter.to_query(0, 1)?)?)
    }

    /// One transaction with its source statement and page.
    pub fn transaction_detail(&self, id: i64) -> Result<TransactionDetailView, AppError> {
        let d = self.ledger.transaction_detail(TransactionId(id))?;
        let t = d.transaction;
        Ok(TransactionDetailView {
            row: LedgerRow {
                id: t.id.0,
                account_id: t.account_id.0,
                account_name: d.account.name,
                date: t.date.to_string(),
                value_date: t.value_date.map(|v| v.to_string()),
                description: t.description,
                currency: t.amount.currency().to_string(),
                amount: plain_amount(t.amount),
                balance: t.balance.map(plain_amount),
                statement_id: d.statement.as_ref().map(|s| s.id),
                page: d.page,
            },
            statement: d.statement.map(StatementView::from),
        })
    }

    /// Money in and out per month and currency, for one account or all.
    pub fn monthly_totals(&self, account: Option<i64>) -> Result<Vec<MonthTotalsView>, AppError> {
        Ok(self
            .ledger
            .monthly_totals(account.map(AccountId))?
            .into_iter()
            .map(|m| MonthTotalsView {
                month: m.month.to_string(),
                currency: m.income.currency().to_string(),
                income: plain_amount(m.income),
                expense: plain_amount(m.expense),
                count: m.count,
            })
            .collect())
    }

    /// An account's balance at the end of every month it has transactions in (and between).
    pub fn balance_history(&self, account: i64) -> Result<Vec<BalancePoint>, AppError> {
        Ok(self
            .ledger
            .balance_by_month(AccountId(account))?
            .into_iter()
            .map(|(date, balance)| BalancePoint {
                date: date.to_string(),
                balance: plain_amount(balance),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter() -> TransactionFilter {
        TransactionFilter {
            sort: "date".into(),
            descending: true,
            ..TransactionFilter::default()
        }
    }

    #[test]
    fn blank_fields_are_no_filter_and_values_are_parsed_exactly() {
        let q = TransactionFilter {
            from: Some(" ".into()),
            min_amount: Some("−12.50".into()),
            max_amount: Some("100".into()),
            text: Some("  ".into()),
            ..filter()
        }
        .to_query(200, 100)
        .unwrap();
        assert_eq!(q.from, None);
        assert_eq!(q.text, None);
        assert_eq!(q.min_amount, Some(Decimal::new(-1250, 2)));
        assert_eq!(q.max_amount, Some(Decimal::new(100, 0)));
        assert_eq!((q.offset, q.limit), (200, 100));
    }

    #[test]
    fn bad_values_are_typed_errors() {
        for bad in [
            TransactionFilter {
                from: Some("31/03/2024".into()),
                ..filter()
            },
            TransactionFilter {
                min_amount: Some("12,50".into()),
                ..filter()
            },
            TransactionFilter {
                sort: "colour".into(),
                ..filter()
            },
            TransactionFilter {
                from: Some("2024-04-01".into()),
                to: Some("2024-03-01".into()),
                ..filter()
            },
        ] {
            assert_eq!(
                bad.to_query(0, 10).unwrap_err().code(),
                ErrorCode::InvalidFilter,
                "{bad:?}"
            );
        }
    }
}
