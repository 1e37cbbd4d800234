//! Which tenders open the cash drawer, and the pulse that opens it.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::receipt::document::{Block, DrawerPin};
use crate::receipt::facts::ReceiptFacts;

/// Drawer wiring and the tenders that open it (per till configuration).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawerConfig {
    /// Connector pin the drawer is wired to.
    pub pin: DrawerPin,
    /// Pulse on-time in milliseconds (most drawers want 50-200).
    pub on_ms: u16,
    /// Pulse off-time in milliseconds.
    pub off_ms: u16,
    /// Tender keys (`cash`, `cheque`) whose payment opens the drawer.
    pub tenders: BTreeSet<String>,
}

impl Default for DrawerConfig {
    /// Pin 2, 100 ms on, 500 ms off; cash and cheques open the drawer.
    fn default() -> DrawerConfig {
        DrawerConfig {
            pin: DrawerPin::Pin2,
            on_ms: 100,
            off_ms: 500,
            tenders: ["cash", "cheque"].into_iter().map(str::to_owned).collect(),
        }
    }
}

impl DrawerConfig {
    /// Whether any of these tenders opens the drawer.
    pub fn opens_for<'a>(&self, mut tenders: impl Iterator<Item = &'a str>) -> bool {
        tenders.any(|t| self.tenders.contains(t))
    }

    /// The pulse block.
    pub fn pulse(&self) -> Block {
        Block::DrawerPulse {
            pin: self.pin,
            on_ms: self.on_ms,
            off_ms: self.off_ms,
        }
    }

    /// The pulse for a receipt, if one of its (not cancelled) payments or its
    /// change needs the drawer.
    pub fn pulse_for(&self, facts: &ReceiptFacts) -> Option<Block> {
        let tenders = facts
            .payments
            .iter()
            .filter(|p| !p.cancelled)
            .map(|p| p.tender.as_str());
        let change_in_cash = !facts.change.is_zero() && self.tenders.contains("cash");
        (self.opens_for(tenders) || change_in_cash).then(|| self.pulse())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_alone_does_not_open() {
        let cfg = DrawerConfig::default();
        assert!(!cfg.opens_for(["card"].into_iter()));
        assert!(cfg.opens_for(["card", "cash"].into_iter()));
    }
}
