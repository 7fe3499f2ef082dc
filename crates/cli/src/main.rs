//! `folio`: the ledger without a window. Every command goes through `folio-app`, the same use cases
//! the desktop app calls, on the same encrypted ledger.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod bankfile;
mod banks;
mod batch;
mod serve;
use folio_app::{AccountView, AppError, DataDir, Folio, Keychain, LedgerInfo, TransactionView};
use folio_statements::{ExportFormat, IntakeLimits, StatementError};

fn parse_format(s: &str) -> Result<ExportFormat, String> {
    s.parse()
}

#[derive(Parser, Debug)]
#[command(
    name = "folio",
    version,
    about = "Folio: your encrypted, local finance ledger"
)]
struct Cli {
    /// The ledger's folder. Default: FOLIO_DATA_DIR, else the platform data folder (on Linux
    /// ~/.local/share/folio).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Where the ledger lives, that it is encrypted, and its schema version.
    Info {
        #[arg(long)]
        json: bool,
    },
    /// The accounts with their transaction count and balance.
    Accounts {
        #[arg(long)]
        json: bool,
    },
    /// Reads a statement PDF or a bank file (OFX/QFX, QIF, CAMT.053/.054, MT940, CSV/XLSX) and
    /// writes what it found: JSON (Balanzio's convert shape plus Folio's fields) or CSV to
    /// standard output, or a file with --out; XLSX (PDFs only) always goes to a file. Nothing is
    /// filed in the ledger.
    Convert {
        /// The statement PDFs or bank files, or folders of them. One file without --out-dir is
        /// written to standard output (or --out); several, a folder or --out-dir each go to a
        /// file of their own in the output folder, with a summary table at the end.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Where the converted files go (named after each input).
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
        /// The PDF's password, when it has one.
        #[arg(long)]
        password: Option<String>,
        /// json, csv or xlsx.
        #[arg(long, default_value = "json", value_parser = parse_format)]
        format: ExportFormat,
        /// Where to write; default standard output (json, csv) or FILE with .xlsx (xlsx).
        #[arg(long, value_name = "PATH")]
        out: Option<PathBuf>,
        /// Refuse files larger than this many bytes.
        #[arg(long, value_name = "BYTES", default_value_t = IntakeLimits::default().max_bytes)]
        max_bytes: u64,
        /// The JSON `folio convert` wrote for an earlier statement (repeatable): its
        /// `insights.summary` is compared with this one for months missing between statements,
        /// duplicates and a changed producer.
        #[arg(long, value_name = "JSON")]
        prior: Vec<PathBuf>,
        #[command(flatten)]
        bank: bankfile::BankFileArgs,
    },
    /// Files statement PDFs and bank files (OFX/QFX, QIF, CAMT.053/.054, MT940, CSV/XLSX) into the
    /// ledger: the account matched by IBAN or number (or created), rows already known from an
    /// overlapping statement (or by the bank's row id) skipped, the same file twice refused. A
    /// bank file is filed whole (all its statements) or not at all.
    Import {
        /// One or more statement PDFs or bank files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The PDFs' password, when they have one.
        #[arg(long)]
        password: Option<String>,
        /// File statements whose arithmetic does not reconcile too (they are marked).
        #[arg(long)]
        accept_unreconciled: bool,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        bank: bankfile::BankFileArgs,
    },
    /// The filed statements.
    Statements {
        #[arg(long)]
        json: bool,
    },
    /// Deletes a filed statement and exactly the transactions it brought.
    DeleteStatement {
        /// An id from `folio statements`.
        id: i64,
        /// Confirms the deletion (without it, nothing is deleted).
        #[arg(long)]
        yes: bool,
    },
    /// Per account, the months covered by statements and the months missing.
    Coverage {
        #[arg(long)]
        json: bool,
    },
    /// Starts sandbox banks (Budgea, Belfius, ABN AMRO) and cloud converters (Balanzio, FinBox)
    /// on loopback with test data, and prints how to reach them. Runs until Ctrl-C.
    Sandbox {
        /// First port (five in a row); default any free ports.
        #[arg(long, default_value_t = 0)]
        port: u16,
    },
    /// Serves Balanzio's statement conversion API on 127.0.0.1 with Folio's own reader, for
    /// scripts written against Balanzio. Prints BASE_URL=... and API_KEY=... (the key is kept in
    /// your OS keychain), then runs until Ctrl-C. Files stay in memory, forgotten after 24 h.
    Serve {
        /// The port; 0 (the default) picks a free one.
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Replace the API key with a new one; the old key is refused from then on.
        #[arg(long)]
        new_key: bool,
    },
    /// Connects a bank (secrets from environment variables, kept in your OS keychain).
    Connect {
        #[command(subcommand)]
        provider: banks::ConnectCommand,
    },
    /// The bank connections, their state and last sync.
    Connections {
        #[arg(long)]
        json: bool,
    },
    /// Fetches accounts and transactions of one connection (or all) into the ledger; a re-sync
    /// files nothing twice.
    Sync {
        /// A connection id from `folio connections`; default all.
        id: Option<i64>,
        /// Sync as if today were this date (sandboxes hold data up to a fixed day).
        #[arg(long, value_name = "YYYY-MM-DD")]
        as_of: Option<chrono::NaiveDate>,
        #[arg(long)]
        json: bool,
    },
    /// Transactions, oldest first.
    Transactions {
        /// Only this account (an id from `folio accounts`).
        #[arg(long, value_name = "ID")]
        account: Option<i64>,
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    // Before any thread starts: OpenMP reads its cap once, when Tesseract loads.
    folio_statements::limit_ocr_threads();
    let code = dispatch(Cli::parse());
    folio_statements::release_ocr();
    code
}

/// Exit code 2 from deep in a command (each failure already reported), after what `main` does on
/// its way out: freeing Tesseract's models, which otherwise warns at exit.
fn exit_not_all_done() -> ! {
    folio_statements::release_ocr();
    std::process::exit(2)
}

fn dispatch(cli: Cli) -> ExitCode {
    if let Command::Convert {
        files,
        out_dir,
        password,
        format,
        out,
        max_bytes,
        prior,
        bank,
    } = &cli.command
    {
        // Earlier statements' summaries first: a bad --prior is refused before any reading.
        let summaries = match load_priors(prior) {
            Ok(s) => s,
            Err(message) => {
                let mut err = std::io::stderr().lock();
                let _ = writeln!(err, "folio: {message}");
                let _ = writeln!(err, "  code: PRIOR_UNREADABLE");
                let _ = writeln!(
                    err,
                    "  fix:  pass the JSON an earlier `folio convert` wrote (it holds insights.summary)"
                );
                return ExitCode::from(2);
            }
        };
        let single = match (files.as_slice(), out_dir) {
            ([file], None) if !file.is_dir() => Some(file),
            _ => None,
        };
        let Some(file) = single else {
            let batch = batch::expand(files).and_then(|all| {
                let dir = out_dir.clone().unwrap_or_else(|| PathBuf::from("."));
                batch::convert_all(
                    &all,
                    &dir,
                    password.as_deref(),
                    *format,
                    *max_bytes,
                    summaries,
                    bank,
                    &mut std::io::stdout().lock(),
                )
            });
            return match batch {
                Ok(true) => ExitCode::SUCCESS,
                Ok(false) => ExitCode::from(2),
                Err(message) => {
                    let _ = writeln!(std::io::stderr(), "folio: {message}");
                    ExitCode::from(2)
                }
            };
        };
        if bankfile::format_of(file, bank.mapping.is_some()).is_some() {
            return match bankfile::convert(file, bank, *format, out.as_deref(), &summaries) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    let mut err = std::io::stderr().lock();
                    let _ = writeln!(
                        err,
                        "folio: {}: {}: {}",
                        file.display(),
                        e.title(),
                        e.message()
                    );
                    let _ = writeln!(err, "  code: {}", e.code());
                    let _ = writeln!(err, "  fix:  {}", e.hint());
                    ExitCode::from(2)
                }
            };
        }
        return match convert(
            file,
            password.as_deref(),
            *format,
            out.as_deref(),
            *max_bytes,
            &summaries,
            bank.currency,
        ) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                let mut err = std::io::stderr().lock();
                let _ = writeln!(err, "folio: {}: {e}", file.display());
                let _ = writeln!(err, "  code: {}", e.code());
                let _ = writeln!(err, "  fix:  {}", e.recovery());
                ExitCode::from(2)
            }
        };
    }
    if let Command::Sandbox { port } = &cli.command {
        let mut out = std::io::stdout();
        return match banks::sandbox(*port, &mut out) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                let _ = writeln!(std::io::stderr(), "folio: {}", e.message());
                ExitCode::from(2)
            }
        };
    }
    if let Command::Serve { port, new_key } = &cli.command {
        let mut out = std::io::stdout();
        return match serve::serve(cli.data_dir.clone(), *port, *new_key, &mut out) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                let mut err = std::io::stderr().lock();
                let _ = writeln!(err, "folio: {}: {}", e.title(), e.message());
                let _ = writeln!(err, "  code: {}", e.code());
                let _ = writeln!(err, "  fix:  {}", e.hint());
                ExitCode::from(2)
            }
        };
    }
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let mut err = std::io::stderr().lock();
            let _ = writeln!(err, "folio: {}: {}", e.title(), e.message());
            let _ = writeln!(err, "  code: {}", e.code());
            let _ = writeln!(err, "  fix:  {}", e.hint());
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<(), AppError> {
    let data_dir = DataDir::resolve(
        cli.data_dir,
        std::env::var_os("FOLIO_DATA_DIR"),
        dirs::data_dir(),
    )?;
    let mut folio = Folio::open(data_dir, &Keychain::os())?;
    let mut out = std::io::stdout().lock();
    let written = match cli.command {
        Command::Info { json } => {
            let info = folio.info()?;
            if json {
                write_json(&mut out, &info)
            } else {
                write_info(&mut out, &info, folio.was_created())
            }
        }
        Command::Accounts { json } => {
            let accounts = folio.accounts()?;
            if json {
                write_json(&mut out, &accounts)
            } else {
                write_accounts(&mut out, &accounts)
            }
        }
        Command::Convert { .. } => Ok(()),
        Command::Import {
            files,
            password,
            accept_unreconciled,
            json,
            bank,
        } => {
            return import(
                folio,
                &files,
                password.as_deref(),
                accept_unreconciled,
                json,
                &bank,
            );
        }
        Command::Statements { json } => {
            let statements = folio.statements()?;
            if json {
                write_json(&mut out, &statements)
            } else if statements.is_empty() {
                writeln!(out, "No statements filed yet.")
            } else {
                let rows: Vec<[String; 7]> = statements
                    .iter()
                    .map(|s| {
                        [
                            s.id.to_string(),
                            s.account_id.to_string(),
                            format!("{} .. {}", s.period_start, s.period_end),
                            if s.balances_printed {
                                format!("{} {}", s.opening, s.currency)
                            } else {
                                "-".to_string()
                            },
                            if s.balances_printed {
                                format!("{} {}", s.closing, s.currency)
                            } else {
                                "-".to_string()
                            },
                            s.transactions.to_string(),
                            format!(
                                "{}{}",
                                s.file_name,
                                if s.reconciled {
                                    ""
                                } else if !s.balances_printed {
                                    "  (no balances to prove)"
                                } else {
                                    "  (NOT reconciled)"
                                }
                            ),
                        ]
                    })
                    .collect();
                write_table(
                    &mut out,
                    [
                        "ID", "ACCOUNT", "PERIOD", "OPENING", "CLOSING", "TXNS", "FILE",
                    ],
                    &rows,
                    &[0, 1, 3, 4, 5],
                )
            }
        }
        Command::DeleteStatement { id, yes } => {
            let statement = folio
                .statements()?
                .into_iter()
                .find(|s| s.id == id)
                .ok_or_else(|| {
                    AppError::new(
                        folio_app::ErrorCode::UnknownStatement,
                        format!("statement {id} does not exist"),
                    )
                })?;
            if !yes {
                writeln!(
                    out,
                    "Would delete statement {id} ({}, {} .. {}) and the {} transactions it brought. Run again with --yes to delete.",
                    statement.file_name, statement.period_start, statement.period_end, statement.transactions
                )
            } else {
                let deleted = folio.delete_statement(id)?;
                writeln!(
                    out,
                    "Deleted statement {id} ({}) and {deleted} transactions.",
                    statement.file_name
                )
            }
        }
        Command::Coverage { json } => {
            let coverage = folio.coverage()?;
            if json {
                write_json(&mut out, &coverage)
            } else if coverage.is_empty() {
                writeln!(out, "No statements filed yet.")
            } else {
                coverage.iter().try_for_each(|c| {
                    writeln!(
                        out,
                        "account {}: covered {}",
                        c.account_id,
                        c.covered.join(" ")
                    )?;
                    if c.missing.is_empty() {
                        writeln!(out, "  no month missing")
                    } else {
                        writeln!(out, "  missing {}", c.missing.join(" "))
                    }
                })
            }
        }
        Command::Sandbox { .. } | Command::Serve { .. } => Ok(()),
        Command::Connect { provider } => {
            banks::connect(folio, provider, &mut out).map(|()| Ok(()))?
        }
        Command::Connections { json } => {
            let connections = folio.connections()?;
            if json {
                write_json(&mut out, &connections)
            } else if connections.is_empty() {
                writeln!(
                    out,
                    "No bank connections. `folio sandbox` starts test banks to try one."
                )
            } else {
                let rows: Vec<[String; 6]> = connections
                    .iter()
                    .map(|c| {
                        [
                            c.id.to_string(),
                            c.provider.clone(),
                            c.label.clone(),
                            c.accounts.to_string(),
                            c.last_sync_at.clone().unwrap_or_else(|| "never".into()),
                            match &c.state_detail {
                                Some(d) => format!("{}: {d}", c.state),
                                None => c.state.clone(),
                            },
                        ]
                    })
                    .collect();
                write_table(
                    &mut out,
                    ["ID", "PROVIDER", "LABEL", "ACCOUNTS", "LAST SYNC", "STATE"],
                    &rows,
                    &[0, 3],
                )
            }
        }
        Command::Sync { id, as_of, json } => {
            if !banks::sync(folio, id, as_of, json, &mut out)? {
                exit_not_all_done();
            }
            Ok(())
        }
        Command::Transactions { account, json } => {
            let txs = folio.transactions(account)?;
            if json {
                write_json(&mut out, &txs)
            } else {
                write_transactions(&mut out, &txs)
            }
        }
    };
    // A closed pipe (`folio transactions | head`) is not an error worth a message.
    match written {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(|e| {
            AppError::new(
                folio_app::ErrorCode::Internal,
                format!("writing output: {e}"),
            )
        }),
    }
}

