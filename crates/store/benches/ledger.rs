//! Ledger speed at a million transactions (not a test): the same data in a SQLCipher ledger and in
//! a plain SQLite file, the same queries (`folio_store::queries`) on both, medians in ms, the
//! ratio per operation and overall, against the targets.
//!
//!   cargo bench -p folio-store --bench ledger          (or scripts/bench-ledger)
//!   FOLIO_BENCH_ROWS=100000 cargo bench -p folio-store --bench ledger   (a quick check)
//!
//! The files are generated once into `target/bench-ledger/` (through the real schema and
//! migrations, bulk inserted in one transaction) and reused while their recorded row count and
//! generator version match.

use std::error::Error;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use chrono::{Datelike, Days, Months, NaiveDate};
use folio_ledger::{fingerprints, AccountId, Currency};
use folio_secrets::{LedgerKey, Sensitive};
use folio_store::{queries, setup_connection, Ledger, TransactionQuery, TransactionSort};
use rusqlite::{params, Connection, OpenFlags};
use rust_decimal::Decimal;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// Bump when the generated data or the way it is written changes: old files are regenerated.
const GENERATOR: &str = "bench-ledger 1";
const DEFAULT_ROWS: u64 = 1_000_000;
const RUNS: usize = 9;
const YEARS: i32 = 10;
const FIRST_YEAR: i32 = 2015;
const ROWS_PER_PAGE: usize = 40;

// The targets: open, every query and search, and SQLCipher's overall cost over plain SQLite.
const TARGET_OPEN_MS: f64 = 300.0;
const TARGET_QUERY_MS: f64 = 50.0;
const TARGET_RATIO: f64 = 1.15;

/// Bench data only: a fixed key so the generated ledger can be reopened by later runs.
fn bench_key() -> LedgerKey {
    Sensitive::new([0x5a; 32])
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench-ledger: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    let rows = match std::env::var("FOLIO_BENCH_ROWS") {
        Ok(text) => text
            .trim()
            .replace('_', "")
            .parse::<u64>()
            .map_err(|_| format!("FOLIO_BENCH_ROWS={text:?} is not a row count"))?,
        Err(_) => DEFAULT_ROWS,
    };
    if rows < 1000 {
        return Err("FOLIO_BENCH_ROWS must be at least 1000".into());
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-ledger");
    std::fs::create_dir_all(&dir)?;
    let encrypted = dir.join("ledger.folio");
    let plain = dir.join("plain.sqlite");
    let meta = dir.join("generated.txt");
    // The schema's text is part of the record: a changed migration means new files.
    let schema = folio_store::MIGRATIONS
        .iter()
        .flat_map(|m| m.sql.bytes())
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
    let expected_meta = format!(
        "generator={GENERATOR}\nrows={rows}\nschema={} {schema:016x}\n",
        folio_store::latest_version()
    );
    let key = bench_key();
    let reuse = std::fs::read_to_string(&meta).is_ok_and(|m| m == expected_meta)
        && encrypted.is_file()
        && plain.is_file();
    if reuse {
        println!("reusing {rows} generated transactions in {}", dir.display());
    } else {
        let _ = std::fs::remove_file(&meta);
        println!(
            "generating {rows} transactions (5 accounts, {YEARS} years, a statement per \
             account-month) ..."
        );
        let data = generate(rows);
        let t = Instant::now();
        write_ledger(&plain, None, &data)?;
        println!("  plain SQLite file: {:.1} s", t.elapsed().as_secs_f64());
        let t = Instant::now();
        write_ledger(&encrypted, Some(&key), &data)?;
        println!("  SQLCipher ledger:  {:.1} s", t.elapsed().as_secs_f64());
        std::fs::write(&meta, &expected_meta)?;
    }
    for (name, path) in [("plain", &plain), ("SQLCipher", &encrypted)] {
        println!(
            "  {name:<10} {:>7.1} MB  {}",
            file_size(path) as f64 / 1e6,
            path.display()
        );
    }

    let ops = operations(rows);
    let plain_times = measure(&ops, &mut || open_plain(&plain))?;
    let cipher_times = measure(&ops, &mut || {
        let ledger = Ledger::open(&encrypted, &key)?;
        Ok(Opened::Ledger(ledger))
    })?;
    report(rows, &ops, &plain_times, &cipher_times);
    Ok(())
}

/// A connection ready for the same queries: the SQLCipher ledger or the plain reference file.
enum Opened {
    Ledger(Ledger),
    Plain(Connection),
}

/// The plain equivalent of `Ledger::open`: open, a first read, the same setup and migration check.
fn open_plain(path: &Path) -> Result<Opened> {
    let mut conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })?;
    setup_connection(&mut conn)?;
    Ok(Opened::Plain(conn))
}

