//! VAT rates in basis points and the national rate tables.
//!
//! A rate is an integer number of basis points (2000 = 20 %, 550 = 5.5 %), so
//! that rates compare, sort, hash and serialise exactly. Tables list the rates
//! in force per country with their category (standard, reduced...).

use crate::CoreError;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A VAT rate in basis points: `VatRate::from_bps(550)` is 5.5 %.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct VatRate(u32);

/// The highest rate accepted (100 %).
const MAX_BPS: u32 = 10_000;

impl VatRate {
    /// French standard rate, 20 %.
    pub const FR_STANDARD: VatRate = VatRate(2000);
    /// French intermediate rate, 10 % (restaurant, transport...).
    pub const FR_INTERMEDIATE: VatRate = VatRate(1000);
    /// French reduced rate, 5.5 % (food, books...).
    pub const FR_REDUCED: VatRate = VatRate(550);
    /// French super-reduced rate, 2.1 % (press, some medicines).
    pub const FR_SUPER_REDUCED: VatRate = VatRate(210);
    /// Zero rate (exempt or outside scope).
    pub const ZERO: VatRate = VatRate(0);

    /// A rate from basis points; above 100 % is refused.
    pub fn from_bps(bps: u32) -> Result<VatRate, CoreError> {
        if bps > MAX_BPS {
            return Err(CoreError::InvalidVatRate {
                text: bps.to_string(),
            });
        }
        Ok(VatRate(bps))
    }

    /// Parses a percentage written as a decimal string: `"5.5"` -> 550 bps.
    /// More than two decimals of a percent, negative or above 100 is refused.
    pub fn parse_percent(text: &str) -> Result<VatRate, CoreError> {
        let invalid = || CoreError::InvalidVatRate {
            text: text.chars().take(16).collect(),
        };
        let pct = crate::money::parse_decimal(text).map_err(|_| invalid())?;
        let bps = pct
            .checked_mul(Decimal::ONE_HUNDRED)
            .ok_or_else(invalid)?
            .normalize();
        if bps.scale() != 0 || bps.is_sign_negative() && !bps.is_zero() {
            return Err(invalid());
        }
        let bps = u32::try_from(bps.mantissa()).map_err(|_| invalid())?;
        VatRate::from_bps(bps).map_err(|_| invalid())
    }

    /// The rate in basis points.
    pub fn bps(&self) -> u32 {
        self.0
    }

    /// The rate as a fraction: 5.5 % is 0.055.
    pub fn fraction(&self) -> Decimal {
        Decimal::new(i64::from(self.0), 4)
    }

    /// The rate as a percentage without trailing zeros: `20`, `5.5`, `2.1`.
    pub fn percent_string(&self) -> String {
        Decimal::new(i64::from(self.0), 2).normalize().to_string()
    }

    /// The 4-digit code used in NF525 signed strings: `2000`, `0550`.
    pub fn nf525_code(&self) -> String {
        format!("{:04}", self.0)
    }
}

impl fmt::Display for VatRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} %", self.percent_string())
    }
}

/// What a rate is for, in the vocabulary of EU VAT law.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VatCategory {
    /// The standard rate.
    Standard,
    /// The intermediate ("parking" or second reduced) rate.
    Intermediate,
    /// The reduced rate.
    Reduced,
    /// The super-reduced rate.
    SuperReduced,
    /// Zero-rated or exempt.
    Zero,
}

/// The rates in force in one country (mainland rates; as of 2025).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VatTable {
    /// ISO 3166-1 alpha-2 country code.
    pub country: &'static str,
    /// Category and rate, highest rate first.
    pub rates: &'static [(VatCategory, VatRate)],
}

use VatCategory::*;