fn pdf_engine() -> Result<&'static folio_statements::PdfEngine, StatementError> {
    folio_statements::pdf_engine_from_env()
}

/// A progress line on stderr while scanned pages are recognised (text pages read too fast to
/// need one), overwritten in place; a terminal newline once done.
fn ocr_progress(file: &std::path::Path) -> impl FnMut(folio_app::ReadStage) + '_ {
    let mut shown = false;
    move |stage| match stage {
        folio_app::ReadStage::Recognising {
            done,
            scanned,
            percent,
        } => {
            eprint!(
                "\r{}: recognising scanned pages {done} of {scanned} ({percent}%)",
                file.display()
            );
            shown = true;
        }
        folio_app::ReadStage::Verifying if shown => {
            eprintln!();
            shown = false;
        }
        _ => {}
    }
}

/// Scanned pages' progress on stderr while a job is recognised (text pages read too fast to need
/// one), overwritten in place; a newline once the job moves on.
struct OcrProgressLine {
    shown: std::sync::Mutex<bool>,
}

impl folio_app::JobListener for OcrProgressLine {
    fn job_changed(&self, job: &folio_app::ImportJob) {
        let mut shown = self.shown.lock().unwrap_or_else(|p| p.into_inner());
        match (job.stage, job.recognised, job.scanned, job.percent) {
            (folio_app::JobStage::Processing, Some(done), Some(scanned), Some(percent)) => {
                eprint!(
                    "\r{}: recognising scanned pages {done} of {scanned} ({percent}%)",
                    job.path
                );
                *shown = true;
            }
            (folio_app::JobStage::Processing, ..) => {}
            _ if *shown => {
                eprintln!();
                *shown = false;
            }
            _ => {}
        }
    }
}

