//! Tenders: how a ticket is paid (or paid back) and what the till owes.
//!
//! A [`Payment`] takes tenders one at a time, in any order (split payments),
//! checking each against what is still due: only cash gives change, a card
//! or cheque above the balance is refused, meal vouchers pay eligible food
//! lines only and within the daily cap. [`Payment::finish`] gives the
//! [`Settlement`]: applied amounts, change, and the cash rounding line.
//!
//! Cash rounding (when the store's [`TenderPolicy`] sets an increment such as
//! 0.05): the part of the total left for cash — total minus the non-cash
//! tenders — is rounded to the nearest increment, half away from zero, and
//! the difference is a separate rounding line. The VAT lines never change.
//! 1.02 due in cash gives 1.00 and a rounding of −0.02; 1.03 gives 1.05 and
//! +0.02; 1.025 (a half) gives 1.05. No cash tender, no rounding — except
//! that a cash part rounding to nothing (0.02) is settled with no cash at all.
//!
//! ```
//! use pos_core::tender::{Payment, PaymentDue, Tender, TenderMethod, TenderPolicy, CashRounding};
//! use pos_core::{Currency, Money};
//! use rust_decimal::Decimal;
//!
//! let eur = |c| Money::from_minor_units(c, Currency::EUR);
//! let mut policy = TenderPolicy::france(Currency::EUR);
//! policy.cash_rounding = Some(CashRounding::new(Decimal::new(5, 2), Currency::EUR)?);
//! let mut payment = Payment::new(PaymentDue::new(eur(1002), eur(0)), policy, eur(0))?;
//! payment.add(Tender::new(TenderMethod::Cash, eur(2000)))?;
//! let s = payment.finish()?;
//! assert_eq!(s.cash_rounding.to_string(), "-0.02 EUR");
//! assert_eq!(s.change.to_string(), "10.00 EUR");
//! # Ok::<(), pos_core::CoreError>(())
//! ```

mod card;
mod method;
mod payment;
mod policy;

pub use card::{
    CardReference, CardReferenceParts, CardScheme, EntryMode, MAX_AUTHORISATION_CODE_LEN,
    MAX_PROCESSOR_REFERENCE_LEN, MAX_SCHEME_LEN, MAX_TERMINAL_ID_LEN, MaskedPan,
};
pub use method::{MAX_REFERENCE_LEN, Tender, TenderMethod};
pub use payment::{Direction, Payment, PaymentDue, SettledTender, Settlement};
pub use policy::{
    CashRounding, MEAL_VOUCHER_DAILY_CAP_EUR, MealVoucherExcess, MealVoucherRules, TenderPolicy,
};