impl Opened {
    /// Runs `op` the same way on both: the Ledger through its methods, the plain file through the
    /// free functions those methods delegate to.
    fn run(&self, op: &Op) -> Result<u64> {
        Ok(match (self, op) {
            (Opened::Ledger(l), Op::Query(q)) => l.query_transactions(q)?.len() as u64,
            (Opened::Plain(c), Op::Query(q)) => queries::query_transactions(c, q)?.len() as u64,
            (Opened::Ledger(l), Op::Count(q)) => l.count_transactions(q)?,
            (Opened::Plain(c), Op::Count(q)) => queries::count_transactions(c, q)?,
            (Opened::Ledger(l), Op::Monthly) => l.monthly_totals(None)?.len() as u64,
            (Opened::Plain(c), Op::Monthly) => queries::monthly_totals(c, None)?.len() as u64,
        })
    }
}

enum Op {
    Query(TransactionQuery),
    Count(TransactionQuery),
    Monthly,
}

struct Named {
    name: &'static str,
    op: Op,
}

fn operations(rows: u64) -> Vec<Named> {
    let filtered = TransactionQuery {
        account: Some(AccountId(1)),
        from: NaiveDate::from_ymd_opt(2019, 1, 1),
        to: NaiveDate::from_ymd_opt(2019, 12, 31),
        min_amount: Some(Decimal::new(-5000, 2)),
        max_amount: Some(Decimal::new(-1000, 2)),
        ..TransactionQuery::default()
    };
    let search = |word: &str| TransactionQuery {
        text: Some(word.into()),
        ..TransactionQuery::default()
    };
    vec![
        Named {
            name: "first page (newest 100)",
            op: Op::Query(TransactionQuery::default()),
        },
        Named {
            name: "filtered (account+dates+amounts)",
            op: Op::Query(filtered.clone()),
        },
        Named {
            name: "search common word 'carrefour'",
            op: Op::Query(search("carrefour")),
        },
        Named {
            name: "search rare word 'zanzibar'",
            op: Op::Query(search("zanzibar")),
        },
        Named {
            name: "search very common 'paiement'",
            op: Op::Query(search("paiement")),
        },
        Named {
            name: "search 'carrefour' in account 2",
            op: Op::Query(TransactionQuery {
                account: Some(AccountId(2)),
                ..search("carrefour")
            }),
        },
        Named {
            name: "sorted by amount (largest 100)",
            op: Op::Query(TransactionQuery {
                sort: TransactionSort::Amount,
                ..TransactionQuery::default()
            }),
        },
        Named {
            name: "sorted by description (first 100)",
            op: Op::Query(TransactionQuery {
                sort: TransactionSort::Description,
                descending: false,
                ..TransactionQuery::default()
            }),
        },
        Named {
            name: "deep page (offset rows/2)",
            op: Op::Query(TransactionQuery {
                offset: rows / 2,
                ..TransactionQuery::default()
            }),
        },
        Named {
            name: "count (account+dates+amounts)",
            op: Op::Count(filtered),
        },
        Named {
            name: "count (search 'carrefour')",
            op: Op::Count(search("carrefour")),
        },
        Named {
            name: "monthly totals, all accounts",
            op: Op::Monthly,
        },
    ]
}

