"""checker.py on documents whose original is another till's (FORMAT.md 5.1,
`original_register`): the schema takes the optional field (absent, never
null), the content rules accept a refund of a ticket not in this journal, and
the business copy's `original_id` is NULL for it.

Synthetic payloads: these rules read the decoded content only, so no key is
needed here (signed records with the field are in test_exchange.py).
"""

import sqlite3

import checker


def payload(register="R1", original_register=None, op="refund", original=("T", 1)):
    sign = -1 if op == "refund" else 1
    t = {"establishment": "SHOP1", "operator": "alice", "mode": "ticket", "operation": op,
         "original": {"series": original[0], "number": original[1]} if original else None,
         "currency": "EUR",
         "lines": [{"label": "Wine", "qty_milli": sign * 1000, "unit_price": 1200, "discount": 0,
                    "amount": sign * 1200, "vat_bps": 2000}],
         "vat": {"2000": {"net": sign * 1000, "vat": sign * 200, "gross": sign * 1200}},
         "total": sign * 1200, "payments": [{"method": "cash", "amount": sign * 1200}], "change": 0,
         "customer": None}
    if original_register is not None:
        t["original_register"] = original_register
    return {"register": register, "ticket": t}


def record(number, p, kind="refund"):
    return {"series": "T", "number": number, "kind": kind, "_payload": p}


def jet190(number, doc):
    return {"series": "E", "number": number, "kind": "jet",
            "_payload": {"code": 190, "detail": {"document": doc}}}


def warnings(records):
    report = checker.Report("test")
    checker.check_signed_content(records, report)
    return report.warnings


def test_the_schema_takes_original_register_only_as_a_string():
    assert checker.TICKET(payload(original_register="R2"))
    assert checker.TICKET(payload())
    bad = payload()
    bad["ticket"]["original_register"] = None
    assert not checker.TICKET(bad)
    bad["ticket"]["original_register"] = 7
    assert not checker.TICKET(bad)


def test_a_refund_of_another_tills_ticket_needs_no_local_original():
    recs = [record(1, payload(original_register="R2")), jet190(2, "T1")]
    assert warnings(recs) == []
    # Without the register, the same refund names a sale missing from this journal.
    recs = [record(1, payload()), jet190(2, "T1")]
    assert any("references a sale" in w for w in warnings(recs))


def test_original_register_must_be_another_till_and_come_with_an_original():
    for bad in ["R1", "", "a\tb", "r" * 65]:
        recs = [record(1, payload(original_register=bad)), jet190(2, "T1")]
        assert any("original_register" in w for w in warnings(recs)), bad
    recs = [record(1, payload(op="sale", original=None, original_register="R2"), kind="sale")]
    assert any("original_register" in w for w in warnings(recs))


def test_the_business_copy_of_a_foreign_refund_has_no_local_original_id():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE tickets (id TEXT, series TEXT, number INTEGER, kind TEXT, created_at TEXT, "
                 "total TEXT, customer_id TEXT, original_id TEXT, json TEXT)")
    rec = record(1, payload(original_register="R2"))
    rec["ts"] = "2026-11-02T09:00:00Z"
    for original_id, expect in ((None, False), ("some-local-id", True)):
        conn.execute("DELETE FROM tickets")
        conn.execute("INSERT INTO tickets VALUES ('t1', 'T', 1, 'refund', '2026-11-02T09:00:00Z', '-12.00', "
                     "NULL, ?, '{}')", (original_id,))
        report = checker.Report("test")
        checker.check_tickets(conn, [rec], report)
        flagged = any(d["column"] == "original_id" for d in report.defects)
        assert flagged == expect, report.defects
