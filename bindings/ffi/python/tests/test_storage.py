"""The storage headroom a native till reports: under the reserve a sale is
refused before any tender (storage_full, a PosError.Store) and nothing is
recorded; with room again the same cart sells."""

import pytest

import pos_ffi
from conftest import ring_up

CARD = pos_ffi.TenderMethod.CARD()


def state(register):
    return (register.sync_pending(), register.verify().records)


def test_headroom_under_the_reserve_refuses_the_payment_and_records_nothing(register):
    reserve = pos_ffi.storage_reserve_bytes()
    assert reserve == 1024 * 1024
    assert register.storage_headroom() is None
    cart = ring_up(register)
    before = state(register)
    register.set_storage_headroom(reserve - 1)
    assert register.storage_headroom() == reserve - 1
    with pytest.raises(pos_ffi.PosError.Store) as e:
        register.start_payment(cart, None)
    assert e.value.code == "storage_full"
    assert e.value.detail == (
        f"the till's storage is full ({reserve - 1} bytes left, a sale needs {reserve}): "
        "no sale can be recorded until space is freed"
    )
    assert state(register) == before

    # A payment taken while there was room: completion refuses too.
    register.set_storage_headroom(None)
    payment = register.start_payment(cart, None)
    payment.add(CARD, payment.remaining())
    register.set_storage_headroom(0)
    opts = pos_ffi.SaleOptions(operator="alice", customer=None, training=False, ticket_id=None)
    with pytest.raises(pos_ffi.PosError.Store) as e:
        register.complete_sale(cart, payment, opts)
    assert e.value.code == "storage_full"
    assert state(register) == before

    register.set_storage_headroom(reserve)
    assert register.complete_sale(cart, payment, opts).number() == 1
