#!/usr/bin/env python3
"""An independent verifier of pos-fiscal till files, archives and journal lines.

Written from pos-fiscal/docs/FORMAT.md (and docs/ARCHIVE.md) alone: it uses
only the Python standard library (sqlite3, json, hashlib, tarfile) and the
`cryptography` package, nothing from the Rust code. The numbered rules in the
comments are those of FORMAT.md section 12.

    python checker.py TILL.sqlite --pubkey KEY.pem        # a till file
    python checker.py ARCHIVE.tar --pubkey KEY.pem        # an archive
    python checker.py JOURNAL.jsonl --pubkey KEY.pem      # `pos journal` output

prints a JSON report {verdict, defects: [{kind, series, number, last_number,
table, row, column, detail}], ...}; exit code 0 intact, 1 defects, 2 unusable.
The till file is opened read-only (immutable when no -wal file exists).
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import io
import json
import os
import sqlite3
import sys
import tarfile
from decimal import Decimal, InvalidOperation

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
SERIES = ["T", "I", "C", "Z", "E", "X", "B", "A"]
TICKET_SERIES = {"T", "I", "X", "B"}
MODE_SERIES = {"ticket": "T", "invoice": "I", "training": "X", "provisional": "B"}
PURGEABLE = {"T", "I", "C", "X", "B"}
RECORD_FIELDS = ["format", "register", "series", "number", "kind", "ts", "utc_offset_min",
                 "key_id", "payload", "signed_string", "prev_hash", "signature", "hash", "head_seq"]
# A format-1 record has no journal counter: `head_seq` is absent (NULL in SQLite).
SEAL_EVERY = 64
I64 = (-(1 << 63), (1 << 63) - 1)
U64 = (0, (1 << 64) - 1)
U32 = (0, (1 << 32) - 1)


# ---------------------------------------------------------------- section 2

def canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _no_floats(v) -> bool:
    if isinstance(v, float):
        return False
    if isinstance(v, dict):
        return all(_no_floats(x) for x in v.values())
    if isinstance(v, list):
        return all(_no_floats(x) for x in v)
    return True


def decode_canonical(data):
    """The value if `data` (str or bytes) is canonical JSON, else None."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        v = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    if not _no_floats(v) or canonical(v) != raw:
        return None
    return v


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def strict_hex(s, nbytes):
    if not isinstance(s, str) or len(s) != 2 * nbytes or any(c not in "0123456789abcdef" for c in s):
        return None
    return bytes.fromhex(s)


def b64url(sig: bytes) -> str:
    return base64.urlsafe_b64encode(sig).rstrip(b"=").decode()


# ---------------------------------------------------------------- section 3

def key_id_of(sec1: bytes) -> str:
    return hashlib.sha256(sec1).hexdigest()[:16]


def key_from_sec1(sec1: bytes):
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), sec1)
    except ValueError:
        return None


def sec1_of(pub) -> bytes:
    return pub.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def load_pem_public(pem: bytes):
    """An SPKI public key PEM, or a PKCS#8 private key PEM (its public half)."""
    if b"PRIVATE KEY" in pem:
        return serialization.load_pem_private_key(pem, password=None).public_key()
    return serialization.load_pem_public_key(pem)


def verify_sig(pub, message: bytes, sig_hex) -> bool:
    raw = strict_hex(sig_hex, 64)
    if raw is None or pub is None:
        return False
    r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
    if s > ORDER // 2:  # low-S only
        return False
    try:
        pub.verify(encode_dss_signature(r, s), message, ec.ECDSA(hashes.SHA256()))
        return True
    except InvalidSignature:
        return False


# ---------------------------------------------------------------- payload schemas (section 5)

def _int(lo_hi):
    def check(v):
        return isinstance(v, int) and not isinstance(v, bool) and lo_hi[0] <= v <= lo_hi[1]
    return check


INT, UINT, U32T = _int(I64), _int(U64), _int(U32)


def STR(v):
    return isinstance(v, str)


def opt(t):
    return lambda v: v is None or t(v)


def listof(t):
    return lambda v: isinstance(v, list) and all(t(x) for x in v)


def enum(*names):
    return lambda v: v in names


def obj(optional=None, **fields):
    """A JSON object with exactly `fields`, plus any of `optional` (a dict of
    name -> check) when present; an optional field is absent rather than null
    (section 5: it is not encoded when it has no value)."""
    optional = optional or {}

    def check(v):
        return isinstance(v, dict) and set(fields) <= set(v) <= set(fields) | set(optional) and \
            all(t(v[k]) for k, t in fields.items()) and \
            all(t(v[k]) for k, t in optional.items() if k in v)
    return check


def mapof(keyok, t):
    return lambda v: isinstance(v, dict) and all(keyok(k) and t(x) for k, x in v.items())


def rate_key(k):
    return isinstance(k, str) and k.isdigit() and str(int(k)) == k and int(k) <= U32[1]


def series_key(k):
    return k in SERIES


DOCREF = obj(series=enum(*SERIES), number=UINT)
VAT = mapof(rate_key, obj(net=INT, vat=INT, gross=INT))
HEADMAP = mapof(series_key, obj(last=UINT, hash=STR))
TICKET = obj(register=STR, ticket=obj(
    optional={"original_register": STR},
    establishment=STR, operator=STR, mode=enum(*MODE_SERIES), operation=enum("sale", "refund", "exchange"),
    original=opt(DOCREF), currency=STR,
    lines=listof(obj(label=STR, qty_milli=INT, unit_price=INT, discount=INT, amount=INT, vat_bps=U32T)),
    vat=VAT, total=INT,
    payments=listof(obj(method=enum("cash", "card", "cheque", "voucher", "stored_value", "other"), amount=INT)),
    change=INT, customer=opt(STR)))
DUPLICATE = obj(register=STR, original=DOCREF, doc_type=STR, reprint=U32T, operator=STR)
JET = obj(register=STR, code=U32T, text=STR, operator=STR, detail=mapof(STR, STR))
CLOSURE = obj(
    optional={"exchanges": UINT, "exchange_returns": INT},  # absent when 0
    register=STR, level=enum("day", "month", "year"), period=STR,
    covered=mapof(series_key, obj(first=UINT, last=UINT, last_hash=STR, count=UINT)),
    sales=UINT, refunds=UINT, refunds_total=INT, duplicates=UINT, vat=VAT,
    payments=mapof(STR, INT),
    cash=opt(obj(opening_float=INT, pay_ins=INT, pay_outs=INT, counted=opt(INT), expected=INT)),
    period_total=INT, cumulative_total=INT, perpetual_total=INT, children=listof(UINT),
    previous_signature=STR, head=HEADMAP)
RANGES = mapof(series_key, obj(first=UINT, last=UINT, anchor=STR, anchor_signature=STR, last_hash=STR,
                               last_signature=STR))
ARCHIVE = obj(register=STR, **{"from": STR}, to=STR, manifest_sha256=STR, previous_manifest_sha256=STR,
              ranges=RANGES)
HEAD = obj(type=enum("head"), register=STR, head_seq=UINT, key_id=STR, ts=STR, series=HEADMAP)
SCHEMAS = {"sale": TICKET, "refund": TICKET, "exchange": TICKET, "duplicate": DUPLICATE, "jet": JET,
           "closure_day": CLOSURE, "closure_month": CLOSURE, "closure_year": CLOSURE, "archive": ARCHIVE}
LEVEL_KIND = {"day": "closure_day", "month": "closure_month", "year": "closure_year"}


