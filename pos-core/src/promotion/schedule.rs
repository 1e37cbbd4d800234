//! Validity in time and for the customer: period, local days and hours,
//! customer group and loyalty tier.

use super::input::PromoContext;
use super::model::Conditions;
use super::outcome::CouponRejection;
use crate::CoreError;
use chrono::{DateTime, Datelike, FixedOffset, NaiveDateTime};

/// Real offsets stay within ±14 h; ±18 h is the ISO 8601 / chrono bound.
const MAX_OFFSET_SECONDS: u32 = 18 * 3600;

/// The sale's local date and time, from the context's UTC offset.
pub(crate) fn local_time(ctx: &PromoContext) -> Result<NaiveDateTime, CoreError> {
    let seconds = ctx.utc_offset_minutes.saturating_mul(60);
    let offset = FixedOffset::east_opt(seconds)
        .filter(|_| seconds.unsigned_abs() <= MAX_OFFSET_SECONDS)
        .ok_or(CoreError::InvalidUtcOffset { seconds })?;
    let local: DateTime<FixedOffset> = ctx.at.with_timezone(&offset);
    Ok(local.naive_local())
}

/// Whether the conditions hold at this instant for this customer; the
/// error says why not (minimum spend and lines are checked elsewhere).
pub(crate) fn check(
    c: &Conditions,
    ctx: &PromoContext,
    local: NaiveDateTime,
) -> Result<(), CouponRejection> {
    if c.valid_from.is_some_and(|from| ctx.at < from) {
        return Err(CouponRejection::NotYetValid);
    }
    if c.valid_until.is_some_and(|until| ctx.at >= until) {
        return Err(CouponRejection::Expired);
    }
    if !c.days.is_empty() && !c.days.contains(&local.weekday()) {
        return Err(CouponRejection::OutsideHours);
    }
    if let Some(h) = c.hours {
        let t = local.time();
        let inside = if h.start < h.end {
            h.start <= t && t < h.end
        } else {
            // Over midnight: 22:00 -> 02:00.
            t >= h.start || t < h.end
        };
        if !inside {
            return Err(CouponRejection::OutsideHours);
        }
    }
    let group_ok = c.customer_groups.is_empty()
        || ctx
            .customer_group
            .as_ref()
            .is_some_and(|g| c.customer_groups.contains(g));
    let tier_ok = c.loyalty_tiers.is_empty()
        || ctx
            .loyalty_tier
            .as_ref()
            .is_some_and(|t| c.loyalty_tiers.contains(t));
    if !group_ok || !tier_ok {
        return Err(CouponRejection::CustomerNotEligible);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Currency;
    use crate::promotion::model::HourWindow;
    use chrono::{NaiveTime, TimeZone, Utc, Weekday};

    fn ctx(y: i32, m: u32, d: u32, h: u32, min: u32, offset: i32) -> PromoContext {
        let mut c = PromoContext::new(
            Currency::EUR,
            Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap(),
        );
        c.utc_offset_minutes = offset;
        c
    }

    #[test]
    fn saturday_is_local() {
        // 2026-11-27 is a Friday; 23:30 UTC is Saturday 00:30 in Paris (UTC+1).
        let c = Conditions {
            days: vec![Weekday::Sat],
            ..Conditions::default()
        };
        let utc = ctx(2026, 11, 27, 23, 30, 0);
        let paris = ctx(2026, 11, 27, 23, 30, 60);
        assert_eq!(
            check(&c, &utc, local_time(&utc).unwrap()),
            Err(CouponRejection::OutsideHours)
        );
        assert_eq!(check(&c, &paris, local_time(&paris).unwrap()), Ok(()));
    }

    #[test]
    fn hour_windows_and_midnight() {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        let happy = Conditions {
            hours: Some(HourWindow {
                start: t(17, 0),
                end: t(19, 0),
            }),
            ..Conditions::default()
        };
        let night = Conditions {
            hours: Some(HourWindow {
                start: t(22, 0),
                end: t(2, 0),
            }),
            ..Conditions::default()
        };
        for (h, m, happy_ok, night_ok) in [
            (16, 59, false, false),
            (17, 0, true, false),
            (18, 59, true, false),
            (19, 0, false, false),
            (22, 0, false, true),
            (1, 59, false, true),
            (2, 0, false, false),
        ] {
            let c = ctx(2026, 11, 28, h, m, 0);
            let local = local_time(&c).unwrap();
            assert_eq!(check(&happy, &c, local).is_ok(), happy_ok, "{h}:{m}");
            assert_eq!(check(&night, &c, local).is_ok(), night_ok, "{h}:{m}");
        }
    }

    #[test]
    fn period_bounds() {
        let c = Conditions {
            valid_from: Some(Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap()),
            valid_until: Some(Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap()),
            ..Conditions::default()
        };
        let at = |m, d| ctx(2026, m, d, 0, 0, 0);
        let run = |c2: &PromoContext| check(&c, c2, local_time(c2).unwrap());
        assert_eq!(run(&at(10, 31)), Err(CouponRejection::NotYetValid));
        assert_eq!(run(&at(11, 1)), Ok(()));
        assert_eq!(run(&at(12, 1)), Err(CouponRejection::Expired));
    }

    #[test]
    fn absurd_offset_is_an_error() {
        let c = ctx(2026, 11, 28, 0, 0, 24 * 60);
        assert_eq!(
            local_time(&c),
            Err(CoreError::InvalidUtcOffset { seconds: 86_400 })
        );
    }
}
