"""Sales as state machines through the bindings: a completed cart and its
payment are consumed, idempotency keys are honest for every keyed call, an
implausible clock is refused, and a closed day is found out before the
payment. Each refusal is checked to change nothing."""

import json

import pytest

import pos_ffi
from conftest import T0, ring_up, sell
from test_customers import PROGRAM

CARD = pos_ffi.TenderMethod.CARD()
CASH = pos_ffi.TenderMethod.CASH()
V4 = "3f2b8c1e-4d5a-4e6f-8a7b-9c0d1e2f3a4b"


def keyed(key, operator="alice"):
    return pos_ffi.SaleOptions(operator=operator, customer=None, training=False, ticket_id=key)


def state(register):
    """What a refused call must leave as it was: outbox, stock, journal."""
    return (
        register.sync_pending(),
        register.stock_level("COMTE-18").on_hand,
        register.verify().records,
    )


def paid(register, cart):
    payment = register.start_payment(cart, None)
    payment.add(CARD, payment.remaining())
    return payment


def test_a_completed_cart_and_payment_are_consumed(register):
    cart = ring_up(register)
    payment = paid(register, cart)
    sale = register.complete_sale(cart, payment, keyed(None))
    assert sale.number() == 1
    assert cart.is_completed()
    before = state(register)
    refusals = [
        lambda: register.complete_sale(cart, payment, keyed(None)),
        lambda: register.scan(cart, "2000000001012"),
        lambda: register.start_payment(cart, None),
        lambda: cart.set_quantity(1, "3"),
        lambda: cart.remove_line(1),
        lambda: cart.add_coupon("WELCOME10"),
        lambda: payment.add(CASH, "1.00"),
    ]
    for refused in refusals:
        with pytest.raises(pos_ffi.PosError.Cart) as e:
            refused()
        assert e.value.code == "cart_completed"
        assert e.value.detail == "this cart was already completed as ticket T1: start a new cart"
    # The completed cart can still be read (the app shows what was sold).
    assert cart.total() == "26.20"
    assert state(register) == before


def test_the_same_key_returns_the_same_sale_and_another_request_is_a_conflict(register, clock):
    first = sell_keyed(register, ["2000000001012"], V4)
    assert first.ticket_id() == V4  # a UUID v4 is accepted as the ticket id
    before = state(register)
    clock.millis += 30_000
    again = sell_keyed(register, ["2000000001012"], V4.upper())
    assert (again.ticket_id(), again.number(), again.record_hash()) == (V4, first.number(), first.record_hash())
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        sell_keyed(register, ["3760123000352"], V4)  # 24.90 under the 1.30 sale's key
    assert e.value.code == "idempotency_conflict"
    assert V4 in e.value.detail
    assert state(register) == before
    # An app's own reference is a key too; a key too long is refused.
    mine = sell_keyed(register, ["3760123000352"], "order-2026-000042")
    assert sell_keyed(register, ["3760123000352"], "order-2026-000042").ticket_id() == mine.ticket_id()
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        sell_keyed(register, ["3760123000352"], "x" * 65)
    assert e.value.code == "invalid_input"


def sell_keyed(register, codes, key):
    cart = register.new_cart()
    for code in codes:
        register.scan(cart, code)
    return register.complete_sale(cart, paid(register, cart), keyed(key))


def test_a_cash_pay_in_retried_later_with_the_same_key_is_the_same(register, clock):
    register.open_cash_session("alice", "100.00")
    reason = pos_ffi.CashMoveReason.CHANGE_FUND
    register.cash_pay_in("alice", "20.00", reason, "fond", V4)
    pending = register.sync_pending()
    clock.millis += 60_000
    again = register.cash_pay_in("alice", "20.00", reason, "fond", V4)
    assert again.pay_ins == "20.00"
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        register.cash_pay_in("alice", "25.00", reason, "fond", V4)
    assert e.value.code == "idempotency_conflict"
    assert V4 in e.value.detail
    assert register.x_report().pay_ins == "20.00"
    assert register.sync_pending() == pending