def parse_payload(kind, text):
    """The payload dict if canonical and of the kind's schema, else None."""
    v = decode_canonical(text) if isinstance(text, str) else None
    schema = SCHEMAS.get(kind)
    if v is None or schema is None or not schema(v):
        return None
    if kind in ("sale", "refund", "exchange") and v["ticket"]["operation"] != kind:
        return None
    if kind.startswith("closure_") and LEVEL_KIND[v["level"]] != kind:
        return None
    return v


# ---------------------------------------------------------------- time (section 4.4)

def parse_ts(ts):
    if not isinstance(ts, str):
        return None
    try:
        t = dt.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return None
    return t if t.strftime("%Y-%m-%dT%H:%M:%SZ") == ts else None


def local_time(rec):
    t = parse_ts(rec["ts"])
    off = rec["utc_offset_min"]
    if t is None or not isinstance(off, int) or isinstance(off, bool) or not -1080 <= off <= 1080:
        return None
    return t + dt.timedelta(minutes=off)


def local_date(rec):
    t = local_time(rec)
    return t.date().isoformat() if t else None


# ---------------------------------------------------------------- records (section 4)

def envelope(rec) -> bytes:
    env = {
        "format": rec["format"], "register": rec["register"], "series": rec["series"],
        "number": rec["number"], "kind": rec["kind"], "ts": rec["ts"],
        "utc_offset_min": rec["utc_offset_min"], "key_id": rec["key_id"],
        "payload_sha256": sha256_hex(rec["payload"].encode("utf-8")),
        "signed_string": rec["signed_string"], "prev_hash": rec["prev_hash"],
    }
    if rec.get("head_seq") is not None:  # format 2: the journal counter is signed
        env["head_seq"] = rec["head_seq"]
    return canonical(env)


def genesis_hash(register, key_id, init_ts, series) -> str:
    return sha256_hex(canonical({"genesis": "pos-fiscal/v1", "register": register, "key_id": key_id,
                                 "init_ts": init_ts, "series": series}))


def well_formed(rec) -> bool:
    """Rule 1, the envelope part: every field of the right type and form."""
    strs = ["register", "series", "kind", "ts", "key_id", "payload", "signed_string", "prev_hash",
            "signature", "hash"]
    if any(not isinstance(rec.get(k), str) for k in strs):
        return False
    if isinstance(rec["format"], bool) or isinstance(rec.get("head_seq"), bool):
        return False
    if not ((rec["format"] == 1 and rec.get("head_seq") is None) or
            (rec["format"] == 2 and UINT(rec.get("head_seq")))):
        return False
    if rec["series"] not in SERIES or not UINT(rec["number"]) or rec["number"] < 1:
        return False
    return local_time(rec) is not None and strict_hex(rec["signature"], 64) is not None


# ---------------------------------------------------------------- signed strings (section 6)

def _esc(v: str) -> str:
    return v.replace(",", ";")


def _rates(vat) -> str:
    return "|".join(f"{int(r):04d}:{v['gross']}" for r, v in sorted(vat.items(), key=lambda kv: -int(kv[0])))


def signed_string(rec, payload, prev_sig_b64):
    t = local_time(rec)
    if t is None or payload is None:
        return None
    time = t.strftime("%Y%m%d%H%M%S")
    ident = f"{rec['series']}{rec['number']}"
    kind = rec["kind"]
    if kind in ("sale", "refund", "exchange"):
        tk = payload["ticket"]
        fields = [_rates(tk["vat"]), str(tk["total"]), time, ident, kind]
    elif kind.startswith("closure_"):
        fields = [_rates(payload["vat"]), str(payload["period_total"]), str(payload["perpetual_total"]), time, ident]
    elif kind == "duplicate":
        o = payload["original"]
        fields = [ident, _esc(payload["doc_type"]), str(payload["reprint"]), _esc(payload["operator"]), time,
                  f"{o['series']}{o['number']}"]
    elif kind == "jet":
        fields = [ident, str(payload["code"]), _esc(payload["text"]), time, _esc(payload["operator"]),
                  _esc(payload["register"])]
    elif kind == "archive":
        fields = [ident, payload["from"], payload["to"], payload["manifest_sha256"], time]
    else:
        return None
    fields += ["1", _esc(prev_sig_b64)] if prev_sig_b64 is not None else ["0", ""]
    return ",".join(fields)


# ---------------------------------------------------------------- the report

class Report:
    def __init__(self, source):
        self.source = source
        self.defects = []
        self.warnings = []
        self.info = {}

    def add(self, kind, detail, series=None, number=None, last_number=None, table=None, row=None, column=None):
        self.defects.append({"kind": kind, "series": series, "number": number, "last_number": last_number,
                             "table": table, "row": row, "column": column, "detail": detail})

    def rec(self, kind, r, detail, column=None, table="fiscal_record"):
        self.add(kind, detail, series=r["series"], number=r["number"], table=table,
                 row=f"{r['series']}{r['number']}", column=column)

    def to_dict(self):
        out = {"verdict": "intact" if not self.defects else "defects", "source": self.source}
        out.update(self.info)
        out["defects"] = self.defects
        out["warnings"] = self.warnings
        return out

    def has(self, kind=None, table=None, row=None, column=None, series=None, number=None):
        def ok(d):
            return ((kind is None or d["kind"] == kind) and (table is None or d["table"] == table)
                    and (row is None or d["row"] == row) and (column is None or d["column"] == column)
                    and (series is None or d["series"] == series) and (number is None or d["number"] == number))
        return any(ok(d) for d in self.defects)


# ---------------------------------------------------------------- rules 3-7 over a list of records

def genesis_of(records):
    """E1's detail if E1 is a JET 260 (rule 6)."""
    for r in records:
        if r["series"] == "E" and r["number"] == 1 and r.get("_payload"):
            p = r["_payload"]
            if p["code"] == 260 and all(k in p["detail"] for k in ("register", "key_id", "init_ts", "public_key")):
                return p["detail"]
    return None


def build_ring(records, trusted):
    """Section 3: trusted keys plus keys handed over by JET 310 records signed by a ring key."""
    ring = {key_id_of(sec1_of(k)): k for k in trusted}
    for r in records:
        p = r.get("_payload")
        if r["series"] != "E" or not p or p["code"] != 310:
            continue
        k = ring.get(r["key_id"])
        if k is None or not verify_sig(k, envelope(r), r["signature"]):
            continue
        sec1 = strict_hex(p["detail"].get("new_public_key"), 65)
        new = key_from_sec1(sec1) if sec1 else None
        if new is not None:
            ring[key_id_of(sec1)] = new
    return ring