/// `folio import`: each file on its own, through the same job engine as the window (read, then
/// filed once read: the next file is read after this one is filed); one file's failure leaves
/// the others (and the ledger) as they were. Exit code 2 when any file was not filed.
fn import(
    folio: Folio,
    files: &[PathBuf],
    password: Option<&str>,
    accept_unreconciled: bool,
    json: bool,
    bank: &bankfile::BankFileArgs,
) -> Result<(), AppError> {
    let options = bank.options()?;
    let password = password.map(|p| folio_app::Sensitive::new(p.to_string()));
    let imports = folio_app::Imports::new(
        std::sync::Arc::new(folio_app::Session::opened(folio)),
        std::sync::Arc::new(OcrProgressLine {
            shown: std::sync::Mutex::new(false),
        }),
    );
    let mut failed = false;
    let mut reports: Vec<serde_json::Value> = Vec::new();
    let mut mapping_noted = false;
    for file in files {
        let added = imports.add_with(
            vec![file.display().to_string()],
            password.as_ref(),
            &options,
        );
        let result: Result<folio_app::Filed, folio_app::ErrorView> = added
            .first()
            .ok_or_else(|| AppError::new(folio_app::ErrorCode::Internal, "no import job").into())
            .and_then(|job| {
                let settled = imports.settled(job.id)?;
                match (settled.stage, settled.error) {
                    (folio_app::JobStage::Review, _) => {
                        Ok(imports.file(job.id, None, accept_unreconciled, None, None)?)
                    }
                    // A job waiting for a password, choices or a cloud reading: the CLI has
                    // nothing more to give it, so its reason is the answer.
                    (_, Some(e)) => Err(e),
                    (stage, None) => Err(AppError::new(
                        folio_app::ErrorCode::Internal,
                        format!("the import stopped at {stage:?}"),
                    )
                    .into()),
                }
            });
        let value = match result {
            Ok(folio_app::Filed::BankFile(r)) => {
                if !json {
                    let mut out = std::io::stdout().lock();
                    let _ = bankfile::print_report(&mut out, &r);
                    // CSV/XLSX: the job engine remembers the mapping for the account, as the
                    // window does.
                    let tabular = matches!(r.format.as_str(), "CSV" | "XLSX");
                    if let (true, Some(_), Some(first)) =
                        (tabular, &options.mapping, r.statements.first())
                    {
                        if !mapping_noted {
                            mapping_noted = true;
                            let _ = writeln!(
                                out,
                                "note: the column mapping is remembered for account {}; the next export with the same columns needs no --mapping",
                                first.account_id
                            );
                        }
                    }
                }
                serde_json::to_value(&r)
            }
            Ok(folio_app::Filed::Statement(r)) => {
                if !json {
                    println!(
                        "{}: filed {} new transactions ({} already known) into {} [account {}{}], {} .. {}{}",
                        file.display(),
                        r.added,
                        r.already_known,
                        r.account_name,
                        r.account_id,
                        if r.account_created { ", new" } else { "" },
                        r.period_start,
                        r.period_end,
                        if r.reconciled { "" } else { ", NOT reconciled" }
                    );
                }
                serde_json::to_value(&r)
            }
            Err(e) => {
                eprintln!("folio: {}: {}: {}", file.display(), e.title, e.message);
                eprintln!("  code: {}", e.code);
                eprintln!("  fix:  {}", e.hint);
                failed = true;
                continue;
            }
        };
        reports
            .push(value.map_err(|e| AppError::new(folio_app::ErrorCode::Internal, e.to_string()))?);
    }
    if json {
        let mut out = std::io::stdout().lock();
        write_json(&mut out, &reports)
            .map_err(|e| AppError::new(folio_app::ErrorCode::Internal, e.to_string()))?;
    }
    if failed {
        // Already reported per file above; exit non-zero without repeating it.
        exit_not_all_done();
    }
    Ok(())
}

