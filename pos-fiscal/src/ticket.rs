//! The ticket as the journal records it, and its validation.
//!
//! The facade maps its cart/ticket into [`TicketInput`]; this crate depends
//! only on primitives (integer minor units, basis points) so it stays
//! independent of the cart types.

use crate::error::{FiscalError, Result};
use crate::model::DocRef;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where a ticket is recorded: normal, invoice, training or provisional.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketMode {
    /// A finalised receipt (series T).
    Ticket,
    /// An invoice (series I).
    Invoice,
    /// Training / "mode école" (series X): touches no total.
    Training,
    /// Provisional bill / "note" (series B): touches no total.
    Provisional,
}

/// Sale, refund or exchange (a refund is a negative document referencing its
/// original; an exchange returns lines of its original and sells new ones on
/// one document).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// A sale.
    Sale,
    /// A refund / cancellation.
    Refund,
    /// Return lines (≤ 0) of an original and new sale lines (≥ 0) on one
    /// ticket; the total is the balance, of any sign.
    Exchange,
}

impl Operation {
    /// The word used in signed strings.
    pub fn code(self) -> &'static str {
        match self {
            Operation::Sale => "sale",
            Operation::Refund => "refund",
            Operation::Exchange => "exchange",
        }
    }
}

/// A payment method (drives FEC accounts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    /// Cash.
    Cash,
    /// Bank card.
    Card,
    /// Cheque.
    Cheque,
    /// Voucher / meal ticket.
    Voucher,
    /// Stored value / gift card.
    StoredValue,
    /// Anything else.
    Other,
}

impl PaymentMethod {
    /// Stable code used as a map key.
    pub fn code(self) -> &'static str {
        match self {
            PaymentMethod::Cash => "cash",
            PaymentMethod::Card => "card",
            PaymentMethod::Cheque => "cheque",
            PaymentMethod::Voucher => "voucher",
            PaymentMethod::StoredValue => "stored_value",
            PaymentMethod::Other => "other",
        }
    }
}

/// One ticket line. Amounts are in minor units (cents), negative on refunds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineInput {
    /// Label as printed.
    pub label: String,
    /// Quantity in thousandths (1 item = 1000, 0.250 kg = 250).
    pub qty_milli: i64,
    /// Unit price, tax included, minor units.
    pub unit_price: i64,
    /// Discount on this line (positive = reduction), minor units.
    pub discount: i64,
    /// Line amount after discount, tax included, minor units.
    pub amount: i64,
    /// VAT rate in basis points (2000 = 20 %).
    pub vat_bps: u32,
}

/// Net / VAT / gross of one VAT rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VatAmounts {
    /// Net (tax excluded).
    pub net: i64,
    /// VAT.
    pub vat: i64,
    /// Gross = net + VAT.
    pub gross: i64,
}

/// One payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentInput {
    /// Method.
    pub method: PaymentMethod,
    /// Amount tendered, minor units (negative when paying back).
    pub amount: i64,
}

/// A finalised ticket as handed to the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketInput {
    /// Establishment (shop) identifier.
    pub establishment: String,
    /// Operator (cashier) identifier.
    pub operator: String,
    /// Normal / invoice / training / provisional.
    pub mode: TicketMode,
    /// Sale, refund or exchange.
    pub operation: Operation,
    /// The original document of a refund or an exchange.
    pub original: Option<DocRef>,
    /// The register (till) id of `original` when that document was
    /// recorded at another till of the retailer; `original` then names that
    /// till's series and number. Absent (and not encoded, so records made
    /// before this field existed keep their bytes) for an original of this
    /// till.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_register: Option<String>,
    /// ISO 4217 currency (amounts are in its minor unit).
    pub currency: String,
    /// Lines.
    pub lines: Vec<LineInput>,
    /// Per-rate breakdown, keyed by basis points.
    pub vat: BTreeMap<u32, VatAmounts>,
    /// Ticket total, tax included.
    pub total: i64,
    /// Payments.
    pub payments: Vec<PaymentInput>,
    /// Change given back in cash.
    pub change: i64,
    /// Pseudonymous customer id (never personal data), if any.
    pub customer: Option<String>,
}

fn bad(rule: &'static str) -> FiscalError {
    FiscalError::InvalidTicket { rule }
}

fn add(a: i64, b: i64) -> Result<i64> {
    a.checked_add(b).ok_or(FiscalError::Overflow {
        what: "ticket sums",
    })
}

