//! The ledger schema as an append-only list of migrations.
//!
//! A migration, once landed, is never edited: a test pins a fingerprint of each one's SQL. A change
//! to the schema is a new migration at the end. The schema version is SQLite's `user_version`.

use rusqlite::Connection;

use crate::StoreError;

pub struct Migration {
    pub version: u32,
    pub name: &'static str,
    pub sql: &'static str,
}

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "accounts and transactions",
        sql: r#"
CREATE TABLE accounts (
    id        INTEGER PRIMARY KEY,
    name      TEXT NOT NULL,
    bank      TEXT,
    holder    TEXT,
    iban      TEXT UNIQUE,
    number    TEXT,
    currency  TEXT NOT NULL CHECK (length(currency) = 3)
);

-- Amounts are integer minor units of the transaction's currency, so SUM() is exact.
-- Dates are ISO 8601 text (YYYY-MM-DD), so they sort and compare as dates.
CREATE TABLE transactions (
    id             INTEGER PRIMARY KEY,
    account_id     INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    booked_on      TEXT NOT NULL CHECK (booked_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    value_on       TEXT CHECK (value_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    description    TEXT NOT NULL,
    amount_minor   INTEGER NOT NULL,
    currency       TEXT NOT NULL CHECK (length(currency) = 3),
    balance_minor  INTEGER
);

CREATE INDEX transactions_by_account_date ON transactions (account_id, booked_on, id);
CREATE INDEX transactions_by_date ON transactions (booked_on, id);
"#,
    },
    Migration {
        version: 2,
        name: "statements and transaction fingerprints",
        sql: r#"
-- One row per filed statement file; the file's SHA-256 refuses the same file twice.
CREATE TABLE statements (
    id             INTEGER PRIMARY KEY,
    account_id     INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    file_sha256    TEXT NOT NULL UNIQUE CHECK (length(file_sha256) = 64),
    file_name      TEXT NOT NULL,
    period_start   TEXT NOT NULL,
    period_end     TEXT NOT NULL CHECK (period_end >= period_start),
    opening_minor  INTEGER NOT NULL,
    closing_minor  INTEGER NOT NULL,
    reconciled     INTEGER NOT NULL CHECK (reconciled IN (0, 1)),
    pages          INTEGER NOT NULL
);

-- Which statement brought a transaction (deleting the statement deletes exactly those), its
-- page, and its fingerprint: date, amount, normalised description and occurrence that day.
ALTER TABLE transactions ADD COLUMN statement_id INTEGER REFERENCES statements(id) ON DELETE CASCADE;
ALTER TABLE transactions ADD COLUMN page INTEGER;
ALTER TABLE transactions ADD COLUMN fingerprint TEXT;
CREATE UNIQUE INDEX transactions_fingerprint ON transactions (account_id, fingerprint)
    WHERE fingerprint IS NOT NULL;
CREATE INDEX transactions_by_statement ON transactions (statement_id);
"#,
    },
    Migration {
        version: 3,
        name: "full-text search, amount indexes and monthly totals",
        sql: r#"
-- Full-text search over descriptions: an external-content FTS5 index keyed by transactions.id
-- (the text is stored once, in transactions). Case and diacritics are folded: "cafe" finds "Café".
CREATE VIRTUAL TABLE transactions_fts USING fts5(
    description,
    content = 'transactions',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
-- A deleted description leaves the index at once, not at some later merge (as secure_delete does
-- for the file's pages).
INSERT INTO transactions_fts (transactions_fts, rank) VALUES ('secure-delete', 1);
INSERT INTO transactions_fts (transactions_fts) VALUES ('rebuild');

-- The triggers keep the index exact: an external-content index must be told the old text.
CREATE TRIGGER transactions_fts_insert AFTER INSERT ON transactions BEGIN
    INSERT INTO transactions_fts (rowid, description) VALUES (new.id, new.description);
END;
CREATE TRIGGER transactions_fts_delete AFTER DELETE ON transactions BEGIN
    INSERT INTO transactions_fts (transactions_fts, rowid, description)
    VALUES ('delete', old.id, old.description);
END;
CREATE TRIGGER transactions_fts_update AFTER UPDATE OF id, description ON transactions BEGIN
    INSERT INTO transactions_fts (transactions_fts, rowid, description)
    VALUES ('delete', old.id, old.description);
    INSERT INTO transactions_fts (rowid, description) VALUES (new.id, new.description);
END;

-- The date indexes carry the amount, so date-sorted pages and counts with an amount filter read
-- the index alone (measured at a million rows: a count over account, dates and amounts went from
-- 260 ms to 6 ms). They replace migration 1's narrower ones.
DROP INDEX transactions_by_date;
DROP INDEX transactions_by_account_date;
CREATE INDEX transactions_by_date_amount ON transactions (booked_on, id, amount_minor);
CREATE INDEX transactions_by_account_date_amount
    ON transactions (account_id, booked_on, id, amount_minor);
-- The amount sort and amount ranges, in all accounts and in one; the description sort.
CREATE INDEX transactions_by_amount ON transactions (amount_minor);
CREATE INDEX transactions_by_account_amount ON transactions (account_id, amount_minor);
CREATE INDEX transactions_by_description ON transactions (description COLLATE NOCASE);

-- Income, expense and count per account, month (YYYY-MM) and currency, kept exact by triggers, so
-- monthly totals and balances read a few hundred rows instead of every transaction.
CREATE TABLE transaction_months (
    account_id     INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    month          TEXT NOT NULL CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]'),
    currency       TEXT NOT NULL CHECK (length(currency) = 3),
    income_minor   INTEGER NOT NULL,  -- sum of the positive amounts
    expense_minor  INTEGER NOT NULL,  -- sum of the negative amounts (zero or less)
    tx_count       INTEGER NOT NULL,
    PRIMARY KEY (account_id, month, currency)
) WITHOUT ROWID;
INSERT INTO transaction_months (account_id, month, currency, income_minor, expense_minor, tx_count)
SELECT account_id, substr(booked_on, 1, 7), currency,
       sum(max(amount_minor, 0)), sum(min(amount_minor, 0)), count(*)
FROM transactions GROUP BY account_id, substr(booked_on, 1, 7), currency;

CREATE TRIGGER transaction_months_insert AFTER INSERT ON transactions BEGIN
    INSERT INTO transaction_months (account_id, month, currency, income_minor, expense_minor, tx_count)
    VALUES (new.account_id, substr(new.booked_on, 1, 7), new.currency,
            max(new.amount_minor, 0), min(new.amount_minor, 0), 1)
    ON CONFLICT (account_id, month, currency) DO UPDATE SET
        income_minor = income_minor + excluded.income_minor,
        expense_minor = expense_minor + excluded.expense_minor,
        tx_count = tx_count + 1;
END;
CREATE TRIGGER transaction_months_delete AFTER DELETE ON transactions BEGIN
    UPDATE transaction_months SET
        income_minor = income_minor - max(old.amount_minor, 0),
        expense_minor = expense_minor - min(old.amount_minor, 0),
        tx_count = tx_count - 1
    WHERE account_id = old.account_id AND month = substr(old.booked_on, 1, 7)
      AND currency = old.currency;
    DELETE FROM transaction_months
    WHERE account_id = old.account_id AND month = substr(old.booked_on, 1, 7)
      AND currency = old.currency AND tx_count = 0;
END;
CREATE TRIGGER transaction_months_update
AFTER UPDATE OF account_id, booked_on, amount_minor, currency ON transactions BEGIN
    UPDATE transaction_months SET
        income_minor = income_minor - max(old.amount_minor, 0),
        expense_minor = expense_minor - min(old.amount_minor, 0),
        tx_count = tx_count - 1
    WHERE account_id = old.account_id AND month = substr(old.booked_on, 1, 7)
      AND currency = old.currency;
    DELETE FROM transaction_months
    WHERE account_id = old.account_id AND month = substr(old.booked_on, 1, 7)
      AND currency = old.currency AND tx_count = 0;
    INSERT INTO transaction_months (account_id, month, currency, income_minor, expense_minor, tx_count)
    VALUES (new.account_id, substr(new.booked_on, 1, 7), new.currency,
            max(new.amount_minor, 0), min(new.amount_minor, 0), 1)
    ON CONFLICT (account_id, month, currency) DO UPDATE SET
        income_minor = income_minor + excluded.income_minor,
        expense_minor = expense_minor + excluded.expense_minor,
        tx_count = tx_count + 1;
END;
"#,
    },
    Migration {
        version: 4,
        name: "bank connections and provider ids",
        sql: r#"
-- A bank connection (Budgea, Belfius, ABN AMRO, the sandbox). Its secrets live in the OS keychain
-- under `keychain_item`; this table never holds a token, secret or key.
CREATE TABLE connections (
    id             INTEGER PRIMARY KEY,
    provider       TEXT NOT NULL,
    label          TEXT NOT NULL,
    base_url       TEXT NOT NULL,
    keychain_item  TEXT NOT NULL UNIQUE,
    state          TEXT NOT NULL DEFAULT 'ok' CHECK (state IN ('ok', 'reconnect', 'action_needed', 'error')),
    state_detail   TEXT,
    last_sync_at   TEXT
);

-- An account fed by a connection: the provider's id of it, and when it was last synced.
ALTER TABLE accounts ADD COLUMN connection_id INTEGER REFERENCES connections(id) ON DELETE SET NULL;
ALTER TABLE accounts ADD COLUMN provider_account_id TEXT;
ALTER TABLE accounts ADD COLUMN last_sync_at TEXT;
CREATE UNIQUE INDEX accounts_by_provider ON accounts (connection_id, provider_account_id)
    WHERE provider_account_id IS NOT NULL;

-- The provider's id of a transaction makes a re-sync idempotent.
ALTER TABLE transactions ADD COLUMN provider_id TEXT;
CREATE UNIQUE INDEX transactions_by_provider_id ON transactions (account_id, provider_id)
    WHERE provider_id IS NOT NULL;
"#,
    },
    Migration {
        version: 5,
        name: "bank-reported balances",
        sql: r#"
-- The balance the bank reported for a fed account at its last sync, and the day it is for: a
-- feed brings only recent transactions, so their sum is not the account's balance.
ALTER TABLE accounts ADD COLUMN bank_balance_minor INTEGER;
ALTER TABLE accounts ADD COLUMN bank_balance_on TEXT
    CHECK (bank_balance_on IS NULL OR bank_balance_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]');
"#,
    },
    Migration {
        version: 6,
        name: "statements without printed balances",
        sql: r#"
-- A bank file without opening/closing balances (QIF, most CSV) is filed as a statement with no
-- proof: its opening/closing columns are placeholders, kept out of the account's balance check.
ALTER TABLE statements ADD COLUMN balances_printed INTEGER NOT NULL DEFAULT 1
    CHECK (balances_printed IN (0, 1));
"#,
    },
    Migration {
        version: 7,
        name: "remembered bank-file column mappings",
        sql: r#"
-- How an account's CSV/XLSX export is read, set once by the person and used again for the next
-- export with the same header row. The mapping is Folio's JSON (folio_bankfiles::CsvMapping).
CREATE TABLE bank_file_mappings (
    id               INTEGER PRIMARY KEY,
    account_id       INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    header_signature TEXT NOT NULL CHECK (length(header_signature) > 0),
    mapping_json     TEXT NOT NULL,
    currency         TEXT NOT NULL CHECK (length(currency) = 3),
    updated_at       TEXT NOT NULL,
    UNIQUE (account_id, header_signature)
);
"#,
    },
];

/// The schema version this build writes and understands.
pub fn latest_version() -> u32 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

pub fn current_version(conn: &Connection) -> Result<u32, StoreError> {
    Ok(conn.pragma_query_value(None, "user_version", |row| row.get::<_, u32>(0))?)
}

/// Brings the schema up to `target`, each migration in its own SQL transaction together with the
/// version bump, so a crash leaves the ledger at a whole version.
pub fn migrate_to(conn: &mut Connection, target: u32) -> Result<u32, StoreError> {
    let found = current_version(conn)?;
    if found > latest_version() {
        return Err(StoreError::SchemaTooNew {
            found,
            known: latest_version(),
        });
    }
    for migration in MIGRATIONS
        .iter()
        .filter(|m| m.version > found && m.version <= target)
    {
        let tx = conn.transaction()?;
        tx.execute_batch(migration.sql)?;
        tx.pragma_update(None, "user_version", migration.version)?;
        tx.commit()?;
    }
    current_version(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "foreign_keys", true).unwrap();
        conn
    }

    fn tables(conn: &Connection) -> Vec<String> {
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    /// FNV-1a: a fingerprint to pin each landed migration's text.
    fn fingerprint(text: &str) -> u64 {
        text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
    }

    #[test]
    fn versions_are_contiguous_from_one() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version as usize, i + 1, "{}", m.name);
        }
    }

    #[test]
    fn landed_migrations_are_never_edited() {
        // Append a line here when a migration lands; never change an existing line.
        let pinned: &[(u32, u64)] = &[
            (1, 0xd661_e699_0931_6cf6),
            (2, 0x6456_3408_5efd_505f),
            (3, 0x3877_73c4_4833_138a),
            (4, 0x97af_3046_463d_78bd),
            (5, 0x271a_29ee_316d_936a),
            (6, 0x105a_7395_57d2_ab22),
            (7, 0xf902_d7e8_19f3_b78d),
        ];
        for (version, expected) in pinned {
            let m = &MIGRATIONS[*version as usize - 1];
            assert_eq!(
                fingerprint(m.sql),
                *expected,
                "migration {version} ({}) changed: add a new migration instead",
                m.name
            );
        }
        assert_eq!(
            pinned.len(),
            MIGRATIONS.len(),
            "pin the new migration's fingerprint"
        );
    }

    #[test]
    fn migration_1_creates_accounts_and_transactions() {
        let mut conn = memory();
        assert_eq!(migrate_to(&mut conn, 1).unwrap(), 1);
        assert_eq!(tables(&conn), ["accounts", "transactions"]);
        conn.execute(
            "INSERT INTO accounts (name, currency) VALUES ('Checking', 'EUR')",
            [],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO transactions (account_id, booked_on, description, amount_minor, currency)
             VALUES (1, '2024-01-31', 'Coffee', -250, 'EUR')",
            [],
        )
        .unwrap();
        // Dates must be ISO, accounts must exist, currencies are three letters.
        let bad_date = conn.execute(
            "INSERT INTO transactions (account_id, booked_on, description, amount_minor, currency)
             VALUES (1, '31/01/2024', 'x', 1, 'EUR')",
            [],
        );
        assert!(bad_date.is_err());
        let orphan = conn.execute(
            "INSERT INTO transactions (account_id, booked_on, description, amount_minor, currency)
             VALUES (99, '2024-01-31', 'x', 1, 'EUR')",
            [],
        );
        assert!(orphan.is_err());
    }

    #[test]
    fn migration_2_adds_statements_and_keeps_version_1_data() {
        let mut conn = memory();
        migrate_to(&mut conn, 1).unwrap();
        conn.execute(
            "INSERT INTO accounts (name, currency) VALUES ('Checking', 'EUR')",
            [],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO transactions (account_id, booked_on, description, amount_minor, currency)
             VALUES (1, '2024-01-31', 'Coffee', -250, 'EUR')",
            [],
        )
        .unwrap();
        assert_eq!(migrate_to(&mut conn, 2).unwrap(), 2);
        let kept: String = conn
            .query_row("SELECT description FROM transactions", [], |r| r.get(0))
            .unwrap();
        assert_eq!(kept, "Coffee");
        conn.execute(
            "INSERT INTO statements (account_id, file_sha256, file_name, period_start, period_end,
               opening_minor, closing_minor, reconciled, pages)
             VALUES (1, ?1, 's.pdf', '2024-01-01', '2024-01-31', 0, -250, 1, 1)",
            [&"a".repeat(64)],
        )
        .unwrap();
        // The same file twice, and the same fingerprint twice in one account, are refused.
        let again = conn.execute(
            "INSERT INTO statements (account_id, file_sha256, file_name, period_start, period_end,
               opening_minor, closing_minor, reconciled, pages)
             VALUES (1, ?1, 'renamed.pdf', '2024-01-01', '2024-01-31', 0, -250, 1, 1)",
            [&"a".repeat(64)],
        );
        assert!(again.is_err());
        let insert_fp = |conn: &Connection| {
            conn.execute(
                "INSERT INTO transactions (account_id, booked_on, description, amount_minor, currency, fingerprint)
                 VALUES (1, '2024-01-05', 'Tea', -100, 'EUR', '2024-01-05|-100|tea|0')",
                [],
            )
        };
        insert_fp(&conn).unwrap();
        assert!(insert_fp(&conn).is_err());
    }

    #[test]
    fn migration_3_indexes_existing_rows_and_triggers_keep_it_exact() {
        let mut conn = memory();
        migrate_to(&mut conn, 2).unwrap();
        conn.execute_batch(
            "INSERT INTO accounts (name, currency) VALUES ('Checking', 'EUR');
             INSERT INTO transactions (account_id, booked_on, description, amount_minor, currency)
             VALUES (1, '2024-01-05', 'Café de Flore', -450, 'EUR'),
                    (1, '2024-01-31', 'Salary', 250000, 'EUR'),
                    (1, '2024-02-02', 'Boulangerie Léon', -1250, 'EUR');",
        )
        .unwrap();
        assert_eq!(migrate_to(&mut conn, 3).unwrap(), 3);
        let search = |conn: &Connection, q: &str| -> Vec<i64> {
            let mut stmt = conn
                .prepare(
                    "SELECT rowid FROM transactions_fts WHERE transactions_fts MATCH ?1 ORDER BY rowid",
                )
                .unwrap();
            stmt.query_map([q], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        };
        let months = |conn: &Connection| -> Vec<(String, i64, i64, i64)> {
            let mut stmt = conn
                .prepare(
                    "SELECT month, income_minor, expense_minor, tx_count FROM transaction_months
                     ORDER BY month",
                )
                .unwrap();
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        };
        let check = |conn: &Connection| {
            conn.execute(
                "INSERT INTO transactions_fts (transactions_fts, rank) VALUES ('integrity-check', 1)",
                [],
            )
            .unwrap();
        };
        // The rows that were there before are indexed and totalled.
        check(&conn);
        assert_eq!(search(&conn, "cafe"), [1]);
        assert_eq!(search(&conn, "leon"), [3]);
        assert_eq!(
            months(&conn),
            [
                ("2024-01".to_owned(), 250_000, -450, 2),
                ("2024-02".to_owned(), 0, -1250, 1)
            ]
        );
        // Insert, update and delete keep both exact.
        conn.execute(
            "INSERT INTO transactions (account_id, booked_on, description, amount_minor, currency)
             VALUES (1, '2024-02-03', 'Crème brûlée', -800, 'EUR')",
            [],
        )
        .unwrap();
        conn.execute(
            "UPDATE transactions SET description = 'Tea room', booked_on = '2024-02-05',
                    amount_minor = -300 WHERE id = 1",
            [],
        )
        .unwrap();
        conn.execute("DELETE FROM transactions WHERE id = 3", [])
            .unwrap();
        check(&conn);
        assert_eq!(search(&conn, "creme"), [4]);
        assert_eq!(search(&conn, "cafe"), Vec::<i64>::new());
        assert_eq!(search(&conn, "tea"), [1]);
        assert_eq!(search(&conn, "leon"), Vec::<i64>::new());
        assert_eq!(
            months(&conn),
            [
                ("2024-01".to_owned(), 250_000, 0, 1),
                ("2024-02".to_owned(), 0, -1100, 2)
            ]
        );
        // A month left empty disappears.
        conn.execute("DELETE FROM transactions WHERE id = 2", [])
            .unwrap();
        assert_eq!(months(&conn), [("2024-02".to_owned(), 0, -1100, 2)]);
    }

    #[test]
    fn migration_5_adds_bank_balances_and_keeps_version_4_data() {
        let mut conn = memory();
        migrate_to(&mut conn, 4).unwrap();
        conn.execute(
            "INSERT INTO accounts (name, currency) VALUES ('Checking', 'EUR')",
            [],
        )
        .unwrap();
        assert_eq!(migrate_to(&mut conn, 5).unwrap(), 5);
        let (name, balance): (String, Option<i64>) = conn
            .query_row(
                "SELECT name, bank_balance_minor FROM accounts WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((name.as_str(), balance), ("Checking", None));
        conn.execute(
            "UPDATE accounts SET bank_balance_minor = 1250, bank_balance_on = '2024-03-01' WHERE id = 1",
            [],
        )
        .unwrap();
        // The day is an ISO date or nothing.
        assert!(conn
            .execute(
                "UPDATE accounts SET bank_balance_on = '01/03/2024' WHERE id = 1",
                []
            )
            .is_err());
    }

    #[test]
    fn migrating_twice_changes_nothing() {
        let mut conn = memory();
        migrate_to(&mut conn, latest_version()).unwrap();
        assert_eq!(
            migrate_to(&mut conn, latest_version()).unwrap(),
            latest_version()
        );
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let mut conn = memory();
        conn.pragma_update(None, "user_version", latest_version() + 1)
            .unwrap();
        assert!(matches!(
            migrate_to(&mut conn, latest_version()),
            Err(StoreError::SchemaTooNew { .. })
        ));
    }
}
