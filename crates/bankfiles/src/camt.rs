//! ISO 20022 cash management: camt.053 statements, camt.052 reports, camt.054 notifications,
//! any schema version (elements are matched by local name).
//!
//! One `Stmt`/`Rpt`/`Ntfctn` is one statement. An entry (`Ntry`) is one transaction, or one per
//! `TxDtls` when a batch lists several whose amounts add up to the entry (so each payment of a
//! collected batch keeps its counterparty). Only booked entries are read; pending ones are
//! skipped with a warning.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::text::{clean, iso_date, non_empty, parse_amount};
use crate::xml::Node;
use crate::{
    account_ref, currency_at, AccountRef, BankFileError, BankFileStatement, BankFileTransaction,
    Format,
};

pub(crate) fn parse(bytes: &[u8]) -> Result<Vec<BankFileStatement>, BankFileError> {
    let text = crate::text::decode_auto(bytes)?;
    let root =
        crate::xml::parse(&text).map_err(|e| BankFileError::malformed(Format::Camt, "XML", e))?;
    let Some(doc) = root.child("Document") else {
        return Err(BankFileError::malformed(
            Format::Camt,
            "root element",
            "no <Document> root; this is not an ISO 20022 file",
        ));
    };
    let (container, name) = if let Some(c) = doc.child("BkToCstmrStmt") {
        (c, "Stmt")
    } else if let Some(c) = doc.child("BkToCstmrDbtCdtNtfctn") {
        (c, "Ntfctn")
    } else if let Some(c) = doc.child("BkToCstmrAcctRpt") {
        (c, "Rpt")
    } else {
        return Err(BankFileError::NoStatement {
            format: Format::Camt,
            detail:
                "the document holds no BkToCstmrStmt, BkToCstmrAcctRpt or BkToCstmrDbtCdtNtfctn"
                    .into(),
        });
    };
    let mut out = Vec::new();
    for (i, stmt) in container.children(name).enumerate() {
        out.push(statement(stmt, &format!("{name} {}", i + 1))?);
    }
    if out.is_empty() {
        return Err(BankFileError::NoStatement {
            format: Format::Camt,
            detail: format!("no <{name}> element"),
        });
    }
    Ok(out)
}

fn statement(stmt: &Node, at: &str) -> Result<BankFileStatement, BankFileError> {
    let acct = stmt.child("Acct");
    let id = acct
        .and_then(|a| a.text_at("Id/IBAN").or_else(|| a.text_at("Id/Othr/Id")))
        .unwrap_or_default();
    let (iban, number) = account_ref(&id);
    let bank_id = acct.and_then(|a| {
        a.text_at("Svcr/FinInstnId/BIC")
            .or_else(|| a.text_at("Svcr/FinInstnId/BICFI"))
    });
    let mut currency = match acct.and_then(|a| a.text_at("Ccy")) {
        Some(code) => Some(currency_at(&code, format!("{at}, Acct/Ccy"))?),
        None => None,
    };

    let mut st = BankFileStatement {
        format: Format::Camt,
        account: AccountRef {
            iban,
            number,
            bank_id,
            name: None,
            currency: None,
        },
        statement_id: stmt.text_at("Id"),
        period_start: stmt.text_at("FrToDt/FrDtTm").and_then(|t| iso_date(&t)),
        period_end: stmt.text_at("FrToDt/ToDtTm").and_then(|t| iso_date(&t)),
        opening_balance: None,
        opening_date: None,
        closing_balance: None,
        closing_date: None,
        transactions: Vec::new(),
        warnings: Vec::new(),
    };

    for (i, bal) in stmt.children("Bal").enumerate() {
        let bat = format!("{at}, Bal {}", i + 1);
        let code = bal
            .text_at("Tp/CdOrPrtry/Cd")
            .or_else(|| bal.text_at("Tp/CdOrPrtry/Prtry"))
            .unwrap_or_default();
        let (amount, ccy) = signed_amount(bal, &bat)?;
        check_currency(&mut currency, ccy, &bat)?;
        let date = bal
            .text_at("Dt/Dt")
            .or_else(|| bal.text_at("Dt/DtTm"))
            .and_then(|t| iso_date(&t));
        match code.as_str() {
            // Opening booked; a previously closed booked balance opens the next statement.
            "OPBD" | "PRCD" if st.opening_balance.is_none() => {
                st.opening_balance = Some(amount);
                st.opening_date = date;
            }
            "CLBD" => {
                st.closing_balance = Some(amount);
                st.closing_date = date;
            }
            _ => {}
        }
    }

    for (i, ntry) in stmt.children("Ntry").enumerate() {
        let nat = format!("{at}, Ntry {}", i + 1);
        let status = ntry
            .text_at("Sts")
            .or_else(|| ntry.text_at("Sts/Cd"))
            .unwrap_or_else(|| "BOOK".into());
        if status != "BOOK" {
            st.warnings
                .push(format!("{nat}: status {status}, not booked; skipped"));
            continue;
        }
        entry(ntry, &nat, &mut currency, &mut st)?;
    }
    st.account.currency = currency;
    Ok(st)
}

