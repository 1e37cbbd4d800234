"""Cash session through the bindings: pay-ins, pay-outs, the X report (mid-day,
changes nothing) and the close, checked to the cent."""

from decimal import Decimal

import pytest

import pos_ffi
from conftest import T0, ring_up, sell

CASH = pos_ffi.TenderMethod.CASH()


def tender(report, kind):
    [t] = [t for t in report.by_tender if t.kind == kind]
    return t


def test_pay_in_pay_out_and_x_report_to_the_cent(register, clock):
    register.open_cash_session("alice", "100.00")
    sale = sell(register, ring_up(register), (CASH, "30"))
    assert sale.change() == "3.80"
    clock.millis += 60_000
    after_in = register.cash_pay_in("alice", "20.00", pos_ffi.CashMoveReason.CHANGE_FUND, None, None)
    assert after_in.pay_ins == "20.00"
    assert after_in.expected_cash == "146.20"
    x = register.cash_pay_out("bob", "50", pos_ffi.CashMoveReason.BANK_DEPOSIT, "to the bank", None)
    assert x.opening_float == "100.00"
    assert (x.sales_count, x.refunds_count) == (1, 0)
    assert (x.sales_total, x.refunds_total, x.net_total) == ("26.20", "0.00", "26.20")
    cash = tender(x, "cash")
    assert (cash.sales, cash.refunds, cash.net) == ("26.20", "0.00", "26.20")
    assert (x.pay_ins, x.pay_outs) == ("20.00", "50.00")
    # 100.00 + 26.20 + 20.00 - 50.00
    assert x.expected_cash == "96.20"
    assert x.at_millis == T0 + 60_000
    [vat] = x.by_vat
    assert vat.rate == "5.5"
    assert vat.gross == "26.20"
    assert Decimal(vat.net) + Decimal(vat.vat) == Decimal("26.20")


def test_the_x_report_changes_nothing_and_the_close_keeps_the_difference(register):
    register.open_cash_session("alice", "50.00")
    sell(register, ring_up(register), (pos_ffi.TenderMethod.CARD(), "26.20"))
    first = register.x_report()
    assert first == register.x_report()
    assert tender(first, "card").net == "26.20"
    assert first.expected_cash == "50.00"
    close = register.close_cash_session("alice", "49.50")
    assert (close.counted, close.difference, close.closures) == ("49.50", "-0.50", [])
    # The drawer is closed: no X report, no pay-in.
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        register.x_report()
    assert e.value.code == "precondition"
    assert e.value.detail == "an open cash session is required first"


def test_a_retried_pay_in_counts_once(register):
    register.open_cash_session("alice", "10.00")
    for _ in range(2):
        x = register.cash_pay_in("alice", "5.00", pos_ffi.CashMoveReason.TIP, None, "0192f3a0-0000-7000-8000-000000000001")
    assert x.pay_ins == "5.00"
    assert x.expected_cash == "15.00"


def test_a_pay_out_above_the_drawer_is_refused_and_changes_nothing(register):
    register.open_cash_session("alice", "20.00")
    before = register.x_report()
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        register.cash_pay_out("alice", "20.01", pos_ffi.CashMoveReason.EXPENSE, None, None)
    assert (e.value.code, e.value.detail) == ("insufficient_balance", "insufficient balance: 20.00 available, 20.01 requested")
    assert register.x_report() == before
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        register.cash_pay_in("alice", "dix", pos_ffi.CashMoveReason.OTHER, None, None)
    assert e.value.detail == "invalid amount `dix`: expected a decimal such as 12.50"


def test_close_with_the_day_carries_pay_ins_and_pay_outs(register):
    register.open_cash_session("alice", "100.00")
    sell(register, ring_up(register), (CASH, "26.20"))
    register.cash_pay_out("alice", "30.00", pos_ffi.CashMoveReason.SUPPLIER_PAYMENT, None, None)
    close = register.close_session_and_day("alice", "96.20")
    assert (close.counted, close.difference, close.closures) == ("96.20", "0.00", ["Z 1"])
    assert register.verify().intact
