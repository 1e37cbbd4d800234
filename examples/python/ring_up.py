"""Opens the drawer, rings up a sale, prints the receipt, reads the X report,
closes the drawer with the day and verifies the fiscal journal, through the Python bindings (pos_ffi).

Run from the repository root after bindings/ffi/run-tests.sh built them:
    PYTHONPATH=bindings/ffi/python .venv/bin/python examples/python/ring_up.py
"""

import sys
import tempfile
import time
from pathlib import Path

import pos_ffi


class SystemClock(pos_ffi.Clock):
    """The app's clock (here the machine's)."""

    def now_millis(self):
        return int(time.time() * 1000)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        config = pos_ffi.RegisterConfig(store="paris-11", register="till-1", location="shop")
        # The merchant printed on every receipt: signed in the till file
        # at setup (one JET 270).
        merchant = pos_ffi.default_settings()
        merchant.trader_name = "Fromagerie Exemple"
        merchant.address = ["1 rue de la Paix", "75002 Paris"]
        merchant.siret = "404 833 048 00022"
        till = pos_ffi.Register.open_with_settings(
            str(Path(tmp) / "till.sqlite"), config, merchant, "manager", SystemClock(), None, None
        )
        print(f"catalog: {till.import_catalog_json(pos_ffi.sample_catalog_json())} variants")

        till.open_cash_session("alice", "50.00")
        print("drawer opened with 50.00 EUR")

        cart = till.new_cart()
        for code in ["2000000001012", "3760123000352", "2501001003475"]:
            till.scan(cart, code)
        for line in cart.lines():
            print(f"  {line.label:<30} {line.quantity:>6} x {line.unit_price:>6} = {line.amount:>7}")
        print(f"total: {cart.total()} EUR")

        payment = till.start_payment(cart, None)
        payment.add(pos_ffi.TenderMethod.CARD(), "20.00")
        payment.add(pos_ffi.TenderMethod.CASH(), "20.00")
        sale = till.complete_sale(
            cart,
            payment,
            pos_ffi.SaleOptions(operator="alice", customer=None, training=False, ticket_id=None),
        )
        print(f"ticket {sale.series()} {sale.number()}, change {sale.change()} EUR")

        print(till.receipt(sale, pos_ffi.ReceiptFormat.TEXT, "generic-58mm").decode())

        x = till.x_report()
        print(f"X report: {x.sales_count} sale(s), {x.net_total} EUR, expected cash {x.expected_cash} EUR")
        close = till.close_session_and_day("alice", x.expected_cash)
        print(f"drawer counted {close.counted} EUR (difference {close.difference}); day closed: {', '.join(close.closures)}")
        report = till.verify()
        print(f"journal: {report.verdict}, {report.records} records, {report.signatures_checked} signatures")
        if not report.intact:
            print("journal defects:", report.defects, file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
