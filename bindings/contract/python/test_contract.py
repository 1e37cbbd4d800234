"""The cross-language contract (bindings/contract/cases.json) through the
Python bindings: one pytest case per contract case, each on a fresh till."""

import json
from pathlib import Path

import pytest

import pos_ffi

CASES = json.loads((Path(__file__).resolve().parent.parent / "cases.json").read_text(encoding="utf-8"))
START = CASES["start_millis"]


class Clock(pos_ffi.Clock):
    """The app's clock, stopped, moved by the `clock` op."""

    def __init__(self, millis):
        self.millis = millis

    def now_millis(self):
        return self.millis


class Driver:
    """One till and what the steps act on: the current cart and payment,
    the last sale."""

    def __init__(self, path):
        self.clock = Clock(START)
        config = pos_ffi.RegisterConfig(store="paris-11", register="till-1", location="shop")
        self.till = pos_ffi.Register.open(str(path), config, self.clock, None, 1)
        self.till.import_catalog_json(pos_ffi.sample_catalog_json())
        self.cart = self.till.new_cart()
        self.payment = None
        self.sales = []  # every sale completed, in order
        self.last = None  # the cart and payment of the last completed sale

    def run(self, step):
        op = step["op"]
        if op == "new_cart":
            self.cart, self.payment = self.till.new_cart(), None
        elif op == "scan":
            self.till.scan(self.cart, step["code"])
        elif op == "set_quantity":
            self.cart.set_quantity(step["line"], step["quantity"])
        elif op == "start_payment":
            self.payment = self.till.start_payment(self.cart, None)
        elif op == "pay":
            if self.payment is None:
                self.payment = self.till.start_payment(self.cart, None)
            self.payment.add(method(step["method"]), step["amount"])
        elif op == "complete":
            if self.payment is None:
                self.payment = self.till.start_payment(self.cart, None)
            self.payment.add(method(step["method"]), self.payment.remaining())
            options = pos_ffi.SaleOptions(operator=step.get("operator", "alice"), customer=None, training=False, ticket_id=step.get("key"))
            sale = self.till.complete_sale(self.cart, self.payment, options)
            self.last = (self.cart, self.payment)
            self.sales.append(sale)
            return {"number": sale.number(), "ticket_id": sale.ticket_id(), "total": sale.total(), "change": sale.change()}
        elif op == "complete_again":
            cart, payment = self.last
            options = pos_ffi.SaleOptions(operator="alice", customer=None, training=False, ticket_id=None)
            self.till.complete_sale(cart, payment, options)
        elif op == "clock":
            self.clock.millis = step["set"] if "set" in step else self.clock.millis + step["add"]
        elif op == "close_day":
            return {"closures": self.till.close_day("alice")}
        elif op == "close_month":
            return {"closures": self.till.close_month(step["year"], step["month"], "alice")}
        elif op == "refund":
            self.cart = self.till.refund_cart(self.original(step), step["operator"], step["manager"])
            self.payment = None
            return {"total": self.cart.total()}
        elif op == "partial_refund":
            lines = [pos_ffi.RefundLine(line=step["line"], quantity=step["quantity"])]
            self.cart = self.till.partial_refund_cart(self.original(step), lines, step.get("operator", "alice"), step.get("manager", True))
            self.payment = None
            return {"total": self.cart.total()}
        elif op == "sample_promotions":
            self.till.import_promotions_json(pos_ffi.sample_promotions_json())
        elif op == "add_coupon":
            self.cart.add_coupon(step["code"])
        elif op == "set_setting":
            self.till.set_setting(step["key"], step["value"], "alice")
        elif op == "pay_card":
            if self.payment is None:
                self.payment = self.till.start_payment(self.cart, None)
            card = pos_ffi.CardReference(**step["card"])
            self.payment.add_card(method(step.get("method", "card")), step["amount"], card)
        elif op == "card_refunds":
            return {"refunds": [
                {"original_reference": r.card.original_reference, "masked_pan": r.card.masked_pan, "charged": r.charged}
                for r in self.till.refund_card_references(self.original(step))
            ]}
        elif op == "describe_barcode":
            info = pos_ffi.describe_barcode(step["code"], 2026)
            mismatch = json.loads(info.json)["check_digit_mismatch"]
            return {"kind": info.kind, "valid": info.valid, "check_digit_expected": mismatch and mismatch["expected"]}
        elif op == "preview_receipt":
            receipt = self.till.preview_receipt(step["series"], step["number"], pos_ffi.ReceiptFormat.TEXT)
            return {"text": bytes(receipt.bytes).decode("utf-8")}
        else:
            raise AssertionError(f"unknown op {op!r}: the Python driver lacks it")
        return {}

    def original(self, step):
        """The ticket id of the sale a refund names (`of`, from 1; the first)."""
        return self.sales[step.get("of", 1) - 1].ticket_id()


def method(name):
    return {"card": pos_ffi.TenderMethod.CARD(), "cash": pos_ffi.TenderMethod.CASH()}[name]


def outcome(error):
    """A raised PosError as the contract writes it: its kind, code, message."""
    kind = type(error).__name__  # PosError.Cart -> "Cart"
    return {"error": kind, "code": error.code, "message": error.detail}


def check(step, got, ticket):
    want = step.get("expect")
    if want is None:
        assert "error" not in got, f"{step['op']} failed: {got}"
        return
    if "error" in want:
        assert "error" in got, f"{step['op']} succeeded ({got}) where {want['code']} was expected"
        assert (got["error"], got["code"]) == (want["error"], want["code"]), got
        if "message" in want:
            assert got["message"] == want["message"].replace("{ticket}", ticket or "")
        for part in want.get("message_has", []):
            assert part in got["message"], f"{part!r} not in {got['message']!r}"
        for part in want.get("message_lacks", []):
            assert part not in got["message"], f"{part!r} in {got['message']!r}"
        return
    assert "error" not in got, f"{step['op']} failed: {got}"
    for part in want.get("text_has", []):
        assert part in got["text"], f"{part!r} not in {got['text']!r}"
    for key, value in want.items():
        if key == "text_has":
            continue
        assert got.get(key) == value, f"{step['op']}: {key} is {got.get(key)!r}, expected {value!r}"


@pytest.mark.parametrize("case", CASES["cases"], ids=[c["id"] for c in CASES["cases"]])
def test_contract(case, tmp_path):
    if "pending" in case:
        pytest.skip(case["pending"])
    driver = Driver(tmp_path / "till.sqlite")
    for step in case["steps"]:
        try:
            got = driver.run(step)
        except pos_ffi.PosError as e:
            got = outcome(e)
        check(step, got, driver.sales[0].ticket_id() if driver.sales else None)
