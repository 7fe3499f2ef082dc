//! Opt-in cloud conversion of one statement file the local engine could not read: the person
//! chose the service and agreed to send the file (the window asks; nothing here decides to
//! send). The converted statement becomes a [`ReadStatement`] like a local reading, so the same
//! review, proof and filing apply, with a warning naming the service that read it.

use std::path::Path;

use chrono::NaiveDate;
use folio_converters::{
    balanzio::{Balanzio, BalanzioOptions},
    finbox::{FinBox, FinBoxOptions},
    ConvertProgress, ConvertedStatement, ConverterError, Service,
};
use folio_secrets::{Keychain, Sensitive};
use folio_statements::{
    Identity, ParsedStatement, ParsedTransaction, PdfType, SignConvention, Warning,
};
use rust_decimal::Decimal;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::import::ReadStatement;
use crate::{AppError, ErrorCode};

/// Which service, and where it answers (the production address unless overridden:
/// `FOLIO_BALANZIO_URL` / `FOLIO_FINBOX_URL`, for the sandboxes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloudService {
    pub service: Service,
    pub base_url: String,
}

impl CloudService {
    pub fn from_env(service: Service) -> CloudService {
        let (var, default) = match service {
            Service::Balanzio => ("FOLIO_BALANZIO_URL", folio_converters::balanzio::BASE_URL),
            Service::FinBox => ("FOLIO_FINBOX_URL", folio_converters::finbox::BASE_URL),
        };
        let base_url = std::env::var(var)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .unwrap_or_else(|| default.to_string());
        CloudService { service, base_url }
    }

