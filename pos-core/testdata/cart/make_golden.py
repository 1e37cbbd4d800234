#!/usr/bin/env python3
"""Writes golden.json: cart baskets with their expected amounts.

The expectations are computed here, independently of the Rust code, from
the rules written in pos-core/src/pricing (rule 1-5), pos-core/src/cart
(quantity breaks by SKU total, scale labels) and pos-core/src/ticket/refund.rs
(refund of q units: round(A*(r+q)/Q) - round(A*r/Q)). Python's decimal
ROUND_HALF_UP rounds half away from zero, like the SDK. Re-run with
`python3 make_golden.py > golden.json` after adding a basket; every basket's
`check` says how to verify it by hand.
"""
import json
from decimal import Decimal as D, ROUND_HALF_UP, getcontext

getcontext().prec = 60
CENT = D("0.01")


def r2(x):
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def rate_bps(pct):
    return int(D(pct) * 100)


def price_basket(b):
    lines = b["lines"]
    # Quantity breaks: total per SKU over catalog-priced sale lines.
    totals = {}
    for l in lines:
        if "breaks" in l and not l.get("return") and "label_price" not in l:
            totals[l["sku"]] = totals.get(l["sku"], D(0)) + D(l["qty"])
    gross, disc, rates = [], [], []
    for i, l in enumerate(lines):
        if "label_price" in l:
            unit = D(l["label_price"])
            qty = D(l.get("qty", "1"))
        else:
            unit = D(l["price"])
            qty = D(l["qty"])
            best = None
            for br in l.get("breaks", []):
                if D(br["min"]) <= totals.get(l["sku"], qty) and (best is None or D(br["min"]) > D(best["min"])):
                    best = br
            if best is not None and not l.get("return"):
                unit = D(best["price"])
        if l.get("return"):
            qty = -qty
        g = r2(unit * qty)
        d = D(0)
        if "discount" in l:
            if l.get("return"):
                return {"error": "discount_on_return_line"}
            dd = l["discount"]
            d = r2(g * D(dd["percent"]) / 100) if "percent" in dd else D(dd["amount"])
            if d > g:
                return {"error": "discount_exceeds_line"}
        gross.append(g)
        disc.append(d)
        rates.append(rate_bps(l["vat"]))
    amounts = [g - d for g, d in zip(gross, disc)]
    shares = [D(0)] * len(lines)
    total_d = D(0)
    if "ticket_discount" in b:
        s = sum(amounts)
        td = b["ticket_discount"]
        total_d = r2(s * D(td["percent"]) / 100) if "percent" in td else D(td["amount"])
        if total_d != 0:
            if any(l.get("return") for l in lines):
                return {"error": "discount_on_return_line"}
            if total_d > s:
                return {"error": "discount_exceeds_ticket"}
            cents_d = int(total_d * 100)
            cents_s = int(s * 100)
            rems = []
            for i, a in enumerate(amounts):
                scaled = cents_d * int(a * 100)
                shares[i] = D(scaled // cents_s) / 100
                rems.append((-(scaled % cents_s), i))
            left = cents_d - int(sum(shares) * 100)
            for _, i in sorted(rems)[:left]:
                shares[i] += CENT
    final = [a - s for a, s in zip(amounts, shares)]
    per_rate = {}
    for f, r in zip(final, rates):
        per_rate[r] = per_rate.get(r, D(0)) + f
    taxes = []
    for r in sorted(per_rate, reverse=True):
        g = per_rate[r]
        net = r2(g * 10000 / (10000 + r))
        taxes.append({"rate_bps": r, "net": str(net), "vat": str(g - net), "gross": str(g)})
    out = {
        "lines": [str(f) for f in final],
        "ticket_discount": str(r2(total_d)),
        "taxes": taxes,
        "total": str(sum(final) if final else D("0.00")),
    }
    if "refund" in b:
        out["refund"] = price_refund(b, final, rates)
    return out


def price_refund(b, final, rates):
    lines = b["lines"]
    amounts = []
    for sel in b["refund"]:
        i = sel["line"]
        q_sold = D(lines[i]["qty"])
        a = final[i]
        r = D(sel.get("already", "0"))
        q = D(sel["qty"])
        amt = r2(a * (r + q) / q_sold) - r2(a * r / q_sold)
        amounts.append((-amt, rates[i]))
    per_rate = {}
    for amt, r in amounts:
        per_rate[r] = per_rate.get(r, D(0)) + amt
    taxes = []
    for r in sorted(per_rate, reverse=True):
        g = per_rate[r]
        net = r2(g * 10000 / (10000 + r))
        taxes.append({"rate_bps": r, "net": str(net), "vat": str(g - net), "gross": str(g)})
    return {"lines": [str(a) for a, _ in amounts], "taxes": taxes, "total": str(sum(a for a, _ in amounts))}


def L(sku, price, vat, qty, **kw):
    d = {"sku": sku, "price": price, "vat": vat, "qty": qty, "unit": kw.pop("unit", "piece")}
    d.update(kw)
    return d


def kg(sku, price, vat, qty, **kw):
    return L(sku, price, vat, qty, unit="kilogram", **kw)


BASKETS = [
    ("two baguettes", [L("BAG", "1.30", "5.5", "2")], {}, "2 x 1.30 = 2.60; net 2.60/1.055 = 2.4645 -> 2.46"),
    ("one mug at 20 %", [L("MUG", "7.50", "20", "1")], {}, "net 7.50/1.2 = 6.25 exactly"),
    ("three at 0.33: a half cent of net", [L("X", "0.33", "20", "3")], {}, "0.99/1.2 = 0.825 -> 0.83 (half away), VAT 0.16"),
    ("one cent at 5.5 %", [L("C", "0.01", "5.5", "1")], {}, "0.01/1.055 = 0.00948 -> 0.01, VAT 0.00"),
    ("press at 2.1 %", [L("PRESSE", "1.50", "2.1", "1")], {}, "1.50/1.021 = 1.4691 -> 1.47, VAT 0.03"),
    ("four rates", [L("VIN", "8.90", "20", "1"), L("CROQUE", "6.50", "10", "1"), L("BAG", "1.30", "5.5", "1"), L("PRESSE", "1.50", "2.1", "1")], {}, "one line per rate; total 18.20"),
    ("comte 0.347 kg", [kg("COMTE", "24.90", "5.5", "0.347")], {}, "24.90 x 0.347 = 8.6403 -> 8.64"),
    ("ham 0.125 kg: half cent up", [kg("JAMBON", "29.90", "5.5", "0.125")], {}, "29.90 x 0.125 = 3.7375 -> 3.74"),
    ("2.01 per kg x 0.5 kg", [kg("P", "2.01", "5.5", "0.5")], {}, "1.005 -> 1.01 (half away)"),
    ("5 cents per kg x 100 g", [kg("P", "0.05", "5.5", "0.1")], {}, "0.005 -> 0.01"),
    ("apples 1.234 kg", [kg("POMME", "2.99", "5.5", "1.234")], {}, "2.99 x 1.234 = 3.68966 -> 3.69"),
    ("bananas 0.999 kg", [kg("BANANE", "2.49", "5.5", "0.999")], {}, "2.49 x 0.999 = 2.48751 -> 2.49"),
    ("weighed + pieces", [kg("COMTE", "24.90", "5.5", "0.347"), L("BAG", "1.30", "5.5", "2"), L("VIN", "8.90", "20", "1")], {}, "8.64 + 2.60 = 11.24 at 5.5 %; 8.90 at 20 %"),
    ("line 10 % off", [L("MUG", "7.50", "20", "3", discount={"percent": "10"})], {}, "22.50 - 2.25 = 20.25"),
    ("line 10 % of 0.05: half cent", [L("C", "0.05", "20", "1", discount={"percent": "10"})], {}, "0.005 -> 0.01 off; 0.04"),
    ("line 33.33 % off", [L("T", "10.00", "20", "1", discount={"percent": "33.33"})], {}, "3.333 -> 3.33 off; 6.67"),
    ("line amount off", [L("TOTE", "6.90", "20", "2", discount={"amount": "1.00"})], {}, "13.80 - 1.00 = 12.80"),
    ("line 100 % off", [L("GIFT", "4.20", "5.5", "1", discount={"percent": "100"}), L("BAG", "1.30", "5.5", "1")], {}, "free line: 0.00"),
    ("weighed line 15 % off", [kg("BRIE", "19.80", "5.5", "0.412", discount={"percent": "15"})], {}, "8.1576 -> 8.16; 15 % = 1.224 -> 1.22; 6.94"),
    ("ticket 0.10 on three 1.00", [L("A", "1", "20", "1"), L("B", "1", "20", "1"), L("C", "1", "5.5", "1")], {"ticket_discount": {"amount": "0.10"}}, "shares 0.04/0.03/0.03: ties go to the first line"),
    ("ticket 0.01 on three lines", [L("A", "1.00", "20", "1"), L("B", "2.00", "10", "1"), L("C", "3.00", "5.5", "1")], {"ticket_discount": {"amount": "0.01"}}, "exact 0.0016/0.0033/0.005: the cent goes to C"),
    ("ticket 5 % on mixed rates", [L("VIN", "12.50", "20", "2"), L("SALADE", "9.80", "10", "1"), L("BAG", "1.30", "5.5", "3")], {"ticket_discount": {"percent": "5"}}, "38.70 x 5 % = 1.935 -> 1.94 spread by amounts"),
    ("ticket 2.00 after a line discount", [L("MUG", "7.50", "20", "3", discount={"percent": "10"}), kg("COMTE", "24.90", "5.5", "0.347"), L("CROQUE", "6.50", "10", "2")], {"ticket_discount": {"amount": "2.00"}}, "41.89; shares 0.97/0.41/0.62 (largest remainder)"),
    ("ticket 100 %", [L("A", "3.00", "20", "1"), L("B", "1.00", "5.5", "1")], {"ticket_discount": {"percent": "100"}}, "everything free: 0.00"),
    ("ticket 10 % on one cent", [L("C", "0.01", "20", "1")], {"ticket_discount": {"percent": "10"}}, "0.001 -> 0.00: no discount"),
    ("ticket 50 % on 0.01 + 0.01", [L("A", "0.01", "20", "1"), L("B", "0.01", "20", "1")], {"ticket_discount": {"percent": "50"}}, "0.02 x 50 % = 0.01; tie -> first line"),
    ("ticket amount on weighed goods", [kg("POMME", "2.99", "5.5", "1.5"), kg("CAROTTE", "1.99", "5.5", "0.75")], {"ticket_discount": {"amount": "0.50"}}, "4.485 -> 4.49, 1.4925 -> 1.49; 0.50 spread"),
    ("six wines reach the break", [L("CDR", "8.90", "20", "6", breaks=[{"min": "6", "price": "7.90"}])], {}, "6 x 7.90 = 47.40"),
    ("five wines below the break", [L("CDR", "8.90", "20", "5", breaks=[{"min": "6", "price": "7.90"}])], {}, "5 x 8.90 = 44.50"),
    ("break reached across two lines", [L("CDR", "8.90", "20", "4", breaks=[{"min": "6", "price": "7.90"}]), L("CDR", "8.90", "20", "2", breaks=[{"min": "6", "price": "7.90"}])], {}, "4 + 2 = 6 bottles: 31.60 + 15.80"),
    ("two breaks, highest reached", [L("EAU", "0.95", "5.5", "13", breaks=[{"min": "6", "price": "0.85"}, {"min": "12", "price": "0.80"}])], {}, "13 >= 12: 13 x 0.80 = 10.40"),
    ("scale label with price", [L("COMTE", "24.90", "5.5", "1", unit="kilogram", label_price="7.47")], {}, "label amount 7.47, quantity 1 label"),
    ("two identical labels", [L("JAMBON", "29.90", "5.5", "2", unit="kilogram", label_price="3.74")], {}, "2 x 3.74 = 7.48"),
    ("return line", [L("MUG", "7.50", "20", "1"), L("TOTE", "6.90", "20", "1", **{"return": True})], {}, "7.50 - 6.90 = 0.60"),
    ("return only", [L("TOTE", "6.90", "20", "2", **{"return": True})], {}, "-13.80; net -11.50 VAT -2.30"),
    ("weighed return", [kg("COMTE", "24.90", "5.5", "0.347", **{"return": True})], {}, "-8.64 (half away from zero on negatives too)"),
    ("return with mixed rates", [L("VIN", "8.90", "20", "1", **{"return": True}), L("BAG", "1.30", "5.5", "2", **{"return": True})], {}, "-8.90 at 20 %, -2.60 at 5.5 %"),
    ("error: discount above the line", [L("A", "1.00", "20", "1", discount={"amount": "1.01"})], {}, "1.01 > 1.00"),
    ("error: ticket discount above the ticket", [L("A", "1.00", "20", "1")], {"ticket_discount": {"amount": "1.01"}}, "1.01 > 1.00"),
    ("error: ticket discount with a return", [L("A", "5.00", "20", "1"), L("B", "1.00", "20", "1", **{"return": True})], {"ticket_discount": {"amount": "0.50"}}, "pricing refuses discounts on tickets with returns"),
    ("big basket", [L("CHAMPAGNE", "34.90", "20", "3"), L("MACHINE", "149.00", "20", "1", discount={"amount": "20.00"}), kg("COMTE", "24.90", "5.5", "1.203"), L("FORMULE", "12.90", "10", "4"), L("PRESSE", "1.50", "2.1", "2")], {"ticket_discount": {"percent": "7.5"}}, "mixed rates, weighed, line and ticket discounts"),
    ("refund one of three mugs", [L("MUG", "7.50", "20", "3")], {"refund": [{"line": 0, "qty": "1"}]}, "22.50 / 3 = 7.50 back"),
    ("refund thirds of a discounted line", [L("MUG", "7.50", "20", "3", discount={"percent": "10"}), kg("COMTE", "24.90", "5.5", "0.347"), L("CROQUE", "6.50", "10", "2")], {"ticket_discount": {"amount": "2.00"}, "refund": [{"line": 0, "qty": "1", "already": "1"}]}, "A = 19.28: round(2A/3) - round(A/3) = 12.85 - 6.43 = 6.42"),
    ("refund part of a weighed line", [kg("COMTE", "24.90", "5.5", "0.347")], {"refund": [{"line": 0, "qty": "0.1"}]}, "8.64 x 0.1 / 0.347 = 2.4899 -> 2.49"),
    ("refund the rest of a line", [L("A", "1.00", "20", "3")], {"ticket_discount": {"amount": "0.01"}, "refund": [{"line": 0, "qty": "2", "already": "1"}]}, "A = 2.99: 2.99 - round(2.99/3) = 2.99 - 1.00 = 1.99"),
    ("full refund of a mixed ticket", [L("VIN", "12.50", "20", "2"), L("SALADE", "9.80", "10", "1"), L("BAG", "1.30", "5.5", "3")], {"ticket_discount": {"percent": "5"}, "refund": [{"line": 0, "qty": "2"}, {"line": 1, "qty": "1"}, {"line": 2, "qty": "3"}]}, "the refund is the exact opposite of the sale"),
]


def main():
    out = []
    for name, lines, extra, check in BASKETS:
        b = {"name": name, "check": check, "lines": lines}
        b.update(extra)
        b["expected"] = price_basket(b)
        out.append(b)
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