def check_records(records, trusted, report, anchors=None, table="fiscal_record", require_genesis=True):
    """Rules 3-6. `records`: well-formed records in stored order, each with `_payload`
    (parsed or None). `anchors`: {series: (first, prev_hash, prev_sig_b64 or None)}.
    Returns the key ring."""
    anchors = anchors or {}
    ring = build_ring(records, trusted)
    signed_by = set()
    for r in records:  # rule 3
        try:
            env = envelope(r)
        except (TypeError, ValueError):
            report.rec("modified", r, "record fields are not well-formed", table=table)
            continue
        sig = bytes.fromhex(r["signature"])
        computed = sha256_hex(env + sig)
        key = ring.get(r["key_id"])
        stored_ok = computed == r["hash"]
        if key is not None and verify_sig(key, env, r["signature"]):
            signed_by.add(r["key_id"])
            if not stored_ok:
                report.rec("modified", r, "stored hash does not match the record", column="hash", table=table)
        elif key is None:
            report.rec("forged", r, "signed by an unknown key", column="key_id", table=table)
        elif stored_ok:
            report.rec("forged", r, "hash consistent but signature invalid", column="signature", table=table)
        else:
            report.rec("modified", r, "signature does not verify", table=table)
    g = genesis_of(records)
    if g is not None:
        sec1 = strict_hex(g["public_key"], 65)
        if sec1 is None or key_id_of(sec1) != g["key_id"]:
            report.add("malformed", "E1 key_id is not the key id of its public_key", series="E", number=1,
                       table=table, row="E1", column="payload")
    elif records and require_genesis and "E" not in anchors:
        report.add("malformed", "no JET 260 initialisation record E1", series="E", number=1, table=table, row="E1")
    for s in SERIES:  # rules 4, 5
        items = [r for r in records if r["series"] == s]
        anchor = anchors.get(s)
        if anchor is None and g is not None:
            anchor = (1, genesis_hash(g["register"], g["key_id"], g["init_ts"], s), None)
        _check_series(s, items, anchor, report, table)
    check_counters(records, report, table)
    report.info["key_ids"] = sorted(signed_by)
    return ring


def _check_series(s, items, anchor, report, table):
    seen, top = {}, None
    for r in items:
        n = r["number"]
        if n in seen:
            report.rec("duplicated", r, "number already present", table=table)
            continue
        if top is not None and n < top:
            report.rec("reordered", r, "stored after a higher number", table=table)
        top = n if top is None else max(top, n)
        seen[n] = r
    start = anchor[0] if anchor else 1
    expected, prev = start, None
    for n in sorted(seen):
        r = seen[n]
        if n < start:
            report.rec("before_anchor", r, "number before the chain's anchor", table=table)
            continue
        if n > expected:
            report.add("missing", "numbers missing in the series", series=s, number=expected, last_number=n - 1,
                       table=table, row=f"{s}{expected}")
        if prev is not None:
            want_hash, want_sig = prev["hash"], b64url(bytes.fromhex(prev["signature"]))
        elif n == start and anchor is not None:
            want_hash, want_sig = anchor[1], anchor[2]
        else:
            want_hash, want_sig = None, None
        if want_hash is not None and want_hash != r["prev_hash"]:
            report.rec("broken_link", r, "previous hash does not match", column="prev_hash", table=table)
        elif want_hash is not None or n == start:
            if signed_string(r, r["_payload"], want_sig) != r["signed_string"]:
                report.rec("broken_link", r, "signed string does not match payload and chain",
                           column="signed_string", table=table)
        prev, expected = r, n + 1


def check_counters(records, report, table="fiscal_record"):
    """Rule 6b: journal counters (format 2) are unique and increase along each series."""
    seen = set()
    for r in records:
        c = r.get("head_seq")
        if c is not None:
            if c in seen:
                report.rec("counter", r, "journal counter already used", column="head_seq", table=table)
            seen.add(c)
    for s in SERIES:
        last = None
        for r in sorted((r for r in records if r["series"] == s), key=lambda r: r["number"]):
            c = r.get("head_seq")
            if last is not None and (c is None or c <= last):
                report.rec("counter", r, "journal counter does not increase along the series",
                           column="head_seq", table=table)
            if c is not None:
                last = c if last is None else max(last, c)


def check_head(records, head_payload, head_sig, ring, report, known_head=None, register=None):
    """Rule 7 (the part shared by files and head.json): the sealed part and the unsealed tail."""
    def bad(detail, column=None):
        report.add("bad_head", detail, table="fiscal_head", row="1", column=column)
    p = decode_canonical(head_payload) if isinstance(head_payload, str) else None
    if p is None or not HEAD(p):
        bad("head is malformed", "payload")
        return None
    if register is not None and p["register"] != register:
        bad("head names another register", "payload")
    k = ring.get(p["key_id"])
    if k is None or not verify_sig(k, head_payload.encode("utf-8"), head_sig):
        bad("head signature does not verify", "signature")
    if known_head is not None:
        seq, h = known_head
        if p["head_seq"] < seq or (p["head_seq"] == seq and sha256_hex(head_payload.encode("utf-8")) != h):
            report.add("restored_backup", "head is older than the mirrored head", table="fiscal_head", row="1")
    hs = p["head_seq"]
    beyond = []
    for s in SERIES:
        h = p["series"].get(s)
        sealed_last = h["last"] if h is not None else 0
        present = [r for r in records if r["series"] == s and r["number"] <= sealed_last]
        last = max(present, key=lambda r: r["number"]) if present else None
        if h is not None and last is None:
            report.add("truncated_tail", "head names records that are missing", series=s, number=1,
                       last_number=h["last"], table="fiscal_record", row=f"{s}1")
        elif h is not None and h["last"] > last["number"]:
            report.add("truncated_tail", "head names records that are missing", series=s,
                       number=last["number"] + 1, last_number=h["last"], table="fiscal_record",
                       row=f"{s}{last['number'] + 1}")
        elif h is not None and h["hash"] != last["hash"]:
            report.rec("truncated_tail", last, "last record differs from the head", column="hash")
        for r in records:
            if r["series"] != s:
                continue
            if r["number"] > sealed_last:
                beyond.append(r)
            elif r.get("head_seq") is not None and r["head_seq"] > hs:
                report.rec("counter", r, "record sealed by the head carries a later counter", column="head_seq")
    counters = set()
    for r in beyond:
        c = r.get("head_seq")
        if c is not None and c > hs:
            counters.add(c)
        else:
            report.rec("beyond_head", r, "record beyond the head does not continue its counter",
                       column="head_seq")
        if r["series"] in ("Z", "A"):
            report.rec("beyond_head", r, "closure or archive not covered by the head")
    expected = hs + 1
    for c in sorted(counters):
        if c > expected:
            report.add("missing", "unsealed records missing: journal counters (head_seq) skipped",
                       number=expected, last_number=c - 1, table="fiscal_record", row=f"head_seq {expected}")
        expected = c + 1
    if len(beyond) > SEAL_EVERY:
        report.add("beyond_head", "more unsealed records than the sealing bound", table="fiscal_head", row="1")
    report.info["head_seq"] = hs
    report.info["unsealed"] = len(beyond)
    return p


# ---------------------------------------------------------------- till file

COLUMNS = RECORD_FIELDS + ["local_date", "ref_series", "ref_number", "amount"]


def open_readonly(path):
    """Rule 14: read-only, immutable when there is no -wal file (no -wal/-shm is created)."""
    from urllib.parse import quote
    uri = "file:" + quote(os.path.abspath(path)) + "?mode=ro"
    if not os.path.exists(path + "-wal"):
        uri += "&immutable=1"
    return sqlite3.connect(uri, uri=True)