/// The summaries in the `--prior` files (JSON an earlier `folio convert` wrote).
fn load_priors(paths: &[PathBuf]) -> Result<Vec<folio_statements::StatementSummary>, String> {
    let mut out = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("--prior {}: {e}", path.display()))?;
        out.extend(
            folio_statements::StatementSummary::from_json(&text)
                .map_err(|e| format!("--prior {}: {e}", path.display()))?,
        );
    }
    Ok(out)
}

/// `folio convert`: no ledger, no keychain; the statement is read and written out.
fn convert(
    file: &std::path::Path,
    password: Option<&str>,
    format: ExportFormat,
    out: Option<&std::path::Path>,
    max_bytes: u64,
    summaries: &[folio_statements::StatementSummary],
    currency: Option<folio_ledger::Currency>,
) -> Result<(), StatementError> {
    let engine = pdf_engine()?;
    let limits = IntakeLimits {
        max_bytes,
        ..IntakeLimits::default()
    };
    let folio_app::Converted { bytes, statement } = folio_app::convert_statement_file(
        engine,
        file,
        folio_app::FileOptions {
            password,
            limits,
            currency,
        },
        format,
        summaries,
        &mut ocr_progress(file),
    )?;
    if statement.currency.is_none() {
        eprintln!(
            "{}: CURRENCY_UNKNOWN: the statement prints no currency and nothing implies one; \
             written with \"currency\": null. Give it with --currency CODE (e.g. --currency USD).",
            file.display()
        );
    }
    let target = match (out, format) {
        (Some(path), _) => Some(path.to_path_buf()),
        (None, ExportFormat::Xlsx) => Some(file.with_extension("xlsx")),
        (None, _) => None,
    };
    match target {
        Some(path) => {
            write_whole(&path, &bytes)?;
            eprintln!(
                "{}: {} transactions, {}, written to {}",
                file.display(),
                statement.transactions.len(),
                if statement.reconciled {
                    "reconciled"
                } else {
                    "NOT reconciled (see warnings)"
                },
                path.display()
            );
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            match stdout.write_all(&bytes) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => return Err(e.into()),
                _ => {}
            }
        }
    }
    Ok(())
}

