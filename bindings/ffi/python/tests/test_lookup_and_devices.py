"""Catalog lookup (a price check that touches no cart), stock levels, and the
device adapters: the drawer kicked through the printer transport and the
customer display behind the app's own transport."""

import pytest

import pos_ffi
from conftest import T0, ring_up, sell


def test_lookup_reads_barcodes_scale_labels_and_skus(register):
    comte = register.lookup("3760123000352")
    assert (comte.sku, comte.unit_price, comte.vat_rate, comte.unit) == ("COMTE-18", "24.90", "5.5", "kilogram")
    assert "fromages" in comte.categories
    assert comte.meal_voucher_eligible
    # A scale label carries its weight: 0.347 kg.
    assert register.lookup("2501001003475").carried == "weight:0.347"
    assert register.lookup("CROISSANT") == register.lookup("PLU-201")
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        register.lookup("0000000000000")
    assert e.value.code == "unknown_barcode"


def test_stock_level_follows_sales_and_reservations(register):
    assert register.stock_level("BAG-TRAD") == pos_ffi.StockLevel(on_hand="0", reserved="0", available="0")
    sell(register, ring_up(register), (pos_ffi.TenderMethod.CARD(), "26.20"))
    assert register.stock_level("BAG-TRAD").on_hand == "-1"
    line = pos_ffi.OrderLine(sku="BAG-TRAD", label="Baguette tradition", quantity="2", amount="2.60")
    register.receive_order("web-30", [line], T0 + 3_600_000, None)
    register.accept_order("web-30", "alice")
    assert register.stock_level("BAG-TRAD") == pos_ffi.StockLevel(on_hand="-1", reserved="2", available="-3")


class Port(pos_ffi.DisplayTransport, pos_ffi.PrinterTransport):
    """The app's serial / USB port: keeps what was written."""

    def __init__(self):
        self.bytes = b""

    def write(self, data):
        self.bytes += data


def test_the_drawer_is_kicked_through_the_printer_transport():
    port = Port()
    pos_ffi.open_drawer("epson-tm-t20", False, port)
    assert b"\x1bp\x00" in port.bytes  # ESC p, pin 2
    second = Port()
    pos_ffi.open_drawer("epson-tm-t20", True, second)
    assert b"\x1bp\x01" in second.bytes  # ESC p, pin 5
    with pytest.raises(pos_ffi.PosError.Device):
        pos_ffi.open_drawer("no-such-printer", False, Port())


def test_the_customer_display_shows_the_cart(register):
    port = Port()
    display = pos_ffi.CustomerDisplay(port, pos_ffi.DisplayCodePage.PC858)
    assert port.bytes == b"\x1b@\x1f\x01\x1bt\x13"  # reset, overwrite mode, PC858
    display.show_cart(ring_up(register))
    # Row 1: the last line (Comté, "é" in PC858); row 2: the total, "€" at 0xD5.
    assert port.bytes.endswith(b"\x1f$\x01\x01Comt\x82 AOP 18 24,90 \xd5\x1f$\x01\x02TOTAL        26,20 \xd5")
    display.clear()
    assert port.bytes.endswith(b"\x0c")


def test_a_display_port_that_fails_is_an_error_not_a_crash():
    class Unplugged(pos_ffi.DisplayTransport):
        def write(self, data):
            raise pos_ffi.PosError.Device("unplugged", "the display is unplugged")

    with pytest.raises(pos_ffi.PosError.Device) as e:
        pos_ffi.CustomerDisplay(Unplugged(), pos_ffi.DisplayCodePage.PC437)
    assert e.value.code == "device"


def test_stock_received_lost_transferred_and_counted(register):
    level = register.receive_stock("CROISSANT", "40", "alice", "BL-2026-031")
    assert level == pos_ffi.StockLevel(on_hand="40", reserved="0", available="40")
    assert register.record_loss("CROISSANT", "2", "alice", "burnt").on_hand == "38"
    assert register.transfer_stock("CROISSANT", "backroom", "8", "alice").on_hand == "30"
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        register.transfer_stock("CROISSANT", "backroom", "31", "alice")
    assert (e.value.code, e.value.detail) == (
        "insufficient_stock",
        "insufficient stock for SKU `CROISSANT` at `shop`: 30 available, 31 requested",
    )
    assert register.stock_level("CROISSANT").on_hand == "30"
    counted = [pos_ffi.StockCount(sku="CROISSANT", quantity="27"), pos_ffi.StockCount(sku="BAG-TRAD", quantity="0")]
    assert register.count_stock(counted, "alice") == 1
    assert register.stock_level("CROISSANT").on_hand == "27"
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        register.receive_stock("CROISSANT", "beaucoup", "alice", None)
    assert e.value.detail == "invalid quantity `beaucoup`: expected a decimal such as 12.50"
