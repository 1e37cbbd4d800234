"""Exchanges (kind `exchange`, FORMAT.md 5.1 and 5.4) through checker.py, on
the vector pos-fiscal writes in testdata/exchange/journal.jsonl: a day with
two sales, a refund, three exchanges of the same original (balance +15.00 by
card, -20.00 paid back in cash, 0) and its day closure.

The exchange T4 can be checked by hand: one T-shirt at 30.00 returned
(qty -1000, amount -3000), a jacket at 45.00 sold (qty 1000, amount 4500),
both at 20 %: gross 1500 = net 1250 + VAT 250; paid 15.00 by card; signed
string `2000:1500,1500,20261102102000,T4,exchange,1,<prev sig>`.
"""

import json
import pathlib

import checker

VECTOR = pathlib.Path(__file__).resolve().parent.parent / "testdata" / "exchange" / "journal.jsonl"


def load():
    return [json.loads(line) for line in VECTOR.read_text().splitlines()]


def check(lines):
    """Chains and signatures, closures and the signed-content rules."""
    data = "\n".join(json.dumps(x, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
                     for x in lines).encode()
    report = checker.check_jsonl(data)
    records = checker._records_from_lines(data.split(b"\n"), checker.Report("x"), "jsonl", False)
    for r in records:
        r["_payload"] = checker.parse_payload(r["kind"], r["payload"])
    checker.check_closures(records, report)
    checker.check_signed_content(records, report)
    return report, records


def by_id(lines, series, number):
    return next(x for x in lines if x["series"] == series and x["number"] == number)


def test_the_exchange_vector_is_intact_and_follows_the_rules():
    report, records = check(load())
    assert report.defects == []
    assert [w for w in report.warnings if not w.startswith("no registered key")] == []
    t4 = by_id(records, "T", 4)
    assert t4["kind"] == "exchange"
    assert checker.signed_string(t4, t4["_payload"], None).startswith("2000:1500,1500,20261102102000,T4,exchange,")
    z = next(r for r in records if r["kind"] == "closure_day")["_payload"]
    assert (z["sales"], z["refunds"], z["refunds_total"]) == (2, 1, -1750)
    assert (z["exchanges"], z["exchange_returns"]) == (3, -9000)
    assert z["period_total"] == 8500 and z["vat"]["2000"]["gross"] == 7500 and z["vat"]["550"]["gross"] == 1000
    assert z["payments"] == {"card": 10500, "cash": -2000}


def test_a_changed_exchange_is_found():
    lines = load()
    t4 = by_id(lines, "T", 4)
    t4["payload"] = t4["payload"].replace('"amount":4500', '"amount":4600', 1)
    report, _ = check(lines)
    assert any(d["series"] == "T" and d["number"] == 4 for d in report.defects), report.defects


def test_a_closure_that_miscounts_exchanges_is_found():
    lines = load()
    _, records = check(lines)
    z = next(r for r in records if r["kind"] == "closure_day")
    p = dict(z["_payload"], exchanges=2)
    report = checker.Report("x")
    checker.check_closures([dict(r, _payload=p) if r is z else r for r in records], report)
    assert any(d["column"] == "exchanges" for d in report.defects), report.defects


def test_exchange_content_rules():
    _, records = check(load())
    t4 = by_id(records, "T", 4)

    def warns(mutate):
        p = json.loads(json.dumps(t4["_payload"]))
        mutate(p["ticket"])
        report = checker.Report("x")
        checker.check_signed_content([dict(r, _payload=p) if r is t4 else r for r in records], report)
        return report.warnings

    assert warns(lambda t: None) == []
    assert any("return line and a sale line" in w for w in warns(lambda t: t["lines"].pop(0)))
    assert any("signed like its balance" in w
               for w in warns(lambda t: t["payments"].extend([{"method": "cash", "amount": -100},
                                                              {"method": "card", "amount": 100}])))
    assert any("references a sale" in w for w in warns(lambda t: t.update(original=None)))
