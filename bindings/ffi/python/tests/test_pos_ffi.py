"""The Python binding surface: values cross as strings / ints, errors come
back as PosError subclasses, app objects plug in as foreign traits."""

import struct
import zlib

import pytest

import pos_ffi
from conftest import T0, FixedClock, config, options, sell


def chunk_data(png, kind):
    """The data of every PNG chunk of `kind`."""
    pos = 8
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        if png[pos + 4 : pos + 8] == kind:
            yield png[pos + 8 : pos + 8 + length]
        pos += 12 + length


def ring_up(register):
    cart = register.new_cart()
    register.scan(cart, "2000000001012")  # baguette 1.30
    register.scan(cart, "3760123000352")  # Comté 1 kg 24.90
    return cart


def test_sale_is_completed_with_decimal_strings(register):
    cart = ring_up(register)
    assert cart.total() == "26.20"
    lines = cart.lines()
    assert len(lines) == 2
    assert lines[1].sku == "COMTE-18"
    assert lines[0].unit_price == "1.30"
    payment = register.start_payment(cart, None)
    payment.add(pos_ffi.TenderMethod.CARD(), "20.00")
    assert payment.remaining() == "6.20"
    payment.add(pos_ffi.TenderMethod.CASH(), "10")
    sale = register.complete_sale(cart, payment, options())
    assert sale.number() == 1
    assert sale.series() == "T"
    assert sale.change() == "3.80"
    assert sale.at_millis() == T0
    assert len(sale.signature_extract()) == 4



def test_idle_seal_signs_the_head_once(register):
    cart = ring_up(register)
    payment = register.start_payment(cart, None)
    payment.add(pos_ffi.TenderMethod.CARD(), "26.20")
    register.complete_sale(cart, payment, options())
    # the sale's record is beyond the signed head until the till seals it
    assert register.seal() is True
    assert register.seal() is False
    assert register.verify().intact

def test_quantity_and_line_removal(register):
    cart = register.new_cart()
    line = register.scan(cart, "2000000001012")
    cart.set_quantity(line, "3")
    assert cart.total() == "3.90"
    cart.remove_line(line)
    assert cart.is_empty()


