"""The golden baskets agree with an independent Python implementation, and
the `pos price` binary agrees with both."""
import json
import os
import subprocess
from pathlib import Path

import pricing_oracle

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = json.loads((ROOT / "pos-core/testdata/pricing/golden.json").read_text(encoding="utf-8"))


def pos_binary():
    target = Path(os.environ.get("POS_TARGET_DIR", ROOT / "target" / "debug"))
    return target / "pos"


def test_oracle_agrees_with_golden_file():
    for case in GOLDEN:
        assert pricing_oracle.expected(case["input"]) == case["expected"], case["name"]


def test_pos_price_binary_agrees_with_oracle():
    binary = pos_binary()
    assert binary.exists(), f"{binary} missing: run `cargo build -p pos-cli` first"
    for case in GOLDEN:
        run = subprocess.run([str(binary), "price", "-"], input=json.dumps(case["input"]),
                             capture_output=True, text=True, timeout=30)
        out = json.loads(run.stdout)
        want = case["expected"]
        if "ok" in want:
            assert run.returncode == 0, case["name"]
            assert out == want["ok"], case["name"]
        else:
            assert run.returncode == 2, case["name"]
            assert out["error"]["kind"] == want["error"], case["name"]
            assert out["error"]["message"], case["name"]