def _tables(conn):
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def load_records(conn, report):
    """Rule 1 over the fiscal_record rows; returns well-formed records with `_payload`, `_row`."""
    have = {r[1] for r in conn.execute("PRAGMA table_info(fiscal_record)")}
    cols = [c if c in have else f"NULL AS {c}" for c in COLUMNS]  # schema 2 files lack head_seq
    rows = conn.execute(f"SELECT seq, {', '.join(cols)} FROM fiscal_record ORDER BY seq").fetchall()
    out = []
    for row in rows:
        rec = dict(zip(["seq"] + COLUMNS, row))
        label = f"{rec['series']}{rec['number']}"
        if not well_formed(rec):
            report.add("malformed", "row is not a well-formed record", table="fiscal_record", row=label,
                       series=rec["series"] if rec["series"] in SERIES else None,
                       number=rec["number"] if isinstance(rec["number"], int) else None)
            continue
        rec["_payload"] = parse_payload(rec["kind"], rec["payload"])
        if rec["_payload"] is None:
            report.rec("malformed", rec, "payload is not the canonical JSON of its kind", column="payload")
        elif rec["kind"] in ("sale", "refund", "exchange") and MODE_SERIES[rec["_payload"]["ticket"]["mode"]] != rec["series"]:
            report.rec("malformed", rec, "ticket mode does not match the series", column="payload")
            rec["_payload"] = None
        elif (rec["kind"] in ("sale", "refund", "exchange") and rec["series"] not in TICKET_SERIES) or \
                (rec["kind"] == "duplicate" and rec["series"] != "C") or \
                (rec["kind"].startswith("closure_") and rec["series"] != "Z") or \
                (rec["kind"] == "jet" and rec["series"] != "E") or (rec["kind"] == "archive" and rec["series"] != "A"):
            report.rec("malformed", rec, "kind does not belong to the series", column="kind")
        out.append(rec)
    return out


def purge_anchors(records):
    """Section 4.3: anchors of series whose first stored number is above 1, from A records."""
    anchors = {}
    archives = [r["_payload"] for r in sorted((r for r in records if r["series"] == "A" and r["_payload"]),
                                               key=lambda r: r["number"])]
    for s in SERIES:
        nums = [r["number"] for r in records if r["series"] == s]
        if not nums or min(nums) <= 1:
            continue
        first = min(nums)
        for a in reversed(archives):
            rg = a["ranges"].get(s)
            if rg and rg["last"] == first - 1:
                anchors[s] = (first, rg["last_hash"], rg["last_signature"] or None)
                break
    return anchors


def check_derived(records, report):
    """Rule 2."""
    for r in records:
        p = r["_payload"]
        if p is None:
            continue
        if r["local_date"] != local_date(r):
            report.rec("cache", r, "local_date is not the local date of ts", column="local_date")
        ref, amount = None, 0
        if r["kind"] in ("sale", "refund", "exchange"):
            ref, amount = p["ticket"]["original"], p["ticket"]["total"]
        elif r["kind"] == "duplicate":
            ref = p["original"]
        elif r["kind"].startswith("closure_"):
            amount = p["period_total"]
        if r["ref_series"] != (ref["series"] if ref else None):
            report.rec("cache", r, "ref_series differs from the signed reference", column="ref_series")
        if r["ref_number"] != (ref["number"] if ref else None):
            report.rec("cache", r, "ref_number differs from the signed reference", column="ref_number")
        if r["amount"] != amount:
            report.rec("cache", r, "amount differs from the signed amount", column="amount")


def check_meta(conn, records, report):
    """Rule 8."""
    stored = dict(conn.execute("SELECT key, value FROM fiscal_meta").fetchall())
    g = genesis_of(records)
    exp = {"schema_version": "3"}
    if g is not None:
        exp.update({"register": g["register"], "init_ts": g["init_ts"], "genesis_key_id": g["key_id"],
                    f"public_key:{g['key_id']}": g["public_key"]})
        current = g["key_id"]
        jets = sorted((r for r in records if r["series"] == "E" and r["_payload"]), key=lambda r: r["number"])
        for r in jets:
            p = r["_payload"]
            d = p["detail"]
            if p["code"] == 310 and "new_key_id" in d and "new_public_key" in d:
                exp[f"public_key:{d['new_key_id']}"] = d["new_public_key"]
                current = d["new_key_id"]
            elif p["code"] == 250 and "to" in d:
                exp["software_version"] = d["to"]
            elif p["code"] == 270 and d.get("setting") == "siren" and "value" in d:
                exp["siren"] = d["value"]
        exp["current_key_id"] = current
    if records:
        exp["last_ts"] = max(r["ts"] for r in records)
    for k, v in sorted(stored.items()):
        if k not in exp:
            report.add("cache", "meta key that no signed record backs", table="fiscal_meta", row=k, column="key")
        elif v != exp[k]:
            report.add("cache", "meta value differs from its signed source", table="fiscal_meta", row=k,
                       column="value")
    for k in sorted(set(exp) - set(stored)):
        report.add("cache", "meta key missing", table="fiscal_meta", row=k, column="value")
    for k, v in stored.items():
        if isinstance(v, str) and "PRIVATE KEY" in v:
            report.warnings.append(f"fiscal_meta {k} holds private key material")


def net_payments(ticket):
    """Section 5.1: payments net of change, per method."""
    m = {}
    for p in ticket["payments"]:
        m[p["method"]] = m.get(p["method"], 0) + p["amount"]
    if ticket["change"] != 0:
        m["cash"] = m.get("cash", 0) - ticket["change"]
    return m


def ticket_records(records):
    return [r for r in records if r["series"] in ("T", "I") and r["kind"] in ("sale", "refund", "exchange") and r["_payload"]]


def closures_of(records, level=None):
    return sorted((r for r in records if r["series"] == "Z" and r["_payload"]
                   and (level is None or r["_payload"]["level"] == level)), key=lambda r: r["number"])


def purged_days(records):
    """Days whose day closure covers numbers no longer stored (purged after archive)."""
    present = {(r["series"], r["number"]) for r in records}
    out = {}
    for z in closures_of(records, "day"):
        c = z["_payload"]["covered"]
        if any((s, n) not in present for s, cv in c.items() for n in range(cv["first"], cv["last"] + 1)):
            out[z["_payload"]["period"]] = z
    return out


def check_totals(conn, records, report):
    """Rule 9 (section 8)."""
    exp, docs_unknown = {}, set()
    purged = purged_days(records)

    def bump(key, net, vat, gross, docs):
        row = exp.setdefault(key, [0, 0, 0, 0])
        row[0] += net
        row[1] += vat
        row[2] += gross
        row[3] += docs

    def periods(d):
        return [("day", d), ("month", d[:7]), ("year", d[:4]), ("perpetual", "GT")]

    for r in ticket_records(records):
        d = local_date(r)
        if d in purged:
            cv = purged[d]["_payload"]["covered"].get(r["series"])
            if cv and cv["first"] <= r["number"] <= cv["last"]:
                continue
        t = r["_payload"]["ticket"]
        for scope, period in periods(d):
            for rate, v in t["vat"].items():
                bump((scope, period, int(rate)), v["net"], v["vat"], v["gross"], 1)
            bump((scope, period, -1), sum(v["net"] for v in t["vat"].values()),
                 sum(v["vat"] for v in t["vat"].values()), sum(v["gross"] for v in t["vat"].values()), 1)
    for d, z in purged.items():
        p = z["_payload"]
        for scope, period in periods(d):
            for rate, v in p["vat"].items():
                bump((scope, period, int(rate)), v["net"], v["vat"], v["gross"], 0)
                docs_unknown.add((scope, period, int(rate)))
            bump((scope, period, -1), sum(v["net"] for v in p["vat"].values()),
                 sum(v["vat"] for v in p["vat"].values()), sum(v["gross"] for v in p["vat"].values()),
                 sum(c["count"] for c in p["covered"].values()))
    stored = {}
    for scope, period, rate, net, vat, gross, docs in conn.execute(
            "SELECT scope, period, rate_bps, net, vat, gross, docs FROM fiscal_totals"):
        stored[(scope, period, rate)] = [net, vat, gross, docs]
    for key in sorted(set(stored) | set(exp), key=str):
        name = f"{key[0]}/{key[1]}/{key[2]}"
        if key not in exp:
            report.add("cache", "totals row no ticket backs", table="fiscal_totals", row=name)
        elif key not in stored:
            report.add("cache", "totals row missing", table="fiscal_totals", row=name)
        else:
            for i, col in enumerate(["net", "vat", "gross", "docs"]):
                if col == "docs" and key in docs_unknown:
                    continue
                if stored[key][i] != exp[key][i]:
                    report.add("cache", f"{col} differs from the tickets", table="fiscal_totals", row=name, column=col)