    /// The host a file goes to, for the consent text.
    pub fn host(&self) -> String {
        url::Url::parse(&self.base_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_else(|| self.base_url.clone())
    }
}

impl From<ConverterError> for AppError {
    fn from(e: ConverterError) -> Self {
        AppError::new(
            ErrorCode::Converter(e.code()),
            format!("{} {}", e.message(), e.recovery()),
        )
    }
}

/// The person's API key for a service, from the keychain.
pub fn converter_key(keychain: &Keychain, service: Service) -> Result<Sensitive<String>, AppError> {
    Ok(match service {
        Service::Balanzio => folio_converters::balanzio_key(keychain)?,
        Service::FinBox => folio_converters::finbox_key(keychain)?,
    })
}

/// Whether a key for the service is in the keychain.
pub fn has_converter_key(keychain: &Keychain, service: Service) -> Result<bool, AppError> {
    match converter_key(keychain, service) {
        Ok(_) => Ok(true),
        Err(e) if e.code() == ErrorCode::Converter("CONVERTER_NO_API_KEY") => Ok(false),
        Err(e) => Err(e),
    }
}

/// Keeps the person's API key for a service in the keychain.
pub fn store_converter_key(
    keychain: &Keychain,
    service: Service,
    key: &Sensitive<String>,
) -> Result<(), AppError> {
    match service {
        Service::Balanzio => folio_converters::store_balanzio_key(keychain, key)?,
        Service::FinBox => folio_converters::store_finbox_key(keychain, key)?,
    }
    Ok(())
}

/// Forgets the person's API key for a service.
pub fn forget_converter_key(keychain: &Keychain, service: Service) -> Result<(), AppError> {
    match service {
        Service::Balanzio => folio_converters::forget_balanzio_key(keychain)?,
        Service::FinBox => folio_converters::forget_finbox_key(keychain)?,
    }
    Ok(())
}

/// The person's key for a cloud converter: the one they typed (kept in the keychain from then
/// on), else the one stored.
pub fn cloud_key(
    keychain: &Keychain,
    service: folio_converters::Service,
    typed: Option<String>,
) -> Result<Sensitive<String>, AppError> {
    if let Some(key) = typed.filter(|k| !k.trim().is_empty()) {
        store_converter_key(keychain, service, &Sensitive::new(key.trim().to_string()))?;
    }
    converter_key(keychain, service)
}

/// Sends the file to the service and reads its answer into a [`ReadStatement`]. Call it only
/// after the person agreed to send this file there.
pub async fn convert_in_cloud(
    cloud: &CloudService,
    key: Sensitive<String>,
    path: &Path,
    bank_name: Option<&str>,
    progress: &mut (dyn FnMut(ConvertProgress) + Send),
) -> Result<ReadStatement, AppError> {
    let converted = match cloud.service {
        Service::Balanzio => {
            let options = BalanzioOptions {
                base_url: cloud.base_url.clone(),
                ..BalanzioOptions::default()
            };
            Balanzio::with_options(key, options)?
                .convert_file(path, None, progress)
                .await?
        }
        Service::FinBox => {
            let options = FinBoxOptions {
                base_url: cloud.base_url.clone(),
                ..FinBoxOptions::default()
            };
            FinBox::with_options(key, options)?
                .convert_file(path, bank_name.unwrap_or_default(), None, progress)
                .await?
        }
    };
    let bytes = std::fs::read(path)
        .map_err(|e| AppError::new(ErrorCode::Internal, format!("{}: {e}", path.display())))?;
    read_from_converted(path, &hex::encode(Sha256::digest(&bytes)), converted)
}

/// A converted statement as a local reading: the same review and proof. Balances the service
/// did not give are not invented: the statement then does not add up, and says why.
pub fn read_from_converted(
    path: &Path,
    sha256: &str,
    c: ConvertedStatement,
) -> Result<ReadStatement, AppError> {
    let service = c.service.name();
    let currency = c.currency.ok_or_else(|| {
        AppError::new(
            ErrorCode::CurrencyNeeded,
            format!("{service} read {} but named no currency", path.display()),
        )
    })?;
    let dates: Vec<NaiveDate> = c.transactions.iter().map(|t| t.date).collect();
    let (Some(start), Some(end)) = (
        c.period_start.or_else(|| dates.iter().min().copied()),
        c.period_end.or_else(|| dates.iter().max().copied()),
    ) else {
        return Err(AppError::new(
            ErrorCode::Converter("CONVERTER_NO_STATEMENT"),
            format!(
                "{service} found no period and no transactions in {}",
                path.display()
            ),
        ));
    };
    let mut warnings = vec![Warning {
        code: "READ_IN_CLOUD",
        row: None,
        message: format!("read by {service} (a cloud service you chose), not by Folio"),
    }];
    warnings.extend(c.warnings.iter().map(|w| Warning {
        code: "CONVERTER_WARNING",
        row: None,
        message: w.clone(),
    }));
    let transactions: Vec<ParsedTransaction> = c
        .transactions
        .iter()
        .map(|t| ParsedTransaction {
            date: t.date,
            value_date: t.value_date,
            description: t.description.clone(),
            amount: t.amount.amount(),
            balance: t.balance.map(|b| b.amount()),
            page: 0,
        })
        .collect();
    let total: Decimal = transactions.iter().map(|t| t.amount).sum();
    let (opening, closing, reconciled) = match (c.opening_balance, c.closing_balance) {
        (Some(o), Some(cl)) => {
            let (o, cl) = (o.amount(), cl.amount());
            (o, cl, o + total == cl)
        }
        _ => {
            warnings.push(Warning {
                code: "NO_BALANCES",
                row: None,
                message: format!(
                    "{service} gave no opening and closing balance: nothing proves the rows"
                ),
            });
            (Decimal::ZERO, total, false)
        }
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    Ok(ReadStatement {
        path: path.to_path_buf(),
        file_name,
        sha256: sha256.to_string(),
        statement: ParsedStatement {
            identity: Identity {
                bank: c.bank.clone(),
                holder: c.holder.clone(),
                account_number: c.account_number.clone(),
                ..Identity::default()
            },
            currency: Some(currency),
            currency_cue: Some(folio_statements::CurrencyCue::Printed),
            period_start: start.min(end),
            period_end: start.max(end),
            opening_balance: opening,
            closing_balance: closing,
            transactions,
            reconciled,
            sign_convention: SignConvention::Account,
            warnings,
            pdf_type: PdfType::TextBased,
            pages: 0,
            decimals: currency.minor_units(),
        },
        insights: None,
        account_name: None,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

    use super::*;
    use folio_converters::ServiceDetails;
    use folio_ledger::{Currency, Money, NewTransaction};

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 1, d).unwrap()
    }

    fn eur(cents: i64) -> Money {
        Money::new(Decimal::new(cents, 2), Currency::EUR)
    }

    fn converted(opening: Option<i64>, closing: Option<i64>) -> ConvertedStatement {
        ConvertedStatement {
            service: Service::Balanzio,
            remote_id: "uuid-1".into(),
            bank: Some("Banque".into()),
            account_number: Some("****2070".into()),
            holder: None,
            currency: Some(Currency::EUR),
            period_start: None,
            period_end: None,
            opening_balance: opening.map(eur),
            closing_balance: closing.map(eur),
            transactions: [(2, "Bakery", -350), (15, "Salary", 250_000)]
                .into_iter()
                .map(|(d, text, cents)| NewTransaction {
                    date: day(d),
                    value_date: None,
                    description: text.into(),
                    amount: eur(cents),
                    balance: None,
                })
                .collect(),
            warnings: vec!["page 2 was blurry".into()],
            details: ServiceDetails::Balanzio {
                pdf_type: folio_converters::balanzio::PdfType::TextBased,
                pages: Some(1),
                statement_period: None,
            },
        }
    }

    #[test]
    fn a_cloud_reading_with_balances_is_proven_like_a_local_one() {
        let read = read_from_converted(
            Path::new("/x/s.pdf"),
            "ab",
            converted(Some(10_000), Some(259_650)),
        )
        .unwrap();
        let s = &read.statement;
        assert!(s.reconciled);
        assert_eq!((s.period_start, s.period_end), (day(2), day(15)));
        assert_eq!(s.transactions.len(), 2);
        assert_eq!(read.file_name, "s.pdf");
        let codes: Vec<_> = s.warnings.iter().map(|w| w.code).collect();
        assert_eq!(codes, ["READ_IN_CLOUD", "CONVERTER_WARNING"]);
        // A closing balance the rows do not reach: read, but not proven.
        let off = read_from_converted(
            Path::new("/x/s.pdf"),
            "ab",
            converted(Some(10_000), Some(1)),
        )
        .unwrap();
        assert!(!off.statement.reconciled);
    }

    #[test]
    fn balances_the_service_did_not_give_are_not_invented() {
        let read = read_from_converted(Path::new("/x/s.pdf"), "ab", converted(None, None)).unwrap();
        assert!(!read.statement.reconciled, "nothing proves the rows");
        assert!(read
            .statement
            .warnings
            .iter()
            .any(|w| w.code == "NO_BALANCES"));
        let mut no_currency = converted(None, None);
        no_currency.currency = None;
        let err = read_from_converted(Path::new("/x/s.pdf"), "ab", no_currency).unwrap_err();
        assert_eq!(err.code(), ErrorCode::CurrencyNeeded);
        let mut empty = converted(None, None);
        empty.transactions.clear();
        let err = read_from_converted(Path::new("/x/s.pdf"), "ab", empty).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Converter("CONVERTER_NO_STATEMENT"));
    }
}

/// One cloud converter as the consent screen describes it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ConverterView {
    /// `balanzio` or `finbox`.
    pub id: String,
    pub name: String,
    /// Where the file would go: the host, and the whole address.
    pub host: String,
    pub url: String,
    /// The person's API key is in the keychain.
    pub key_stored: bool,
    /// The largest file it takes, in bytes.
    pub max_bytes: u64,
    /// It answers with transactions (Balanzio) or only with the statement's identity, period,
    /// balances and checks (FinBox).
    pub gives_transactions: bool,
}