/// Writes a file whole or not at all: a temporary file beside the target, then a rename.
fn write_whole(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("folio-partial");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

fn write_json<T: serde::Serialize>(out: &mut impl Write, value: &T) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)
}

fn write_info(out: &mut impl Write, info: &LedgerInfo, created: bool) -> std::io::Result<()> {
    if created {
        writeln!(
            out,
            "Created a new encrypted ledger; its key is in your keychain."
        )?;
    }
    writeln!(out, "data dir:       {}", info.data_dir)?;
    writeln!(out, "ledger file:    {}", info.ledger_file)?;
    writeln!(
        out,
        "encryption:     {} (AES-256, key in the OS keychain)",
        info.cipher
    )?;
    writeln!(out, "keychain item:  Folio / {}", info.keychain_item)?;
    writeln!(out, "schema version: {}", info.schema_version)?;
    writeln!(out, "accounts:       {}", info.accounts)
}

fn write_accounts(out: &mut impl Write, accounts: &[AccountView]) -> std::io::Result<()> {
    if accounts.is_empty() {
        return writeln!(out, "No accounts yet.");
    }
    let rows: Vec<[String; 7]> = accounts
        .iter()
        .map(|a| {
            [
                a.id.to_string(),
                a.name.clone(),
                a.bank.clone().unwrap_or_default(),
                a.masked.clone().unwrap_or_default(),
                a.currency.clone(),
                a.transaction_count.to_string(),
                a.balance.clone(),
            ]
        })
        .collect();
    write_table(
        out,
        ["ID", "NAME", "BANK", "ACCOUNT", "CUR", "TXNS", "BALANCE"],
        &rows,
        &[0, 5, 6],
    )
}

