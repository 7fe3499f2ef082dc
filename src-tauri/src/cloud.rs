//! Cloud converters in the window: offered for a PDF the local engine could not read, and used
//! only after the person chose the service and agreed to send that file (the consent is part of
//! the command: without it nothing is sent). The API key goes to the keychain once.

use folio_app::{
    cloud_key, forget_converter_key as forget, has_converter_key, AppError, CloudService,
    ErrorCode, ErrorView, ImportJob, Imports,
};
use folio_converters::Service;
use folio_secrets::Keychain;
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::State;

/// One cloud converter as the consent screen describes it.
#[derive(Clone, Debug, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ConverterDto {
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

/// What the person asked: which service, their key (kept in the keychain) if not stored yet,
/// the bank's name (FinBox asks for it), and whether they agreed to send the file.
#[derive(Clone, Debug, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CloudRequestDto {
    pub service: String,
    pub api_key: Option<String>,
    pub bank_name: Option<String>,
    pub consent: bool,
}

fn service_of(id: &str) -> Result<Service, AppError> {
    match id {
        "balanzio" => Ok(Service::Balanzio),
        "finbox" => Ok(Service::FinBox),
        other => Err(AppError::new(
            ErrorCode::Converter("CONVERTER_UNKNOWN"),
            format!("no cloud converter named {other:?}"),
        )),
    }
}

fn describe(service: Service, keychain: &Keychain) -> Result<ConverterDto, AppError> {
    let cloud = CloudService::from_env(service);
    Ok(ConverterDto {
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
#[tauri::command]
#[specta::specta]
pub async fn list_converters() -> Result<Vec<ConverterDto>, ErrorView> {
    let keychain = Keychain::os();
    Ok([Service::Balanzio, Service::FinBox]
        .into_iter()
        .map(|s| describe(s, &keychain))
        .collect::<Result<_, _>>()?)
}

/// Forgets the stored API key of a cloud converter.
#[tauri::command]
#[specta::specta]
pub async fn forget_converter_key(service: String) -> Result<(), ErrorView> {
    Ok(forget(&Keychain::os(), service_of(&service)?)?)
}

/// Sends a PDF Folio could not read to the cloud converter the person chose, after they agreed.
/// Progress and the result arrive as the job's events (processing, then review or failed).
#[tauri::command]
#[specta::specta]
pub async fn convert_in_cloud(
    imports: State<'_, Imports>,
    job_id: u64,
    request: CloudRequestDto,
) -> Result<ImportJob, ErrorView> {
    let service = service_of(&request.service)?;
    if !request.consent {
        return Err(AppError::new(
            ErrorCode::Converter("CONVERTER_CONSENT_NEEDED"),
            format!(
                "Folio sends a file to {} only after you agree to it; nothing was sent",
                service.name()
            ),
        )
        .into());
    }
    let bank_name = request
        .bank_name
        .map(|b| b.trim().to_string())
        .filter(|b| !b.is_empty());
    if service == Service::FinBox && bank_name.is_none() {
        return Err(AppError::new(
            ErrorCode::Converter("CONVERTER_BANK_NAME_NEEDED"),
            "FinBox needs the bank's name with the file; nothing was sent",
        )
        .into());
    }
    let key = cloud_key(&Keychain::os(), service, request.api_key)?;
    Ok(
        imports.convert_in_cloud(job_id, service, key, bank_name, |task| {
            tauri::async_runtime::spawn(task);
        })?,
    )
}