def test_receipt_text_png_and_printer_transport(shop):
    register = shop
    cart = ring_up(register)
    payment = register.start_payment(cart, None)
    payment.add(pos_ffi.TenderMethod.CARD(), "26.20")
    sale = register.complete_sale(cart, payment, options())
    text = register.receipt(sale, pos_ffi.ReceiptFormat.TEXT, "epson-tm-t20").decode()
    assert "Boulangerie Test" in text
    assert "26,20" in text
    png = register.receipt(sale, pos_ffi.ReceiptFormat.PNG, "epson-tm-t20")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth = struct.unpack(">IIB", png[16:25])
    assert (width, depth) == (512, 1)  # the profile's dot width, 1 bit per pixel
    assert height > width
    narrow = register.receipt(sale, pos_ffi.ReceiptFormat.PNG, "generic-58mm")
    assert struct.unpack(">I", narrow[16:20]) == (352,)
    # Something is printed: a blank page would hold only filter bytes and
    # all-white (or all-zero, filtered) rows.
    pixels = zlib.decompress(b"".join(chunk_data(png, b"IDAT")))
    assert len(pixels) == height * (1 + width // 8)
    assert len(set(pixels)) > 4

    class Paper(pos_ffi.PrinterTransport):
        def __init__(self):
            self.bytes = b""

        def write(self, data):
            self.bytes += data

    paper = Paper()
    register.print_receipt(sale, "epson-tm-t20", paper)
    assert paper.bytes.startswith(b"\x1b@")
    with pytest.raises(pos_ffi.PosError.Device):
        register.receipt(sale, pos_ffi.ReceiptFormat.TEXT, "no-such-printer")


def test_refund_close_day_verify_and_fec(register, clock):
    cart = ring_up(register)
    payment = register.start_payment(cart, None)
    payment.add(pos_ffi.TenderMethod.CASH(), "30")
    sale = register.complete_sale(cart, payment, options())
    clock.millis += 60_000
    refund = register.refund_cart(sale.ticket_id(), "alice", True)
    assert refund.total() == "-26.20"
    pay_back = register.start_payment(refund, None)
    pay_back.add(pos_ffi.TenderMethod.CASH(), "26.20")
    done = register.complete_sale(refund, pay_back, options())
    assert done.total() == "-26.20"
    assert register.close_day("alice") == ["Z 1"]
    report = register.verify()
    assert report.intact, report.defects
    assert report.signatures_checked >= 4
    fec = register.export_fec("123456789", "alice")
    assert fec.name.startswith("123456789FEC")
    assert isinstance(fec.bytes, bytes)


def test_errors_are_typed_and_change_nothing(register):
    cart = register.new_cart()
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        register.scan(cart, "0000000000000")
    assert e.value.code
    assert cart.is_empty()
    line = register.scan(cart, "2000000001012")
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        cart.set_quantity(line, "two")
    assert e.value.code == "invalid_input"
    assert str(e.value.detail) == "invalid quantity `two`: expected a decimal such as 12.50"
    assert cart.total() == "1.30"
    with pytest.raises(pos_ffi.PosError.Device):
        pos_ffi.describe_barcode("not a barcode", 2026)


def test_catalog_is_required_first(tmp_path, clock):
    reg = pos_ffi.Register.open(str(tmp_path / "t.sqlite"), config(), clock, None, 2)
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        reg.scan(reg.new_cart(), "2000000001012")
    assert e.value.code == "precondition"


def test_file_of_another_register_is_a_store_error(tmp_path, clock):
    path = str(tmp_path / "t.sqlite")
    pos_ffi.Register.open(path, config(), clock, None, 3)
    other = pos_ffi.RegisterConfig(store="paris-11", register="till-2", location="shop")
    with pytest.raises(pos_ffi.PosError.Store) as e:
        pos_ffi.Register.open(path, other, clock, None, 3)
    assert e.value.code == "wrong_register"


def test_a_rust_panic_comes_back_as_an_internal_error(register):
    with pytest.raises(pos_ffi.PosError.Internal) as e:
        pos_ffi.trigger_panic_for_tests()
    assert e.value.code == "panic"
    # The library is still usable afterwards.
    assert register.verify().intact


def test_a_clock_that_throws_is_an_error_not_a_crash(tmp_path):
    class BrokenClock(pos_ffi.Clock):
        def now_millis(self):
            raise RuntimeError("clock unavailable")

    with pytest.raises(pos_ffi.PosError.Internal):
        pos_ffi.Register.open(str(tmp_path / "t.sqlite"), config(), BrokenClock(), None, 4)


def test_barcode_description():
    info = pos_ffi.describe_barcode("3760123000352", 2026)
    assert info.kind == "ean13"
    assert info.valid
    assert info.gtin14 == "03760123000352"
    label = pos_ffi.describe_barcode("2501001003475", 2026)
    assert label.kind == "ean13"


def test_customer_and_loyalty(register):
    customer = register.create_customer("Jeanne", "Martin", None)
    assert len(customer) == 36
    assert register.loyalty_balance(customer) == 0


def test_foreign_signer_signs_the_journal(tmp_path, clock):
    ec = pytest.importorskip("cryptography.hazmat.primitives.asymmetric.ec")
    hashes = pytest.importorskip("cryptography.hazmat.primitives.hashes")
    serialization = pytest.importorskip("cryptography.hazmat.primitives.serialization")

    class SoftKeystore(pos_ffi.Signer):
        """Stands for the Secure Enclave / Android Keystore: DER signatures."""

        def __init__(self):
            self.key = ec.generate_private_key(ec.SECP256R1())
            self.calls = 0

        def sign(self, message):
            self.calls += 1
            return self.key.sign(message, ec.ECDSA(hashes.SHA256()))

        def public_key_sec1(self):
            return self.key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )

    key = SoftKeystore()
    reg = pos_ffi.Register.in_memory(config(), clock, key, 5)
    reg.import_catalog_json(pos_ffi.sample_catalog_json())
    cart = ring_up(reg)
    payment = reg.start_payment(cart, None)
    payment.add(pos_ffi.TenderMethod.CARD(), "26.20")
    reg.complete_sale(cart, payment, options())
    assert key.calls >= 2
    report = reg.audit("alice")
    assert report.intact, report.defects


