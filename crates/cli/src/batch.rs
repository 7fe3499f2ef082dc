//! `folio convert` of many files in one process (several files, a folder, or `--out-dir`): each
//! file a job of folio-app's job engine in reading-only mode (no ledger, no keychain), read one
//! after another with Tesseract loaded once for all scans; each written to OUT as it is read,
//! then a summary table of what became of every file.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use folio_app::{ErrorView, ExportFormat, ImportJob, Imports, JobListener, JobRead, JobStage};

use crate::bankfile::BankFileArgs;

/// Nobody listens: the batch prints its table at the end (scans say their progress on stderr).
struct Quiet;

impl JobListener for Quiet {
    fn job_changed(&self, _: &ImportJob) {}
}

/// The files to convert: each file given, and the files in each folder given (sorted, not
/// hidden, not descending into sub-folders).
pub fn expand(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let mut inside: Vec<PathBuf> = std::fs::read_dir(input)
                .map_err(|e| format!("{}: {e}", input.display()))?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| !n.starts_with('.'))
                })
                .collect();
            inside.sort();
            files.extend(inside);
        } else {
            files.push(input.clone());
        }
    }
    Ok(files)
}

/// One file's outcome, as the summary table shows it.
struct Outcome {
    file: String,
    bank: String,
    account: String,
    rows: String,
    result: String,
    ok: bool,
}

/// Converts `files` into `out_dir` (one output per file, named after it). Returns whether every
/// file was converted; refusals are in the table with their code.
#[allow(clippy::too_many_arguments)]
pub fn convert_all(
    files: &[PathBuf],
    out_dir: &Path,
    password: Option<&str>,
    format: ExportFormat,
    max_bytes: u64,
    prior: Vec<folio_app::StatementSummary>,
    bank: &BankFileArgs,
    out: &mut impl Write,
) -> Result<bool, String> {
    let options = bank.options().map_err(|e| e.message().to_string())?;
    std::fs::create_dir_all(out_dir).map_err(|e| format!("{}: {e}", out_dir.display()))?;
    let limits = folio_app::IntakeLimits {
        max_bytes,
        ..folio_app::IntakeLimits::default()
    };
    let imports = Imports::for_reading(Arc::new(Quiet), prior.clone(), limits);
    let password = password.map(|p| folio_app::Sensitive::new(p.to_string()));
    let mut outcomes = Vec::new();
    for file in files {
        let shown = file.display().to_string();
        let added = imports.add_with(vec![shown.clone()], password.as_ref(), &options);
        let Some(id) = added.first().map(|job| job.id) else {
            continue;
        };
        let outcome = match imports.settled(id) {
            Ok(job) if job.stage == JobStage::Review => {
                match imports
                    .reading(id)
                    .map_err(ErrorView::from)
                    .and_then(|read| write_one(&read, file, out_dir, format, &prior).map(|()| read))
                {
                    Ok(read) => described(&shown, &read),
                    Err(e) => refused(&shown, &e),
                }
            }
            Ok(job) => match job.error {
                Some(e) => refused(&shown, &e),
                None => refused(
                    &shown,
                    &ErrorView {
                        code: "INTERNAL".into(),
                        title: String::new(),
                        message: format!("stopped at {:?}", job.stage),
                        hint: String::new(),
                    },
                ),
            },
            Err(e) => refused(&shown, &ErrorView::from(e)),
        };
        // Its reading is written: the job is done with.
        imports.dismiss(id);
        outcomes.push(outcome);
    }
    print_table(out, &outcomes).map_err(|e| e.to_string())?;
    Ok(outcomes.iter().all(|o| o.ok))
}

fn write_one(
    read: &JobRead,
    file: &Path,
    out_dir: &Path,
    format: ExportFormat,
    prior: &[folio_app::StatementSummary],
) -> Result<(), ErrorView> {
    let bytes = folio_app::export_reading(read, format, prior).map_err(ErrorView::from)?;
    let stem = file
        .file_stem()
        .map_or_else(|| "statement".into(), |s| s.to_string_lossy().to_string());
    let ext = match format {
        ExportFormat::Json => "json",
        ExportFormat::Csv => "csv",
        ExportFormat::Xlsx => "xlsx",
    };
    let target = out_dir.join(format!("{stem}.{ext}"));
    crate::write_whole(&target, &bytes).map_err(|e| ErrorView {
        code: "WRITE_FAILED".into(),
        title: "The output could not be written".into(),
        message: format!("{}: {e}", target.display()),
        hint: "Check that the output folder is writable and has space.".into(),
    })
}

fn described(file: &str, read: &JobRead) -> Outcome {
    match read {
        JobRead::Pdf(read) => {
            let s = &read.statement;
            Outcome {
                file: file.to_string(),
                bank: s.identity.bank.clone().unwrap_or_default(),
                account: s.masked_account().unwrap_or_default(),
                rows: s.transactions.len().to_string(),
                result: if s.reconciled {
                    "proven".into()
                } else {
                    "does not add up".into()
                },
                ok: true,
            }
        }
        JobRead::Bank(bank) => {
            let r = &bank.read;
            let rows: usize = r.statements.iter().map(|s| s.transactions.len()).sum();
            let accounts: Vec<String> = r
                .statements
                .iter()
                .filter_map(|s| {
                    s.account
                        .iban
                        .as_ref()
                        .map(|i| i.masked())
                        .or_else(|| s.account.number.clone())
                })
                .collect();
            let proven = r
                .statements
                .iter()
                .all(|s| s.reconcile() == folio_app::Reconciliation::Balanced);
            Outcome {
                file: file.to_string(),
                bank: r.format.to_string(),
                account: accounts.join(" "),
                rows: rows.to_string(),
                result: if proven {
                    "proven".into()
                } else {
                    "not proven (no balances, or they do not add up)".into()
                },
                ok: true,
            }
        }
    }
}

fn refused(file: &str, e: &ErrorView) -> Outcome {
    Outcome {
        file: file.to_string(),
        bank: String::new(),
        account: String::new(),
        rows: String::new(),
        result: format!("refused {}: {}", e.code, e.message),
        ok: false,
    }
}

fn print_table(out: &mut impl Write, outcomes: &[Outcome]) -> std::io::Result<()> {
    let rows: Vec<[String; 5]> = outcomes
        .iter()
        .map(|o| {
            [
                o.file.clone(),
                o.bank.clone(),
                o.account.clone(),
                o.rows.clone(),
                o.result.clone(),
            ]
        })
        .collect();
    crate::write_table(
        out,
        ["FILE", "BANK", "ACCOUNT", "ROWS", "RESULT"],
        &rows,
        &[3],
    )?;
    let converted = outcomes.iter().filter(|o| o.ok).count();
    writeln!(
        out,
        "{converted} of {} files converted{}",
        outcomes.len(),
        if converted == outcomes.len() {
            String::new()
        } else {
            format!(", {} refused", outcomes.len() - converted)
        }
    )
}