/// A converter by the id the window uses (`balanzio`, `finbox`).
pub fn service_of(id: &str) -> Result<Service, AppError> {
    match id {
        "balanzio" => Ok(Service::Balanzio),
        "finbox" => Ok(Service::FinBox),
        other => Err(AppError::new(
            ErrorCode::Converter("CONVERTER_UNKNOWN"),
            format!("no cloud converter named {other:?}"),
        )),
    }
}

fn describe(service: Service, keychain: &Keychain) -> Result<ConverterView, AppError> {
    let cloud = CloudService::from_env(service);
    Ok(ConverterView {
        id: service.name().to_ascii_lowercase(),
        name: service.name().to_string(),
        host: cloud.host(),
        url: cloud.base_url.clone(),
        key_stored: has_converter_key(keychain, service)?,
        max_bytes: match service {
            Service::Balanzio => folio_converters::balanzio::MAX_FILE_BYTES,
            Service::FinBox => folio_converters::finbox::MAX_FILE_BYTES,
        },
        gives_transactions: service == Service::Balanzio,
    })
}

/// The cloud converters the person may choose, and whether their key is stored.
pub fn converters(keychain: &Keychain) -> Result<Vec<ConverterView>, AppError> {
    [Service::Balanzio, Service::FinBox]
        .into_iter()
        .map(|s| describe(s, keychain))
        .collect()
}
