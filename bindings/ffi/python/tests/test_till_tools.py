"""What the cashier does beside scanning, through the binding: product and
customer search, manual discounts with a reason, a price override, notes,
an exchange of a local ticket, and receipts printed from the till's signed
settings (one JET 270 when a till is set up with them)."""

import sqlite3

import pytest

import pos_ffi
from conftest import config, merchant_settings, ring_up, sell

CARD = pos_ffi.TenderMethod.CARD()
CASH = pos_ffi.TenderMethod.CASH()


def pct(v):
    return pos_ffi.Discount.PERCENT(value=v)


def amount(v):
    return pos_ffi.Discount.AMOUNT(value=v)


# --- search ---------------------------------------------------------------


def test_products_are_found_by_name_priced_now(register):
    hits = register.search_products("comte", 10)
    assert [h.sku for h in hits] == ["COMTE-18", "CRACKERS-COMTE"]
    assert (hits[0].label, hits[0].unit_price, hits[0].barcodes) == (
        "Comté AOP 18 mois", "24.90", ["3760123000352"])
    assert [h.sku for h in register.search_products("PAIN choc", 10)] == ["PAIN-CHOC"]
    assert len(register.search_products("comte", 1)) == 1
    assert register.search_products("introuvable", 10) == []


def test_customers_are_found_by_name_or_email_and_never_once_erased(register):
    helene = register.create_customer("Hélène", "Dupré", "helene@example.org")
    other = register.create_customer("Marc", "Durand", None)
    by_name = register.find_customers("dupre helene")
    assert [c.id for c in by_name] == [helene]
    assert (by_name[0].given_name, by_name[0].family_name, by_name[0].email) == (
        "Hélène", "Dupré", "helene@example.org")
    assert [c.id for c in register.find_customers("HELENE@example.org")] == [helene]
    assert [c.id for c in register.find_customers(other)] == [other]  # the card code
    assert register.find_customers("martin") == []
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        register.find_customers("   ")
    assert e.value.code == "invalid_text"
    register.erase_customer(helene, "manager")
    assert register.find_customers("dupre") == []


# --- manual adjustments ---------------------------------------------------


def test_line_and_ticket_discounts_carry_their_reason_and_reach_the_ticket(register):
    cart = ring_up(register)  # baguette 1.30 + comté 24.90
    bread, cheese = [l.id for l in cart.lines()]
    cart.set_line_discount(cheese, pct("10"), "DAMAGED", "boîte abîmée", "alice", False)
    assert cart.total() == "23.71"
    cart.set_ticket_discount(amount("1.00"), "FIDELITE", None, "alice", False)
    assert cart.total() == "22.71"
    adj = cart.adjustments()
    assert adj.ticket_discount == pos_ffi.ManualDiscountInfo(
        discount=amount("1"), reason_code="FIDELITE", reason_text=None, operator="alice")
    line = adj.lines[1]
    assert (line.line, line.discount.reason_code, line.discount.reason_text) == (
        cheese, "DAMAGED", "boîte abîmée")
    assert line.discount_amount == "2.49"
    assert adj.lines[0].discount is None

    # Refusals change nothing.
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        cart.set_line_discount(bread, pct("10"), "", None, "alice", False)
    assert e.value.code == "invalid_text"
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        cart.set_line_discount(bread, amount("5.00"), "STAFF", None, "alice", False)
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        cart.set_line_discount(bread, pct("dix"), "STAFF", None, "alice", False)
    assert e.value.code == "invalid_input"
    assert cart.total() == "22.71"

    sale = sell(register, cart, (CARD, "22.71"))
    assert sale.total() == "22.71"
    assert '"DAMAGED"' in sale.ticket_json()


def test_discounts_can_be_cleared(register):
    cart = ring_up(register)
    cheese = cart.lines()[1].id
    cart.set_line_discount(cheese, amount("4.90"), "STAFF", None, "alice", False)
    cart.set_ticket_discount(pct("50"), "STAFF", None, "alice", False)
    assert cart.total() == "10.65"
    cart.clear_line_discount(cheese)
    cart.clear_ticket_discount()
    assert cart.total() == "26.20"
    assert cart.adjustments().ticket_discount is None


def test_a_price_override_needs_a_manager_and_a_reason(register):
    cart = ring_up(register)
    bread = cart.lines()[0].id
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        cart.override_price(bread, "1.00", "prix affiché", "alice", False)
    assert e.value.code == "permission_denied"
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        cart.override_price(bread, "1.00", "", "boss", True)
    assert e.value.code == "invalid_text"
    assert cart.total() == "26.20"
    cart.override_price(bread, "1.00", "prix affiché", "boss", True)
    assert cart.total() == "25.90"
    over = cart.adjustments().lines[0].price_override
    assert over == pos_ffi.PriceOverrideInfo(replaced="1.30", reason="prix affiché", operator="boss")


def test_notes_on_lines_and_ticket(register):
    cart = ring_up(register)
    bread = cart.lines()[0].id
    cart.set_line_note(bread, "bien cuite")
    cart.set_note("à livrer")
    adj = cart.adjustments()
    assert (adj.note, adj.lines[0].note, adj.lines[1].note) == ("à livrer", "bien cuite", None)
    with pytest.raises(pos_ffi.PosError.Cart):
        cart.set_note("a\nb")
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        cart.set_line_note(99, "x")
    assert e.value.code == "invalid_input"
    cart.set_line_note(bread, None)
    assert cart.adjustments().lines[0].note is None
    sale = sell(register, cart, (CARD, "26.20"))
    assert "à livrer" in sale.ticket_json()


