//! Cloud converters in the window: offered for a PDF the local engine could not read, and used
//! only after the person chose the service and agreed to send that file (the consent is part of
//! the command: without it nothing is sent). The API key goes to the keychain once.

use folio_app::{
    convert_in_cloud as convert, converter_key, forget_converter_key as forget, has_converter_key,
    store_converter_key, AppError, CloudService, ErrorCode,
};
use folio_converters::{ConvertProgress, Service};
use folio_secrets::{Keychain, Sensitive};
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::{AppHandle, Manager, State};

use crate::dto::ErrorDto;
use crate::imports::{summary_of, Imports, JobDto};
use crate::Session;

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
pub async fn list_converters() -> Result<Vec<ConverterDto>, ErrorDto> {
    let keychain = Keychain::os();
    Ok([Service::Balanzio, Service::FinBox]
        .into_iter()
        .map(|s| describe(s, &keychain))
        .collect::<Result<_, _>>()?)
}

/// Forgets the stored API key of a cloud converter.
#[tauri::command]
#[specta::specta]
pub async fn forget_converter_key(service: String) -> Result<(), ErrorDto> {
    Ok(forget(&Keychain::os(), service_of(&service)?)?)
}

/// Sends a PDF Folio could not read to the cloud converter the person chose, after they agreed.
/// Progress and the result arrive as the job's events (processing, then review or failed).
#[tauri::command]
#[specta::specta]
pub async fn convert_in_cloud(
    app: AppHandle,
    imports: State<'_, Imports>,
    job_id: u64,
    request: CloudRequestDto,
) -> Result<JobDto, ErrorDto> {
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
    let keychain = Keychain::os();
    if let Some(key) = request.api_key.filter(|k| !k.trim().is_empty()) {
        store_converter_key(&keychain, service, &Sensitive::new(key.trim().to_string()))?;
    }
    let key = converter_key(&keychain, service)?;
    let path = imports.cloud_start(&app, job_id, service.name())?;
    let cloud = CloudService::from_env(service);
    let handle = app.clone();
    tauri::async_runtime::spawn(async move {
        let imports = handle.state::<Imports>();
        let mut progress = |p: ConvertProgress| {
            let percent = match p {
                ConvertProgress::Uploading { .. } => 5,
                ConvertProgress::Uploaded { .. } => 20,
                // The service's OCR is most of the wait.
                ConvertProgress::Processing { percent } => {
                    20 + u16::from(percent.min(100)) * 7 / 10
                }
                ConvertProgress::Unlocking | ConvertProgress::Converting => 92,
                ConvertProgress::Done => 100,
            };
            imports.cloud_progress(&handle, job_id, u8::try_from(percent).unwrap_or(100));
        };
        let result = convert(&cloud, key, &path, bank_name.as_deref(), &mut progress).await;
        let session = handle.state::<Session>();
        let result = result.and_then(|read| {
            let review = session.with_folio(|f| f.review(&read))?;
            Ok((read, summary_of(&review)))
        });
        imports.cloud_done(&handle, job_id, result);
    });
    let (job, _, _) = imports.setup_of(job_id)?;
    Ok(job)
}
