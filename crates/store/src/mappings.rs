//! Remembered column mappings of bank-file exports (CSV/XLSX): the person sets how an account's
//! export is read once; the next export whose header row matches is read the same way and goes
//! to the same account. The mapping itself is opaque JSON here (the bankfiles crate owns it).

use folio_ledger::AccountId;
use rusqlite::params;

use crate::{Ledger, StoreError};

/// One remembered mapping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BankFileMapping {
    pub account_id: AccountId,
    /// The export's header row, normalised (see `folio_bankfiles::header_signature`).
    pub header_signature: String,
    pub mapping_json: String,
    /// ISO 4217 code of the account's currency, for files that name none.
    pub currency: String,
}

impl Ledger {
    /// Every remembered mapping, the most recently used first.
    pub fn bank_file_mappings(&self) -> Result<Vec<BankFileMapping>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT account_id, header_signature, mapping_json, currency
             FROM bank_file_mappings ORDER BY updated_at DESC, id DESC",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(BankFileMapping {
                account_id: AccountId(r.get(0)?),
                header_signature: r.get(1)?,
                mapping_json: r.get(2)?,
                currency: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Remembers (or replaces) how this account's export with this header row is read.
    pub fn remember_bank_file_mapping(
        &mut self,
        mapping: &BankFileMapping,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO bank_file_mappings
                 (account_id, header_signature, mapping_json, currency, updated_at)
             VALUES (?1, ?2, ?3, ?4, strftime('%Y-%m-%dT%H:%M:%f', 'now'))
             ON CONFLICT (account_id, header_signature) DO UPDATE SET
                 mapping_json = excluded.mapping_json,
                 currency = excluded.currency,
                 updated_at = excluded.updated_at",
            params![
                mapping.account_id.0,
                mapping.header_signature,
                mapping.mapping_json,
                mapping.currency
            ],
        )?;
        Ok(())
    }
}
