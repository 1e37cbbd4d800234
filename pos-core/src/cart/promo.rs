//! Promotions on the cart: which promotions run, in which context, the
//! coupons entered, and the free items rewards give.

use super::line::LineId;
use super::reprice::free_items;
use super::state::Cart;
use crate::CoreError;
use crate::ids::{PromotionId, Sku};
use crate::item::{ItemSource, PriceContext};
use crate::promotion::{
    AcceptedCoupon, CouponRejection, PromoContext, Promotion, PromotionOutcome, RejectedCoupon,
    normalize_code,
};
use rust_decimal::Decimal;
use std::sync::Arc;

impl Cart {
    /// Sets the active promotions and the context they run in (instant,
    /// local offset, customer); coupons already entered are kept.
    pub fn set_promotions(
        &mut self,
        promotions: Arc<[Promotion]>,
        ctx: PromoContext,
    ) -> Result<(), CoreError> {
        if ctx.currency != self.currency {
            return Err(CoreError::CurrencyMismatch {
                expected: self.currency.code().to_owned(),
                found: ctx.currency.code().to_owned(),
            });
        }
        self.transact(|cart| {
            let coupons = cart
                .promo
                .ctx
                .as_ref()
                .map(|c| c.coupons.clone())
                .unwrap_or_default();
            let mut ctx = ctx;
            if ctx.coupons.is_empty() {
                ctx.coupons = coupons;
            }
            cart.promo.promotions = promotions;
            cart.promo.ctx = Some(ctx);
            Ok(())
        })
    }

    /// Stops applying promotions (coupons are forgotten too).
    pub fn clear_promotions(&mut self) -> Result<(), CoreError> {
        self.transact(|cart| {
            cart.promo.promotions = Arc::from(Vec::new());
            cart.promo.ctx = None;
            Ok(())
        })
    }

    /// Enters a coupon code. The answer is `None` when the coupon applies,
    /// or the reason it does not apply now (it is kept, as it may apply
    /// later, e.g. once the minimum spend is reached). An unknown or
    /// duplicate code is not kept. Without promotions set up, every code is
    /// unknown.
    pub fn add_coupon(&mut self, code: &str) -> Result<Option<CouponRejection>, CoreError> {
        let code = super::text::checked_text("coupon", code, 64)?;
        let normalized = normalize_code(&code);
        if self.promo.ctx.is_none() {
            return Ok(Some(CouponRejection::Unknown));
        }
        let mut next = self.working_copy();
        if let Some(ctx) = next.promo.ctx.as_mut() {
            ctx.coupons.push(code);
        }
        if let Err(e) = next.reprice() {
            self.promo.engine = std::mem::take(&mut next.promo.engine);
            return Err(e);
        }
        let rejection = next.coupon_rejection(&normalized);
        match rejection {
            Some(CouponRejection::Unknown | CouponRejection::Duplicate) => {
                self.promo.engine = std::mem::take(&mut next.promo.engine);
            }
            _ => *self = next,
        }
        Ok(rejection)
    }

    /// [`Cart::add_coupon`] for an app: a code that no promotion has, or
    /// that is already on the ticket, is an error (`coupon_unknown`,
    /// `coupon_duplicate`) and leaves the cart unchanged; a known code that
    /// cannot apply now is kept on the cart (it applies as soon as it can,
    /// e.g. once the minimum spend is reached) and the reason is returned;
    /// `None` when it applies.
    pub fn enter_coupon(&mut self, code: &str) -> Result<Option<CouponRejection>, CoreError> {
        match self.add_coupon(code)? {
            Some(CouponRejection::Unknown) => Err(CoreError::UnknownCoupon {
                coupon: code.trim().chars().take(64).collect(),
            }),
            Some(CouponRejection::Duplicate) => Err(CoreError::DuplicateCoupon {
                coupon: code.trim().chars().take(64).collect(),
            }),
            other => Ok(other),
        }
    }

    /// Removes a coupon code (compared trimmed and case-insensitively).
    pub fn remove_coupon(&mut self, code: &str) -> Result<(), CoreError> {
        let normalized = normalize_code(code);
        self.transact(|cart| {
            if let Some(ctx) = cart.promo.ctx.as_mut() {
                ctx.coupons.retain(|c| normalize_code(c) != normalized);
            }
            Ok(())
        })
    }

    /// The coupons entered, as typed.
    pub fn coupons(&self) -> &[String] {
        self.promo
            .ctx
            .as_ref()
            .map_or(&[], |c| c.coupons.as_slice())
    }

    /// The coupons that triggered a promotion at the last repricing.
    pub fn accepted_coupons(&self) -> &[AcceptedCoupon] {
        self.promo
            .outcome
            .as_ref()
            .map_or(&[], |o| o.accepted_coupons.as_slice())
    }

    /// The coupons refused at the last repricing, with the reason.
    pub fn rejected_coupons(&self) -> &[RejectedCoupon] {
        self.promo
            .outcome
            .as_ref()
            .map_or(&[], |o| o.rejected_coupons.as_slice())
    }

    /// The promotion engine's last outcome (None without promotions).
    pub fn promotion_outcome(&self) -> Option<&PromotionOutcome> {
        self.promo.outcome.as_ref()
    }

    /// Free items earned by rewards and not yet in the cart: (promotion,
    /// SKU, quantity missing).
    pub fn free_items_due(&self) -> Vec<(PromotionId, Sku, u32)> {
        let Some(outcome) = &self.promo.outcome else {
            return Vec::new();
        };
        free_items(outcome)
            .into_iter()
            .filter_map(|(promotion, (sku, quantity))| {
                let present: Decimal = self
                    .lines
                    .iter()
                    .filter(|l| l.reward_of.as_ref() == Some(&promotion))
                    .map(|l| l.quantity)
                    .sum();
                let missing = Decimal::from(quantity).checked_sub(present)?;
                let missing = u32::try_from(missing.trunc().mantissa()).ok()?;
                (missing > 0).then_some((promotion, sku, missing))
            })
            .collect()
    }

    /// Adds the free items earned and missing, looked up in `source`; they
    /// are discounted in full under their promotion's name.
    pub fn add_free_items(
        &mut self,
        source: &dyn ItemSource,
        ctx: &PriceContext,
    ) -> Result<Vec<LineId>, CoreError> {
        let due = self.free_items_due();
        let mut items = Vec::with_capacity(due.len());
        for (promotion, sku, quantity) in due {
            items.push((promotion, source.item_by_sku(&sku, ctx)?, quantity));
        }
        self.transact(|cart| {
            let mut ids = Vec::new();
            for (promotion, item, quantity) in items {
                let price = item.unit_price;
                if price.currency() != cart.currency {
                    return Err(CoreError::CurrencyMismatch {
                        expected: cart.currency.code().to_owned(),
                        found: price.currency().code().to_owned(),
                    });
                }
                let id = cart.push_line(
                    item,
                    Decimal::from(quantity),
                    price,
                    super::line::PriceSource::Catalog,
                    None,
                )?;
                let position = cart.position(id)?;
                cart.line_mut(position)?.reward_of = Some(promotion);
                ids.push(id);
            }
            Ok(ids)
        })
    }

    fn coupon_rejection(&self, normalized: &str) -> Option<CouponRejection> {
        self.rejected_coupons()
            .iter()
            .rev()
            .find(|r| r.code == normalized)
            .map(|r| r.reason.clone())
    }
}
