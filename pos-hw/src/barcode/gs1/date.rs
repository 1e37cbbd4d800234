//! GS1 dates: YYMMDD with the century rule of GenSpecs 7.12 and DD = 00
//! meaning the last day of the month.

use chrono::NaiveDate;

/// A decoded GS1 date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gs1Date {
    /// The calendar date (the month's last day when the day was 00).
    pub date: NaiveDate,
    /// True when the code said DD = 00 ("no day": end of month).
    pub day_unspecified: bool,
}

/// The full year of a two-digit year `yy` seen in `reference_year`: within
/// 49 years back and 50 years ahead of the reference year.
pub fn full_year(yy: i32, reference_year: i32) -> i32 {
    let current = reference_year.rem_euclid(100);
    let century = reference_year.wrapping_sub(current);
    let difference = yy.wrapping_sub(current);
    if (51..=99).contains(&difference) {
        century.wrapping_sub(100)
    } else if (-99..=-50).contains(&difference) {
        century.wrapping_add(100)
    } else {
        century
    }
    .wrapping_add(yy)
}

fn two_digits(pair: &[u8]) -> Option<u32> {
    match pair {
        [a @ b'0'..=b'9', b @ b'0'..=b'9'] => Some(
            u32::from(a.wrapping_sub(b'0'))
                .wrapping_mul(10)
                .wrapping_add(u32::from(b.wrapping_sub(b'0'))),
        ),
        _ => None,
    }
}

/// Number of days of `month` (1–12) in `year`, Gregorian leap years.
fn days_in_month(year: i32, month: u32) -> Option<u32> {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => Some(31),
        4 | 6 | 9 | 11 => Some(30),
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => Some(29),
        2 => Some(28),
        _ => None,
    }
}

/// Decodes six ASCII digits YYMMDD; `None` if not a real date.
pub fn decode(value: &[u8], reference_year: i32) -> Option<Gs1Date> {
    let [y1, y2, m1, m2, d1, d2] = value else {
        return None;
    };
    let yy = i32::try_from(two_digits(&[*y1, *y2])?).ok()?;
    let month = two_digits(&[*m1, *m2])?;
    let day = two_digits(&[*d1, *d2])?;
    let year = full_year(yy, reference_year);
    if day == 0 {
        let date = NaiveDate::from_ymd_opt(year, month, days_in_month(year, month)?)?;
        return Some(Gs1Date {
            date,
            day_unspecified: true,
        });
    }
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    Some(Gs1Date {
        date,
        day_unspecified: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn century_rule_window() {
        assert_eq!(full_year(26, 2026), 2026);
        assert_eq!(full_year(76, 2026), 2076); // +50: still this century
        assert_eq!(full_year(77, 2026), 1977); // +51: previous century
        assert_eq!(full_year(10, 2095), 2110); // -85: next century
        assert_eq!(full_year(45, 2095), 2145); // -50: next century
        assert_eq!(full_year(46, 2095), 2046); // -49: this century
    }

    #[test]
    fn day_zero_is_end_of_month_including_leap_years() {
        assert_eq!(
            decode(b"280200", 2026),
            Some(Gs1Date {
                date: ymd(2028, 2, 29),
                day_unspecified: true
            })
        );
        assert_eq!(decode(b"270200", 2026).unwrap().date, ymd(2027, 2, 28));
        assert_eq!(decode(b"261100", 2026).unwrap().date, ymd(2026, 11, 30));
        assert_eq!(decode(b"261231", 2026).unwrap().date, ymd(2026, 12, 31));
    }

    #[test]
    fn days_in_month_agrees_with_the_calendar() {
        for year in [1900, 2000, 2024, 2026, 2100] {
            for month in 1..=12 {
                let last = days_in_month(year, month).unwrap();
                assert!(NaiveDate::from_ymd_opt(year, month, last).is_some());
                assert!(NaiveDate::from_ymd_opt(year, month, last + 1).is_none());
            }
        }
        assert_eq!(days_in_month(2026, 13), None);
    }

    #[test]
    fn rejects_impossible_dates() {
        for bad in [
            &b"261301"[..],
            b"260230",
            b"260000",
            b"26113",
            b"26a101",
            b"261131",
        ] {
            assert_eq!(decode(bad, 2026), None, "{bad:?}");
        }
    }
}
