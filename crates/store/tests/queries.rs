//! Reading a real SQLCipher ledger: filters alone and together, sorts and stable pages,
//! full-text search (prefixes, accents, hostile text, exact after deletes and imports), amount
//! bounds across currencies, monthly totals, balances, details, and migration 3 on an old ledger.

#![allow(clippy::unwrap_used)] // Test helpers: a failed unwrap is a failed test.

use std::str::FromStr;

use chrono::NaiveDate;
use folio_ledger::{AccountId, Currency, Money, NewAccount, NewTransaction, TransactionId};
use folio_secrets::generate_ledger_key;
use folio_store::{
    AccountBalance, Ledger, MonthTotals, StatementImport, StoreError, TransactionQuery,
    TransactionSort, MAX_QUERY_LIMIT,
};
use rust_decimal::Decimal;

fn jpy() -> Currency {
    Currency::from_code("JPY").unwrap()
}

fn money(text: &str, currency: Currency) -> Money {
    Money::new(Decimal::from_str(text).unwrap(), currency)
}

fn eur(text: &str) -> Money {
    money(text, Currency::EUR)
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn account(name: &str, currency: Currency) -> NewAccount {
    NewAccount {
        name: name.into(),
        bank: None,
        holder: None,
        iban: None,
        number: Some(format!("N-{name}")),
        currency,
    }
}

fn row(day: NaiveDate, description: &str, amount: Money) -> NewTransaction {
    NewTransaction {
        date: day,
        value_date: None,
        description: description.into(),
        amount,
        balance: None,
    }
}

fn new_ledger() -> (tempfile::TempDir, Ledger) {
    let dir = tempfile::tempdir().unwrap();
    let ledger =
        Ledger::create(&dir.path().join("l.folio"), &generate_ledger_key().unwrap()).unwrap();
    (dir, ledger)
}

/// Two accounts, EUR and JPY (no decimals), ten transactions.
struct Fixture {
    _dir: tempfile::TempDir,
    ledger: Ledger,
    eur: AccountId,
    jpy: AccountId,
    /// ids[n - 1] is transaction n of the list below.
    ids: Vec<i64>,
}

fn fixture() -> Fixture {
    let (dir, mut ledger) = new_ledger();
    let e = ledger
        .add_account(&account("Courant", Currency::EUR))
        .unwrap();
    let j = ledger.add_account(&account("Yen", jpy())).unwrap();
    let mut ids: Vec<i64> = ledger
        .add_transactions(
            e.id,
            &[
                row(date(2024, 1, 5), "Café de Flore", eur("-4.50")), // 1
                row(date(2024, 1, 10), "SALAIRE ACME", eur("2500.00")), // 2
                row(date(2024, 1, 20), "Boulangerie Léon", eur("-12.50")), // 3
                row(date(2024, 3, 2), "CARREFOUR MARKET", eur("-45.10")), // 4
                row(date(2024, 3, 2), "Carrefour express", eur("-12.49")), // 5
                row(date(2024, 3, 15), "Remboursement carrefour", eur("12.50")), // 6
            ],
        )
        .unwrap()
        .into_iter()
        .map(|id| id.0)
        .collect();
    ids.extend(
        ledger
            .add_transactions(
                j.id,
                &[
                    row(date(2024, 1, 7), "Ramen Ichiran", money("-1200", jpy())), // 7
                    row(date(2024, 2, 11), "Café Tokyo", money("-13", jpy())),     // 8
                    row(date(2024, 2, 11), "Konbini", money("-12", jpy())),        // 9
                    row(date(2024, 3, 1), "Salary", money("300000", jpy())),       // 10
                ],
            )
            .unwrap()
            .into_iter()
            .map(|id| id.0),
    );
    Fixture {
        _dir: dir,
        ledger,
        eur: e.id,
        jpy: j.id,
        ids,
    }
}

impl Fixture {
    /// The transaction numbers (1..=10) a query returns, in order; checks the count agrees.
    fn numbers(&self, query: &TransactionQuery) -> Vec<usize> {
        let rows = self.ledger.query_transactions(query).unwrap();
        let count = self.ledger.count_transactions(query).unwrap();
        assert_eq!(count as usize, rows.len(), "count of {query:?}");
        rows.iter()
            .map(|r| {
                self.ids
                    .iter()
                    .position(|id| *id == r.transaction.id.0)
                    .unwrap()
                    + 1
            })
            .collect()
    }
}

fn all() -> TransactionQuery {
    TransactionQuery::default()
}

fn text(t: &str) -> TransactionQuery {
    TransactionQuery {
        text: Some(t.into()),
        ..all()
    }
}

fn sorted(mut v: Vec<usize>) -> Vec<usize> {
    v.sort_unstable();
    v
}

#[test]
fn the_default_query_is_everything_newest_first_100_at_a_time() {
    let q = TransactionQuery::default();
    assert_eq!(q.sort, TransactionSort::Date);
    assert!(q.descending);
    assert_eq!((q.offset, q.limit), (0, 100));
    assert_eq!(
        (
            q.account,
            q.from,
            q.to,
            q.min_amount,
            q.max_amount,
            q.text.clone()
        ),
        (None, None, None, None, None, None)
    );
    let f = fixture();
    assert_eq!(f.numbers(&q), [6, 5, 4, 10, 9, 8, 3, 2, 7, 1]);
}

#[test]
fn each_filter_alone() {
    let f = fixture();
    let by_account = TransactionQuery {
        account: Some(f.jpy),
        ..all()
    };
    assert_eq!(f.numbers(&by_account), [10, 9, 8, 7]);
    let from = TransactionQuery {
        from: Some(date(2024, 3, 1)),
        ..all()
    };
    assert_eq!(f.numbers(&from), [6, 5, 4, 10]);
    let to = TransactionQuery {
        to: Some(date(2024, 1, 10)),
        ..all()
    };
    assert_eq!(f.numbers(&to), [2, 7, 1]);
    let min = TransactionQuery {
        min_amount: Some(dec("12.50")),
        ..all()
    };
    assert_eq!(f.numbers(&min), [6, 10, 2]);
    let max = TransactionQuery {
        max_amount: Some(dec("-13")),
        ..all()
    };
    // -45.10 EUR, -13 JPY, -1200 JPY; not -12.50 EUR.
    assert_eq!(f.numbers(&max), [4, 8, 7]);
    assert_eq!(f.numbers(&text("carrefour")), [6, 5, 4]);
}

#[test]
fn filters_combine() {
    let f = fixture();
    let q = TransactionQuery {
        account: Some(f.eur),
        from: Some(date(2024, 1, 6)),
        to: Some(date(2024, 3, 10)),
        min_amount: Some(dec("-50")),
        max_amount: Some(dec("0")),
        ..all()
    };
    assert_eq!(f.numbers(&q), [5, 4, 3]);
    let with_text = TransactionQuery {
        text: Some("carrefour".into()),
        ..q.clone()
    };
    assert_eq!(f.numbers(&with_text), [5, 4]);
    let narrower = TransactionQuery {
        min_amount: Some(dec("-20")),
        ..with_text
    };
    assert_eq!(f.numbers(&narrower), [5]);
    let empty_range = TransactionQuery {
        from: Some(date(2024, 3, 10)),
        to: Some(date(2024, 3, 1)),
        ..all()
    };
    assert_eq!(f.numbers(&empty_range), Vec::<usize>::new());
}

#[test]
fn an_unknown_account_is_a_typed_error() {
    let f = fixture();
    let q = TransactionQuery {
        account: Some(AccountId(99)),
        ..all()
    };
    for result in [
        f.ledger.query_transactions(&q).map(|_| ()),
        f.ledger.count_transactions(&q).map(|_| ()),
        f.ledger.monthly_totals(Some(AccountId(99))).map(|_| ()),
        f.ledger.balance_by_month(AccountId(99)).map(|_| ()),
    ] {
        assert!(
            matches!(result, Err(StoreError::UnknownAccount(AccountId(99)))),
            "{result:?}"
        );
    }
}

#[test]
fn sort_orders() {
    let f = fixture();
    let by = |sort, descending| TransactionQuery {
        sort,
        descending,
        ..all()
    };
    assert_eq!(
        f.numbers(&by(TransactionSort::Date, false)),
        [1, 7, 2, 3, 8, 9, 10, 4, 5, 6]
    );
    assert_eq!(
        f.numbers(&by(TransactionSort::Date, true)),
        [6, 5, 4, 10, 9, 8, 3, 2, 7, 1]
    );
    // By value across currencies: -1200 JPY < -45.10 EUR < -13 JPY < -12.50 EUR < ...
    assert_eq!(
        f.numbers(&by(TransactionSort::Amount, false)),
        [7, 4, 8, 3, 5, 9, 1, 6, 2, 10]
    );
    assert_eq!(
        f.numbers(&by(TransactionSort::Amount, true)),
        [10, 2, 6, 1, 9, 5, 3, 8, 4, 7]
    );
    // Case-insensitive: "Carrefour express" before "CARREFOUR MARKET".
    assert_eq!(
        f.numbers(&by(TransactionSort::Description, false)),
        [3, 1, 8, 5, 4, 9, 7, 6, 2, 10]
    );
    // Within one account, amounts sort by minor units.
    let eur_by_amount = TransactionQuery {
        account: Some(f.eur),
        ..by(TransactionSort::Amount, false)
    };
    assert_eq!(f.numbers(&eur_by_amount), [4, 3, 5, 1, 6, 2]);
}

#[test]
fn the_limit_is_capped() {
    let (_d, mut ledger) = new_ledger();
    let a = ledger.add_account(&account("Many", Currency::EUR)).unwrap();
    let rows: Vec<_> = (0..1005)
        .map(|i| row(date(2024, 1, 1 + i % 28), "tick", eur("1.00")))
        .collect();
    ledger.add_transactions(a.id, &rows).unwrap();
    let q = TransactionQuery {
        limit: 5000,
        ..all()
    };
    assert_eq!(
        ledger.query_transactions(&q).unwrap().len(),
        MAX_QUERY_LIMIT as usize
    );
    assert_eq!(ledger.count_transactions(&q).unwrap(), 1005);
    let last = TransactionQuery {
        offset: 1000,
        ..q.clone()
    };
    assert_eq!(ledger.query_transactions(&last).unwrap().len(), 5);
    let beyond = TransactionQuery { offset: 2000, ..q };
    assert!(ledger.query_transactions(&beyond).unwrap().is_empty());
}

#[test]
fn pages_concatenate_to_the_whole_in_every_order() {
    let (_d, mut ledger) = new_ledger();
    let a = ledger
        .add_account(&account("Paged", Currency::EUR))
        .unwrap();
    // 230 rows with many ties: ten dates, six amounts, few distinct descriptions. "common" is in
    // every third row, "rare" in five, "ancient" only in the fifteen oldest rows.
    let rows: Vec<_> = (0..230_u32)
        .map(|i| {
            let day = if i >= 215 {
                date(2020, 1, 1 + i % 10)
            } else {
                date(2024, 5, 1 + i % 10)
            };
            let mut description = format!("shop {}", i % 4);
            if i % 3 == 0 {
                description.push_str(" common");
            }
            if i % 50 == 0 {
                description.push_str(" rare");
            }
            if i >= 215 {
                description.push_str(" ancient");
            }
            let amount = eur(&format!("{}.25", i64::from(i % 6) - 3));
            row(day, &description, amount)
        })
        .collect();
    ledger.add_transactions(a.id, &rows).unwrap();
    for sort in [
        TransactionSort::Date,
        TransactionSort::Amount,
        TransactionSort::Description,
    ] {
        for descending in [true, false] {
            for search in [None, Some("common"), Some("rare"), Some("ancient")] {
                let whole_query = TransactionQuery {
                    sort,
                    descending,
                    text: search.map(str::to_owned),
                    limit: 1000,
                    ..all()
                };
                let whole: Vec<i64> = ledger
                    .query_transactions(&whole_query)
                    .unwrap()
                    .iter()
                    .map(|r| r.transaction.id.0)
                    .collect();
                let expected_len = match search {
                    None => 230,
                    Some("common") => 77,
                    Some("rare") => 5,
                    _ => 15,
                };
                assert_eq!(whole.len(), expected_len, "{sort:?} {search:?}");
                assert_eq!(
                    ledger.count_transactions(&whole_query).unwrap(),
                    expected_len as u64
                );
                for page_size in [7_u32, 100] {
                    let mut paged = Vec::new();
                    loop {
                        let page = ledger
                            .query_transactions(&TransactionQuery {
                                offset: paged.len() as u64,
                                limit: page_size,
                                ..whole_query.clone()
                            })
                            .unwrap();
                        if page.is_empty() {
                            break;
                        }
                        assert!(page.len() <= page_size as usize);
                        paged.extend(page.iter().map(|r| r.transaction.id.0));
                    }
                    assert_eq!(paged, whole, "{sort:?} desc={descending} {search:?}");
                }
            }
        }
    }
    // Ties are broken by id in the sort's direction.
    let by_date = ledger
        .query_transactions(&TransactionQuery {
            limit: 1000,
            descending: false,
            ..all()
        })
        .unwrap();
    for pair in by_date.windows(2) {
        let (x, y) = (&pair[0].transaction, &pair[1].transaction);
        assert!((x.date, x.id) < (y.date, y.id));
    }
}

#[test]
fn search_finds_prefixes_and_ignores_case_and_accents() {
    let f = fixture();
    assert_eq!(sorted(f.numbers(&text("cafe"))), [1, 8]);
    assert_eq!(sorted(f.numbers(&text("CAF"))), [1, 8]);
    assert_eq!(sorted(f.numbers(&text("Café"))), [1, 8]);
    assert_eq!(f.numbers(&text("leon")), [3]);
    assert_eq!(f.numbers(&text("léo")), [3]);
    assert_eq!(f.numbers(&text("carre")), [6, 5, 4]);
    // Every word must match, in any order.
    assert_eq!(f.numbers(&text("carrefour market")), [4]);
    assert_eq!(f.numbers(&text("  MARKET\tcarre ")), [4]);
    assert_eq!(f.numbers(&text("cafe tokyo")), [8]);
    assert_eq!(f.numbers(&text("cafe zzz")), Vec::<usize>::new());
    // Blank text is no filter.
    assert_eq!(f.numbers(&text("   ")).len(), 10);
    assert_eq!(f.numbers(&text("")).len(), 10);
}

#[test]
fn hostile_search_text_never_errors() {
    let f = fixture();
    let long = "carrefour ".repeat(500);
    let inputs = [
        "\"",
        "\"\"",
        "\"carrefour",
        "carrefour\"",
        "*",
        "car*",
        "*car",
        "NEAR(",
        "NEAR(carrefour market)",
        "-",
        "-carrefour",
        "carrefour -market",
        "OR",
        "AND",
        "NOT",
        "carrefour OR market",
        "(",
        ")",
        "(carrefour",
        "^carrefour",
        "description:carrefour",
        "{description}: x",
        "+",
        "'; DROP TABLE transactions; --",
        "\0",
        "car\0refour",
        "🍕 café",
        "ｃａｆｅ",
        "Ⅻ ½ ²",
        long.as_str(),
    ];
    for input in inputs {
        let q = text(input);
        let rows = f.ledger.query_transactions(&q);
        let count = f.ledger.count_transactions(&q);
        assert!(rows.is_ok(), "{input:?}: {rows:?}");
        assert!(count.is_ok(), "{input:?}: {count:?}");
        assert_eq!(rows.unwrap().len() as u64, count.unwrap(), "{input:?}");
    }
    // Quoting keeps operators literal: "OR" is a word to look for, not an operator.
    assert_eq!(f.numbers(&text("carrefour OR market")), Vec::<usize>::new());
    assert_eq!(f.numbers(&text("-carrefour")), [6, 5, 4]);
    // "NEAR(carrefour" is one word: the phrase "near carrefour", which no description holds.
    assert_eq!(
        f.numbers(&text("NEAR(carrefour market)")),
        Vec::<usize>::new()
    );
    assert_eq!(f.numbers(&text("(carrefour market)")), [4]);
    // Only punctuation: nothing to look for, nothing found.
    assert_eq!(f.numbers(&text("\" * - ( )")), Vec::<usize>::new());
    assert_eq!(f.numbers(&text(&long)), [6, 5, 4]);
    // The ledger still holds everything.
    assert_eq!(f.numbers(&all()).len(), 10);
}

fn statement_rows(rows: &[(NaiveDate, &str, &str)]) -> Vec<(NewTransaction, u32)> {
    rows.iter()
        .enumerate()
        .map(|(i, (day, description, amount))| {
            (row(*day, description, eur(amount)), 1 + i as u32 / 2)
        })
        .collect()
}

fn import(
    ledger: &mut Ledger,
    sha: char,
    (start, end): (NaiveDate, NaiveDate),
    (opening, closing): (&str, &str),
    rows: &[(NewTransaction, u32)],
) -> folio_store::ImportOutcome {
    let acc = NewAccount {
        number: Some("BE-STATEMENTS".into()),
        ..account("Imported", Currency::EUR)
    };
    let sha = sha.to_string().repeat(64);
    ledger
        .import_statement(&StatementImport {
            account: &acc,
            into_account: None,
            file_sha256: &sha,
            file_name: "statement.pdf",
            period_start: start,
            period_end: end,
            opening: eur(opening),
            closing: eur(closing),
            reconciled: true,
            pages: 2,
            transactions: rows,
        })
        .unwrap()
}

fn search_ids(ledger: &Ledger, t: &str) -> Vec<i64> {
    let mut ids: Vec<i64> = ledger
        .query_transactions(&text(t))
        .unwrap()
        .iter()
        .map(|r| r.transaction.id.0)
        .collect();
    ids.sort_unstable();
    assert_eq!(
        ledger.count_transactions(&text(t)).unwrap(),
        ids.len() as u64
    );
    ids
}

#[test]
fn search_stays_exact_after_deleting_a_statement_and_importing_again() {
    let (_d, mut ledger) = new_ledger();
    let jan = statement_rows(&[
        (date(2024, 1, 3), "Zanzibar Spice Market", "-10.00"),
        (date(2024, 1, 9), "Épicerie Müller", "-5.00"),
    ]);
    let feb = statement_rows(&[
        (date(2024, 2, 2), "Zanzibar Spice Market", "-7.00"),
        (date(2024, 2, 4), "Pharmacie", "-3.00"),
        (date(2024, 2, 6), "Zanzibar Spice Market", "-7.00"),
    ]);
    let a = import(
        &mut ledger,
        'a',
        (date(2024, 1, 1), date(2024, 1, 31)),
        ("100.00", "85.00"),
        &jan,
    );
    assert_eq!(search_ids(&ledger, "zanzibar").len(), 1);
    let b = import(
        &mut ledger,
        'b',
        (date(2024, 2, 1), date(2024, 2, 29)),
        ("85.00", "68.00"),
        &feb,
    );
    assert_eq!(b.added, 3);
    assert_eq!(search_ids(&ledger, "zanzibar").len(), 3);
    assert_eq!(search_ids(&ledger, "spice market").len(), 3);
    assert_eq!(search_ids(&ledger, "pharma").len(), 1);

    ledger.delete_statement(b.statement_id).unwrap();
    assert_eq!(search_ids(&ledger, "zanzibar").len(), 1);
    assert!(search_ids(&ledger, "pharma").is_empty());
    assert_eq!(search_ids(&ledger, "epicerie muller").len(), 1);
    assert_eq!(
        ledger
            .monthly_totals(Some(a.account.id))
            .unwrap()
            .iter()
            .map(|m| m.month)
            .collect::<Vec<_>>(),
        [date(2024, 1, 1)]
    );

    let again = import(
        &mut ledger,
        'b',
        (date(2024, 2, 1), date(2024, 2, 29)),
        ("85.00", "68.00"),
        &feb,
    );
    assert_eq!(again.added, 3);
    let zanzibar = search_ids(&ledger, "zanzibar");
    assert_eq!(zanzibar.len(), 3);
    // The ids found are the rows filed now, with their statement.
    let detail = ledger
        .transaction_detail(TransactionId(*zanzibar.last().unwrap()))
        .unwrap();
    assert_eq!(detail.statement.map(|s| s.id), Some(again.statement_id));
    ledger.delete_statement(a.statement_id).unwrap();
    ledger.delete_statement(again.statement_id).unwrap();
    assert!(search_ids(&ledger, "zanzibar").is_empty());
    assert!(search_ids(&ledger, "e").is_empty());
    assert!(ledger.monthly_totals(None).unwrap().is_empty());
}

#[test]
fn amount_bounds_are_exact_in_each_currency() {
    let f = fixture();
    // -12.5: -12.50 EUR exactly; in JPY (no decimals) -12 is in, -13 is out.
    let q = TransactionQuery {
        min_amount: Some(dec("-12.5")),
        max_amount: Some(dec("-12")),
        ..all()
    };
    assert_eq!(sorted(f.numbers(&q)), [3, 5, 9]);
    let at_least = TransactionQuery {
        min_amount: Some(dec("-12.5")),
        ..all()
    };
    assert_eq!(sorted(f.numbers(&at_least)), [1, 2, 3, 5, 6, 9, 10]);
    let at_most = TransactionQuery {
        max_amount: Some(dec("-12.5")),
        ..all()
    };
    // -12.5 JPY at most: -13 and below.
    assert_eq!(sorted(f.numbers(&at_most)), [3, 4, 7, 8]);
    let exact = TransactionQuery {
        min_amount: Some(dec("-12.49")),
        max_amount: Some(dec("-12.49")),
        ..all()
    };
    assert_eq!(f.numbers(&exact), [5]);
    // A fraction no currency can hold matches nothing (in JPY, no whole yen lies in the range).
    let between = TransactionQuery {
        min_amount: Some(dec("-12.499")),
        max_amount: Some(dec("-12.491")),
        ..all()
    };
    assert_eq!(f.numbers(&between), Vec::<usize>::new());
    // Bounds beyond any amount are no bounds; contradictory ones find nothing.
    let huge = TransactionQuery {
        min_amount: Some(Decimal::MIN),
        max_amount: Some(Decimal::MAX),
        ..all()
    };
    assert_eq!(f.numbers(&huge).len(), 10);
    let upside_down = TransactionQuery {
        min_amount: Some(dec("5")),
        max_amount: Some(dec("-5")),
        ..all()
    };
    assert_eq!(f.numbers(&upside_down), Vec::<usize>::new());
    let too_high = TransactionQuery {
        min_amount: Some(Decimal::MAX),
        ..all()
    };
    assert_eq!(f.numbers(&too_high), Vec::<usize>::new());
    // Bounds in one account use its currency alone.
    let yen = TransactionQuery {
        account: Some(f.jpy),
        max_amount: Some(dec("-12.5")),
        ..all()
    };
    assert_eq!(f.numbers(&yen), [8, 7]);
}

#[test]
fn monthly_totals_are_per_month_and_currency() {
    let f = fixture();
    let m = |month: u32, income: Money, expense: Money, count: u64| MonthTotals {
        month: date(2024, month, 1),
        income,
        expense,
        count,
    };
    let y = |s: &str| money(s, jpy());
    assert_eq!(
        f.ledger.monthly_totals(None).unwrap(),
        [
            m(1, eur("2500.00"), eur("17.00"), 3),
            m(1, y("0"), y("1200"), 1),
            m(2, y("0"), y("25"), 2),
            m(3, eur("12.50"), eur("57.59"), 3),
            m(3, y("300000"), y("0"), 1),
        ]
    );
    assert_eq!(
        f.ledger.monthly_totals(Some(f.jpy)).unwrap(),
        [
            m(1, y("0"), y("1200"), 1),
            m(2, y("0"), y("25"), 2),
            m(3, y("300000"), y("0"), 1),
        ]
    );
}

#[test]
fn balance_by_month_carries_empty_months_forward() {
    let (_d, mut ledger) = new_ledger();
    let jan = statement_rows(&[
        (date(2024, 1, 3), "Coffee", "-10.00"),
        (date(2024, 1, 9), "Refund", "5.00"),
    ]);
    let a = import(
        &mut ledger,
        'a',
        (date(2024, 1, 1), date(2024, 1, 31)),
        ("100.00", "95.00"),
        &jan,
    );
    let mar = statement_rows(&[(date(2024, 3, 5), "Rent", "-20.00")]);
    import(
        &mut ledger,
        'c',
        (date(2024, 3, 1), date(2024, 3, 31)),
        ("95.00", "75.00"),
        &mar,
    );
    assert_eq!(
        ledger.balance_by_month(a.account.id).unwrap(),
        [
            (date(2024, 1, 31), eur("95.00")),
            (date(2024, 2, 29), eur("95.00")),
            (date(2024, 3, 31), eur("75.00")),
        ]
    );
    // Without statements the start is zero; without transactions there are no months.
    let manual = ledger
        .add_account(&account("Manual", Currency::EUR))
        .unwrap();
    assert!(ledger.balance_by_month(manual.id).unwrap().is_empty());
    ledger
        .add_transactions(
            manual.id,
            &[
                row(date(2023, 11, 30), "a", eur("1.00")),
                row(date(2024, 1, 1), "b", eur("-3.00")),
            ],
        )
        .unwrap();
    assert_eq!(
        ledger.balance_by_month(manual.id).unwrap(),
        [
            (date(2023, 11, 30), eur("1.00")),
            (date(2023, 12, 31), eur("1.00")),
            (date(2024, 1, 31), eur("-2.00")),
        ]
    );
}

#[test]
fn account_balances_disagree_when_a_month_is_missing() {
    let (_d, mut ledger) = new_ledger();
    let jan = statement_rows(&[
        (date(2024, 1, 3), "Coffee", "-10.00"),
        (date(2024, 1, 9), "Refund", "5.00"),
    ]);
    let a = import(
        &mut ledger,
        'a',
        (date(2024, 1, 1), date(2024, 1, 31)),
        ("100.00", "95.00"),
        &jan,
    );
    // February brought +50.00; its statement is missing, so March opens at 145.00.
    let mar = statement_rows(&[(date(2024, 3, 5), "Rent", "-20.00")]);
    import(
        &mut ledger,
        'c',
        (date(2024, 3, 1), date(2024, 3, 31)),
        ("145.00", "125.00"),
        &mar,
    );
    let manual = ledger
        .add_account(&account("Manual", Currency::EUR))
        .unwrap();
    ledger
        .add_transactions(manual.id, &[row(date(2024, 1, 1), "x", eur("-3.00"))])
        .unwrap();
    assert_eq!(
        ledger.account_balances().unwrap(),
        [
            AccountBalance {
                account_id: a.account.id,
                latest_closing: Some((date(2024, 3, 31), eur("125.00"))),
                computed: eur("75.00"),
                matches: false,
            },
            AccountBalance {
                account_id: manual.id,
                latest_closing: None,
                computed: eur("-3.00"),
                matches: true,
            },
        ]
    );
    let feb = statement_rows(&[(date(2024, 2, 14), "Gift", "50.00")]);
    import(
        &mut ledger,
        'b',
        (date(2024, 2, 1), date(2024, 2, 29)),
        ("95.00", "145.00"),
        &feb,
    );
    let balances = ledger.account_balances().unwrap();
    assert_eq!(balances[0].computed, eur("125.00"));
    assert!(balances[0].matches);
}

#[test]
fn a_transaction_in_detail() {
    let (_d, mut ledger) = new_ledger();
    let rows = statement_rows(&[
        (date(2024, 1, 3), "Coffee", "-10.00"),
        (date(2024, 1, 4), "Tea", "-2.00"),
        (date(2024, 1, 9), "Refund", "5.00"),
    ]);
    let a = import(
        &mut ledger,
        'a',
        (date(2024, 1, 1), date(2024, 1, 31)),
        ("100.00", "93.00"),
        &rows,
    );
    let refund = ledger.query_transactions(&text("refund")).unwrap();
    assert_eq!(refund.len(), 1);
    assert_eq!(refund[0].statement_id, Some(a.statement_id));
    assert_eq!(refund[0].page, Some(2));
    let detail = ledger.transaction_detail(refund[0].transaction.id).unwrap();
    assert_eq!(detail.transaction, refund[0].transaction);
    assert_eq!(detail.transaction.amount, eur("5.00"));
    assert_eq!(detail.account, a.account);
    assert_eq!(detail.page, Some(2));
    let statement = detail.statement.unwrap();
    assert_eq!(statement.id, a.statement_id);
    assert_eq!(statement.period_end, date(2024, 1, 31));
    assert_eq!(statement.closing, eur("93.00"));
    assert_eq!(statement.transactions, 3);

    let manual = ledger
        .add_transactions(
            a.account.id,
            &[row(date(2024, 2, 1), "By hand", eur("1.00"))],
        )
        .unwrap();
    let detail = ledger.transaction_detail(manual[0]).unwrap();
    assert_eq!((detail.statement, detail.page), (None, None));
    assert!(matches!(
        ledger.transaction_detail(TransactionId(999_999)),
        Err(StoreError::UnknownTransaction(999_999))
    ));
}

/// A ledger written by a Folio that knew only migrations 1 and 2, with rows in it: opening it
/// applies migration 3, which indexes and totals the rows already there.
#[test]
fn migration_3_applies_to_a_version_2_ledger_with_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.folio");
    let key = generate_ledger_key().unwrap();
    {
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(&format!(
            "PRAGMA key = \"x'{}'\";",
            hex::encode(key.expose())
        ))
        .unwrap();
        for m in &folio_store::MIGRATIONS[..2] {
            let tx = conn.transaction().unwrap();
            tx.execute_batch(m.sql).unwrap();
            tx.pragma_update(None, "user_version", m.version).unwrap();
            tx.commit().unwrap();
        }
        conn.execute_batch(
            "INSERT INTO accounts (name, number, currency) VALUES ('Old', 'N-1', 'EUR');
             INSERT INTO statements (account_id, file_sha256, file_name, period_start, period_end,
                opening_minor, closing_minor, reconciled, pages)
             VALUES (1, printf('%064d', 1), 'jan.pdf', '2023-01-01', '2023-01-31', 10000, 9500, 1, 1);
             INSERT INTO transactions (account_id, booked_on, description, amount_minor, currency,
                statement_id, page, fingerprint)
             VALUES (1, '2023-01-04', 'Crêperie Bretonne', -700, 'EUR', 1, 1, 'f1'),
                    (1, '2023-01-20', 'Virement reçu', 200, 'EUR', 1, 1, 'f2'),
                    (1, '2023-03-02', 'Crêpes again', -1000, 'EUR', NULL, NULL, NULL);",
        )
        .unwrap();
        assert_eq!(
            conn.query_row("PRAGMA user_version", [], |r| r.get::<_, u32>(0))
                .unwrap(),
            2
        );
    }
    let mut ledger = Ledger::open(&path, &key).unwrap();
    assert_eq!(
        ledger.schema_version().unwrap(),
        folio_store::latest_version()
    );
    assert_eq!(search_ids(&ledger, "creperie"), [1]);
    assert_eq!(search_ids(&ledger, "crep"), [1, 3]);
    assert_eq!(search_ids(&ledger, "recu"), [2]);
    assert_eq!(
        ledger.monthly_totals(None).unwrap(),
        [
            MonthTotals {
                month: date(2023, 1, 1),
                income: eur("2.00"),
                expense: eur("7.00"),
                count: 2
            },
            MonthTotals {
                month: date(2023, 3, 1),
                income: eur("0"),
                expense: eur("10.00"),
                count: 1
            },
        ]
    );
    assert_eq!(
        ledger.balance_by_month(AccountId(1)).unwrap(),
        [
            (date(2023, 1, 31), eur("95.00")),
            (date(2023, 2, 28), eur("95.00")),
            (date(2023, 3, 31), eur("85.00")),
        ]
    );
    let balances = ledger.account_balances().unwrap();
    assert_eq!(
        balances[0].latest_closing,
        Some((date(2023, 1, 31), eur("95.00")))
    );
    assert!(!balances[0].matches, "March has no statement");
    // New rows are indexed too, and reopening migrates nothing more.
    ledger
        .add_transactions(
            AccountId(1),
            &[row(date(2023, 4, 1), "Crêpe party", eur("-1.00"))],
        )
        .unwrap();
    assert_eq!(search_ids(&ledger, "crep").len(), 3);
    drop(ledger);
    let ledger = Ledger::open(&path, &key).unwrap();
    assert_eq!(
        ledger.schema_version().unwrap(),
        folio_store::latest_version()
    );
    // "crepe" starts "crêperie", "crêpes" and "crêpe".
    assert_eq!(search_ids(&ledger, "crepe").len(), 3);
    assert_eq!(search_ids(&ledger, "crepe party").len(), 1);
}
