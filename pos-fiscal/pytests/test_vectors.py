"""An independent checker of pos-fiscal's published test vectors.

Written from pos-fiscal/testdata/vectors/README.md alone, with the
`cryptography` package: it re-encodes canonical JSON, recomputes payload
hashes, envelopes, ECDSA P-256 signatures, record hashes, per-series chains
(genesis values included), the chained previous signature in each signed
string, and the head; then compares its verdicts with cases.json.

The last tests run the same vectors through checker.py, the full verifier
written from pos-fiscal/docs/FORMAT.md.

Run: python -m pytest pos-fiscal/pytests -q
"""

import base64
import hashlib
import json
import pathlib

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

VECTORS = pathlib.Path(__file__).resolve().parent.parent / "testdata" / "vectors"
ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load_key():
    k = json.loads((VECTORS / "key.json").read_text())
    pub = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), bytes.fromhex(k["public_key_sec1_hex"]))
    return k, pub


def verify_sig(pub, message: bytes, sig_hex: str) -> bool:
    raw = bytes.fromhex(sig_hex)
    if len(raw) != 64:
        return False
    r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
    if s > ORDER // 2:  # low-S only
        return False
    try:
        pub.verify(encode_dss_signature(r, s), message, ec.ECDSA(hashes.SHA256()))
        return True
    except InvalidSignature:
        return False


def envelope(rec) -> bytes:
    counter = {"head_seq": rec["head_seq"]} if rec["format"] == 2 else {}
    return canonical({
        **counter,
        "format": rec["format"],
        "register": rec["register"],
        "series": rec["series"],
        "number": rec["number"],
        "kind": rec["kind"],
        "ts": rec["ts"],
        "utc_offset_min": rec["utc_offset_min"],
        "key_id": rec["key_id"],
        "payload_sha256": sha256_hex(rec["payload"].encode()),
        "signed_string": rec["signed_string"],
        "prev_hash": rec["prev_hash"],
    })


def record_hash(rec) -> str:
    return sha256_hex(envelope(rec) + bytes.fromhex(rec["signature"]))


def genesis(register, key_id, init_ts, series) -> str:
    return sha256_hex(canonical({
        "genesis": "pos-fiscal/v1", "register": register, "key_id": key_id,
        "init_ts": init_ts, "series": series,
    }))


def b64url(sig_hex: str) -> str:
    return base64.urlsafe_b64encode(bytes.fromhex(sig_hex)).rstrip(b"=").decode()


def read_jsonl(path):
    lines = path.read_bytes().split(b"\n")
    assert lines[-1] == b""
    out = []
    for line in lines[:-1]:
        rec = json.loads(line)
        assert canonical(rec) == line, "a stored line is canonical JSON"
        out.append(rec)
    return out


def check(records, head, pub, key_id):
    """Returns the set of (series, number) this checker finds defective."""
    bad = set()
    for r in records:
        ok = r["key_id"] == key_id and verify_sig(pub, envelope(r), r["signature"]) and record_hash(r) == r["hash"]
        if not ok:
            bad.add((r["series"], r["number"]))
    e1 = next(r for r in records if r["series"] == "E" and r["number"] == 1)
    g = json.loads(e1["payload"])
    assert g["code"] == 260
    d = g["detail"]
    by_series = {}
    for r in records:
        by_series.setdefault(r["series"], []).append(r)
    for s, recs in by_series.items():
        seen, top = set(), 0
        for r in recs:  # stored order
            if r["number"] in seen or r["number"] < top:
                bad.add((s, r["number"]))
            seen.add(r["number"])
            top = max(top, r["number"])
        prev_hash, prev_sig, expected = genesis(d["register"], d["key_id"], d["init_ts"], s), None, 1
        for r in sorted({x["number"]: x for x in reversed(recs)}.values(), key=lambda x: x["number"]):
            if r["number"] != expected:
                for missing in range(expected, r["number"]):
                    bad.add((s, missing))
            tail = ",1," + b64url(prev_sig) if prev_sig else ",0,"
            if r["prev_hash"] != prev_hash or not r["signed_string"].endswith(tail):
                bad.add((s, r["number"]))
            prev_hash, prev_sig, expected = r["hash"], r["signature"], r["number"] + 1
    counters = [r["head_seq"] for r in records if r["format"] == 2]
    for r in records:  # the journal counter is unique and grows along each series
        if r["format"] == 2 and counters.count(r["head_seq"]) > 1:
            bad.add((r["series"], r["number"]))
    assert verify_sig(pub, head["payload"].encode(), head["signature"]), "head signature"
    h = json.loads(head["payload"])
    beyond = sorted(r["head_seq"] for r in records
                    if r["number"] > h["series"].get(r["series"], {"last": 0})["last"])
    assert beyond == list(range(h["head_seq"] + 1, h["head_seq"] + 1 + len(beyond))), \
        "records beyond the head continue its counter without a gap"
    for s, entry in h["series"].items():
        present = {r["number"]: r for r in records if r["series"] == s}
        for n in range(1, entry["last"] + 1):
            if n not in present:
                bad.add((s, n))
        last = present.get(entry["last"])
        if last is None or last["hash"] != entry["hash"]:
            bad.add((s, entry["last"]))
    return bad


