//! Actions that need an operator's right (issue 14): opening the drawer
//! without a sale (`no_sale`) and the fiscal closures (`closure`). Each
//! takes the [`Actor`] that [`Register::sign_in`] gives; the older calls
//! that take only an operator id stay for apps that check rights
//! themselves.

use super::Register;
use crate::SdkError;
use chrono::{DateTime, NaiveDate, Utc};
use pos_core::cart::{Actor, Permission};
use pos_fiscal::model::DocRef;
use pos_fiscal::store::CashCount;
use pos_hw::escpos::drawer::DrawerConfig;
use pos_hw::receipt::document::ReceiptDocument;
use rusqlite::params;

/// A drawer opened without a sale, as the till recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoSaleOpening {
    /// Its id (UUID v7).
    pub id: String,
    /// When.
    pub at: DateTime<Utc>,
    /// The ESC/POS pulse that opens the drawer wired to the till's printer.
    pub bytes: Vec<u8>,
}

fn require(actor: &Actor, permission: Permission, action: &'static str) -> Result<(), SdkError> {
    if actor.permissions.has(permission) {
        Ok(())
    } else {
        Err(SdkError::PermissionRequired {
            action,
            permission: permission.name(),
        })
    }
}

impl Register {
    /// Opens the cash drawer without a sale ("no sale"): needs `no_sale`.
    /// Every opening is kept in the till file with who and why (an
    /// optional reason of at most 64 characters) and returns the pulse to
    /// send to the printer the drawer hangs on.
    pub fn open_drawer_no_sale(
        &mut self,
        actor: &Actor,
        reason: Option<&str>,
    ) -> Result<NoSaleOpening, SdkError> {
        require(
            actor,
            Permission::NoSale,
            "opening the drawer without a sale",
        )?;
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if reason.is_some_and(|r| r.chars().count() > 64 || r.chars().any(char::is_control)) {
            return Err(SdkError::InvalidInput {
                field: "no-sale reason",
                expected: "at most 64 printable characters",
            });
        }
        let profile = pos_hw::printer::PrinterProfile::by_id(&self.config.receipt.printer_profile)?;
        let mut doc = ReceiptDocument::new();
        doc.blocks.push(DrawerConfig::default().pulse());
        let bytes = pos_hw::escpos::encoder::encode(&doc, &profile)?;
        let now = self.clock.now();
        let id = self.ids.next(now);
        self.conn.execute(
            "INSERT INTO no_sale_openings(id, operator_id, reason, at) VALUES (?1, ?2, ?3, ?4)",
            params![id, actor.operator.as_str(), reason, now.to_rfc3339()],
        )?;
        Ok(NoSaleOpening { id, at: now, bytes })
    }

    /// How many times the drawer was opened without a sale since `since`.
    pub fn no_sale_count(&self, since: DateTime<Utc>) -> Result<u64, SdkError> {
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM no_sale_openings WHERE at >= ?1",
            [since.to_rfc3339()],
            |r| r.get(0),
        )?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// [`Register::close_day`] by a signed-in operator: needs `closure`.
    pub fn close_day_as(
        &mut self,
        actor: &Actor,
        day: Option<NaiveDate>,
        cash: Option<CashCount>,
    ) -> Result<Vec<DocRef>, SdkError> {
        require(actor, Permission::Closure, "closing the day")?;
        self.close_day(day, cash, &actor.operator)
    }

    /// [`Register::close_month`] by a signed-in operator: needs `closure`.
    pub fn close_month_as(
        &mut self,
        actor: &Actor,
        year: i32,
        month: u32,
    ) -> Result<Vec<DocRef>, SdkError> {
        require(actor, Permission::Closure, "closing the month")?;
        self.close_month(year, month, &actor.operator)
    }

    /// [`Register::close_year`] by a signed-in operator: needs `closure`.
    pub fn close_year_as(&mut self, actor: &Actor, year: i32) -> Result<Vec<DocRef>, SdkError> {
        require(actor, Permission::Closure, "closing the year")?;
        self.close_year(year, &actor.operator)
    }
}
