"""Card references (issue 14): a card payment with the processor's reference
prints its masked number and authorisation code on the receipt, and a refund
of it carries the pointer to the original charge."""

import json

import pytest

import pos_ffi


def card_sale(register):
    register.set_setting("trader_name", "Boulangerie Test", "alice")
    register.set_setting("siret", "404 833 048 00022", "alice")
    cart = register.new_cart()
    register.scan(cart, "2000000001012")  # a baguette, 1.30
    payment = register.start_payment(cart, None)
    charge = pos_ffi.CardReference(
        processor_reference="pi_3PqRsT2eZvKYlo2C",
        authorisation_code="123456",
        masked_pan="497010******1234",
        scheme="CB",
        entry_mode="contactless",
    )
    payment.add_card(pos_ffi.TenderMethod.CARD(), "1.30", charge)
    opts = pos_ffi.SaleOptions(operator="alice", customer=None, training=False, ticket_id=None)
    return register.complete_sale(cart, payment, opts)


def test_card_reference_round_trip_to_receipt_and_refund(register):
    sale = card_sale(register)
    card = json.loads(sale.ticket_json())["payments"][0]["card"]
    assert card["processor_reference"] == "pi_3PqRsT2eZvKYlo2C"
    text = register.preview_receipt("T", sale.number(), pos_ffi.ReceiptFormat.TEXT).bytes.decode()
    assert "CB **** **** **** 1234" in text
    assert "AUTO 123456 SANS CONTACT" in text
    assert "497010" not in text

    refunds = register.refund_card_references(sale.ticket_id())
    assert len(refunds) == 1
    assert refunds[0].charged == "1.30"
    pointer = refunds[0].card
    assert pointer.original_reference == "pi_3PqRsT2eZvKYlo2C"
    assert pointer.processor_reference is None
    cart = register.refund_cart(sale.ticket_id(), "alice", True)
    payment = register.start_payment(cart, None)
    payment.add_card(pos_ffi.TenderMethod.CARD(), payment.remaining(), pointer)
    opts = pos_ffi.SaleOptions(operator="alice", customer=None, training=False, ticket_id=None)
    refund = register.complete_sale(cart, payment, opts)
    paid_back = json.loads(refund.ticket_json())["payments"][0]
    assert paid_back["card"]["original_reference"] == "pi_3PqRsT2eZvKYlo2C"
    text = register.preview_receipt("T", refund.number(), pos_ffi.ReceiptFormat.TEXT).bytes.decode()
    assert "Remb. de pi_3PqRsT2eZvKYlo2C" in text


def test_a_full_card_number_is_refused_and_not_repeated(register):
    cart = register.new_cart()
    register.scan(cart, "2000000001012")
    payment = register.start_payment(cart, None)
    full = pos_ffi.CardReference(processor_reference="pi_1", masked_pan="4970101234567899")
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        payment.add_card(pos_ffi.TenderMethod.CARD(), "1.30", full)
    assert e.value.code == "card_pan_not_masked"
    assert "4970101234567899" not in str(e.value)
    bad = pos_ffi.CardReference(processor_reference="pi_1", authorisation_code="12 34")
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        payment.add_card(pos_ffi.TenderMethod.CARD(), "1.30", bad)
    assert e.value.code == "invalid_card_reference"
    assert "authorisation_code" in e.value.detail
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        payment.add_card(pos_ffi.TenderMethod.CASH(), "1.30", pos_ffi.CardReference(processor_reference="pi_1"))
    assert e.value.code == "card_reference_not_allowed"
    assert payment.remaining() == "1.30"