def test_a_completed_cart_takes_no_discount(register):
    cart = ring_up(register)
    sell(register, cart, (CARD, "26.20"))
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        cart.set_ticket_discount(pct("10"), "STAFF", None, "alice", False)
    assert e.value.code == "cart_completed"


# --- exchanges ------------------------------------------------------------


def test_an_exchange_gives_a_line_back_and_sells_another_on_one_ticket(register):
    cart = register.new_cart()
    cart.set_quantity(register.scan(cart, "3760123002523"), "2")  # T-shirts M
    original = sell(register, cart, (CARD, "39.80"))
    ticket = original.ticket_id()

    with pytest.raises(pos_ffi.PosError.Cart) as e:
        register.exchange_cart(ticket, [pos_ffi.RefundLine(line=1, quantity="1")], "alice", False)
    assert e.value.code == "permission_required"
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        register.exchange_cart(ticket, [pos_ffi.RefundLine(line=2, quantity="1")], "boss", True)
    assert e.value.code == "unknown_original_line"

    swap = register.exchange_cart(ticket, [pos_ffi.RefundLine(line=1, quantity="1")], "boss", True)
    assert swap.total() == "-19.90"
    register.scan(swap, "3760123002660")  # T-shirt L, same price
    assert swap.total() == "0.00"
    done = sell(register, swap)
    assert (done.series(), done.number(), done.total()) == ("T", 2, "0.00")
    assert '"exchange"' in done.ticket_json()

    # One of the two is left; two is more than that.
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        register.exchange_cart(ticket, [pos_ffi.RefundLine(line=1, quantity="2")], "boss", True)
    assert e.value.code == "refund_exceeds_refundable"
    # The other one for a mug and change back.
    mug = register.exchange_cart(ticket, [pos_ffi.RefundLine(line=1, quantity="1")], "boss", True)
    register.scan(mug, "3760123002943")  # 7.50
    assert mug.total() == "-12.40"
    back = sell(register, mug, (CASH, "12.40"))
    assert back.total() == "-12.40"
    assert register.verify().intact


# --- receipts from the signed settings -------------------------------------


def jet_270(path):
    with sqlite3.connect(path) as db:
        return db.execute(
            "SELECT COUNT(*) FROM fiscal_record WHERE series = 'E'"
            " AND instr(payload, '\"code\":270') > 0"
        ).fetchone()[0]


def test_setup_with_settings_logs_one_jet_270_and_receipts_print_them(tmp_path, clock):
    path = str(tmp_path / "new.sqlite")
    reg = pos_ffi.Register.open_with_settings(
        path, config(), merchant_settings("Fromagerie Bellecour"), "manager", clock, None, 1)
    assert reg.settings().trader_name == "Fromagerie Bellecour"
    assert reg.settings().siret == "40483304800022"
    reg.import_catalog_json(pos_ffi.sample_catalog_json())
    sale = sell(reg, ring_up(reg), (CARD, "26.20"))
    text = reg.receipt(sale, pos_ffi.ReceiptFormat.TEXT, "epson-tm-t20").decode()
    assert "Fromagerie Bellecour" in text and "404 833 048 00022" in text

    # A later change is its own JET 270; the sale still prints what was
    # signed when it was made.
    s = reg.settings()
    s.trader_name = "Fromagerie du Parc"
    assert reg.set_settings(s, "manager") is True
    again = reg.receipt(sale, pos_ffi.ReceiptFormat.TEXT, "epson-tm-t20").decode()
    assert "Fromagerie Bellecour" in again and "du Parc" not in again
    copy = reg.reprint(sale, "alice", pos_ffi.ReceiptFormat.TEXT, "epson-tm-t20").decode()
    assert "Fromagerie Bellecour" in copy and "duplicata" in copy.lower()
    del reg

    # Opening again with the same settings logs nothing; with others, one.
    same = pos_ffi.Register.open_with_settings(
        path, config(), s, "manager", clock, None, 2)
    assert same.settings().trader_name == "Fromagerie du Parc"
    del same
    assert jet_270(path) == 2
    other = merchant_settings("Fromagerie Bellecour")
    reopened = pos_ffi.Register.open_with_settings(path, config(), other, "manager", clock, None, 3)
    assert reopened.settings().trader_name == "Fromagerie Bellecour"
    del reopened
    assert jet_270(path) == 3


def test_a_new_till_set_up_with_settings_has_one_jet_270_as_a_plain_one(tmp_path, clock):
    plain = str(tmp_path / "plain.sqlite")
    del_ = pos_ffi.Register.open(plain, config(), clock, None, 1)
    del del_
    shop = str(tmp_path / "shop.sqlite")
    made = pos_ffi.Register.open_with_settings(
        shop, config(), merchant_settings(), "manager", clock, None, 1)
    del made
    assert jet_270(shop) == jet_270(plain) == 1


def test_a_bad_setting_opens_nothing(tmp_path, clock):
    bad = merchant_settings()
    bad.siret = "40483304800023"
    path = tmp_path / "bad.sqlite"
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        pos_ffi.Register.open_with_settings(str(path), config(), bad, "manager", clock, None, 1)
    assert e.value.code == "invalid_siret"
    assert not path.exists()


def test_a_till_without_merchant_prints_nothing(register):
    sale = sell(register, ring_up(register), (CARD, "26.20"))
    with pytest.raises(pos_ffi.PosError.Cart) as e:
        register.receipt(sale, pos_ffi.ReceiptFormat.TEXT, "epson-tm-t20")
    assert e.value.code == "merchant_not_configured"