struct Times {
    /// Median open (fresh connection: key, first read, setup and migration check).
    open: f64,
    /// Per operation: the first run on the fresh connection, then the median of the rest.
    first: Vec<f64>,
    median: Vec<f64>,
    results: Vec<u64>,
}

fn measure(ops: &[Named], open: &mut dyn FnMut() -> Result<Opened>) -> Result<Times> {
    let mut opens = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        let opened = open()?;
        opens.push(ms(t.elapsed()));
        drop(opened);
    }
    let opened = open()?;
    let mut first = Vec::new();
    let mut median_of = Vec::new();
    let mut results = Vec::new();
    for named in ops {
        let t = Instant::now();
        let result = opened.run(&named.op)?;
        first.push(ms(t.elapsed()));
        let mut runs = Vec::new();
        for _ in 0..RUNS {
            let t = Instant::now();
            let again = opened.run(&named.op)?;
            runs.push(ms(t.elapsed()));
            if again != result {
                return Err(format!("{}: {again} rows, then {result}", named.name).into());
            }
        }
        median_of.push(median(&mut runs));
        results.push(result);
    }
    Ok(Times {
        open: median(&mut opens),
        first,
        median: median_of,
        results,
    })
}

fn report(rows: u64, ops: &[Named], plain: &Times, cipher: &Times) {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nfolio-store at {rows} transactions: median of {RUNS} runs in ms [first run on the fresh \
         connection]; ratio = SQLCipher / plain"
    );
    let _ = writeln!(
        out,
        "{:<35} {:>7} {:>16} {:>16} {:>6} {:>7}  met",
        "operation", "rows", "plain", "SQLCipher", "ratio", "target"
    );
    let mut ratios = Vec::new();
    let mut missed = Vec::new();
    let mut line = |name: &str,
                    n: Option<u64>,
                    (p, pf): (f64, Option<f64>),
                    (c, cf): (f64, Option<f64>),
                    target: f64| {
        let ratio = c / p;
        ratios.push(ratio);
        let met = c < target;
        if !met {
            missed.push(name.to_owned());
        }
        let cell = |m: f64, f: Option<f64>| match f {
            Some(f) => format!("{m:.2} [{f:.1}]"),
            None => format!("{m:.2}"),
        };
        let _ = writeln!(
            out,
            "{name:<35} {:>7} {:>16} {:>16} {ratio:>6.2} {:>7}  {}",
            n.map(|n| n.to_string()).unwrap_or_default(),
            cell(p, pf),
            cell(c, cf),
            format!("<{target:.0}"),
            if met { "yes" } else { "NO" }
        );
    };
    line(
        "open (key, first read, migrations)",
        None,
        (plain.open, None),
        (cipher.open, None),
        TARGET_OPEN_MS,
    );
    for (i, named) in ops.iter().enumerate() {
        line(
            named.name,
            Some(cipher.results[i]),
            (plain.median[i], Some(plain.first[i])),
            (cipher.median[i], Some(cipher.first[i])),
            TARGET_QUERY_MS,
        );
    }
    let geomean = (ratios.iter().map(|r| r.ln()).sum::<f64>() / ratios.len() as f64).exp();
    let sum_ratio = (cipher.open + cipher.median.iter().sum::<f64>())
        / (plain.open + plain.median.iter().sum::<f64>());
    let _ = writeln!(
        out,
        "\noverall SQLCipher/plain ratio: geometric mean of the per-operation median ratios {geomean:.2} \
         (target <= {TARGET_RATIO}: {}); ratio of the summed medians {sum_ratio:.2}",
        if geomean <= TARGET_RATIO { "met" } else { "NOT met" }
    );
    let _ = writeln!(
        out,
        "time targets: open < {TARGET_OPEN_MS:.0} ms, every query and search < \
         {TARGET_QUERY_MS:.0} ms (SQLCipher median): {}",
        if missed.is_empty() {
            "all met".to_owned()
        } else {
            format!("missed by {}", missed.join(", "))
        }
    );
    for (i, named) in ops.iter().enumerate() {
        if plain.results[i] != cipher.results[i] {
            let _ = writeln!(
                out,
                "WARNING: {}: plain {} rows, SQLCipher {}",
                named.name, plain.results[i], cipher.results[i]
            );
        }
    }
    print!("{out}");
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

