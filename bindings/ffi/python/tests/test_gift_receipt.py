"""Gift receipts through the binding: the sale's items without any price,
the GIFT- code printed and read back, chosen lines, refusals with their
code (nothing recorded), and the print never counted as a duplicate."""

import pytest

import pos_ffi
from conftest import ring_up, sell


def merchant(register):
    s = register.settings()
    s.trader_name = "Fromagerie Bellecour"
    s.siret = "404 833 048 00022"
    return s


def test_gift_receipt_has_no_price_and_is_not_a_duplicate(register):
    register.set_settings(merchant(register), "manager")
    sale = sell(register, ring_up(register), (pos_ffi.TenderMethod.CASH(), "26.20"))
    gift = register.gift_receipt(sale.ticket_id(), None, pos_ffi.ReceiptFormat.TEXT, "alice")
    text = gift.bytes.decode()
    assert gift.code == "GIFT-" + sale.ticket_id()
    assert gift.event.startswith("E")
    assert "TICKET CADEAU" in text and gift.code in text and "Comté" in text
    for absent in ("€", "26,20", "24,90", "TOTAL", "DUPLICATA"):
        assert absent not in text
    assert pos_ffi.gift_code_ticket_id(" " + gift.code.lower() + "\n") == sale.ticket_id()
    # The priced ticket's first print is still the original.
    assert register.print_stored_receipt("T", 1, pos_ffi.ReceiptFormat.TEXT, "alice").kind == "sale"
    assert register.verify().intact


def test_chosen_lines_and_refusals(register):
    register.set_settings(merchant(register), "manager")
    sale = sell(register, ring_up(register), (pos_ffi.TenderMethod.CASH(), "26.20"))
    one = register.gift_receipt(sale.ticket_id(), [2], pos_ffi.ReceiptFormat.TEXT, "alice")
    assert "Comté" in one.bytes.decode() and "Baguette" not in one.bytes.decode()
    for lines in ([0], [3], [1, 1], []):
        with pytest.raises(pos_ffi.PosError.Cart) as e:
            register.gift_receipt(sale.ticket_id(), lines, pos_ffi.ReceiptFormat.TEXT, "alice")
        assert e.value.code == "invalid_input"
    with pytest.raises(pos_ffi.PosError) as e:
        pos_ffi.gift_code_ticket_id("T42")
    assert e.value.code == "invalid_id"