def test_a_load_and_a_redemption_retried_later_are_the_same(register, clock):
    register.issue_stored_value("GIFT-0000-7731", pos_ffi.StoredValueKind.GIFT_CARD, "20.00", None)
    register.set_loyalty_program_json(json.dumps(PROGRAM))
    who = register.create_customer("Jeanne", None, None)
    sale = sell(register, ring_up(register), (CARD, "26.20"), customer=who)
    register.load_stored_value("GIFT-0000-7731", "15.00", sale.ticket_id(), "load-1")
    register.redeem_loyalty_reward(who, "coffee", "reward-1")
    clock.millis += 60_000
    assert register.load_stored_value("GIFT-0000-7731", "15.00", sale.ticket_id(), "load-1").balance == "35.00"
    register.redeem_loyalty_reward(who, "coffee", "reward-1")
    assert register.loyalty_balance(who) == 16
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        register.load_stored_value("GIFT-0000-7731", "16.00", sale.ticket_id(), "load-1")
    assert (e.value.code, "load-1" in e.value.detail) == ("idempotency_conflict", True)
    assert register.stored_value("GIFT-0000-7731").balance == "35.00"


def test_an_order_under_a_known_id_with_other_lines_is_a_conflict(register):
    line = pos_ffi.OrderLine(sku="BAG-TRAD", label="Baguette tradition", quantity="2", amount="2.60")
    register.receive_order("web-30", [line], T0 + 3_600_000, None)
    register.receive_order("web-30", [line], T0 + 3_600_000, None)
    other = pos_ffi.OrderLine(sku="BAG-TRAD", label="Baguette tradition", quantity="3", amount="3.90")
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        register.receive_order("web-30", [other], T0 + 3_600_000, None)
    assert e.value.code == "idempotency_conflict"
    assert "web-30" in e.value.detail


def test_a_clock_in_seconds_is_refused_before_anything_is_written(register, clock):
    cart = ring_up(register)
    payment = paid(register, cart)
    before = state(register)
    records = before[2]
    clock.millis = T0 // 1000  # Stripe's unit: seconds
    with pytest.raises(pos_ffi.PosError.Fiscal) as e:
        register.complete_sale(cart, payment, keyed(None))
    assert e.value.code == "clock_implausible"
    assert "1970-01-21" in e.value.detail
    with pytest.raises(pos_ffi.PosError.Fiscal) as e:
        register.scan(register.new_cart(), "2000000001012")
    assert e.value.code == "clock_implausible"
    assert not cart.is_completed()
    # Nothing but the JET 320 of each refused call was written.
    after = state(register)
    assert after[:2] == before[:2]
    assert after[2] == records + 2
    assert register.verify().intact


def test_a_clock_set_back_three_days_is_refused(register, clock):
    clock.millis += 5 * 86_400_000
    sell(register, ring_up(register), (CARD, "26.20"))
    cart = ring_up(register)
    payment = paid(register, cart)
    before = state(register)
    clock.millis -= 3 * 86_400_000
    with pytest.raises(pos_ffi.PosError.Fiscal) as e:
        register.complete_sale(cart, payment, keyed(None))
    assert e.value.code == "clock_implausible"
    assert "set back" in e.value.detail
    assert state(register)[:2] == before[:2]


def test_after_the_z_the_payment_is_refused_before_any_tender(register, clock):
    sell(register, ring_up(register), (CARD, "26.20"))
    cart = ring_up(register)
    assert register.period_state() == "open"
    clock.millis += 60_000
    register.close_day("alice")
    before = state(register)
    assert register.period_state() == "day_closed"
    for refused in [
        lambda: register.start_payment(cart, None),
        lambda: register.scan(register.new_cart(), "2000000001012"),
        lambda: register.scan(cart, "2000000001012"),
    ]:
        with pytest.raises(pos_ffi.PosError.Fiscal) as e:
            refused()
        assert e.value.code == "day_closed"
        assert e.value.detail.startswith("the fiscal day 2026-03-14 is closed")
    assert state(register) == before
    # The next morning the same cart can be paid.
    clock.millis = T0 + 86_400_000
    assert register.period_state() == "open"
    assert register.complete_sale(cart, paid(register, cart), keyed(None)).number() == 2
