//! `folio`: the ledger without a window. Every command goes through `folio-app`, the same use cases
//! the desktop app calls, on the same encrypted ledger.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use folio_app::{AccountView, AppError, DataDir, Folio, LedgerInfo, TransactionView};
use folio_secrets::Keychain;

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
    let cli = Cli::parse();
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
    let folio = Folio::open(data_dir, &Keychain::os())?;
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