// ---- the generated ledger ----

struct GenAccount {
    name: &'static str,
    number: &'static str,
    currency: Currency,
    /// Share of all rows, in percent.
    share: u64,
    english: bool,
}

const ACCOUNTS: &[GenAccount] = &[
    GenAccount {
        name: "Compte courant",
        number: "BE-0001",
        currency: Currency::EUR,
        share: 40,
        english: false,
    },
    GenAccount {
        name: "Carte de crédit",
        number: "BE-0002",
        currency: Currency::EUR,
        share: 25,
        english: false,
    },
    GenAccount {
        name: "Épargne",
        number: "BE-0003",
        currency: Currency::EUR,
        share: 5,
        english: false,
    },
    GenAccount {
        name: "US checking",
        number: "US-0004",
        currency: Currency::USD,
        share: 18,
        english: true,
    },
    GenAccount {
        name: "UK current",
        number: "GB-0005",
        currency: Currency::GBP,
        share: 12,
        english: true,
    },
];

/// Merchants with a weight (how often they appear): a few very common, a long tail, one rare.
const MERCHANTS: &[(&str, u32)] = &[
    ("CARREFOUR MARKET", 90),
    ("DELHAIZE", 70),
    ("COLRUYT", 60),
    ("ALDI", 45),
    ("LIDL", 45),
    ("SHELL", 30),
    ("TOTALENERGIES", 25),
    ("Café de Flore", 20),
    ("Boulangerie Pâtisserie Léon", 25),
    ("Brasserie Léopold", 12),
    ("Crème & Café", 10),
    ("Épicerie Fine Müller", 8),
    ("Pharmacie Saint-Géry", 15),
    ("AMAZON EU SARL", 40),
    ("BOL.COM", 15),
    ("IKEA", 8),
    ("DECATHLON", 10),
    ("FNAC", 8),
    ("MEDIA MARKT", 6),
    ("H&M", 10),
    ("ZARA", 8),
    ("PRIMARK", 6),
    ("SNCB/NMBS", 20),
    ("STIB-MIVB", 25),
    ("UBER *TRIP", 12),
    ("NETFLIX.COM", 5),
    ("SPOTIFY", 5),
    ("APPLE.COM/BILL", 6),
    ("GOOGLE *CLOUD", 3),
    ("Señor Taco", 4),
    ("Smørrebrød Kbh", 2),
    ("Crêperie Bretonne", 4),
    ("Döner Kebap Ağa", 5),
    ("Łódź Pierogi", 2),
    ("Żabka", 3),
    ("PANOS", 10),
    ("EXKI", 8),
    ("STARBUCKS", 10),
    ("PAIN QUOTIDIEN", 8),
    ("Hôtel des Arts", 2),
    ("Musée Magritte", 1),
    ("Théâtre Royal", 1),
    ("CINEMA GALERIES", 3),
    ("KINEPOLIS", 4),
    ("TESCO STORES", 20),
    ("SAINSBURY'S", 15),
    ("PRET A MANGER", 10),
    ("WALMART", 20),
    ("TARGET", 15),
    ("WHOLE FOODS MARKET", 10),
    ("TRADER JOE'S", 10),
    ("CVS/PHARMACY", 8),
    ("Zanzibar Spice Market", 0), // the rare one: placed by hand, see `merchant`
];

const CITIES: &[&str] = &[
    "BRUXELLES",
    "IXELLES",
    "Liège",
    "GENT",
    "ANTWERPEN",
    "Namur",
    "Mons",
    "LEUVEN",
    "Saint-Gilles",
    "Schaerbeek",
    "LONDON",
    "NEW YORK",
    "PARIS",
    "Köln",
    "Genève",
];

const PEOPLE: &[&str] = &[
    "DUPONT MARIE",
    "JANSSENS PIETER",
    "PEETERS AN",
    "MAES KOEN",
    "LAMBERT SOPHIE",
    "Noël Françoise",
    "Müller Jürgen",
    "DUBOIS HÉLÈNE",
    "GARCÍA JOSÉ",
];

