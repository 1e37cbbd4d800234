"""A till whose disk died, rebuilt from the real `pos sync-server` through
the app's HTTP stack (urllib): restore_register re-enrols the same register
with a code naming it, continues its chain under a new key and reports what
the lost tablet never pushed. Needs POS_BIN (run-tests.sh sets it)."""

import json
import subprocess

import pytest

import pos_ffi
from conftest import config, ring_up, sell
from test_sync_server import UrllibTransport, server  # noqa: F401  (fixture)

CARD = pos_ffi.TenderMethod.CARD()


def restore_code(server):  # noqa: F811
    out = subprocess.run(
        [server.binary, "backoffice", "enrolment-code", "--db", str(server.db), "--retailer", "r1",
         "--store", "paris-11", "--replaces", "paris-11/till-1"],
        capture_output=True, check=True,
    )
    return json.loads(out.stdout)["code"]


def test_a_lost_till_is_restored_and_sells_again(register, server, clock, tmp_path):  # noqa: F811
    http = UrllibTransport(server.url)
    register.enroll_sync(server.code, None, http)
    sell(register, ring_up(register), (CARD, "26.20"))
    assert register.sync_enrolled(http).quarantined == 0
    sell(register, ring_up(register), (CARD, "26.20"))  # never pushed: lost with the disk

    code = restore_code(server)
    restored = pos_ffi.restore_register(str(tmp_path / "new.sqlite"), config(), code, http, clock, None, 2)
    assert restored.device == "paris-11/till-1"
    assert restored.gap.server_last["T"] == 1
    assert restored.takeover is not None
    assert restored.records > 0

    till = restored.register
    till.import_catalog_json(pos_ffi.sample_catalog_json())
    clock.millis += 60_000
    sell(till, ring_up(till), (CARD, "26.20"))
    report = till.sync_enrolled(http)
    assert (report.rejections, report.quarantined) == (0, 0)
    assert till.sync_status().pending == 0
    # One device, each event sequence once.
    assert server.count("SELECT COUNT(*) FROM devices") == 1
    assert server.count("SELECT COUNT(*) - COUNT(DISTINCT seq) FROM events") == 0


def test_a_used_or_foreign_code_restores_nothing(register, server, clock, tmp_path):  # noqa: F811
    http = UrllibTransport(server.url)
    register.enroll_sync(server.code, None, http)
    register.sync_enrolled(http)
    path = tmp_path / "new.sqlite"
    # The first-start code was used by the enrolment and names no till.
    with pytest.raises(pos_ffi.PosError.Sync):
        pos_ffi.restore_register(str(path), config(), server.code, http, clock, None, 2)
    assert not path.exists()