def check_purge_allow(conn, records, report):
    """Rule 10."""
    archives = [r["_payload"] for r in records if r["series"] == "A" and r["_payload"]]
    for s, upto in conn.execute("SELECT series, upto FROM fiscal_purge_allow"):
        ok = s in PURGEABLE and any(a["ranges"].get(s, {}).get("last") == upto for a in archives)
        if not ok:
            report.add("cache", "purge allowance no archive record backs", table="fiscal_purge_allow", row=str(s),
                       column="upto")
    # A series starting above 1 without an A record anchoring it is reported
    # by the chain rule (4) as `missing` from 1.


def _sum_into(acc, p):
    for s, cv in p["covered"].items():
        e = acc["covered"].get(s)
        if e is None:
            acc["covered"][s] = dict(cv)
        else:
            e["first"] = min(e["first"], cv["first"])
            if cv["last"] >= e["last"]:
                e["last"], e["last_hash"] = cv["last"], cv["last_hash"]
            e["count"] += cv["count"]
    for k in ("sales", "refunds", "refunds_total", "duplicates"):
        acc[k] += p[k]
    for k in ("exchanges", "exchange_returns"):
        acc[k] += p.get(k, 0)
    for rate, v in p["vat"].items():
        e = acc["vat"].setdefault(rate, {"net": 0, "vat": 0, "gross": 0})
        for f in ("net", "vat", "gross"):
            e[f] += v[f]
    for m, a in p["payments"].items():
        acc["payments"][m] = acc["payments"].get(m, 0) + a
    acc["period_total"] += p["period_total"]


def _empty_sums():
    return {"covered": {}, "sales": 0, "refunds": 0, "refunds_total": 0, "exchanges": 0, "exchange_returns": 0,
            "duplicates": 0, "vat": {},
            "payments": {}, "period_total": 0}


def _period_bounds(level, period):
    try:
        if level == "day":
            d = dt.date.fromisoformat(period)
            return (d, d) if d.isoformat() == period else None
        if level == "month":
            y, m = period.split("-")
            if len(y) != 4 or len(m) != 2:
                return None
            first = dt.date(int(y), int(m), 1)
            nxt = dt.date(first.year + (first.month == 12), first.month % 12 + 1, 1)
            return first, nxt - dt.timedelta(days=1)
        if len(period) != 4 or not period.isdigit():
            return None
        return dt.date(int(period), 1, 1), dt.date(int(period), 12, 31)
    except ValueError:
        return None


def check_closures(records, report):
    """Rule 11."""
    by_ref = {(r["series"], r["number"]): r for r in records}
    first_stored = {}
    for r in records:
        first_stored[r["series"]] = min(first_stored.get(r["series"], r["number"]), r["number"])
    e1 = by_ref.get(("E", 1))
    genesis_day = dt.date.fromisoformat(local_date(e1)) if e1 else None
    tickets = ticket_records(records)
    dups = [r for r in records if r["series"] == "C" and r["_payload"]]
    purged = purged_days(records)
    day_z = closures_of(records, "day")
    month_z = closures_of(records, "month")
    for level in ("day", "month", "year"):
        prev, seen_periods = None, set()
        for z in closures_of(records, level):
            p = z["_payload"]

            def bad(column, detail, z=z):
                report.rec("closure", z, detail, column=column)

            bounds = _period_bounds(level, p["period"])
            own_day = dt.date.fromisoformat(local_date(z))
            if bounds is None:
                bad("period", "period is not a valid period of its level")
            else:
                if genesis_day is not None and bounds[1] < genesis_day:
                    bad("period", "period before the till existed")
                if bounds[1] > own_day:
                    bad("period", "period ends after the closure was recorded")
            if p["period"] in seen_periods:
                bad("period", "period closed twice")
            seen_periods.add(p["period"])
            # What the closure sums.
            if level == "day":
                exp = None if p["period"] in purged else _day_sums(p, tickets, dups)
                children = []
            else:
                # month: its day closures; year: its month closures; recorded before it.
                pool = day_z if level == "month" else month_z
                kids = [c for c in pool if c["number"] < z["number"]
                        and c["_payload"]["period"].startswith(p["period"] + "-")]
                children = [c["number"] for c in kids]
                exp = _empty_sums()
                for c in kids:
                    _sum_into(exp, c["_payload"])
            if p["children"] != children:
                bad("children", "children are not the closures of the period")
            if exp is not None:
                for col in ("covered", "sales", "refunds", "refunds_total", "exchanges", "exchange_returns",
                            "duplicates", "vat", "payments", "period_total"):
                    if p.get(col, 0) != exp[col]:
                        bad(col, f"{col} differs from the documents it covers")
            if level != "day" and p["cash"] is not None:
                bad("cash", "only day closures carry a cash control")
            if p["cash"] is not None:
                c = p["cash"]
                if c["expected"] != c["opening_float"] + p["payments"].get("cash", 0) + c["pay_ins"] - c["pay_outs"]:
                    bad("cash", "expected cash is not float + cash payments + pay-ins - pay-outs")
            if any(v["net"] + v["vat"] != v["gross"] for v in p["vat"].values()):
                bad("vat", "net plus VAT is not gross")
            if sum(v["gross"] for v in p["vat"].values()) != p["period_total"]:
                bad("period_total", "rates do not sum to the period total")
            if sum(p["payments"].values()) != p["period_total"]:
                bad("payments", "payments do not sum to the period total")
            # Chained figures.
            pp = prev["_payload"] if prev else None
            prev_perp = pp["perpetual_total"] if pp else 0
            if p["perpetual_total"] != prev_perp + p["period_total"]:
                bad("perpetual_total", "perpetual total is not the previous one plus the period")
            if level == "year":
                cum = prev_perp + p["period_total"]
            elif pp and pp["period"][:4] == p["period"][:4]:
                cum = pp["cumulative_total"] + p["period_total"]
            else:
                cum = p["period_total"]
            if p["cumulative_total"] != cum:
                bad("cumulative_total", "cumulative total does not follow the previous closure")
            want_sig = b64url(bytes.fromhex(prev["signature"])) if prev else ""
            if p["previous_signature"] != want_sig:
                bad("previous_signature", "previous_signature is not the previous closure's signature")
            for s, h in p["head"].items():
                r = by_ref.get((s, h["last"]))
                if r is None and h["last"] < first_stored.get(s, 0):
                    continue  # purged
                if r is None or r["hash"] != h["hash"]:
                    bad("head", "head entry names a record that is not there")
            prev = z