fn write_transactions(out: &mut impl Write, txs: &[TransactionView]) -> std::io::Result<()> {
    if txs.is_empty() {
        return writeln!(out, "No transactions.");
    }
    let rows: Vec<[String; 6]> = txs
        .iter()
        .map(|t| {
            [
                t.date.clone(),
                t.account_id.to_string(),
                t.description.clone(),
                t.amount.clone(),
                t.currency.clone(),
                t.balance.clone().unwrap_or_default(),
            ]
        })
        .collect();
    write_table(
        out,
        ["DATE", "ACCOUNT", "DESCRIPTION", "AMOUNT", "CUR", "BALANCE"],
        &rows,
        &[1, 3, 5],
    )
}

/// A plain aligned table; the columns in `right` are right-aligned (numbers).
fn write_table<const N: usize>(
    out: &mut impl Write,
    header: [&str; N],
    rows: &[[String; N]],
    right: &[usize],
) -> std::io::Result<()> {
    let mut widths: [usize; N] = header.map(|h| h.chars().count());
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| -> String {
        let parts: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if right.contains(&i) {
                    format!("{c:>w$}", w = widths[i])
                } else {
                    format!("{c:<w$}", w = widths[i])
                }
            })
            .collect();
        parts.join("  ").trim_end().to_string()
    };
    writeln!(out, "{}", line(header.to_vec()))?;
    for row in rows {
        writeln!(out, "{}", line(row.iter().map(String::as_str).collect()))?;
    }
    Ok(())
}