const TABLES: &[VatTable] = &[
    VatTable {
        country: "FR",
        rates: &[
            (Standard, VatRate(2000)),
            (Intermediate, VatRate(1000)),
            (Reduced, VatRate(550)),
            (SuperReduced, VatRate(210)),
            (Zero, VatRate(0)),
        ],
    },
    VatTable {
        country: "BE",
        rates: &[
            (Standard, VatRate(2100)),
            (Intermediate, VatRate(1200)),
            (Reduced, VatRate(600)),
            (Zero, VatRate(0)),
        ],
    },
    VatTable {
        country: "DE",
        rates: &[
            (Standard, VatRate(1900)),
            (Reduced, VatRate(700)),
            (Zero, VatRate(0)),
        ],
    },
    VatTable {
        country: "ES",
        rates: &[
            (Standard, VatRate(2100)),
            (Intermediate, VatRate(1000)),
            (SuperReduced, VatRate(400)),
            (Zero, VatRate(0)),
        ],
    },
    VatTable {
        country: "IT",
        rates: &[
            (Standard, VatRate(2200)),
            (Intermediate, VatRate(1000)),
            (Reduced, VatRate(500)),
            (SuperReduced, VatRate(400)),
            (Zero, VatRate(0)),
        ],
    },
    VatTable {
        country: "LU",
        rates: &[
            (Standard, VatRate(1700)),
            (Intermediate, VatRate(1400)),
            (Reduced, VatRate(800)),
            (SuperReduced, VatRate(300)),
            (Zero, VatRate(0)),
        ],
    },
];

impl VatTable {
    /// The table of a country (`"FR"`, `"BE"`, `"DE"`, `"ES"`, `"IT"`, `"LU"`).
    pub fn for_country(country: &str) -> Result<&'static VatTable, CoreError> {
        TABLES
            .iter()
            .find(|t| t.country.eq_ignore_ascii_case(country))
            .ok_or_else(|| CoreError::UnknownCountry {
                code: country.chars().take(8).collect(),
            })
    }

    /// Every country with a table.
    pub fn countries() -> impl Iterator<Item = &'static str> {
        TABLES.iter().map(|t| t.country)
    }

    /// The rate of a category, if the country has one.
    pub fn rate(&self, category: VatCategory) -> Option<VatRate> {
        self.rates
            .iter()
            .find(|(c, _)| *c == category)
            .map(|(_, r)| *r)
    }

    /// True when `rate` is in force in this country.
    pub fn contains(&self, rate: VatRate) -> bool {
        self.rates.iter().any(|(_, r)| *r == rate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_percentages_to_basis_points() {
        assert_eq!(VatRate::parse_percent("5.5").unwrap().bps(), 550);
        assert_eq!(VatRate::parse_percent("20").unwrap().bps(), 2000);
        assert_eq!(VatRate::parse_percent("2.10").unwrap().bps(), 210);
        assert_eq!(VatRate::parse_percent("0").unwrap(), VatRate::ZERO);
        assert!(VatRate::parse_percent("5.555").is_err());
        assert!(VatRate::parse_percent("-1").is_err());
        assert!(VatRate::parse_percent("101").is_err());
        assert!(VatRate::parse_percent("x").is_err());
    }

    #[test]
    fn displays_and_codes() {
        assert_eq!(VatRate::FR_REDUCED.percent_string(), "5.5");
        assert_eq!(VatRate::FR_STANDARD.percent_string(), "20");
        assert_eq!(VatRate::FR_REDUCED.nf525_code(), "0550");
        assert_eq!(VatRate::FR_SUPER_REDUCED.fraction().to_string(), "0.0210");
    }

    #[test]
    fn tables_for_six_countries() {
        for c in ["FR", "BE", "DE", "ES", "IT", "LU"] {
            let t = VatTable::for_country(c).unwrap();
            assert!(t.rate(VatCategory::Standard).is_some());
            assert!(t.rates.windows(2).all(|w| w[0].1 > w[1].1), "{c} sorted");
        }
        assert_eq!(
            VatTable::for_country("fr")
                .unwrap()
                .rate(VatCategory::Reduced),
            Some(VatRate::FR_REDUCED)
        );
        assert!(VatTable::for_country("ZZ").is_err());
    }
}