def _day_sums(p, tickets, dups):
    day = p["period"]
    acc = _empty_sums()
    for r in sorted(tickets, key=lambda r: (r["series"], r["number"])):
        h = p["head"].get(r["series"])
        if local_date(r) != day or h is None or r["number"] > h["last"]:
            continue
        t = r["_payload"]["ticket"]
        c = acc["covered"].setdefault(r["series"], {"first": r["number"], "last": r["number"],
                                                     "last_hash": r["hash"], "count": 0})
        c["first"] = min(c["first"], r["number"])
        if r["number"] >= c["last"]:
            c["last"], c["last_hash"] = r["number"], r["hash"]
        c["count"] += 1
        if t["operation"] == "sale":
            acc["sales"] += 1
        elif t["operation"] == "exchange":
            # Section 5.4: counted apart; refunds_total stays the refund documents'.
            acc["exchanges"] += 1
            acc["exchange_returns"] += sum(line["amount"] for line in t["lines"] if line["amount"] < 0)
        else:
            acc["refunds"] += 1
            acc["refunds_total"] += t["total"]
        for rate, v in t["vat"].items():
            e = acc["vat"].setdefault(rate, {"net": 0, "vat": 0, "gross": 0})
            for f in ("net", "vat", "gross"):
                e[f] += v[f]
        for m, a in net_payments(t).items():
            acc["payments"][m] = acc["payments"].get(m, 0) + a
        acc["period_total"] += t["total"]
    hc = p["head"].get("C")
    acc["duplicates"] = sum(1 for r in dups if local_date(r) == day and hc is not None and r["number"] <= hc["last"])
    return acc


def check_closed_period(records, report):
    """Rule 12."""
    day_cov = {z["_payload"]["period"]: z["_payload"]["covered"] for z in closures_of(records, "day")}
    last_day = max(day_cov) if day_cov else None
    months = {z["_payload"]["period"] for z in closures_of(records, "month")}
    years = {z["_payload"]["period"] for z in closures_of(records, "year")}
    for r in ticket_records(records):
        d = local_date(r)
        closed = (last_day is not None and d <= last_day) or d[:7] in months or d[:4] in years
        if not closed:
            continue
        cv = day_cov.get(d, {}).get(r["series"])
        if cv is None or not cv["first"] <= r["number"] <= cv["last"]:
            report.rec("closed_period", r, "document dated in a closed period but not in its closure")


def _cents(text):
    try:
        v = Decimal(text) * 100
    except (InvalidOperation, TypeError):
        return None
    return int(v) if v == v.to_integral_value() else None


def _money(m):
    return _cents(m.get("amount")) if isinstance(m, dict) else None


def _milli(text):
    try:
        v = Decimal(text) * 1000
    except (InvalidOperation, TypeError):
        return None
    return int(v) if v == v.to_integral_value() else None


TENDER = {"cash": "cash", "card": "card", "cheque": "cheque", "meal_voucher": "voucher", "voucher": "voucher",
          "gift_card": "stored_value", "store_credit": "stored_value"}


def check_tickets(conn, records, report):
    """Rule 13: pos-sdk's business copy."""
    if "tickets" not in _tables(conn):
        return
    by_ref = {(r["series"], r["number"]): r for r in records if r["kind"] in ("sale", "refund", "exchange") and r["_payload"]}
    rows = conn.execute("SELECT id, series, number, kind, created_at, total, customer_id, original_id, json "
                        "FROM tickets").fetchall()
    ids = {row[0]: (row[1], row[2]) for row in rows}
    for tid, series, number, kind, created_at, total, customer_id, original_id, js in rows:
        def bad(column, detail, tid=tid):
            report.add("cache", detail, series=series, number=number, table="tickets", row=str(tid), column=column)
        rec = by_ref.get((series, number))
        if rec is None:
            bad("number", "business copy without its fiscal record")
            continue
        t = rec["_payload"]["ticket"]
        if kind != rec["kind"]:
            bad("kind", "kind differs from the signed record")
        try:
            at = dt.datetime.fromisoformat(created_at).astimezone(dt.timezone.utc)
            ok = at.strftime("%Y-%m-%dT%H:%M:%SZ") == rec["ts"]
        except (TypeError, ValueError):
            ok = False
        if not ok:
            bad("created_at", "created_at differs from the signed time")
        if _cents(total) != t["total"]:
            bad("total", "total differs from the signed total")
        if customer_id != t["customer"]:
            bad("customer_id", "customer differs from the signed ticket")
        orig = ids.get(original_id) if original_id is not None else None
        want = (t["original"]["series"], t["original"]["number"]) if t["original"] else None
        if t.get("original_register") is not None:
            # The original is another till's ticket: no local row to name.
            if original_id is not None:
                bad("original_id", "original_id names a local ticket but the original is at another till")
        elif (original_id is None and want is not None) or (original_id is not None and orig != want):
            bad("original_id", "original differs from the signed reference")
        try:
            j = json.loads(js)
        except (TypeError, ValueError):
            j = None
        if not isinstance(j, dict):
            bad("json", "json is not a JSON object")
            continue
        _check_ticket_json(j, tid, t, kind, bad)


def _check_ticket_json(j, tid, t, kind, bad):
    if j.get("id") != tid:
        bad("json.id", "json id differs from the row id")
    if j.get("kind") != kind:
        bad("json.kind", "json kind differs")
    if _money(j.get("total")) != t["total"]:
        bad("json.total", "json total differs from the signed total")
    if _money(j.get("change")) != t["change"]:
        bad("json.change", "json change differs from the signed change")
    if j.get("currency") != t["currency"]:
        bad("json.currency", "json currency differs")
    if j.get("operator") != t["operator"]:
        bad("json.operator", "json operator differs")
    if j.get("store") != t["establishment"]:
        bad("json.store", "json store differs from the signed establishment")
    if j.get("customer") != t["customer"]:
        bad("json.customer", "json customer differs")
    lines = j.get("lines") if isinstance(j.get("lines"), list) else []
    if len(lines) != len(t["lines"]):
        bad("json.lines", "json has another number of lines")
    for i, (l, s) in enumerate(zip(lines, t["lines"])):
        pre = f"json.lines[{i}]"
        if not isinstance(l, dict):
            bad(pre, "line is not an object")
            continue
        if l.get("label") != s["label"]:
            bad(pre + ".label", "label differs")
        if _milli(l.get("quantity")) != s["qty_milli"]:
            bad(pre + ".quantity", "quantity differs")
        if _money(l.get("unit_price")) != s["unit_price"]:
            bad(pre + ".unit_price", "unit price differs")
        amount = _money(l.get("amount"))
        if amount != s["amount"]:
            bad(pre + ".amount", "amount differs")
        gross = _money(l.get("gross"))
        if gross is None or amount is None or gross - amount != s["discount"]:
            bad(pre + ".gross", "discount (gross - amount) differs")
        if l.get("vat_rate") != s["vat_bps"]:
            bad(pre + ".vat_rate", "VAT rate differs")
    taxes = j.get("taxes") if isinstance(j.get("taxes"), list) else []
    got = {}
    for x in taxes:
        if isinstance(x, dict):
            got[str(x.get("rate"))] = {"net": _money(x.get("net")), "vat": _money(x.get("vat")),
                                       "gross": _money(x.get("gross"))}
    if got != t["vat"]:
        bad("json.taxes", "taxes differ from the signed VAT breakdown")
    pays = []
    for x in j.get("payments") if isinstance(j.get("payments"), list) else []:
        if not isinstance(x, dict):
            pays.append(None)
            continue
        m = x.get("method")
        method = m.get("method") if isinstance(m, dict) else m
        pays.append({"method": TENDER.get(method, method), "amount": _money(x.get("applied"))})
    rounding = _money(j.get("cash_rounding")) or 0
    if rounding:
        pays.append({"method": "other", "amount": -rounding})
    if pays != t["payments"]:
        bad("json.payments", "payments differ from the signed payments")


