//! Cloud converters in the window: offered for a PDF the local engine could not read, and used
//! only after the person chose the service and agreed to send that file (the consent is part of
//! the command: without it nothing is sent). The API key goes to the keychain once.

use folio_app::{
    cloud_key, converters, forget_converter_key as forget, service_of, AppError, ConverterView,
    ErrorCode, ErrorView, ImportJob, Imports, Keychain, Service,
};
use serde::Deserialize;
use specta::Type;
use tauri::State;

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

/// The cloud converters the person may choose, and whether their key is stored.
#[tauri::command]
#[specta::specta]
pub async fn list_converters() -> Result<Vec<ConverterView>, ErrorView> {
    Ok(converters(&Keychain::os())?)
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