const UTILITIES: &[&str] = &[
    "ENGIE ELECTRABEL",
    "PROXIMUS",
    "TELENET",
    "VIVAQUA",
    "ETHIAS ASSURANCES",
    "MUTUALITÉ CHRÉTIENNE",
    "ORANGE BELGIUM",
];

/// splitmix64: a small deterministic generator (the data must be the same on every run).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

struct GenStatement {
    account: usize,
    start: NaiveDate,
    end: NaiveDate,
    opening: i64,
    closing: i64,
    pages: u32,
    /// (date, description, amount, balance, page)
    rows: Vec<(NaiveDate, String, i64, i64, u32)>,
}

fn merchant(rng: &mut Rng) -> &'static str {
    // About one row in ten thousand is the rare merchant.
    if rng.below(10_000) == 0 {
        return "Zanzibar Spice Market";
    }
    let total: u64 = MERCHANTS.iter().map(|m| u64::from(m.1)).sum();
    let mut n = rng.below(total);
    for (name, weight) in MERCHANTS {
        if n < u64::from(*weight) {
            return name;
        }
        n -= u64::from(*weight);
    }
    MERCHANTS[0].0
}

/// A description and a signed amount in minor units.
fn transaction(rng: &mut Rng, english: bool, date: NaiveDate) -> (String, i64) {
    let roll = rng.below(100);
    let expense = |rng: &mut Rng, max_cents: u64| -(100 + rng.below(max_cents) as i64);
    match roll {
        0..=44 => {
            let m = merchant(rng);
            let city = rng.pick(CITIES);
            let text = if english {
                format!(
                    "CARD PAYMENT {m} {city} {:02}/{:02}",
                    date.day(),
                    date.month()
                )
            } else {
                format!(
                    "PAIEMENT CARTE {m} {city} {:02}/{:02}",
                    date.day(),
                    date.month()
                )
            };
            (text, expense(rng, 12_000))
        }
        45..=64 => {
            let m = merchant(rng);
            let text = if english {
                format!("CONTACTLESS {m}")
            } else {
                format!("SANS CONTACT {m}")
            };
            (text, expense(rng, 4_000))
        }
        65..=74 => {
            let who = rng.pick(PEOPLE);
            let reference = rng.below(1_000_000);
            let sign = if rng.below(3) == 0 { 1 } else { -1 };
            let text = if english {
                format!("TRANSFER {who} REF {reference:06}")
            } else {
                format!("VIREMENT SEPA {who} COMMUNICATION {reference:06}")
            };
            (text, sign * (500 + rng.below(50_000) as i64))
        }
        75..=84 => {
            let who = rng.pick(UTILITIES);
            let contract = rng.below(100_000_000);
            (
                format!("DOMICILIATION {who} CONTRAT {contract:08}"),
                expense(rng, 25_000),
            )
        }
        85..=90 => {
            let city = rng.pick(CITIES);
            let text = if english {
                format!("ATM WITHDRAWAL {city}")
            } else {
                format!("RETRAIT BANCONTACT {city}")
            };
            (text, -(2_000 * (1 + rng.below(10) as i64)))
        }
        91..=95 => {
            let m = merchant(rng);
            (format!("REMBOURSEMENT {m}"), 100 + rng.below(8_000) as i64)
        }
        96..=97 => (
            "SALAIRE ACME SA - Rémunération".to_owned(),
            250_000 + rng.below(150_000) as i64,
        ),
        _ => (
            format!("FRAIS BANCAIRES {}", date.format("%m/%Y")),
            -(150 + rng.below(500) as i64),
        ),
    }
}

