//! JET ("journal des événements techniques") event codes, series E.
//!
//! Codes 10..330 are those used by French integrators (NF525.md section 4).
//! Codes 300, 310, 320 and 340 are this SDK's own, for events the list does
//! not name: a backward clock jump, a signing-key change, a write refused
//! because the clock was implausible and a gift receipt printed.

/// A JET event code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum JetCode {
    /// 10: sequence mode change (on).
    SequenceModeOn,
    /// 15: sequence mode change (off).
    SequenceModeOff,
    /// 20: period archive.
    PeriodArchive,
    /// 30: fiscal-year archive.
    YearArchive,
    /// 40: stop / logout.
    Stop,
    /// 50: day or month closure.
    Closure,
    /// 60: year closure.
    YearClosure,
    /// 70: offline mode start.
    OfflineStart,
    /// 80: start-up / login.
    StartUp,
    /// 90: integrity defect detected.
    IntegrityDefect,
    /// 110: data export.
    Export,
    /// 120: offline mode end.
    OfflineEnd,
    /// 126: terminal added.
    TerminalAdded,
    /// 127: terminal removed.
    TerminalRemoved,
    /// 130: user rights change.
    RightsChange,
    /// 190: cancellation or credit note.
    Cancellation,
    /// 250: software update.
    SoftwareUpdate,
    /// 260: initialisation (genesis).
    Initialisation,
    /// 270: compliance setting change.
    SettingChange,
    /// 280: tax audit (verification run).
    TaxAudit,
    /// 290: exchange with the accountant.
    AccountantExchange,
    /// 300 (SDK): the clock went backwards.
    ClockRegression,
    /// 310 (SDK): the signing key changed.
    KeyChange,
    /// 320 (SDK): a write was refused because the clock was implausible
    /// (set back, before the genesis, too far ahead, or in seconds). The
    /// record is dated at the journal's last time; the refused time is in
    /// its detail.
    ClockRefused,
    /// 330: closure started.
    ClosureStarted,
    /// 340 (SDK): a gift receipt ("ticket cadeau") of a sale was printed.
    /// It shows no amount and is not a copy of the fiscal document, so it is
    /// no duplicate (series C) and moves no counter; this record keeps
    /// every print traceable.
    GiftReceipt,
}

impl JetCode {
    /// The numeric code.
    pub fn code(self) -> u32 {
        match self {
            JetCode::SequenceModeOn => 10,
            JetCode::SequenceModeOff => 15,
            JetCode::PeriodArchive => 20,
            JetCode::YearArchive => 30,
            JetCode::Stop => 40,
            JetCode::Closure => 50,
            JetCode::YearClosure => 60,
            JetCode::OfflineStart => 70,
            JetCode::StartUp => 80,
            JetCode::IntegrityDefect => 90,
            JetCode::Export => 110,
            JetCode::OfflineEnd => 120,
            JetCode::TerminalAdded => 126,
            JetCode::TerminalRemoved => 127,
            JetCode::RightsChange => 130,
            JetCode::Cancellation => 190,
            JetCode::SoftwareUpdate => 250,
            JetCode::Initialisation => 260,
            JetCode::SettingChange => 270,
            JetCode::TaxAudit => 280,
            JetCode::AccountantExchange => 290,
            JetCode::ClockRegression => 300,
            JetCode::KeyChange => 310,
            JetCode::ClockRefused => 320,
            JetCode::ClosureStarted => 330,
            JetCode::GiftReceipt => 340,
        }
    }

    /// The fixed text recorded with the code.
    pub fn text(self) -> &'static str {
        match self {
            JetCode::SequenceModeOn => "sequence mode on",
            JetCode::SequenceModeOff => "sequence mode off",
            JetCode::PeriodArchive => "period archive",
            JetCode::YearArchive => "fiscal year archive",
            JetCode::Stop => "stop",
            JetCode::Closure => "closure",
            JetCode::YearClosure => "year closure",
            JetCode::OfflineStart => "offline mode start",
            JetCode::StartUp => "start-up",
            JetCode::IntegrityDefect => "integrity defect detected",
            JetCode::Export => "data export",
            JetCode::OfflineEnd => "offline mode end",
            JetCode::TerminalAdded => "terminal added",
            JetCode::TerminalRemoved => "terminal removed",
            JetCode::RightsChange => "user rights change",
            JetCode::Cancellation => "cancellation or credit note",
            JetCode::SoftwareUpdate => "software update",
            JetCode::Initialisation => "initialisation",
            JetCode::SettingChange => "compliance setting change",
            JetCode::TaxAudit => "tax audit",
            JetCode::AccountantExchange => "exchange with the accountant",
            JetCode::ClockRegression => "clock went backwards",
            JetCode::KeyChange => "signing key change",
            JetCode::ClockRefused => "implausible clock refused",
            JetCode::ClosureStarted => "closure started",
            JetCode::GiftReceipt => "gift receipt printed",
        }
    }
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_the_integrator_list() {
        assert_eq!(JetCode::StartUp.code(), 80);
        assert_eq!(JetCode::Initialisation.code(), 260);
        assert_eq!(JetCode::Cancellation.code(), 190);
        assert_eq!(JetCode::IntegrityDefect.code(), 90);
        assert_eq!(JetCode::TaxAudit.code(), 280);
    }
}