fn entry(
    ntry: &Node,
    at: &str,
    currency: &mut Option<folio_ledger::Currency>,
    st: &mut BankFileStatement,
) -> Result<(), BankFileError> {
    let (amount, ccy) = signed_amount(ntry, at)?;
    check_currency(currency, ccy, at)?;
    let booked = date_of(ntry, "BookgDt")
        .or_else(|| date_of(ntry, "ValDt"))
        .ok_or_else(|| {
            BankFileError::malformed(Format::Camt, at.to_string(), "no BookgDt or ValDt date")
        })?;
    let value_date = date_of(ntry, "ValDt");
    let type_code = bank_tx_code(ntry);
    let entry_id = ntry
        .text_at("AcctSvcrRef")
        .or_else(|| ntry.text_at("NtryRef"));
    let entry_info = ntry.text_at("AddtlNtryInf").map(|t| clean(&t));

    let mut details: Vec<&Node> = Vec::new();
    if let Some(d) = ntry.child("NtryDtls") {
        d.descendants("TxDtls", &mut details);
    }
    // Split only when every detail carries an amount and they add up to the entry.
    let mut split: Vec<(Decimal, &Node)> = Vec::new();
    if details.len() > 1 {
        for (k, tx) in details.iter().enumerate() {
            let amt_node = tx.at("AmtDtls/TxAmt").or(Some(*tx));
            let Some(node) = amt_node.filter(|n| n.child("Amt").is_some()) else {
                split.clear();
                break;
            };
            let text = node.text_at("Amt").unwrap_or_default();
            let value =
                parse_amount(&text, '.', &[]).ok_or_else(|| BankFileError::InvalidAmount {
                    text: text.clone(),
                    at: format!("{at}, TxDtls {}", k + 1),
                    reason: String::new(),
                })?;
            let sign = match tx.text_at("CdtDbtInd").as_deref() {
                Some("DBIT") => -Decimal::ONE,
                Some("CRDT") => Decimal::ONE,
                _ if amount.is_sign_negative() => -Decimal::ONE,
                _ => Decimal::ONE,
            };
            split.push((value * sign, tx));
        }
        let sum: Decimal = split.iter().map(|(a, _)| *a).sum();
        if !split.is_empty() && sum != amount {
            st.warnings.push(format!(
                "{at}: details add up to {sum}, not the entry's {amount}; kept as one transaction"
            ));
            split.clear();
        }
    }
    if split.is_empty() {
        split.push((amount, details.first().copied().unwrap_or(ntry)));
    }
    let n = split.len();
    for (k, (amount, tx)) in split.into_iter().enumerate() {
        let incoming = amount >= Decimal::ZERO;
        let party = if incoming { "Dbtr" } else { "Cdtr" };
        let counterparty = tx
            .text_at(&format!("RltdPties/{party}/Nm"))
            .or_else(|| tx.text_at(&format!("RltdPties/{party}/Pty/Nm")))
            .map(|t| clean(&t));
        let counterparty_account = tx
            .text_at(&format!("RltdPties/{party}Acct/Id/IBAN"))
            .or_else(|| tx.text_at(&format!("RltdPties/{party}Acct/Id/Othr/Id")));
        let mut ustrd = Vec::new();
        if let Some(rmt) = tx.child("RmtInf") {
            for u in rmt.children("Ustrd") {
                let t = clean(&u.text);
                if !t.is_empty() {
                    ustrd.push(t);
                }
            }
        }
        let structured = tx.text_at("RmtInf/Strd/CdtrRefInf/Ref");
        let end_to_end = tx.text_at("Refs/EndToEndId").filter(|r| r != "NOTPROVIDED");
        let description = non_empty(ustrd.join(" "))
            .or_else(|| tx.text_at("AddtlTxInf").map(|t| clean(&t)))
            .or_else(|| entry_info.clone())
            .or_else(|| structured.clone())
            .or_else(|| counterparty.clone())
            .unwrap_or_default();
        let provider_id = match (&entry_id, n) {
            (Some(id), 1) => Some(id.clone()),
            (Some(id), _) => Some(format!("{id}/{}", k + 1)),
            (None, _) => tx.text_at("Refs/AcctSvcrRef"),
        };
        st.transactions.push(BankFileTransaction {
            booked,
            value_date,
            amount,
            description,
            counterparty,
            counterparty_account,
            reference: structured.or(end_to_end),
            provider_id,
            type_code: type_code.clone(),
        });
    }
    Ok(())
}

