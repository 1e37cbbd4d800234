"""Across the retailer's stores through the real `pos sync-server`, carried
by the app's HTTP stack: an exchange and a refund at Lyon of a ticket sold
at Paris (found through the server, reserved there, limited by what every
till took back), the offline policy, and the chain queries (customers,
history, stock of every store, a transfer, an order in another store).
Needs POS_BIN (run-tests.sh builds `pos` and sets it)."""

import json
import subprocess
import time
import uuid

import pytest

import pos_ffi
from conftest import FixedClock, merchant_settings, sell
from test_sync_server import UrllibTransport, server  # noqa: F401  (fixture)

CARD = pos_ffi.TenderMethod.CARD()
TSHIRT_M = "3760123002523"
TSHIRT_L = "3760123002660"


@pytest.fixture
def clock():
    """Now: the server checks a refund request's signed time against its own."""
    return FixedClock(int(time.time() * 1000))


def backoffice(srv, *args):
    out = subprocess.run(
        [srv.binary, "backoffice", args[0], "--db", str(srv.db), *args[1:]],
        check=True, capture_output=True, text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def till(tmp_path, clock, store, seed):
    cfg = pos_ffi.RegisterConfig(store=store, register="till-1", location="shop")
    reg = pos_ffi.Register.open_with_settings(
        str(tmp_path / f"{store}.sqlite"), cfg, merchant_settings(), "manager", clock, None, seed)
    reg.import_catalog_json(pos_ffi.sample_catalog_json())
    return reg


@pytest.fixture
def stores(tmp_path, clock, server):  # noqa: F811
    """Paris sold two M T-shirts to a known customer and synced; Lyon is
    enrolled and synced."""
    http = UrllibTransport(server.url)
    paris = till(tmp_path, clock, "paris-11", 1)
    paris.enroll_sync(server.code, None, http)
    backoffice(server, "add-store", "--retailer", "r1", "--store", "lyon")
    code = backoffice(server, "enrolment-code", "--retailer", "r1", "--store", "lyon")["code"]
    lyon = till(tmp_path, clock, "lyon", 2)
    lyon.enroll_sync(code, None, http)

    helene = paris.create_customer("Hélène", "Dupré", "helene@example.org")
    paris.receive_stock("TSHIRT-L-BLANC", "10", "alice", "BL-1")
    cart = paris.new_cart()
    cart.set_quantity(paris.scan(cart, TSHIRT_M), "2")
    sale = sell(paris, cart, (CARD, "39.80"), customer=helene)
    paris.sync_enrolled(http)
    lyon.sync_enrolled(http)
    return paris, lyon, http, sale, helene


def complete(reg, cart, key, *tenders):
    payment = reg.start_payment(cart, None)
    for method, amount in tenders:
        payment.add(method, amount)
    opts = pos_ffi.SaleOptions(operator="boss", customer=None, training=False, ticket_id=key)
    return reg.complete_sale(cart, payment, opts)


def test_exchange_and_refund_at_another_store_through_the_server(stores):
    paris, lyon, http, sale, _ = stores
    found = lyon.find_original("paris-11/till-1/T1", http)
    assert (found.store(), found.register(), found.number()) == ("paris-11", "till-1", "T1")
    assert (found.ticket_id(), found.verified(), found.gift()) == (sale.ticket_id(), True, False)
    assert [(l.line, l.sku, l.quantity, l.refundable) for l in found.lines()] == [
        (1, "TSHIRT-M-BLANC", "2", "2")]

    # An M for an L: the returned M reserved on the server, balance 0.
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        lyon.exchange_cart_from(found, [pos_ffi.RefundLine(line=1, quantity="1")], "alice", False)
    assert e.value.code == "permission_required"
    swap = lyon.exchange_cart_from(found, [pos_ffi.RefundLine(line=1, quantity="1")], "boss", True)
    lyon.scan(swap, TSHIRT_L)
    assert swap.total() == "0.00"
    key = str(uuid.uuid4())
    held = lyon.reserve_refund(found, swap, key, http)
    assert (held.ticket_id, held.lines) == (sale.ticket_id(), [pos_ffi.RefundLine(line=1, quantity="1")])
    assert held.reservation and held.expires_at_millis > 0
    done = complete(lyon, swap, key)
    receipt = lyon.receipt(done, pos_ffi.ReceiptFormat.TEXT, "epson-tm-t20").decode()
    assert "paris-11/till-1/T1" in receipt
    lyon.sync_enrolled(http)

    # The last one refunded, then nothing is left anywhere.
    again = lyon.find_original(sale.ticket_id(), http)
    assert [l.refundable for l in again.lines()] == ["1"]
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        lyon.refund_cart_from(again, [pos_ffi.RefundLine(line=1, quantity="2")], "boss", True)
    assert e.value.code == "refund_exceeds_remaining"
    refund = lyon.refund_cart_from(again, None, "boss", True)
    assert refund.total() == "-19.90"
    key = str(uuid.uuid4())
    lyon.reserve_refund(again, refund, key, http)
    back = complete(lyon, refund, key, (CARD, "19.90"))
    assert back.total() == "-19.90"
    lyon.sync_enrolled(http)

    for reg in (lyon, paris):
        left = reg.find_original("paris-11/till-1/T1", http)
        assert [l.refundable for l in left.lines()] == ["0"]
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        paris.refund_cart_from(left, [pos_ffi.RefundLine(line=1, quantity="1")], "boss", True)
    assert e.value.code == "refund_exceeds_remaining"
    assert lyon.verify().intact and paris.verify().intact


def test_offline_a_refund_follows_the_retailers_policy(stores):
    _, lyon, http, sale, _ = stores
    lyon.find_original(sale.ticket_id(), http)  # looked up once, online
    dead = UrllibTransport("http://127.0.0.1:9")
    found = lyon.find_original(sale.ticket_id(), dead)
    assert (found.verified(), found.store()) == (False, "paris-11")
    assert lyon.offline_refund_policy() == "refuse"
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        lyon.check_offline_refund(found, "boss", True)
    assert e.value.code == "offline_refund_refused"
    lyon.set_offline_refund_policy("manager_approval", "boss")
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        lyon.check_offline_refund(found, "alice", False)
    assert e.value.code == "offline_refund_refused"
    lyon.check_offline_refund(found, "boss", True)
    with pytest.raises(pos_ffi.PosError.Cart):
        lyon.set_offline_refund_policy("sometimes", "boss")
    with pytest.raises(pos_ffi.PosError.Sync):
        lyon.find_original("not a reference at all", http)


def test_chain_queries_from_another_store(stores):
    paris, lyon, http, sale, helene = stores
    found = lyon.search_customers_online("dupre", http)
    assert [(c.customer.id, c.customer.email, c.points) for c in found] == [
        (helene, "helene@example.org", 0)]
    assert [c.id for c in lyon.find_customers("helene@example.org")] == [helene]
    with pytest.raises(pos_ffi.PosError):
        lyon.search_customers_online("  ", http)

    history = lyon.customer_history(helene, http)
    assert [(t.store, t.register, t.number, t.total) for t in history] == [
        ("paris-11", "till-1", "T1", "39.8")]
    assert [(l.label, l.quantity) for l in history[0].lines] == [
        ("T-shirt coton bio logo boutique (M, Blanc)", "2")]

    def available(sku):
        return {(s.store, s.location): s.available for s in lyon.stock_in_stores(sku, http)}

    assert available("TSHIRT-L-BLANC") == {("paris-11", "shop"): "10"}
    moved = lyon.start_transfer("TSHIRT-L-BLANC", "paris-11", "shop", "lyon", "shop", "4", http)
    assert (moved.state, moved.store) == ("created", "lyon")
    assert available("TSHIRT-L-BLANC") == {("paris-11", "shop"): "6", ("lyon", "shop"): "4"}
    with pytest.raises(pos_ffi.PosError.Sync) as e:
        lyon.start_transfer("TSHIRT-L-BLANC", "paris-11", "shop", "lyon", "shop", "50", http)
    assert e.value.code == "insufficient_stock"

    order = lyon.order_in_store(
        "paris-11", "shop", [pos_ffi.SkuQuantity(sku="TSHIRT-L-BLANC", quantity="2")], None, http)
    assert (order.store, order.state) == ("paris-11", "received")
    assert available("TSHIRT-L-BLANC")[("paris-11", "shop")] == "4"
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        lyon.order_in_store("paris-11", "shop", [], None, http)
    assert e.value.code == "invalid_input"


def test_chain_queries_need_an_enrolled_till(register):
    http = UrllibTransport("http://127.0.0.1:9")
    with pytest.raises(pos_ffi.PosError.Sync) as e:
        register.stock_in_stores("BAG-TRAD", http)
    assert e.value.code == "invalid"
    with pytest.raises(pos_ffi.PosError.Store) as e:
        register.find_original("till-1/T1", None)  # none sold yet
    assert e.value.code == "not_found"