def test_key_pair_matches():
    k, pub = load_key()
    priv = ec.derive_private_key(int(k["secret_hex"], 16), ec.SECP256R1())
    from cryptography.hazmat.primitives import serialization
    sec1 = priv.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    assert sec1.hex() == k["public_key_sec1_hex"]
    assert hashlib.sha256(sec1).hexdigest()[:16] == k["key_id"]


def test_record_details_recompute():
    _, pub = load_key()
    records = read_jsonl(VECTORS / "journal.jsonl")
    details = json.loads((VECTORS / "records.json").read_text())
    assert len(records) == len(details)
    for r, d in zip(records, details):
        assert json.loads(r["payload"]) is not None
        assert canonical(json.loads(r["payload"])) == r["payload"].encode()
        assert sha256_hex(r["payload"].encode()) == d["payload_sha256"]
        assert envelope(r) == d["envelope"].encode()
        assert sha256_hex(envelope(r)) == d["envelope_sha256"]
        assert verify_sig(pub, envelope(r), d["signature"])
        assert record_hash(r) == d["hash"] == r["hash"]


def test_ticket_signed_string_is_rebuilt():
    records = read_jsonl(VECTORS / "journal.jsonl")
    t1 = next(r for r in records if r["series"] == "T" and r["number"] == 1)
    p = json.loads(t1["payload"])["ticket"]
    rates = "|".join(f"{int(rate):04d}:{v['gross']}" for rate, v in sorted(p["vat"].items(), key=lambda kv: -int(kv[0])))
    assert t1["signed_string"].startswith(f"{rates},{p['total']},20261102100000,T1,sale,0,")


@pytest.mark.parametrize("case", json.loads((VECTORS / "cases.json").read_text()), ids=lambda c: c["name"])
def test_case_verdicts(case):
    k, pub = load_key()
    records = read_jsonl(VECTORS / case["records"])
    head = json.loads((VECTORS / case["head"]).read_text())
    bad = check(records, head, pub, k["key_id"])
    assert (not bad) == (case["verdict"] == "intact"), bad
    for d in case["defects"]:
        first = d["number"]
        if first is not None:
            assert (d["series"], first) in bad, (d, bad)


# ---- The same vectors through checker.py (the verifier written from FORMAT.md).

def test_checker_gives_the_published_verdicts():
    import checker
    k = json.loads((VECTORS / "key.json").read_text())
    pub = checker.load_pem_public(k["public_key_pem"].encode())
    assert checker.key_id_of(checker.sec1_of(pub)) == k["key_id"]
    for case in json.loads((VECTORS / "cases.json").read_text()):
        head = json.loads((VECTORS / case["head"]).read_text())
        report = checker.check_jsonl((VECTORS / case["records"]).read_bytes(), [pub], head)
        got = {(d["kind"], d["series"], d["number"]) for d in report.defects}
        want = {(d["kind"], d["series"], d["number"]) for d in case["defects"]}
        assert report.to_dict()["verdict"] == case["verdict"], (case["name"], report.defects)
        assert got == want, (case["name"], got ^ want)


def test_checker_rebuilds_every_signed_string():
    import checker
    records = read_jsonl(VECTORS / "journal.jsonl")
    last_sig = {}
    for r in records:
        p = checker.parse_payload(r["kind"], r["payload"])
        assert p is not None, r["kind"]
        prev = last_sig.get(r["series"])
        assert checker.signed_string(r, p, prev) == r["signed_string"]
        last_sig[r["series"]] = b64url(r["signature"])


def test_checker_cli_reports_json(tmp_path):
    import subprocess
    import sys
    k = json.loads((VECTORS / "key.json").read_text())
    pem = tmp_path / "key.pem"
    pem.write_text(k["public_key_pem"])
    script = pathlib.Path(__file__).with_name("checker.py")
    ok = subprocess.run([sys.executable, script, VECTORS / "journal.jsonl", "--pubkey", pem],
                        capture_output=True, text=True)
    assert ok.returncode == 0 and json.loads(ok.stdout)["verdict"] == "intact"
    bad = subprocess.run([sys.executable, script, VECTORS / "cases" / "forged.jsonl", "--pubkey", pem],
                         capture_output=True, text=True)
    assert bad.returncode == 1
    assert {d["kind"] for d in json.loads(bad.stdout)["defects"]} == {"forged"}
