"""Oracle tests: our barcode/GS1 parser against python-stdnum and biip.

Thousands of seeded-random codes (valid and broken EAN/UPC, UPC-E, GS1 element
strings, in-store RCNs) are fed line by line to the `hw_json` example binary
(pos-hw/examples/hw_json.rs), whose JSON lines are compared field by field
with what the two independent Python libraries say.

Build the binary first: `cargo build -p pos-hw --examples`. Its folder comes
from POS_HW_EXAMPLES_DIR, default `<repo>/target/debug/examples`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import string
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from biip import ParseConfig, ParseError
from biip.checksums import gs1_price_weight_check_digit
from biip.gs1_messages import GS1Message
from biip.gtin import Gtin
from biip.upc import Upc
from stdnum import ean

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = Path(os.environ.get("POS_HW_EXAMPLES_DIR", REPO / "target" / "debug" / "examples"))
BINARY = EXAMPLES / "hw_json"
GS = "\x1d"
# biip applies the GS1 century rule with today's year: so do we.
YEAR = dt.datetime.now(tz=dt.timezone.utc).year
SEED = 525


def run_ours(lines: list[str], *args: str) -> list[dict]:
    if not BINARY.exists():
        pytest.fail(f"{BINARY} missing: run `cargo build -p pos-hw --examples` first")
    assert all("\n" not in line and "\r" not in line for line in lines)
    data = "".join(line + "\n" for line in lines).encode("utf-8")
    done = subprocess.run(
        [str(BINARY), "--year", str(YEAR), *args],
        input=data,
        capture_output=True,
        check=True,
        timeout=120,
    )
    out = [json.loads(line) for line in done.stdout.decode("utf-8").splitlines()]
    assert len(out) == len(lines)
    for line, result in zip(lines, out):
        assert result["input"] == line
    return out


def digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def with_check(payload: str) -> str:
    return payload + ean.calc_check_digit(payload)


def broken(code: str) -> str:
    """The same code with another last digit."""
    last = int(code[-1])
    return code[:-1] + str((last + 1 + int(code[0]) % 9) % 10)


# ---------------------------------------------------------------- EAN / UPC


def test_gtin_check_digits_agree_with_stdnum_and_biip() -> None:
    rng = random.Random(SEED)
    lines, expected = [], []
    for _ in range(3000):
        length = rng.choice([8, 12, 13, 14])
        code = with_check(digits(rng, length - 1))
        if rng.random() < 0.5:
            code = broken(code)
        # ]E4 forces EAN-8: a bare 8-digit code may also be read as UPC-E.
        lines.append(("]E4" + code) if length == 8 else code)
        expected.append(code)
    # No in-store layouts: `valid` is then about the GTIN check digit only.
    for code, result in zip(expected, run_ours(lines, "--no-layouts")):
        info = result["ok"]
        assert info["valid"] == ean.is_valid(code), code
        assert info["digits"] == code
        if info["valid"]:
            gtin = Gtin.parse(code)
            assert info["gtin"] == gtin.value
            assert info["gtin14"] == gtin.as_gtin_14()
            assert info["kind"] == {8: "ean8", 12: "upc_a", 13: "ean13", 14: "gtin14"}[len(code)]
        else:
            mismatch = info["check_digit_mismatch"]
            assert mismatch["digit"] == "gtin"
            assert str(mismatch["expected"]) == ean.calc_check_digit(code[:-1])
            assert str(mismatch["found"]) == code[-1]
            with pytest.raises(ParseError):
                Gtin.parse(code)


def test_upc_e_expansion_agrees_with_biip() -> None:
    rng = random.Random(SEED + 1)
    lines = []
    for _ in range(1500):
        body = rng.choice("01") + digits(rng, 6)
        # The one check digit biip accepts (it is the expanded UPC-A's).
        candidates = [body + str(c) for c in range(10)]
        valid = [c for c in candidates if _biip_upc_ok(c)]
        assert len(valid) == 1
        code = valid[0] if rng.random() < 0.7 else broken(valid[0])
        lines.append(code)
    for code, result in zip(lines, run_ours(["]E0" + c for c in lines])):
        info = result["ok"]
        assert info["kind"] == "upc_e"
        assert info["valid"] == _biip_upc_ok(code), code
        if info["valid"]:
            assert info["upc_a"] == Upc.parse(code).as_upc_a()
            assert info["gtin14"] == Gtin.parse(Upc.parse(code).as_upc_a()).as_gtin_14()


def _biip_upc_ok(code: str) -> bool:
    try:
        Upc.parse(code)
    except ParseError:
        return False
    return True


def test_upc_e_bad_number_system_is_refused_by_both() -> None:
    rng = random.Random(SEED + 2)
    lines = [rng.choice("23456789") + digits(rng, 7) for _ in range(200)]
    for code, result in zip(lines, run_ours(["]E0" + c for c in lines])):
        assert result["error"]["kind"] == "UpcENumberSystem"
        assert not _biip_upc_ok(code)


# ---------------------------------------------------------------- GS1


CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"


def gen_date(rng: random.Random) -> str:
    yy = rng.randrange(100)
    mm = rng.randrange(1, 13)
    dd = rng.choice([0, rng.randrange(1, 29)])
    return f"{yy:02}{mm:02}{dd:02}"


def gen_element(rng: random.Random) -> tuple[str, str, bool]:
    """(ai, value, variable_length)"""
    kind = rng.choice(["01", "02", "00", "10", "21", "date", "count", "310", "392", "393", "20", "400", "414"])
    if kind in ("01", "02"):
        return kind, with_check(digits(rng, 13)), False
    if kind == "00":
        return kind, with_check(digits(rng, 17)), False
    if kind == "414":
        return kind, with_check(digits(rng, 12)), False
    if kind in ("10", "21"):
        return kind, "".join(rng.choice(CSET82) for _ in range(rng.randrange(1, 21))), True
    if kind == "400":
        return kind, "".join(rng.choice(CSET82) for _ in range(rng.randrange(1, 31))), True
    if kind == "date":
        return rng.choice(["11", "13", "15", "17"]), gen_date(rng), False
    if kind == "count":
        return rng.choice(["30", "37"]), digits(rng, rng.randrange(1, 9)), True
    if kind == "20":
        return "20", digits(rng, 2), False
    if kind == "310":
        return f"310{rng.randrange(6)}", digits(rng, 6), False
    n = rng.randrange(10)
    # biip mis-scales values with no more digits than decimals: keep len > n.
    amount = digits(rng, rng.randrange(n + 1, 16))
    if kind == "392":
        return f"392{n}", amount, True
    return f"393{n}", rng.choice(["978", "840", "826", "756"]) + amount, True


def gen_message(rng: random.Random) -> tuple[str, list[tuple[str, str]]]:
    elements, seen = [], set()
    for _ in range(rng.randrange(1, 6)):
        ai, value, variable = gen_element(rng)
        if ai in seen:
            continue
        seen.add(ai)
        elements.append((ai, value, variable))
    text = ""
    for index, (ai, value, variable) in enumerate(elements):
        text += ai + value
        last = index == len(elements) - 1
        if (variable and not last) or (not variable and rng.random() < 0.1):
            text += GS
    return text, [(ai, value) for ai, value, _ in elements]


def test_gs1_element_strings_agree_with_biip() -> None:
    rng = random.Random(SEED + 3)
    lines, bodies = [], []
    for _ in range(2500):
        body, _ = gen_message(rng)
        prefix = rng.choice(["]C1", "]d2", "]Q3", "]e0", GS, ""])
        if prefix == "" and body[:2].isdigit() and body.isdigit() and len(body) <= 14:
            prefix = "]C1"  # a bare short digit string is read as EAN/UPC
        lines.append(prefix + body)
        bodies.append(body)
    checked_dates = checked_decimals = 0
    for body, result in zip(bodies, run_ours(lines)):
        theirs = GS1Message.parse(body).element_strings
        assert "ok" in result, (body, result)
        ours = result["ok"]["elements"]
        assert [(e["ai"], e["value"]) for e in ours] == [(e.ai.ai, e.value) for e in theirs], body
        for mine, their in zip(ours, theirs):
            if their.date is not None:
                assert mine["date"] == their.date.isoformat(), (body, mine)
                assert mine["day_unspecified"] == their.value.endswith("00")
                checked_dates += 1
            if their.decimal is not None:
                value = mine.get("weight") or mine.get("amount")
                assert Decimal(value) == their.decimal, (body, mine)
                checked_decimals += 1
            if their.gtin is not None:
                assert mine["gtin"] == their.gtin.value
    assert checked_dates > 500 and checked_decimals > 500


def test_gs1_broken_strings_are_refused_like_biip() -> None:
    rng = random.Random(SEED + 4)
    lines = []
    for _ in range(1500):
        body, elements = gen_message(rng)
        mutation = rng.choice(["date", "check", "unknown", "too_long", "letters"])
        if mutation == "date":
            bad = rng.choice(["261301", "260230", "261232", "259900", "26a101"])
            body = body + GS + "17" + bad
        elif mutation == "check":
            body = "01" + broken(with_check(digits(rng, 13))) + GS + body
        elif mutation == "unknown":
            body = body + GS + rng.choice(["05", "06", "07", "19", "89"]) + digits(rng, 6)
        elif mutation == "too_long":
            body = body + GS + "10" + "".join(rng.choice(string.ascii_uppercase) for _ in range(21))
        else:
            body = body + GS + "37" + "12A4"
        lines.append("]C1" + body)
    for line, result in zip(lines, run_ours(lines)):
        assert "error" in result, line
        assert result["error"]["kind"] == "Gs1"
        assert not _biip_gs1_ok(line[3:]), line


def _biip_gs1_ok(body: str) -> bool:
    try:
        message = GS1Message.parse(body)
    except ParseError:
        return False
    # biip keeps a GTIN with a wrong check digit as an element with an error.
    return all(e.gtin_error is None and e.sscc_error is None for e in message.element_strings)


# ---------------------------------------------------------------- in-store codes

# biip's regional RCN rules, written in our layout pattern language.
REGIONS = {
    "de": {
        "22": "22IIIIVPPPPPC",
        "23": "23IIIIVPPPPPC",
        "25": "25IIIIVQQQQQC",
        "26": "26IIIIVQQQQQC",
        "28": "28IIIIVWWWWWC",
        "29": "29IIIIVWWWWWC",
    },
    "se": {
        "20": "20IIIIIIPP.PPC",
        "21": "21IIIIIIPPP.PC",
        "22": "22IIIIIIPPPP.C",
        "23": "23IIIIIIW.WWWC",
        "24": "24IIIIIIWW.WWC",
        "25": "25IIIIIIWWW.WC",
    },
    "dk": {
        "21": "21IIIIPPPPPPC",
        "26": "26IIIIWWWWWWC",
        "27": "27IIIIIWWWWWC",
    },
}


@pytest.mark.parametrize("region", sorted(REGIONS))
def test_in_store_layouts_agree_with_biip_regional_rules(region: str) -> None:
    rng = random.Random(f"{SEED}-{region}")
    layouts = REGIONS[region]
    codes = []
    for _ in range(800):
        prefix, pattern = rng.choice(sorted(layouts.items()))
        body = ""
        value_len = pattern.count("P") + pattern.count("W") + pattern.count("Q")
        value = digits(rng, value_len)
        for symbol in pattern.replace(".", "")[:-1]:
            if symbol.isdigit():
                body += symbol
            elif symbol == "I":
                body += digits(rng, 1)
            elif symbol == "V":
                check = gs1_price_weight_check_digit(value)
                body += str(check if rng.random() < 0.8 else (check + 3) % 10)
        body += value
        codes.append(with_check(body))
    args = [arg for pattern in layouts.values() for arg in ("--layout", pattern)]
    config = ParseConfig(rcn_region=region)
    for code, result in zip(codes, run_ours(codes, *args)):
        info = result["ok"]
        try:
            rcn = Gtin.parse(code, config=config)
        except ParseError:
            assert not info["valid"], code
            assert info["check_digit_mismatch"]["digit"] == "measure"
            continue
        assert info["valid"], code
        item = info["in_store"]
        assert item["article"] == rcn.item_reference, code
        measure = item["measure"]
        if rcn.price is not None:
            assert (measure["kind"], Decimal(measure["amount"])) == ("price", rcn.price), code
        elif rcn.weight is not None:
            assert (measure["kind"], Decimal(measure["kg"])) == ("weight", rcn.weight), code
        else:
            assert (measure["kind"], measure["count"]) == ("count", rcn.count), code
        assert item["lookup_code"] == rcn.without_variable_measure().value, code


# ---------------------------------------------------------------- garbage


def test_garbage_gives_typed_errors_and_never_crashes() -> None:
    rng = random.Random(SEED + 5)
    alphabet = string.printable.replace("\n", "").replace("\r", "") + GS + "éà€]()"
    lines = []
    for _ in range(3000):
        n = rng.randrange(0, 60)
        pool = rng.choice([alphabet, string.digits + GS + "]C1()", string.digits])
        line = "".join(rng.choice(pool) for _ in range(n))
        lines.append(line)
    known = {
        "BarcodeEmpty",
        "BarcodeCharacter",
        "BarcodeLength",
        "BarcodeCheckDigit",
        "UpcENumberSystem",
        "BarcodeSymbology",
        "Gs1",
    }
    for result in run_ours(lines):
        assert ("ok" in result) != ("error" in result)
        if "error" in result:
            assert result["error"]["kind"] in known, result
            assert result["error"]["message"]
