"""Gift cards and store credit through the bindings: issue, spend as a
tender, load, balance; codes never come back in full."""

import pytest

import pos_ffi
from conftest import T0, ring_up, sell

CARD = pos_ffi.TenderMethod.CARD()
CODE = "GIFT-0000-7731"


def gift(code=CODE):
    return pos_ffi.TenderMethod.GIFT_CARD(reference=code)


def test_issue_spend_and_load_to_the_cent(register):
    card = register.issue_stored_value(CODE, pos_ffi.StoredValueKind.GIFT_CARD, "20.00", None)
    assert card == pos_ffi.StoredValue(masked_code="****7731", kind=pos_ffi.StoredValueKind.GIFT_CARD, balance="20.00", expires_at_millis=None, operations=1)
    sale = sell(register, ring_up(register), (gift(), "20.00"), (CARD, "6.20"))
    assert sale.total() == "26.20"
    assert register.stored_value(CODE).balance == "0.00"
    loaded = register.load_stored_value("gift00007731", "15.50", sale.ticket_id(), "0192f3a0-0000-7000-8000-0000000001a0")
    assert (loaded.balance, loaded.operations) == ("15.50", 3)
    again = register.load_stored_value(CODE, "15.50", sale.ticket_id(), "0192f3a0-0000-7000-8000-0000000001a0")
    assert (again.balance, again.operations) == ("15.50", 3)


def test_spending_above_the_balance_fails_the_sale_and_changes_nothing(register):
    register.issue_stored_value(CODE, pos_ffi.StoredValueKind.GIFT_CARD, "10.00", None)
    cart = ring_up(register)
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        sell(register, cart, (gift(), "12.00"), (CARD, "14.20"))
    assert (e.value.code, e.value.detail) == ("insufficient_balance", "insufficient balance: 10.00 available, 12.00 requested")
    assert register.stored_value(CODE).balance == "10.00"
    # No ticket number was used by the refused sale.
    assert sell(register, cart, (CARD, "26.20")).number() == 1


def test_store_credit_with_expiry_and_refused_inputs(register):
    expires = T0 + 30 * 86_400_000
    credit = register.issue_stored_value("AVOIR123456", pos_ffi.StoredValueKind.STORE_CREDIT, "7.35", expires)
    assert (credit.kind, credit.balance, credit.expires_at_millis) == (pos_ffi.StoredValueKind.STORE_CREDIT, "7.35", expires)
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        register.issue_stored_value("AVOIR123456", pos_ffi.StoredValueKind.STORE_CREDIT, "1.00", None)
    assert (e.value.code, e.value.detail) == ("invalid_input", "invalid gift card code: expected a code not issued yet")
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        register.issue_stored_value("short", pos_ffi.StoredValueKind.GIFT_CARD, "1.00", None)
    assert (e.value.code, e.value.detail) == ("invalid_card_code", "invalid gift card code")
    with pytest.raises(pos_ffi.PosError.Store) as e:
        register.stored_value("GIFT00009999")
    assert e.value.detail == "no gift card `****9999`"
    assert "GIFT00009999" not in str(e.value)
    with pytest.raises(pos_ffi.PosError.Store) as e:
        register.load_stored_value("AVOIR123456", "1.00", "no-such-ticket", None)
    assert e.value.code == "not_found"
    assert register.stored_value("AVOIR123456").balance == "7.35"
