"""Orders through the bindings: paid online and collected, paid at the till
as a normal sale, refunded at the till or online, cancelled."""

import pytest

import pos_ffi
from conftest import T0, options

PICKUP = T0 + 4 * 3_600_000


def baguettes(n="2", amount="2.60"):
    return [pos_ffi.OrderLine(sku="BAG-TRAD", label="Baguette tradition", quantity=n, amount=amount)]


def ready(register, order, paid_online=None):
    register.receive_order(order, baguettes(), PICKUP, paid_online)
    register.accept_order(order, "alice")
    register.start_preparing_order(order, "alice")
    return register.mark_order_ready(order, "alice")


def test_an_unpaid_order_is_paid_at_collection_then_refunded_at_the_till(register, clock):
    assert ready(register, "web-10") == "ready"
    cart = register.order_cart("web-10")
    assert cart.total() == "2.60"
    payment = register.start_payment(cart, None)
    payment.add(pos_ffi.TenderMethod.CASH(), "5")
    sale = register.collect_order_and_pay("web-10", cart, payment, options())
    assert (sale.series(), sale.number(), sale.total(), sale.change()) == ("T", 1, "2.60", "2.40")
    assert register.order_status("web-10") == "collected"
    assert register.pickup_list() == []
    clock.millis += 3_600_000
    back = register.refund_cart(sale.ticket_id(), "alice", True)
    assert back.total() == "-2.60"
    pay_back = register.start_payment(back, None)
    pay_back.add(pos_ffi.TenderMethod.CASH(), "2.60")
    refund = register.refund_order_at_till("web-10", back, pay_back, options())
    assert (refund.number(), refund.total()) == (2, "-2.60")
    assert register.order_status("web-10") == "refunded"
    report = register.day_report("2026-03-14")
    assert (report.sales_count, report.refunds_count, report.net_total) == (1, 1, "0.00")
    assert register.verify().intact


def test_a_collection_cart_must_hold_the_order(register):
    ready(register, "web-11")
    cart = register.order_cart("web-11")
    cart.set_quantity(cart.lines()[0].id, "1")
    payment = register.start_payment(cart, None)
    payment.add(pos_ffi.TenderMethod.CARD(), "1.30")
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        register.collect_order_and_pay("web-11", cart, payment, options())
    assert e.value.code == "invalid_input"
    assert e.value.detail == "invalid collection cart: expected exactly the order's items and quantities"
    assert register.order_status("web-11") == "ready"


def test_an_order_paid_online_is_collected_then_refunded_online(register):
    ready(register, "web-12", "psp-123")
    [entry] = register.pickup_list()
    assert (entry.paid, entry.due) == (True, "0.00")
    assert register.collect_order("web-12", "alice") == "collected"
    assert register.refund_order("web-12", "alice") == "refunded"
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        register.collect_order("web-12", "alice")
    assert (e.value.code, e.value.detail) == ("invalid_order_transition", "order cannot go from refunded to collected")


def test_a_cancelled_order_paid_online_is_refunded(register):
    register.receive_order("web-13", baguettes(), PICKUP, "psp-456")
    register.accept_order("web-13", "alice")
    assert register.cancel_order("web-13", "alice") == "cancelled"
    assert register.refund_order("web-13", "alice") == "refunded"
    with pytest.raises(pos_ffi.PosError.Store) as e:
        register.order_status("web-404")
    assert e.value.code == "not_found"
