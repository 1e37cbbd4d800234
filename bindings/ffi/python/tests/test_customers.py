"""Customers through the bindings: consent per channel with its source, the
RGPD export and erasure, the loyalty program, balance and rewards."""

import json

import pytest

import pos_ffi
from conftest import T0, ring_up, sell

CARD = pos_ffi.TenderMethod.CARD()

PROGRAM = {
    "currency": "EUR",
    "points_per_unit": "1",
    "bonuses": [],
    "tiers": [],
    "rewards": [
        {"id": "coffee", "name": "Free coffee", "cost": 10, "kind": {"amount_off": {"amount": "2.00", "currency": "EUR"}}},
        {"id": "hamper", "name": "Hamper", "cost": 500, "kind": {"percent_off": 1000}},
    ],
    "point_value": {"amount": "0.01", "currency": "EUR"},
    "expiry_days": 365,
    "tier_window_days": 365,
}


def test_consent_is_recorded_per_channel_with_its_source(register, clock):
    who = register.create_customer("Jeanne", "Martin", "jeanne@example.org")
    assert register.consents(who) == []
    now = register.set_consent(who, pos_ffi.Channel.EMAIL_RECEIPT, pos_ffi.ConsentState.GRANTED, pos_ffi.ConsentSource.IN_STORE)
    assert now == [pos_ffi.Consent(channel=pos_ffi.Channel.EMAIL_RECEIPT, state=pos_ffi.ConsentState.GRANTED, at_millis=T0, source="in_store")]
    clock.millis += 1_000
    register.set_consent(who, pos_ffi.Channel.MARKETING_EMAIL, pos_ffi.ConsentState.GRANTED, pos_ffi.ConsentSource.WEB)
    clock.millis += 1_000
    register.set_consent(who, pos_ffi.Channel.MARKETING_EMAIL, pos_ffi.ConsentState.WITHDRAWN, pos_ffi.ConsentSource.UNSUBSCRIBE)
    by_channel = {c.channel: c for c in register.consents(who)}
    assert by_channel[pos_ffi.Channel.EMAIL_RECEIPT].state == pos_ffi.ConsentState.GRANTED
    marketing = by_channel[pos_ffi.Channel.MARKETING_EMAIL]
    assert (marketing.state, marketing.source, marketing.at_millis) == (pos_ffi.ConsentState.WITHDRAWN, "unsubscribe", T0 + 2_000)
    assert pos_ffi.Channel.SMS_RECEIPT not in by_channel


def test_rgpd_export_then_erasure(register):
    who = register.create_customer("Jeanne", "Martin", "jeanne@example.org")
    register.set_consent(who, pos_ffi.Channel.EMAIL_RECEIPT, pos_ffi.ConsentState.GRANTED, pos_ffi.ConsentSource.PAPER)
    sell(register, ring_up(register), (CARD, "26.20"), customer=who)
    export = register.export_customer(who)
    doc = json.loads(export)
    assert "jeanne@example.org" in export
    assert "Jeanne" in export
    assert "26.20" in export, "the purchase is part of the export"
    assert doc["customer"], doc

    assert register.erase_customer(who, "manager") is True
    assert register.erase_customer(who, "manager") is False
    after = register.export_customer(who)
    assert "jeanne@example.org" not in after
    assert "Jeanne" not in after
    [consent] = register.consents(who)
    assert (consent.state, consent.source) == (pos_ffi.ConsentState.WITHDRAWN, "erasure")
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        register.set_consent(who, pos_ffi.Channel.SMS_RECEIPT, pos_ffi.ConsentState.GRANTED, pos_ffi.ConsentSource.IN_STORE)
    assert (e.value.code, e.value.detail) == ("customer_erased", "the customer was erased")
    # The fiscal journal is untouched by the erasure.
    assert register.verify().intact


def test_unknown_customer_is_a_store_error(register):
    with pytest.raises(pos_ffi.PosError.Store) as e:
        register.export_customer("0192f3a0-0000-7000-8000-00000000dead")
    assert e.value.code == "not_found"
    assert e.value.detail == "no customer `0192f3a0-0000-7000-8000-00000000dead`"


def test_loyalty_points_are_earned_and_a_reward_burns_them(register):
    register.set_loyalty_program_json(json.dumps(PROGRAM))
    who = register.create_customer("Jeanne", None, None)
    sell(register, ring_up(register), (CARD, "26.20"), customer=who)
    assert register.loyalty_balance(who) == 26
    reward = register.redeem_loyalty_reward(who, "coffee", "0192f3a0-0000-7000-8000-0000000000c0")
    assert reward == pos_ffi.LoyaltyReward(id="coffee", name="Free coffee", cost=10, gives="amount_off:2.00")
    assert register.loyalty_balance(who) == 16
    # The same operation again (a retry) burns nothing more.
    register.redeem_loyalty_reward(who, "coffee", "0192f3a0-0000-7000-8000-0000000000c0")
    assert register.loyalty_balance(who) == 16
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        register.redeem_loyalty_reward(who, "hamper", None)
    assert e.value.code == "insufficient_points"
    assert e.value.detail == "insufficient points: balance 16, requested 500"
    assert register.loyalty_balance(who) == 16
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        register.redeem_loyalty_reward(who, "no-such-reward", None)
    assert (e.value.code, e.value.detail) == ("unknown_reference", "unknown reward `no-such-reward`")


def test_loyalty_program_input_and_switching_off(register):
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        register.set_loyalty_program_json('{"points_per_unit": 1}')
    assert e.value.code == "invalid_input"
    assert e.value.detail == "invalid loyalty program: expected a LoyaltyProgram JSON document"
    register.set_loyalty_program_json(None)
    who = register.create_customer(None, "Martin", None)
    sell(register, ring_up(register), (CARD, "26.20"), customer=who)
    assert register.loyalty_balance(who) == 0
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        register.redeem_loyalty_reward(who, "coffee", None)
    assert e.value.code == "precondition"
