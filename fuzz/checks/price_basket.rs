//! Checks of the `price_basket` target (the basket JSON of `pos price`, the
//! wasm package and the server), shared with pos-core's replay test: any
//! text gives a priced ticket or a typed error; a priced ticket obeys the
//! pricing rules' sums (line amount = gross − discount − share, shares add
//! up to the ticket discount, net + VAT = gross per rate, total = Σ gross,
//! and Σ line amounts = Σ gross or Σ net by tax mode), every amount has the
//! currency's minor digits, and the wire output is the ticket's.

use pos_core::pricing::wire::{PricedOut, parse_request, price_json};
use pos_core::pricing::{PricedTicket, TaxMode, price};
use rust_decimal::Decimal;

fn sum(values: impl IntoIterator<Item = Decimal>) -> Decimal {
    values
        .into_iter()
        .try_fold(Decimal::ZERO, |acc, v| acc.checked_add(v))
        .expect("a priced ticket's amounts add up without overflow")
}

fn check_ticket(t: &PricedTicket) {
    let minor = t.currency.minor_units();
    for l in &t.lines {
        let expected = l
            .gross
            .checked_sub(l.line_discount)
            .and_then(|a| a.checked_sub(l.ticket_discount_share))
            .expect("no overflow");
        assert_eq!(l.amount, expected, "line amount = gross - discount - share");
        for v in [l.gross, l.line_discount, l.ticket_discount_share, l.amount] {
            assert_eq!(
                v.scale(),
                minor,
                "a line amount without the currency's digits"
            );
        }
    }
    assert_eq!(
        sum(t.lines.iter().map(|l| l.ticket_discount_share)),
        t.ticket_discount,
        "the shares add up to the ticket discount"
    );
    for x in &t.taxes {
        assert_eq!(x.net.checked_add(x.vat), Some(x.gross), "net + VAT = gross");
    }
    assert_eq!(
        sum(t.taxes.iter().map(|x| x.gross)),
        t.total,
        "total = sum of gross"
    );
    let amounts = sum(t.lines.iter().map(|l| l.amount));
    match t.tax_mode {
        TaxMode::Inclusive => assert_eq!(amounts, t.total, "inclusive: lines add up to the total"),
        TaxMode::Exclusive => assert_eq!(
            amounts,
            sum(t.taxes.iter().map(|x| x.net)),
            "exclusive: lines add up to the net"
        ),
    }
    let mut rates: Vec<_> = t.taxes.iter().map(|x| x.rate).collect();
    let before = rates.len();
    rates.dedup();
    assert_eq!(rates.len(), before, "one entry per rate");
}

/// Prices `data` (lossy UTF-8) as `pos price` does and asserts the rules.
pub fn check(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let out = price_json(&text);
    let ticket = parse_request(&text).and_then(|request| price(&request));
    match (&out, &ticket) {
        (Ok(out), Ok(ticket)) => {
            assert_eq!(*out, PricedOut::from(ticket));
            check_ticket(ticket);
            serde_json::to_string(out).expect("the output serialises");
        }
        (Err(a), Err(b)) => assert_eq!(a.kind(), b.kind()),
        _ => panic!("price_json and parse_request + price disagree"),
    }
}