def test_a_keystore_that_refuses_is_a_fiscal_error(tmp_path, clock):
    class LockedKeystore(pos_ffi.Signer):
        def sign(self, message):
            raise pos_ffi.PosError.Device("locked", "keystore locked")

        def public_key_sec1(self):
            return bytes([4]) + bytes(64)

    with pytest.raises(pos_ffi.PosError.Fiscal):
        pos_ffi.Register.in_memory(config(), clock, LockedKeystore(), 6)


def test_cash_session_closes_with_the_day(register):
    register.open_cash_session("alice", "100.00")
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        register.open_cash_session("alice", "50")
    assert e.value.code == "already_open"
    cart = ring_up(register)
    payment = register.start_payment(cart, None)
    payment.add(pos_ffi.TenderMethod.CASH(), "26.20")
    register.complete_sale(cart, payment, options())
    close = register.close_session_and_day("alice", "126.20")
    assert close.difference == "0.00"
    assert close.closures == ["Z 1"]


class RecordingTransport(pos_ffi.SyncTransport):
    """The app's HTTP stack pointed at a server that is down (HTTP 503)."""

    def __init__(self, status=503, fail=False):
        self.requests = []
        self.status = status
        self.fail = fail

    def send(self, request):
        self.requests.append(request)
        if self.fail:
            raise ConnectionError("network unreachable")
        return pos_ffi.HttpResponse(status=self.status, body=b'{"error":"unavailable"}')


def test_sync_requests_go_through_the_app_transport(register):
    cart = ring_up(register)
    payment = register.start_payment(cart, None)
    payment.add(pos_ffi.TenderMethod.CARD(), "26.20")
    register.complete_sale(cart, payment, options())
    pending = register.sync_pending()
    assert pending >= 1
    transport = RecordingTransport()
    with pytest.raises(pos_ffi.PosError.Sync):
        register.sync("till-1", b"enrolment-secret", transport)
    assert transport.requests, "the protocol sent nothing"
    first = transport.requests[0]
    assert first.method in ("GET", "POST")
    assert first.path.startswith("/")
    assert all(h.name == h.name.lower() for h in first.headers)
    # Nothing was acknowledged: the events are still pending.
    assert register.sync_pending() == pending


def test_a_failing_transport_is_a_sync_error(register):
    with pytest.raises(pos_ffi.PosError.Sync):
        register.sync("till-1", b"enrolment-secret", RecordingTransport(fail=True))


def test_day_report_and_reprint(shop):
    register = shop
    cart = ring_up(register)
    payment = register.start_payment(cart, None)
    payment.add(pos_ffi.TenderMethod.CARD(), "26.20")
    sale = register.complete_sale(cart, payment, options())
    report = register.day_report("2026-03-14")
    assert (report.sales_count, report.net_total) == (1, "26.20")
    assert [t.amount for t in report.by_tender] == ["26.20"]
    copy = register.reprint(sale, "alice", pos_ffi.ReceiptFormat.TEXT, "epson-tm-t20").decode()
    assert "duplicata" in copy.lower()
    with pytest.raises(pos_ffi.PosError.Cart):
        register.day_report("14/03/2026")