def check_mirrored(records, mirrored, report):
    """Rule 7, last part: the records the sync server accepted ({series: {last, hash}})
    must be in the file with the same hash."""
    for s, h in sorted(mirrored.items()):
        nums = [r for r in records if r["series"] == s]
        hit = next((r for r in nums if r["number"] == h["last"]), None)
        top = max((r["number"] for r in nums), default=0)
        if hit is not None and hit["hash"] == h["hash"]:
            continue
        if hit is not None:
            report.rec("restored_backup", hit, "record differs from the one the server accepted", column="hash")
        elif top <= h["last"]:
            report.add("truncated_tail", "the server holds records the file does not", series=s,
                       number=top + 1, last_number=h["last"], table="fiscal_record", row=f"{s}{top + 1}")


def check_signed_content(records, report):
    """Rules the journal enforces before signing (FORMAT.md 5.1, 5.2, 5.3): a
    signed record breaking them was made by a faulty or forged writer. Reported
    as warnings (they are not numbered verification rules)."""
    warn = report.warnings.append
    by_ref = {(r["series"], r["number"]): r for r in records}
    first = {}
    for r in records:
        first[r["series"]] = min(first.get(r["series"], r["number"]), r["number"])
    refunds_logged = {r["_payload"]["detail"].get("document") for r in records
                      if r["series"] == "E" and r["_payload"] and r["_payload"]["code"] == 190}
    for r in records:
        if r["kind"] not in ("sale", "refund", "exchange") or not r["_payload"]:
            continue
        t, rid = r["_payload"]["ticket"], f"{r['series']}{r['number']}"
        refund = t["operation"] == "refund"
        exchange = t["operation"] == "exchange"
        per_rate = {}
        for line in t["lines"]:
            if exchange:
                # Return lines (quantity < 0) are <= 0, new sale lines >= 0.
                if line["qty_milli"] == 0 or (line["qty_milli"] < 0 < line["amount"]) or \
                        (line["amount"] < 0 < line["qty_milli"]):
                    warn(f"{rid}: an exchange line's amount does not follow its quantity's sign")
            elif (refund and line["amount"] > 0) or (not refund and line["amount"] < 0):
                warn(f"{rid}: a line amount has the wrong sign")
            per_rate[str(line["vat_bps"])] = per_rate.get(str(line["vat_bps"]), 0) + line["amount"]
        if not t["lines"]:
            warn(f"{rid}: no line")
        if set(per_rate) != set(t["vat"]) or any(per_rate[k] != v["gross"] for k, v in t["vat"].items()):
            warn(f"{rid}: the VAT breakdown is not the sum of the lines")
        if any(v["net"] + v["vat"] != v["gross"] for v in t["vat"].values()):
            warn(f"{rid}: net plus VAT is not gross")
        if sum(v["gross"] for v in t["vat"].values()) != t["total"]:
            warn(f"{rid}: the rates do not sum to the total")
        if t["change"] < 0 or sum(p["amount"] for p in t["payments"]) - t["change"] != t["total"]:
            warn(f"{rid}: payments minus change are not the total")
        o = t["original"]
        foreign = t.get("original_register")
        if foreign is not None and (o is None or not 1 <= len(foreign) <= 64 or
                                    any(ord(c) < 0x20 or 0x7f <= ord(c) < 0xa0 for c in foreign) or
                                    foreign == r["_payload"]["register"]):
            warn(f"{rid}: original_register is another till's id, set only with original")
        if exchange:
            if not any(x["qty_milli"] < 0 for x in t["lines"]) or not any(x["qty_milli"] > 0 for x in t["lines"]):
                warn(f"{rid}: an exchange has a return line and a sale line")
            if any(p["amount"] * t["total"] < 0 or (t["total"] == 0 and p["amount"] != 0) for p in t["payments"]):
                warn(f"{rid}: an exchange's payments are not signed like its balance")
        if refund or exchange:
            # An original of another till is not in this journal: only its series is checked.
            orig = by_ref.get((o["series"], o["number"])) if o and foreign is None else None
            purged = o is not None and (foreign is not None or o["number"] < first.get(o["series"], 0))
            if o is None or o["series"] != r["series"] or (orig is None and not purged) or \
                    (orig is not None and orig["kind"] not in ("sale", "exchange")):
                warn(f"{rid}: a {t['operation']} references a sale of its own series")
            if rid not in refunds_logged:
                warn(f"{rid}: no JET 190 names this {t['operation']}")
        elif o is not None:
            warn(f"{rid}: only a refund or an exchange references an original")
    counters = {}
    doc_types = {"T": "ticket", "I": "invoice", "X": "training", "B": "provisional", "Z": "closure"}
    for r in sorted((r for r in records if r["kind"] == "duplicate" and r["_payload"]), key=lambda r: r["number"]):
        p = r["_payload"]
        o = (p["original"]["series"], p["original"]["number"])
        counters[o] = counters.get(o, 0) + 1
        if p["doc_type"] != doc_types.get(o[0]):
            warn(f"C{r['number']}: doc_type does not follow the original's series")
        if r["number"] >= first.get("C", 1) and first.get("C", 1) == 1 and p["reprint"] != counters[o]:
            warn(f"C{r['number']}: reprint counter is not the next one for {o[0]}{o[1]}")


def check_till(path, trusted=(), known_head=None, mirrored=None):
    """Every rule of FORMAT.md section 12 that applies to a till file."""
    report = Report("sqlite")
    conn = open_readonly(path)
    try:
        tables = _tables(conn)
        for t in ("fiscal_meta", "fiscal_record", "fiscal_head", "fiscal_totals"):
            if t not in tables:
                raise ValueError(f"no table {t}: not a till file")
        records = load_records(conn, report)
        g = genesis_of(records)
        keys = list(trusted)
        if not keys:
            sec1 = strict_hex(g["public_key"], 65) if g else None
            if sec1 is None:
                row = conn.execute("SELECT value FROM fiscal_meta WHERE key = 'public_key:' || "
                                   "(SELECT value FROM fiscal_meta WHERE key = 'genesis_key_id')").fetchone()
                sec1 = strict_hex(row[0], 65) if row else None
            k = key_from_sec1(sec1) if sec1 else None
            if k is not None:
                keys = [k]
            report.warnings.append("no registered key given: trusting the genesis key the file names")
        anchors = purge_anchors(records)
        ring = check_records(records, keys, report, anchors)
        heads = conn.execute("SELECT id, head_seq, payload, signature FROM fiscal_head").fetchall()
        register = g["register"] if g else None
        if records and (len(heads) != 1 or heads[0][0] != 1):
            report.add("missing_head", "journal has records but not exactly one head row (id 1)",
                       table="fiscal_head", row="1")
        for hid, seq, payload, sig in heads[:1]:
            p = check_head(records, payload, sig, ring, report, known_head, register)
            if p is not None and seq != p["head_seq"]:
                report.add("cache", "head_seq column differs from the signed head", table="fiscal_head", row=str(hid),
                           column="head_seq")
        if mirrored:
            check_mirrored(records, mirrored, report)
        check_derived(records, report)
        check_meta(conn, records, report)
        check_totals(conn, records, report)
        if "fiscal_purge_allow" in tables:
            check_purge_allow(conn, records, report)
        check_closures(records, report)
        check_closed_period(records, report)
        check_tickets(conn, records, report)
        check_signed_content(records, report)
        if "meta" in tables:
            for (k,) in conn.execute("SELECT key FROM meta WHERE value LIKE '%PRIVATE KEY%'"):
                report.warnings.append(f"meta {k} holds private key material")
        report.info.update({"register": register, "records": len(records)})
    finally:
        conn.close()
    return report


# ---------------------------------------------------------------- JSON lines and archives

