//! Tender methods and a tender (method + amount).

use super::card::CardReference;
use crate::{CoreError, Money};
use serde::{Deserialize, Serialize};

/// Longest gift card / voucher / store credit reference, in characters.
pub const MAX_REFERENCE_LEN: usize = 64;

/// How the customer pays. References identify a gift card, voucher or
/// store-credit account; never a bank card number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "method")]
pub enum TenderMethod {
    /// Cash: the only method that gives change.
    Cash,
    /// Bank card (the terminal settles the exact amount).
    Card,
    /// Cheque.
    Cheque,
    /// A gift card, by its id.
    GiftCard {
        /// The card's id (not a bank card number).
        reference: String,
    },
    /// A voucher (bon d'achat, avoir), by its id.
    Voucher {
        /// The voucher's id.
        reference: String,
    },
    /// A customer's store-credit account.
    StoreCredit {
        /// The account's pseudonymous id.
        reference: String,
    },
    /// French meal vouchers (titres-restaurant, paper or card): eligible
    /// food lines only, a daily cap, no change.
    MealVoucher,
}

impl TenderMethod {
    /// Stable snake_case name (journal, reports, errors).
    pub fn code(&self) -> &'static str {
        match self {
            TenderMethod::Cash => "cash",
            TenderMethod::Card => "card",
            TenderMethod::Cheque => "cheque",
            TenderMethod::GiftCard { .. } => "gift_card",
            TenderMethod::Voucher { .. } => "voucher",
            TenderMethod::StoreCredit { .. } => "store_credit",
            TenderMethod::MealVoucher => "meal_voucher",
        }
    }

    /// True for the methods settled by a card terminal or a processor (a
    /// bank card, a meal-voucher card): only they carry a [`CardReference`].
    pub fn is_electronic(&self) -> bool {
        matches!(self, TenderMethod::Card | TenderMethod::MealVoucher)
    }

    /// True for cash.
    pub fn is_cash(&self) -> bool {
        matches!(self, TenderMethod::Cash)
    }

    /// The gift card / voucher / store-credit reference, if any.
    pub fn reference(&self) -> Option<&str> {
        match self {
            TenderMethod::GiftCard { reference }
            | TenderMethod::Voucher { reference }
            | TenderMethod::StoreCredit { reference } => Some(reference),
            _ => None,
        }
    }

    /// Checks the reference: 1 to [`MAX_REFERENCE_LEN`] printable characters.
    pub(crate) fn check(&self) -> Result<(), CoreError> {
        match self.reference() {
            Some(r)
                if r.trim().is_empty()
                    || r.chars().count() > MAX_REFERENCE_LEN
                    || r.chars().any(char::is_control) =>
            {
                Err(CoreError::InvalidText {
                    field: "tender reference",
                    max: MAX_REFERENCE_LEN,
                })
            }
            _ => Ok(()),
        }
    }
}

/// One tender: a method and the amount handed over (or paid back).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tender {
    /// How.
    pub method: TenderMethod,
    /// How much, positive, whole minor units.
    pub amount: Money,
    /// The processor's reference of an electronic payment (absent from the
    /// JSON when unset, so earlier records keep their bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<CardReference>,
}

impl Tender {
    /// A tender of `amount` by `method`.
    pub fn new(method: TenderMethod, amount: Money) -> Tender {
        Tender {
            method,
            amount,
            card: None,
        }
    }

    /// The same tender with the processor's reference of the payment.
    pub fn with_card(mut self, card: CardReference) -> Tender {
        self.card = Some(card);
        self
    }

    /// Checks the method's reference, and that only an electronic method
    /// carries a card reference.
    pub(crate) fn check(&self) -> Result<(), CoreError> {
        self.method.check()?;
        check_card(&self.method, self.card.as_ref())
    }
}

/// Only an electronic method may carry a card reference.
fn check_card(method: &TenderMethod, card: Option<&CardReference>) -> Result<(), CoreError> {
    if card.is_some() && !method.is_electronic() {
        return Err(CoreError::CardReferenceNotAllowed {
            method: method.code(),
        });
    }
    Ok(())
}