def test_order_for_collection_moves_through_its_statuses(register):
    line = pos_ffi.OrderLine(sku="BAG-TRAD", label="Baguette tradition", quantity="2", amount="2.60")
    pickup = T0 + 4 * 3_600_000
    assert register.receive_order("web-1", [line], pickup, "pay-123") == "received"
    assert register.accept_order("web-1", "alice") == "accepted"
    assert register.start_preparing_order("web-1", "alice") == "preparing"
    assert register.mark_order_ready("web-1", "alice") == "ready"
    [entry] = register.pickup_list()
    assert (entry.order, entry.pickup_at_millis, entry.paid) == ("web-1", pickup, True)
    with pytest.raises(pos_ffi.PosError.Cart):
        register.receive_order("web-2", [], pickup, None)


def test_promotions_run_in_the_cart_and_a_coupon_applies(register):
    # The sample promotions; 2026-03-14 is a Saturday (cheese -20 %).
    assert register.import_promotions_json(pos_ffi.sample_promotions_json()) == 6
    cart = register.new_cart()
    for _ in range(3):
        register.scan(cart, "2000000002019")  # croissant 1.20: 3 for 3.00
    register.scan(cart, "3760123000352")  # Comté 24.90 -20 % = 19.92
    assert [line.amount for line in cart.lines()] == ["1.00", "1.00", "1.00", "19.92"]
    assert cart.total() == "22.92"
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        cart.add_coupon("NOPE")
    assert (e.value.code, e.value.detail) == ("coupon_unknown", "no promotion has the coupon code `NOPE`")
    assert cart.add_coupon("BIENVENUE10") is None
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        cart.add_coupon(" bienvenue10 ")
    assert e.value.code == "coupon_duplicate"
    assert cart.total() == "20.63"  # 22.92 - 10 % = 20.628
    payment = register.start_payment(cart, None)
    payment.add(pos_ffi.TenderMethod.CARD(), "20.63")
    assert register.complete_sale(cart, payment, options()).total() == "20.63"
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        register.import_promotions_json("[{]")
    assert e.value.code == "invalid_json"
    # All or nothing: the promotions in force are still the sample's.
    again = register.new_cart()
    register.scan(again, "3760123000352")
    assert again.total() == "19.92"


def test_partial_refund_of_chosen_lines_then_the_rest(register, clock):
    sale = sell(register, ring_up(register), (pos_ffi.TenderMethod.CASH(), "30"))
    clock.millis += 60_000
    # Lines are numbered from 1, as the sale's cart lines were.
    assert [line.id for line in ring_up(register).lines()] == [1, 2]
    comte = pos_ffi.RefundLine(line=2, quantity="1")
    cart = register.partial_refund_cart(sale.ticket_id(), [comte], "alice", True)
    [line] = cart.lines()
    assert (line.sku, line.quantity, line.amount) == ("COMTE-18", "-1", "-24.90")
    assert cart.total() == "-24.90"
    # The amount owed back is positive, and so is the tender that pays it.
    pay_back = register.start_payment(cart, None)
    assert pay_back.remaining() == "24.90"
    with pytest.raises(pos_ffi.PosError.Cart):
        pay_back.add(pos_ffi.TenderMethod.CASH(), "-24.90")
    pay_back.add(pos_ffi.TenderMethod.CASH(), "20")
    assert pay_back.remaining() == "4.90"
    pay_back.add(pos_ffi.TenderMethod.CASH(), "4.90")
    assert pay_back.remaining() == "0.00"
    assert register.complete_sale(cart, pay_back, options()).total() == "-24.90"
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        register.partial_refund_cart(sale.ticket_id(), [comte], "alice", True)
    assert (e.value.code, e.value.detail) == (
        "refund_exceeds_refundable",
        "original line 2: refund of 1 exceeds the 0 still refundable",
    )
    for bad in (0, 3):
        with pytest.raises(pos_ffi.PosError.Cart) as e:
            register.partial_refund_cart(sale.ticket_id(), [pos_ffi.RefundLine(line=bad, quantity="1")], "alice", True)
        assert e.value.code == "unknown_original_line"
        assert e.value.detail == f"line {bad} is not a refundable line of ticket {sale.ticket_id()}: its lines are numbered 1 to 2"
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        register.partial_refund_cart(sale.ticket_id(), [pos_ffi.RefundLine(line=1, quantity="-1")], "alice", True)
    assert e.value.code != "unknown_original_line"
    for refund in (
        lambda: register.partial_refund_cart(sale.ticket_id(), [pos_ffi.RefundLine(line=1, quantity="1")], "bob", False),
        lambda: register.refund_cart(sale.ticket_id(), "bob", False),
    ):
        with pytest.raises(pos_ffi.PosError.Cart) as e:
            refund()
        assert (e.value.code, e.value.detail) == (
            "permission_required",
            "refunding a ticket needs the `return` permission (a manager's right)",
        )
    # What is left to refund: the baguette.
    assert register.refund_cart(sale.ticket_id(), "alice", True).total() == "-1.30"


