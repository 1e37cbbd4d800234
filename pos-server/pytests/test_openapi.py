"""The sync server's HTTP API against its own OpenAPI file, with schemathesis.

Starts `pos sync-server` (from $POS_TARGET_DIR, default target/debug) on a
free loopback port with a fresh SQLite file, then runs schemathesis on
/openapi.json: no server errors, status codes, content types and response
bodies as documented.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    target = Path(os.environ.get("POS_TARGET_DIR", ROOT / "target" / "debug"))
    # `pos` by default; POS_SYNC_SERVER_EXE may name pos-server's own
    # `sync_server` example (same arguments) when the CLI is not built.
    exe = Path(os.environ.get("POS_SYNC_SERVER_EXE", target / "pos"))
    assert exe.exists(), f"{exe} is missing: build it with `cargo build -p pos-cli`"
    port = free_port()
    tmp = tempfile.mkdtemp()
    # The first start of the empty database prints one web-shop key (for
    # every store of the first retailer), once.
    proc = subprocess.Popen(
        [str(exe), "sync-server", "--listen", f"127.0.0.1:{port}", "--db", f"{tmp}/s.sqlite",
         "--first-retailer", "r1", "--first-store", "S1"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )
    key = json.loads(proc.stdout.readline())["first_start"]["web_key"]
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{url}/openapi.json", timeout=1).read()
            break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("server did not start")
    yield url, key
    proc.terminate()
    proc.wait(timeout=10)
    shutil.rmtree(tmp, ignore_errors=True)


def test_openapi_is_served(server):
    url, _ = server
    body = urllib.request.urlopen(f"{url}/openapi.json").read()
    assert b'"openapi": "3.0.3"' in body


def test_api_conforms_to_openapi(server):
    url, key = server
    st = Path(sys.executable).parent / "schemathesis"
    result = subprocess.run(
        [str(st), "run", f"{url}/openapi.json",
         "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
         "--header", f"Authorization: Bearer {key}",
         "--max-examples", os.environ.get("POS_SCHEMATHESIS_EXAMPLES", "40")],
        capture_output=True, text=True, timeout=600,
    )
    print(result.stdout[-6000:])
    print(result.stderr[-3000:])
    assert result.returncode == 0
