//! Gift receipts ("ticket cadeau"): a sale's items without any price, with
//! the code `GIFT-<ticket id>` as text and QR; each print is a signed JET
//! 340 in the till file, never a duplicate.

use crate::guard::{guard, lock};
use crate::register::Register;
use crate::types::ReceiptFormat;
use crate::{PosError, convert};

/// A printed gift receipt.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct GiftReceipt {
    /// The rendered bytes.
    pub bytes: Vec<u8>,
    /// The gift code printed (`GIFT-<ticket id>`).
    pub code: String,
    /// The JET record of the print (`E12`).
    pub event: String,
}

#[uniffi::export]
impl Register {
    /// Prints the gift receipt of sale `ticket_id`: every line, or only
    /// `lines` (numbered from 1). A ticket that is not a sale, or a line
    /// that is 0, past the end or repeated, is refused and nothing recorded.
    pub fn gift_receipt(
        &self,
        ticket_id: String,
        lines: Option<Vec<u32>>,
        format: ReceiptFormat,
        operator: String,
    ) -> Result<GiftReceipt, PosError> {
        guard(|| {
            let op = convert::operator(&operator)?;
            let printed = lock(&self.inner).gift_receipt(
                &ticket_id,
                lines.as_deref(),
                format.to_hw(),
                &op,
            )?;
            Ok(GiftReceipt {
                bytes: printed.bytes,
                code: printed.code.to_string(),
                event: printed.event,
            })
        })
    }
}

/// The ticket id a gift code (`GIFT-<uuid>`, as typed or scanned) names.
#[uniffi::export]
pub fn gift_code_ticket_id(code: String) -> Result<String, PosError> {
    guard(|| {
        let code = pos_core::gift_code::GiftCode::parse(&code)?;
        Ok(code.ticket_id().to_owned())
    })
}
