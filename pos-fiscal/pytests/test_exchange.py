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


# ---------------------------------------------------------------- on a real till file (`pos exchange`)

import shutil
import sqlite3
import subprocess

import pytest

from test_till import POS, needs_pos


def _till_with_exchanges(tmp_path):
    db = tmp_path / "till.sqlite"
    (tmp_path / "s.json").write_text('{"items":[{"code":"3760123000987"},{"code":"3760123000499"}]}')
    (tmp_path / "n.json").write_text('{"items":[{"code":"3760123001120"}]}')
    for args in (["sell", "--db", db, "--basket", tmp_path / "s.json", "--pay", "cash:20.00"],
                 ["exchange", "--db", db, "--ticket", "T1", "--return", "1:1", "--basket", tmp_path / "n.json",
                  "--pay", "cash"],
                 ["exchange", "--db", db, "--ticket", "T1", "--return", "2:1", "--basket", tmp_path / "s.json",
                  "--pay", "card"]):
        p = subprocess.run([POS, *map(str, args)], capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stdout + p.stderr
    c = sqlite3.connect(db)
    c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    c.close()
    return db


@needs_pos
def test_a_till_with_exchanges_is_intact_and_a_changed_exchange_is_found(tmp_path):
    db = _till_with_exchanges(tmp_path)
    report = checker.check_till(str(db))
    assert report.defects == [] and [w for w in report.warnings if not w.startswith("no registered key")] == []
    for column, sql in (("payload", "UPDATE fiscal_record SET payload = replace(payload, '\"amount\":360', "
                                    "'\"amount\":460') WHERE kind = 'exchange' AND number = 2"),
                        ("total", "UPDATE tickets SET total = '-4.30' WHERE kind = 'exchange' AND number = 2")):
        copy = tmp_path / f"{column}.sqlite"
        shutil.copy(db, copy)
        c = sqlite3.connect(copy)
        for (name,) in c.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
            c.execute(f"DROP TRIGGER {name}")
        assert c.execute(sql).rowcount == 1
        c.commit()
        c.close()
        report = checker.check_till(str(copy))
        assert any(d["series"] == "T" and d["number"] == 2 for d in report.defects), (column, report.defects)
        p = subprocess.run([POS, "verify", str(copy)], capture_output=True, text=True, timeout=120)
        assert p.returncode == 1, (column, p.stdout)
