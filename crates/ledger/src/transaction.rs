//! Transactions and statements, and the balance arithmetic that proves a statement.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{AccountId, LedgerError, Money};

/// The ledger's own id of a transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TransactionId(pub i64);

/// A transaction before it is filed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewTransaction {
    /// Booking date.
    pub date: NaiveDate,
    pub value_date: Option<NaiveDate>,
    pub description: String,
    /// Signed: money in is positive, money out negative.
    pub amount: Money,
    /// The running balance after this transaction, where the source shows one.
    pub balance: Option<Money>,
}

/// A transaction in the ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transaction {
    pub id: TransactionId,
    pub account_id: AccountId,
    pub date: NaiveDate,
    pub value_date: Option<NaiveDate>,
    pub description: String,
    pub amount: Money,
    pub balance: Option<Money>,
}

/// A statement period with its balances and transactions, as read from a source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub opening_balance: Money,
    pub closing_balance: Money,
    pub transactions: Vec<NewTransaction>,
}

/// Where a statement's arithmetic does not hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BalanceBreak {
    /// Row `index` shows a running balance that is not the previous balance plus its amount.
    RunningBalance {
        index: usize,
        expected: Money,
        shown: Money,
    },
    /// opening + sum(amounts) is not the closing balance.
    Closing { expected: Money, shown: Money },
}

impl Statement {
    /// Proves the statement by arithmetic: each running balance is the previous one plus the amount,
    /// and opening plus all amounts is closing. Returns every break found, empty when it reconciles.
    pub fn balance_breaks(&self) -> Result<Vec<BalanceBreak>, LedgerError> {
        let mut breaks = Vec::new();
        let mut running = self.opening_balance;
        for (index, tx) in self.transactions.iter().enumerate() {
            running = running.checked_add(tx.amount)?;
            if let Some(shown) = tx.balance {
                if shown.currency() != running.currency() {
                    return Err(LedgerError::CurrencyMismatch {
                        left: running.currency(),
                        right: shown.currency(),
                    });
                }
                if shown != running {
                    breaks.push(BalanceBreak::RunningBalance {
                        index,
                        expected: running,
                        shown,
                    });
                    // Continue from what the statement shows, so one bad row is one break.
                    running = shown;
                }
            }
        }
        let total = self
            .transactions
            .iter()
            .try_fold(self.opening_balance, |acc, tx| acc.checked_add(tx.amount))?;
        if total != self.closing_balance {
            breaks.push(BalanceBreak::Closing {
                expected: total,
                shown: self.closing_balance,
            });
        }
        Ok(breaks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Currency;
    use rust_decimal::Decimal;
    use std::str::FromStr;

    fn eur(s: &str) -> Money {
        Money::new(Decimal::from_str(s).unwrap(), Currency::EUR)
    }

    fn tx(day: u32, amount: &str, balance: Option<&str>) -> NewTransaction {
        NewTransaction {
            date: NaiveDate::from_ymd_opt(2024, 1, day).unwrap(),
            value_date: None,
            description: format!("row {day}"),
            amount: eur(amount),
            balance: balance.map(eur),
        }
    }

    fn statement(rows: Vec<NewTransaction>, closing: &str) -> Statement {
        Statement {
            period_start: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
            period_end: NaiveDate::from_ymd_opt(2024, 1, 31).unwrap(),
            opening_balance: eur("100.00"),
            closing_balance: eur(closing),
            transactions: rows,
        }
    }

    #[test]
    fn a_consistent_statement_has_no_breaks() {
        let s = statement(
            vec![
                tx(2, "-12.50", Some("87.50")),
                tx(3, "-12.50", Some("75.00")),
                tx(4, "25", None),
            ],
            "100.00",
        );
        assert_eq!(s.balance_breaks().unwrap(), vec![]);
    }

    #[test]
    fn a_wrong_running_balance_and_closing_are_named() {
        let s = statement(
            vec![tx(2, "-12.50", Some("87.00")), tx(3, "1.00", Some("88.00"))],
            "90",
        );
        let breaks = s.balance_breaks().unwrap();
        assert_eq!(
            breaks,
            vec![
                BalanceBreak::RunningBalance {
                    index: 0,
                    expected: eur("87.50"),
                    shown: eur("87.00")
                },
                BalanceBreak::Closing {
                    expected: eur("88.50"),
                    shown: eur("90")
                },
            ]
        );
    }
}