def test_month_closure_and_the_fiscal_archive(register, clock):
    sell(register, ring_up(register), (pos_ffi.TenderMethod.CARD(), "26.20"))
    with pytest.raises(pos_ffi.PosError.Fiscal) as e:
        register.close_month(2026, 3, "alice")
    assert e.value.detail == "period 2026-03 is in the future"
    assert register.close_day("alice") == ["Z 1"]
    clock.millis += 20 * 86_400_000  # 2026-04-03
    made = register.close_month(2026, 3, "alice")
    assert len(made) == 1 and made[0].startswith("Z ")
    archive = register.archive("2026-03-14", "2026-03-31", "alice")
    assert archive.file_name == "till-1_2026-03-14_2026-03-31.tar"
    assert archive.bytes[257:262] == b"ustar"
    assert (archive.intact, archive.record) == (True, "A 1")
    assert len(archive.manifest_sha256) == 64
    with pytest.raises(pos_ffi.PosError.Fiscal) as e:
        register.archive("2026-03-14", "2026-12-31", "alice")
    assert e.value.detail == "archive period is invalid: an archive never covers the future"
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        register.archive("14/03/2026", "2026-03-31", "alice")
    assert e.value.detail == "invalid from: expected a date such as 2026-03-14"
    assert register.verify().intact


def test_receipts_of_stored_tickets_after_a_restart(tmp_path, clock):
    path = str(tmp_path / "till.sqlite")
    first = pos_ffi.Register.open(path, config(), clock, None, 9)
    first.import_catalog_json(pos_ffi.sample_catalog_json())
    first.set_setting("trader_name", "Boulangerie Test", "alice")
    first.set_setting("siret", "404 833 048 00022", "alice")
    sell(first, ring_up(first), (pos_ffi.TenderMethod.CARD(), "26.20"))
    del first
    reg = pos_ffi.Register.open(path, config(), clock, None, 10)
    preview = reg.preview_receipt("T", 1, pos_ffi.ReceiptFormat.TEXT)
    assert preview.kind == "sale"
    assert "Ticket n° T1" in preview.bytes.decode()
    kinds = [reg.print_stored_receipt("T", 1, pos_ffi.ReceiptFormat.TEXT, "alice").kind for _ in range(3)]
    assert kinds == ["sale", "duplicate 1", "duplicate 2"]
    assert "DUPLICATA" in reg.print_stored_receipt("T", 1, pos_ffi.ReceiptFormat.TEXT, "alice").bytes.decode()
    with pytest.raises(pos_ffi.PosError.Store) as e:
        reg.preview_receipt("T", 9, pos_ffi.ReceiptFormat.TEXT)
    assert e.value.detail == "no ticket `T9`"
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        reg.preview_receipt("Q", 1, pos_ffi.ReceiptFormat.TEXT)
    assert e.value.detail == "invalid series: expected a series code such as T"
    assert reg.verify().intact
