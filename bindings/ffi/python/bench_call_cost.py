"""Per-call cost across the Python boundary of adding an item (scan) and
completing a sale. Only the measured call is inside the timer; the cart and
payment are made fresh for every iteration (same protocol as
bindings/ffi/examples/call_cost.rs and bindings/ffi/kotlin/bench/CallCost.kt).

    PYTHONPATH=bindings/ffi/python .venv/bin/python bindings/ffi/python/bench_call_cost.py [n]
"""

import sys
import tempfile
import time
from pathlib import Path

import pos_ffi

CODE = "2000000001012"
T0 = 1_773_480_600_000


class FixedClock(pos_ffi.Clock):
    def now_millis(self):
        return T0


def main(n):
    with tempfile.TemporaryDirectory() as tmp:
        config = pos_ffi.RegisterConfig(store="paris-11", register="till-1", location="shop")
        reg = pos_ffi.Register.open(str(Path(tmp) / "py.sqlite"), config, FixedClock(), None, 1)
        reg.import_catalog_json(pos_ffi.sample_catalog_json())
        options = pos_ffi.SaleOptions(operator="alice", customer=None, training=False, ticket_id=None)
        add = complete = trivial = 0
        for _ in range(n):
            cart = reg.new_cart()
            t = time.perf_counter_ns()
            reg.scan(cart, CODE)
            add += time.perf_counter_ns() - t
            t = time.perf_counter_ns()
            cart.total()
            trivial += time.perf_counter_ns() - t
            payment = reg.start_payment(cart, None)
            payment.add(pos_ffi.TenderMethod.CARD(), cart.total())
            t = time.perf_counter_ns()
            reg.complete_sale(cart, payment, options)
            complete += time.perf_counter_ns() - t
        print(f"{'python: cart.total() (bare call)':<36} {trivial / n / 1000:>9.1f} µs/call  ({n} calls)")
        print(f"{'python: add item (scan)':<36} {add / n / 1000:>9.1f} µs/call  ({n} calls)")
        print(f"{'python: complete sale':<36} {complete / n / 1000:>9.1f} µs/call  ({n} calls)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
