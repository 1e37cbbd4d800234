//! Dialog 06 status codes (record 09).

use serde::Serialize;

/// A Dialog 06 status (record 09).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ScaleStatusCode {
    /// 00.
    #[error("no error")]
    NoError,
    /// 01.
    #[error("general error")]
    GeneralError,
    /// 02.
    #[error("parity error or buffer overflow")]
    ParityOrOverflow,
    /// 10.
    #[error("invalid record number")]
    InvalidRecord,
    /// 11 (also: no unit price set).
    #[error("invalid or missing unit price")]
    InvalidUnitPrice,
    /// 12.
    #[error("invalid tare")]
    InvalidTare,
    /// 13.
    #[error("invalid text")]
    InvalidText,
    /// 20.
    #[error("scale in motion")]
    Motion,
    /// 21.
    #[error("no motion since the last weighing")]
    NoMotionSinceLast,
    /// 22.
    #[error("measurement not finished")]
    MeasuringNotFinished,
    /// 30.
    #[error("below minimum weight")]
    BelowMinimum,
    /// 31.
    #[error("below zero (underload)")]
    Underload,
    /// 32.
    #[error("overload")]
    Overload,
    /// Any other two-digit code.
    #[error("status {0:02}")]
    Other(u8),
}

impl ScaleStatusCode {
    /// The two-digit code.
    pub fn code(self) -> u8 {
        match self {
            Self::NoError => 0,
            Self::GeneralError => 1,
            Self::ParityOrOverflow => 2,
            Self::InvalidRecord => 10,
            Self::InvalidUnitPrice => 11,
            Self::InvalidTare => 12,
            Self::InvalidText => 13,
            Self::Motion => 20,
            Self::NoMotionSinceLast => 21,
            Self::MeasuringNotFinished => 22,
            Self::BelowMinimum => 30,
            Self::Underload => 31,
            Self::Overload => 32,
            Self::Other(code) => code,
        }
    }

    /// The status of a two-digit code.
    pub fn from_code(code: u8) -> Self {
        match code {
            0 => Self::NoError,
            1 => Self::GeneralError,
            2 => Self::ParityOrOverflow,
            10 => Self::InvalidRecord,
            11 => Self::InvalidUnitPrice,
            12 => Self::InvalidTare,
            13 => Self::InvalidText,
            20 => Self::Motion,
            21 => Self::NoMotionSinceLast,
            22 => Self::MeasuringNotFinished,
            30 => Self::BelowMinimum,
            31 => Self::Underload,
            32 => Self::Overload,
            other => Self::Other(other),
        }
    }

    /// True when asking the weight again may succeed (20, 22).
    pub fn is_transient(self) -> bool {
        matches!(self, Self::Motion | Self::MeasuringNotFinished)
    }
}