impl TicketInput {
    /// Checks every arithmetic and sign rule; nothing is recorded if one fails.
    pub fn validate(&self) -> Result<()> {
        if self.lines.is_empty() {
            return Err(bad("a ticket has at least one line"));
        }
        if self.currency.len() != 3 || !self.currency.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(bad("currency is an ISO 4217 code"));
        }
        if self.operator.is_empty() || self.establishment.is_empty() {
            return Err(bad("operator and establishment are required"));
        }
        let refund = self.operation == Operation::Refund;
        let exchange = self.operation == Operation::Exchange;
        match (refund || exchange, self.original) {
            (true, None) => return Err(bad("a refund or an exchange references its original")),
            (false, Some(_)) => {
                return Err(bad("only a refund or an exchange references an original"));
            }
            _ => {}
        }
        if let Some(reg) = &self.original_register {
            if self.original.is_none() {
                return Err(bad("original_register comes with original"));
            }
            if reg.is_empty() || reg.chars().count() > 64 || reg.chars().any(char::is_control) {
                return Err(bad(
                    "original_register is a register id of 1 to 64 characters without control characters",
                ));
            }
        }
        let mut per_rate: BTreeMap<u32, i64> = BTreeMap::new();
        for l in &self.lines {
            if l.vat_bps > 10_000 {
                return Err(bad("VAT rate is at most 10000 bps"));
            }
            if exchange {
                // A return line has a negative quantity and gives money
                // back; a sale line the opposite.
                if (l.qty_milli < 0 && l.amount > 0) || (l.qty_milli > 0 && l.amount < 0) {
                    return Err(bad("exchange lines: returns are ≤ 0, new sales ≥ 0"));
                }
                if l.qty_milli == 0 {
                    return Err(bad("an exchange line has a quantity"));
                }
            } else if (refund && l.amount > 0) || (!refund && l.amount < 0) {
                return Err(bad("line amounts are negative exactly on refunds"));
            }
            let e = per_rate.entry(l.vat_bps).or_insert(0);
            *e = add(*e, l.amount)?;
        }
        let rates: Vec<u32> = per_rate.keys().copied().collect();
        let given: Vec<u32> = self.vat.keys().copied().collect();
        if rates != given {
            return Err(bad("the VAT breakdown lists exactly the lines' rates"));
        }
        let mut total = 0i64;
        for (rate, v) in &self.vat {
            if add(v.net, v.vat)? != v.gross {
                return Err(bad("net plus VAT equals gross for every rate"));
            }
            if per_rate.get(rate) != Some(&v.gross) {
                return Err(bad("a rate's gross is the sum of its lines"));
            }
            total = add(total, v.gross)?;
        }
        if total != self.total {
            return Err(bad("the rates sum to the total"));
        }
        if exchange {
            if !self.lines.iter().any(|l| l.qty_milli < 0)
                || !self.lines.iter().any(|l| l.qty_milli > 0)
            {
                return Err(bad("an exchange has a return line and a sale line"));
            }
            if self.payments.iter().any(|p| match self.total.signum() {
                1 => p.amount < 0,
                -1 => p.amount > 0,
                _ => p.amount != 0,
            }) {
                return Err(bad("an exchange's payments are signed like its balance"));
            }
        }
        let mut paid = 0i64;
        for p in &self.payments {
            paid = add(paid, p.amount)?;
        }
        if self.change < 0 {
            return Err(bad("change is not negative"));
        }
        if paid
            .checked_sub(self.change)
            .ok_or(FiscalError::Overflow { what: "payments" })?
            != self.total
        {
            return Err(bad("payments minus change equal the total"));
        }
        let cash: i64 = self
            .payments
            .iter()
            .filter(|p| p.method == PaymentMethod::Cash)
            .try_fold(0i64, |a, p| add(a, p.amount))?;
        if self.change > 0 && cash < self.change {
            return Err(bad("change is given from cash tendered"));
        }
        if let Some(c) = &self.customer
            && (c.contains('@') || c.len() > 64)
        {
            return Err(bad("customer is a pseudonymous id, not contact data"));
        }
        Ok(())
    }

    /// Payments net of change, per method (change comes out of cash).
    pub fn net_payments(&self) -> Result<BTreeMap<PaymentMethod, i64>> {
        let mut m = BTreeMap::new();
        for p in &self.payments {
            let e = m.entry(p.method).or_insert(0i64);
            *e = add(*e, p.amount)?;
        }
        if self.change != 0 {
            let e = m.entry(PaymentMethod::Cash).or_insert(0i64);
            *e = e
                .checked_sub(self.change)
                .ok_or(FiscalError::Overflow { what: "change" })?;
        }
        Ok(m)
    }
}

/// What a ticket record's payload holds: the input plus its register and
/// number context (canonically encoded, so byte-stable).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketPayload {
    /// Register (till) id.
    pub register: String,
    /// The ticket.
    pub ticket: TicketInput,
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
pub(crate) mod sample {
    //! Small valid tickets for tests.
    use super::*;