fn generate(total_rows: u64) -> Vec<GenStatement> {
    let mut rng = Rng(0x00f0_110f_0110);
    let months = (YEARS * 12) as u64;
    let mut out = Vec::new();
    for (a, account) in ACCOUNTS.iter().enumerate() {
        let account_rows = total_rows * account.share / 100;
        let mut balance: i64 = 100_000 * (a as i64 + 1);
        for m in 0..months {
            // Spread the account's rows evenly over its months (the remainder in the first ones).
            let n = account_rows / months + u64::from(m < account_rows % months);
            let start = NaiveDate::from_ymd_opt(FIRST_YEAR, 1, 1)
                .and_then(|d| d.checked_add_months(Months::new(m as u32)))
                .unwrap_or_default();
            let end = start
                .checked_add_months(Months::new(1))
                .and_then(|d| d.pred_opt())
                .unwrap_or(start);
            let days = u64::from(end.day());
            let mut dated: Vec<(NaiveDate, String, i64)> = (0..n)
                .map(|_| {
                    let date = start + Days::new(rng.below(days));
                    let (text, amount) = transaction(&mut rng, account.english, date);
                    (date, text, amount)
                })
                .collect();
            dated.sort_by_key(|r| r.0);
            let opening = balance;
            let rows = dated
                .into_iter()
                .enumerate()
                .map(|(i, (date, text, amount))| {
                    balance += amount;
                    (date, text, amount, balance, (i / ROWS_PER_PAGE) as u32 + 1)
                })
                .collect::<Vec<_>>();
            out.push(GenStatement {
                account: a,
                start,
                end,
                opening,
                closing: balance,
                pages: (rows.len() / ROWS_PER_PAGE) as u32 + 1,
                rows,
            });
        }
    }
    out
}

/// Writes the generated ledger through the real schema: the SQLCipher file is created by
/// `Ledger::create`, the plain one set up by the same `setup_connection`; then every row in one
/// transaction, with the statement, page and fingerprint an import would give it.
fn write_ledger(path: &Path, key: Option<&LedgerKey>, data: &[GenStatement]) -> Result<()> {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
    let mut conn = match key {
        Some(key) => {
            drop(Ledger::create(path, key)?);
            let conn = Connection::open(path)?;
            conn.execute_batch(&format!(
                "PRAGMA key = \"x'{}'\";",
                hex::encode(key.expose())
            ))?;
            conn
        }
        None => Connection::open(path)?,
    };
    setup_connection(&mut conn)?;
    // Bulk load only: a big page cache so nothing spills before the commit.
    conn.pragma_update(None, "cache_size", -1_048_576)?;
    let tx = conn.transaction()?;
    for account in ACCOUNTS {
        tx.execute(
            "INSERT INTO accounts (name, bank, number, currency) VALUES (?1, 'Bench bank', ?2, ?3)",
            params![account.name, account.number, account.currency.code()],
        )?;
    }
    {
        let mut statement = tx.prepare(
            "INSERT INTO statements (account_id, file_sha256, file_name, period_start, period_end,
               opening_minor, closing_minor, reconciled, pages)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8)",
        )?;
        let mut insert = tx.prepare(
            "INSERT INTO transactions (account_id, booked_on, value_on, description, amount_minor,
               currency, balance_minor, statement_id, page, fingerprint)
             VALUES (?1, ?2, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?;
        for (n, s) in data.iter().enumerate() {
            let account = &ACCOUNTS[s.account];
            let account_id = s.account as i64 + 1;
            statement.execute(params![
                account_id,
                format!("{:064x}", n + 1),
                format!("{}-{}.pdf", account.number, s.start.format("%Y-%m")),
                s.start.to_string(),
                s.end.to_string(),
                s.opening,
                s.closing,
                s.pages
            ])?;
            let statement_id = tx.last_insert_rowid();
            let fps = fingerprints(
                s.rows
                    .iter()
                    .map(|(date, text, amount, _, _)| (*date, *amount, text.as_str())),
            );
            for ((date, text, amount, balance, page), fp) in s.rows.iter().zip(&fps) {
                insert.execute(params![
                    account_id,
                    date.to_string(),
                    text,
                    amount,
                    account.currency.code(),
                    balance,
                    statement_id,
                    page,
                    fp
                ])?;
            }
        }
    }
    tx.commit()?;
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
    Ok(())
}
