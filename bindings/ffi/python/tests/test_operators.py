"""Operators at the till and parked carts through the binding: add and
list operators, sign in with a PIN (wrong PIN with tries left, lockout,
disabled), the session's rights on no-sale drawer openings, closures and
refunds, and parked carts that survive reopening the till file."""

import pytest

import pos_ffi
from conftest import FixedClock, T0, config, ring_up, sell

CASH = pos_ffi.TenderMethod.CASH()


def code(excinfo):
    return excinfo.value.code


def test_operators_sign_in_with_their_pin_and_lock_after_five_wrong_tries(register, clock):
    anna = register.add_operator("anna", "Anna", "cashier", [], "4821")
    assert (anna.id, anna.name, anna.role, anna.active) == ("anna", "Anna", "cashier", True)
    assert anna.permissions == ["line_discount", "ticket_discount"]
    lea = register.add_operator("lea", "Léa", "custom", ["no_sale"], "5555")
    assert lea.permissions == ["no_sale"]
    assert [o.id for o in register.operators()] == ["anna", "lea"]

    session = register.sign_in("anna", "4821")
    assert session.operator_id() == "anna"
    assert session.has("ticket_discount") and not session.has("return")

    for bad, expected in [("123", "invalid_pin"), ("4821x", "invalid_pin")]:
        with pytest.raises(pos_ffi.PosError.Cart) as e:
            register.add_operator("zoe", "Zoé", "cashier", [], bad)
        assert code(e) == expected
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        register.add_operator("zoe", "Zoé", "boss", [], "1234")
    assert code(e) == "unknown_role"
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        register.sign_in("nobody", "1234")
    assert code(e) == "unknown_operator"

    for left in [4, 3, 2, 1, 0]:
        with pytest.raises(pos_ffi.PosError.Cart) as e:
            register.sign_in("anna", "0000")
        assert code(e) == "wrong_pin"
        assert f"{left} tries left" in str(e.value)
        assert "0000" not in str(e.value)
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        register.sign_in("anna", "4821")
    assert code(e) == "operator_locked"
    clock.millis += 5 * 60_000
    register.sign_in("anna", "4821")

    assert register.set_operator_active("anna", False)
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        register.sign_in("anna", "4821")
    assert code(e) == "operator_inactive"


def test_a_session_carries_its_rights(register):
    register.add_operator("anna", "Anna", "cashier", [], "4821")
    register.add_operator("marc", "Marc", "manager", [], "907315")
    anna = register.sign_in("anna", "4821")
    marc = register.sign_in("marc", "907315")
    sale = sell(register, ring_up(register), (CASH, "26.20"))

    with pytest.raises(pos_ffi.PosError.Cart) as e:
        register.open_drawer_no_sale(anna, "change")
    assert code(e) == "permission_required"
    assert "no_sale" in str(e.value)
    assert len(register.open_drawer_no_sale(marc, None)) > 0

    with pytest.raises(pos_ffi.PosError.Cart) as e:
        register.refund_cart_as(sale.ticket_id(), anna)
    assert code(e) == "permission_required"
    refund = register.refund_cart_as(sale.ticket_id(), marc)
    assert refund.total() == "-26.20"
    # The older form, operator id and manager flag, still works.
    assert register.refund_cart(sale.ticket_id(), marc.operator_id(), True).total() == "-26.20"

    with pytest.raises(pos_ffi.PosError.Cart) as e:
        register.close_day_as(anna)
    assert code(e) == "permission_required"
    assert register.close_day_as(marc) == ["Z 1"]


def test_parked_carts_survive_reopening_the_till(tmp_path, clock):
    path = str(tmp_path / "till.sqlite")
    reg = pos_ffi.Register.open(path, config(), clock, None, 1)
    reg.import_catalog_json(pos_ffi.sample_catalog_json())
    first = reg.park_cart(ring_up(reg), "table 4")
    clock.millis += 1000
    second = reg.park_cart(ring_up(reg), "Mme Martin")
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        reg.park_cart(reg.new_cart(), "empty")
    assert code(e) == "invalid_input"
    del reg

    reg = pos_ffi.Register.open(path, config(), clock, None, 2)
    parked = reg.parked_carts()
    assert [(p.id, p.label, p.line_count, p.total) for p in parked] == [
        (first, "table 4", 2, "26.20"),
        (second, "Mme Martin", 2, "26.20"),
    ]
    assert parked[0].parked_at_millis == T0
    cart = reg.resume_parked(first)
    assert cart.total() == "26.20"
    with pytest.raises(pos_ffi.PosError.Store) as e:
        reg.resume_parked(first)
    assert code(e) == "not_found"
    sale = sell(reg, cart, (CASH, "26.20"))
    assert sale.total() == "26.20"
    reg.discard_parked(second)
    assert reg.parked_carts() == []