    /// A two-rate cash sale: 12.00 at 20 % and 5.50 at 5.5 %, paid 20.00 cash.
    pub fn sale() -> TicketInput {
        let mut vat = BTreeMap::new();
        vat.insert(
            2000,
            VatAmounts {
                net: 1000,
                vat: 200,
                gross: 1200,
            },
        );
        vat.insert(
            550,
            VatAmounts {
                net: 521,
                vat: 29,
                gross: 550,
            },
        );
        TicketInput {
            establishment: "SHOP1".into(),
            operator: "alice".into(),
            mode: TicketMode::Ticket,
            operation: Operation::Sale,
            original: None,
            original_register: None,
            currency: "EUR".into(),
            lines: vec![
                LineInput {
                    label: "Wine, red".into(),
                    qty_milli: 1000,
                    unit_price: 1200,
                    discount: 0,
                    amount: 1200,
                    vat_bps: 2000,
                },
                LineInput {
                    label: "Bread".into(),
                    qty_milli: 2000,
                    unit_price: 275,
                    discount: 0,
                    amount: 550,
                    vat_bps: 550,
                },
            ],
            vat,
            total: 1750,
            payments: vec![PaymentInput {
                method: PaymentMethod::Cash,
                amount: 2000,
            }],
            change: 250,
            customer: None,
        }
    }

    /// The full refund of `sale()` recorded as `original`.
    pub fn refund_of(original: DocRef) -> TicketInput {
        let mut t = sale();
        t.operation = Operation::Refund;
        t.original = Some(original);
        for l in &mut t.lines {
            l.qty_milli = -l.qty_milli;
            l.amount = -l.amount;
        }
        for v in t.vat.values_mut() {
            *v = VatAmounts {
                net: -v.net,
                vat: -v.vat,
                gross: -v.gross,
            };
        }
        t.total = -t.total;
        t.payments = vec![PaymentInput {
            method: PaymentMethod::Cash,
            amount: -1750,
        }];
        t.change = 0;
        t
    }
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use crate::model::Series;

    #[test]
    fn sample_is_valid() {
        sample::sale().validate().unwrap();
        sample::refund_of(DocRef {
            series: Series::T,
            number: 1,
        })
        .validate()
        .unwrap();
    }

    #[test]
    fn broken_rules_are_named() {
        let mut t = sample::sale();
        t.total = 1751;
        assert!(
            matches!(t.validate(), Err(FiscalError::InvalidTicket { rule }) if rule.contains("sum to the total"))
        );
        let mut t = sample::sale();
        t.vat.get_mut(&2000).unwrap().vat = 201;
        assert!(t.validate().is_err());
        let mut t = sample::sale();
        t.change = 300;
        assert!(t.validate().is_err());
        let mut t = sample::sale();
        t.operation = Operation::Refund;
        assert!(t.validate().is_err());
        let mut t = sample::sale();
        t.customer = Some("bob@example.com".into());
        assert!(t.validate().is_err());
        let mut t = sample::sale();
        t.lines.clear();
        assert!(t.validate().is_err());
    }

    /// A payload written before `original_register` existed decodes and
    /// re-encodes to the very same bytes (so its signature still verifies),
    /// and an absent register is not encoded.
    #[test]
    fn payloads_without_original_register_keep_their_bytes() {
        use crate::canon::{from_canonical, to_canonical};
        let old = concat!(
            r#"{"register":"R1","ticket":{"change":0,"currency":"EUR","customer":null,"#,
            r#""establishment":"SHOP1","lines":[{"amount":-1200,"discount":0,"label":"Wine","#,
            r#""qty_milli":-1000,"unit_price":1200,"vat_bps":2000}],"mode":"ticket","#,
            r#""operation":"refund","operator":"alice","original":{"number":1,"series":"T"},"#,
            r#""payments":[{"amount":-1200,"method":"cash"}],"total":-1200,"#,
            r#""vat":{"2000":{"gross":-1200,"net":-1000,"vat":-200}}}}"#
        );
        let p: TicketPayload = from_canonical(old.as_bytes(), "t").unwrap();
        assert_eq!(p.ticket.original_register, None);
        p.ticket.validate().unwrap();
        assert_eq!(to_canonical(&p).unwrap(), old.as_bytes());
        let mut q = p.clone();
        q.ticket.original_register = Some("R2".into());
        let bytes = String::from_utf8(to_canonical(&q).unwrap()).unwrap();
        assert!(
            bytes.contains(r#""original":{"number":1,"series":"T"},"original_register":"R2","#)
        );
        let back: TicketPayload = from_canonical(bytes.as_bytes(), "t").unwrap();
        assert_eq!(back, q);
    }

    #[test]
    fn original_register_rules() {
        let doc = DocRef {
            series: Series::T,
            number: 1,
        };
        let mut t = sample::refund_of(doc);
        t.original_register = Some("STORE2-R1".into());
        t.validate().unwrap();
        for bad in ["", "a\tb", &"r".repeat(65)] {
            t.original_register = Some(bad.to_string());
            assert!(t.validate().is_err(), "{bad:?}");
        }
        t.original_register = Some("r".repeat(64));
        t.validate().unwrap();
        let mut s = sample::sale();
        s.original_register = Some("R2".into());
        assert!(s.validate().is_err());
    }

    #[test]
    fn net_payments_take_change_from_cash() {
        let m = sample::sale().net_payments().unwrap();
        assert_eq!(m.get(&PaymentMethod::Cash), Some(&1750));
    }
}