/// `Amt` with its `Ccy` attribute and `CdtDbtInd` (DBIT is negative).
fn signed_amount(node: &Node, at: &str) -> Result<(Decimal, Option<String>), BankFileError> {
    let amt = node
        .child("Amt")
        .ok_or_else(|| BankFileError::malformed(Format::Camt, at.to_string(), "no <Amt>"))?;
    let text = amt.text.trim();
    let value = parse_amount(text, '.', &[])
        .filter(|v| !v.is_sign_negative())
        .ok_or_else(|| BankFileError::InvalidAmount {
            text: text.to_string(),
            at: format!("{at}, Amt"),
            reason: String::new(),
        })?;
    let sign = match node.text_at("CdtDbtInd").as_deref() {
        Some("DBIT") => -Decimal::ONE,
        Some("CRDT") => Decimal::ONE,
        other => {
            return Err(BankFileError::malformed(
                Format::Camt,
                format!("{at}, CdtDbtInd"),
                format!("expected CRDT or DBIT, found {other:?}"),
            ))
        }
    };
    Ok((value * sign, amt.attr("Ccy").map(str::to_string)))
}

fn check_currency(
    current: &mut Option<folio_ledger::Currency>,
    code: Option<String>,
    at: &str,
) -> Result<(), BankFileError> {
    let Some(code) = code else { return Ok(()) };
    let found = currency_at(&code, format!("{at}, Amt/@Ccy"))?;
    match current {
        None => *current = Some(found),
        Some(c) if *c == found => {}
        Some(c) => {
            return Err(BankFileError::CurrencyMismatch {
                expected: c.code().to_string(),
                found: found.code().to_string(),
                at: format!("{at}, Amt/@Ccy"),
            })
        }
    }
    Ok(())
}

fn date_of(node: &Node, name: &str) -> Option<NaiveDate> {
    node.text_at(&format!("{name}/Dt"))
        .or_else(|| node.text_at(&format!("{name}/DtTm")))
        .and_then(|t| iso_date(&t))
}

fn bank_tx_code(node: &Node) -> Option<String> {
    let domain = node.text_at("BkTxCd/Domn/Cd");
    let family = node.text_at("BkTxCd/Domn/Fmly/Cd");
    let sub = node.text_at("BkTxCd/Domn/Fmly/SubFmlyCd");
    match (domain, family, sub) {
        (Some(d), Some(f), Some(s)) => Some(format!("{d}-{f}-{s}")),
        (Some(d), Some(f), None) => Some(format!("{d}-{f}")),
        _ => node.text_at("BkTxCd/Prtry/Cd"),
    }
}
