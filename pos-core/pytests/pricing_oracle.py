"""An independent implementation of the pricing rules in Python's decimal
module, used to produce and re-check pos-core/testdata/pricing/golden.json.

It shares no code with the Rust engine: if both agree on every basket, the
golden file is right twice. Run `python3 pricing_oracle.py --write` to
regenerate the expected values from the cases in cases.json.
"""
import json
import sys
from decimal import Decimal, ROUND_HALF_UP, ROUND_DOWN
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "testdata" / "pricing"
CENT = Decimal("0.01")


class Refused(Exception):
    def __init__(self, kind):
        super().__init__(kind)
        self.kind = kind


def r2(x):
    # ROUND_HALF_UP in Python's decimal is half away from zero.
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def discount_value(d, base):
    if "percent" in d:
        p = Decimal(d["percent"])
        if p < 0 or p > 100:
            raise Refused("invalid_discount")
        return r2(base * p / 100)
    a = Decimal(d["amount"])
    if a < 0:
        raise Refused("invalid_discount")
    if a != a.quantize(CENT):
        raise Refused("sub_minor_amount")
    return a


def price(basket):
    if basket["currency"] != "EUR":
        raise Refused("unknown_currency")
    inclusive = basket.get("prices_include_tax", True)
    amounts, rates = [], []
    for line in basket["lines"]:
        up, q = Decimal(line["unit_price"]), Decimal(line["quantity"])
        if up < 0:
            raise Refused("negative_price")
        if q == 0:
            raise Refused("zero_quantity")
        if -q.normalize().as_tuple().exponent > 3:
            raise Refused("quantity_precision")
        gross = r2(up * q)
        d = Decimal("0.00")
        if "discount" in line:
            d = discount_value(line["discount"], gross)
            if d != 0 and q < 0:
                raise Refused("discount_on_return_line")
            if d > gross:
                raise Refused("discount_exceeds_line")
        amounts.append(gross - d)
        rates.append(Decimal(line["vat_rate"]))
    shares = [Decimal("0.00")] * len(amounts)
    if "discount" in basket:
        total = sum(amounts, Decimal("0"))
        big_d = discount_value(basket["discount"], total)
        if big_d != 0:
            if any(Decimal(l["quantity"]) < 0 for l in basket["lines"]):
                raise Refused("discount_on_return_line")
            if big_d > total:
                raise Refused("discount_exceeds_ticket")
            exact = [big_d * a / total for a in amounts]
            shares = [e.quantize(CENT, rounding=ROUND_DOWN) for e in exact]
            left = int((big_d - sum(shares)) / CENT)
            order = sorted(range(len(amounts)), key=lambda i: (-(big_d * amounts[i] * 100 % total), i))
            for i in order[:left]:
                shares[i] += CENT
    final = [a - s for a, s in zip(amounts, shares)]
    per_rate = {}
    for amount, rate in zip(final, rates):
        per_rate[rate] = per_rate.get(rate, Decimal("0")) + amount
    taxes = []
    for rate in sorted(per_rate, reverse=True):
        s = per_rate[rate]
        if inclusive:
            net = r2(s / (1 + rate / 100))
            vat, gross = s - net, s
        else:
            net = s
            vat = r2(s * rate / 100)
            gross = net + vat
        taxes.append({"rate": format(rate.normalize(), "f"),
                      "net": str(r2(net)), "vat": str(r2(vat)), "gross": str(r2(gross))})
    return {
        "currency": "EUR",
        "total": str(r2(sum((Decimal(t["gross"]) for t in taxes), Decimal("0")))),
        "lines": [{"amount": str(r2(a))} for a in final],
        "taxes": taxes,
    }


def expected(basket):
    try:
        return {"ok": price(basket)}
    except Refused as r:
        return {"error": r.kind}


def main():
    cases = json.loads((DATA / "cases.json").read_text(encoding="utf-8"))
    golden = []
    for case in cases:
        golden.append({**case, "expected": expected(case["input"])})
    text = json.dumps(golden, ensure_ascii=False, indent=1) + "\n"
    target = DATA / "golden.json"
    if "--write" in sys.argv:
        target.write_text(text, encoding="utf-8")
        print(f"wrote {len(golden)} cases to {target}")
    elif target.read_text(encoding="utf-8") != text:
        print("golden.json differs from the oracle's answers", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