def _records_from_lines(lines, report, table, require_canonical):
    out = []
    for pos, line in enumerate(lines):
        v = decode_canonical(line) if require_canonical else None
        if v is None and not require_canonical:
            try:
                v = json.loads(line)
            except ValueError:
                v = None
        if isinstance(v, dict) and set(v) == set(RECORD_FIELDS) - {"head_seq"}:
            v["head_seq"] = None  # format 1: no journal counter
        if not isinstance(v, dict) or set(v) != set(RECORD_FIELDS) or not well_formed(v):
            report.add("malformed", "line is not a record", table=table, row=f"line {pos + 1}")
            continue
        v["_payload"] = parse_payload(v["kind"], v["payload"])
        if v["_payload"] is None:
            report.rec("malformed", v, "payload is not the canonical JSON of its kind", column="payload", table=table)
        out.append(v)
    return out


def check_jsonl(data: bytes, trusted=(), head=None, known_head=None):
    """Rule 16: `pos journal` output (or the published vectors), optionally with a head."""
    report = Report("records")
    body = data[:-1] if data.endswith(b"\n") else data
    lines = body.split(b"\n") if body else []
    records = _records_from_lines(lines, report, "jsonl", require_canonical=False)
    keys = list(trusted)
    if not keys:
        g = genesis_of(records)
        sec1 = strict_hex(g["public_key"], 65) if g else None
        if sec1 and key_from_sec1(sec1):
            keys = [key_from_sec1(sec1)]
        report.warnings.append("no registered key given: trusting the genesis key the records name")
    # A journal cut to some series (`pos journal --series T`) has no E1: its
    # chains are then checked from the first record present.
    ring = check_records(records, keys, report, table="jsonl", require_genesis=False)
    if head is not None:
        check_head(records, head["payload"], head["signature"], ring, report, known_head)
    report.info["records"] = len(records)
    return report


def check_archive(data: bytes, trusted=()):
    """Rule 15 (ARCHIVE.md)."""
    report = Report("archive")
    files = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
        for m in tar.getmembers():
            if m.isfile():
                if m.name in files:
                    raise ValueError("duplicate file name in the archive")
                files[m.name] = tar.extractfile(m).read()
    if "manifest.json" not in files:
        raise ValueError("no manifest.json")
    mbytes = files["manifest.json"]
    man = decode_canonical(mbytes)
    if not isinstance(man, dict) or man.get("format") != "pos-fiscal-archive/1":
        raise ValueError("manifest.json is not a pos-fiscal-archive/1 manifest")

    def file_defect(detail, row=None):
        report.add("archive_file", detail, table="archive", row=row)
    pem_key = None
    try:
        pem_key = serialization.load_pem_public_key(files.get("public_key.pem", b""))
    except ValueError:
        pass
    sig = files.get("manifest.sig", b"").decode("utf-8", "replace").rstrip()
    if pem_key is None or not verify_sig(pem_key, mbytes, sig) or \
            key_id_of(sec1_of(pem_key)) != man.get("manifest_key_id"):
        file_defect("manifest signature does not verify under public_key.pem", "manifest.sig")
    trusted = list(trusted)
    if pem_key is not None and trusted and sec1_of(pem_key) not in [sec1_of(k) for k in trusted]:
        file_defect("archive key is not a trusted key", "public_key.pem")
    listed = man.get("files") or {}
    for name, want in sorted(listed.items()):
        if name not in files:
            file_defect("a file listed in the manifest is missing", name)
        elif sha256_hex(files[name]) != want:
            file_defect("a file does not match its manifest hash", name)
    for name in sorted(files):
        if name not in listed and name not in ("manifest.json", "manifest.sig"):
            file_defect("a file is not listed in the manifest", name)
    data_lines = files.get("records.jsonl", b"")
    if data_lines and not data_lines.endswith(b"\n"):
        file_defect("records.jsonl does not end with a newline", "records.jsonl")
    body = data_lines[:-1] if data_lines.endswith(b"\n") else data_lines
    records = _records_from_lines(body.split(b"\n") if body else [], report, "records.jsonl", True)
    keys = trusted
    if not keys:
        keys = []
        for pem in (man.get("keys") or {}).values():
            try:
                keys.append(serialization.load_pem_public_key(pem.encode()))
            except ValueError:
                pass
        if pem_key is not None:
            keys.append(pem_key)
        report.warnings.append("no registered key given: trusting the keys the archive names")
    ranges = man.get("ranges")
    if not RANGES(ranges):
        file_defect("manifest ranges are malformed", "manifest.json")
        ranges = {}
    anchors = {s: (r["first"], r["anchor"], r["anchor_signature"] or None) for s, r in ranges.items()}
    check_records(records, keys, report, anchors, table="records.jsonl")
    for s, rg in sorted(ranges.items()):
        present = [r for r in records if r["series"] == s]
        last = max(present, key=lambda r: r["number"]) if present else None
        if last is not None and last["number"] == rg["last"] and last["hash"] == rg["last_hash"]:
            continue
        if last is not None and last["number"] > rg["last"]:
            report.add("beyond_head", "records beyond the manifest range", series=s, number=rg["last"] + 1,
                       last_number=last["number"], table="records.jsonl")
        else:
            report.add("truncated_tail", "records named by the manifest are missing", series=s,
                       number=last["number"] + 1 if last else rg["first"], last_number=rg["last"],
                       table="records.jsonl")
    for s in sorted({r["series"] for r in records} - set(ranges)):
        report.add("beyond_head", "series absent from the manifest", series=s, table="records.jsonl")
    report.info.update({"register": man.get("register"), "records": len(records),
                        "from": man.get("from"), "to": man.get("to")})
    return report


# ---------------------------------------------------------------- CLI

def check_path(path, trusted=(), known_head=None, mirrored=None):
    with open(path, "rb") as f:
        head = f.read(512)
    if head.startswith(b"SQLite format 3\x00"):
        return check_till(path, trusted, known_head, mirrored)
    if len(head) >= 262 and head[257:262] == b"ustar":
        with open(path, "rb") as f:
            return check_archive(f.read(), trusted)
    with open(path, "rb") as f:
        return check_jsonl(f.read(), trusted, known_head=known_head)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Independent pos-fiscal verifier (FORMAT.md section 12).")
    ap.add_argument("path", help="a till SQLite file, an archive (.tar) or `pos journal` JSON lines")
    ap.add_argument("--pubkey", help="the register's registered public key (SPKI PEM)")
    ap.add_argument("--known-head-seq", type=int)
    ap.add_argument("--known-head-hash")
    ap.add_argument("--mirrored-heads", help='JSON file {"T": {"last": N, "hash": H}, ...}: what the sync '
                                             'server accepted from this till')
    a = ap.parse_args(argv)
    try:
        trusted = []
        if a.pubkey:
            with open(a.pubkey, "rb") as f:
                trusted = [load_pem_public(f.read())]
        known = (a.known_head_seq, a.known_head_hash) if a.known_head_seq is not None else None
        mirrored = None
        if a.mirrored_heads:
            with open(a.mirrored_heads, "rb") as f:
                mirrored = json.load(f)
            if not HEADMAP(mirrored):
                raise ValueError("--mirrored-heads is not {series: {last, hash}}")
        report = check_path(a.path, trusted, known, mirrored)
    except (OSError, ValueError, sqlite3.Error, tarfile.TarError) as e:
        print(json.dumps({"error": str(e)}))
        return 2
    print(json.dumps(report.to_dict(), indent=2, sort_keys=True))
    return 0 if not report.defects else 1


if __name__ == "__main__":
    sys.exit(main())
