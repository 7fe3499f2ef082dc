//! Accounts and how they are identified: IBAN (check digits verified) or a bank account number.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Currency, LedgerError};

/// An IBAN whose ISO 13616 check digits hold (mod 97 == 1). Stored without spaces, upper case.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Iban(String);

impl Iban {
    pub fn parse(text: &str) -> Result<Iban, LedgerError> {
        let compact: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let invalid = || LedgerError::InvalidIban(text.trim().to_string());
        let bytes = compact.as_bytes();
        if !(15..=34).contains(&bytes.len())
            || !bytes[..2].iter().all(u8::is_ascii_uppercase)
            || !bytes[2..4].iter().all(u8::is_ascii_digit)
            || !bytes.iter().all(u8::is_ascii_alphanumeric)
        {
            return Err(invalid());
        }
        // Move the first four characters to the end, letters become 10..35, then mod 97 digit by
        // digit so no big integer is needed.
        let rearranged = bytes[4..].iter().chain(&bytes[..4]);
        let mut remainder: u32 = 0;
        for b in rearranged {
            let value = if b.is_ascii_digit() {
                u32::from(b - b'0')
            } else {
                u32::from(b - b'A') + 10
            };
            remainder = if value >= 10 {
                (remainder * 100 + value) % 97
            } else {
                (remainder * 10 + value) % 97
            };
        }
        if remainder == 1 {
            Ok(Iban(compact))
        } else {
            Err(invalid())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The country code, e.g. `BE`.
    pub fn country(&self) -> &str {
        &self.0[..2]
    }

    /// `****1234`: what Folio shows in exports and logs.
    pub fn masked(&self) -> String {
        mask_account_number(&self.0)
    }
}

impl fmt::Display for Iban {
    /// Groups of four, as printed on statements.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let groups: Vec<&str> = self
            .0
            .as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap_or(""))
            .collect();
        f.write_str(&groups.join(" "))
    }
}

impl fmt::Debug for Iban {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Iban({})", self.masked())
    }
}

impl TryFrom<String> for Iban {
    type Error = LedgerError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Iban::parse(&value)
    }
}

impl From<Iban> for String {
    fn from(value: Iban) -> Self {
        value.0
    }
}

/// Keeps the last four characters: `****1234`. Shorter numbers are masked whole.
pub fn mask_account_number(number: &str) -> String {
    let chars: Vec<char> = number
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    if chars.len() <= 4 {
        return "****".to_string();
    }
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("****{tail}")
}

/// The ledger's own id of an account (a row id of the store).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AccountId(pub i64);

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What is known of an account before it has an id: from a statement, a bank feed or the user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAccount {
    pub name: String,
    pub bank: Option<String>,
    pub holder: Option<String>,
    pub iban: Option<Iban>,
    /// A domestic account number where there is no IBAN.
    pub number: Option<String>,
    pub currency: Currency,
}

/// An account in the ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: AccountId,
    pub name: String,
    pub bank: Option<String>,
    pub holder: Option<String>,
    pub iban: Option<Iban>,
    pub number: Option<String>,
    pub currency: Currency,
}

impl Account {
    /// What identifies the account to a person, masked: the IBAN's or number's last four.
    pub fn masked_identifier(&self) -> Option<String> {
        self.iban
            .as_ref()
            .map(Iban::masked)
            .or_else(|| self.number.as_deref().map(mask_account_number))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_ibans_parse_and_normalise() {
        // Published example IBANs of the countries Folio's banks are in.
        for text in [
            "BE68 5390 0754 7034",
            "NL91ABNA0417164300",
            "FR14 2004 1010 0505 0001 3M02 606",
            "GB29 NWBK 6016 1331 9268 19",
            "de89 3704 0044 0532 0130 00",
        ] {
            let iban = Iban::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert!(!iban.as_str().contains(' '));
        }
        let be = Iban::parse("be68539007547034").unwrap();
        assert_eq!(be.to_string(), "BE68 5390 0754 7034");
        assert_eq!(be.country(), "BE");
        assert_eq!(be.masked(), "****7034");
    }

    #[test]
    fn wrong_check_digits_are_refused() {
        for text in [
            "BE68 5390 0754 7035",
            "NL91ABNA0417164301",
            "GB00",
            "",
            "1234567890123456",
        ] {
            assert!(
                matches!(Iban::parse(text), Err(LedgerError::InvalidIban(_))),
                "{text}"
            );
        }
    }

    #[test]
    fn debug_never_shows_the_whole_iban() {
        let iban = Iban::parse("NL91ABNA0417164300").unwrap();
        assert_eq!(format!("{iban:?}"), "Iban(****4300)");
    }

    #[test]
    fn account_numbers_are_masked_to_the_last_four() {
        assert_eq!(mask_account_number("50100 1234 5678"), "****5678");
        assert_eq!(mask_account_number("123"), "****");
    }
}
