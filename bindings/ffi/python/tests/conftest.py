"""Shared fixtures: a till on a temporary file with a fixed clock."""

import pytest

import pos_ffi

# 2026-03-14T09:30:00Z
T0 = 1_773_480_600_000


class FixedClock(pos_ffi.Clock):
    """The app's clock: stopped at a given instant, moved by the test."""

    def __init__(self, millis):
        self.millis = millis

    def now_millis(self):
        return self.millis


def config():
    return pos_ffi.RegisterConfig(store="paris-11", register="till-1", location="shop")


def merchant_settings(name="Boulangerie Test"):
    """The French defaults with a merchant: what a till prints."""
    s = pos_ffi.default_settings()
    s.trader_name = name
    s.address = ["1 rue de la Paix", "75002 Paris"]
    s.siret = "404 833 048 00022"
    return s


def options(operator="alice"):
    return pos_ffi.SaleOptions(operator=operator, customer=None, training=False, ticket_id=None)


@pytest.fixture
def clock():
    return FixedClock(T0)


@pytest.fixture
def register(tmp_path, clock):
    reg = pos_ffi.Register.open(str(tmp_path / "till.sqlite"), config(), clock, None, 1)
    reg.import_catalog_json(pos_ffi.sample_catalog_json())
    return reg


@pytest.fixture
def shop(tmp_path, clock):
    """A till opened with its merchant settings (it can print receipts)."""
    reg = pos_ffi.Register.open_with_settings(
        str(tmp_path / "shop.sqlite"), config(), merchant_settings(), "manager", clock, None, 1
    )
    reg.import_catalog_json(pos_ffi.sample_catalog_json())
    return reg


def ring_up(register):
    """A baguette (1.30) and a kilo of Comté (24.90): 26.20."""
    cart = register.new_cart()
    register.scan(cart, "2000000001012")
    register.scan(cart, "3760123000352")
    return cart


def sell(register, cart, *tenders, customer=None, operator="alice"):
    """Pays `cart` with (method, amount) tenders and completes the sale."""
    payment = register.start_payment(cart, customer)
    for method, amount in tenders:
        payment.add(method, amount)
    opts = pos_ffi.SaleOptions(operator=operator, customer=customer, training=False, ticket_id=None)
    return register.complete_sale(cart, payment, opts)
