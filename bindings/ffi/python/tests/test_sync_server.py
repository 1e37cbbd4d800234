"""Sync against the real `pos sync-server` on 127.0.0.1, carried by the app's
own HTTP stack (here urllib) through the SyncTransport foreign trait:
enrolment, a push, an offline period (JET 70 / 120) and the sales arriving
exactly once. Needs POS_BIN (run-tests.sh builds `pos` and sets it)."""

import json
import os
import socket
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request

import pytest

import pos_ffi
from conftest import ring_up, sell

CARD = pos_ffi.TenderMethod.CARD()


class UrllibTransport(pos_ffi.SyncTransport):
    """The app's HTTP stack: urllib, pointed at the sync server."""

    def __init__(self, base):
        self.base = base
        self.sent = 0

    def send(self, request):
        self.sent += 1
        req = urllib.request.Request(
            self.base + request.path,
            data=bytes(request.body) if request.method == "POST" else None,
            method=request.method,
            headers={h.name: h.value for h in request.headers},
        )
        try:
            with urllib.request.urlopen(req, timeout=10) as answer:
                return pos_ffi.HttpResponse(status=answer.status, body=answer.read())
        except urllib.error.HTTPError as e:
            return pos_ffi.HttpResponse(status=e.code, body=e.read())
        except OSError as e:
            raise pos_ffi.PosError.Sync("transport", type(e).__name__)


class SyncServer:
    """One `pos sync-server` process on a free loopback port."""

    def __init__(self, binary, db):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.binary, self.db, self.proc = binary, db, None
        self.code = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.proc = subprocess.Popen(
            [self.binary, "sync-server", "--listen", f"127.0.0.1:{self.port}", "--db", str(self.db),
             "--first-retailer", "r1", "--first-store", "paris-11"],
            stdout=subprocess.PIPE if self.code is None else subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if self.code is None:
            # The first start of an empty database prints one enrolment
            # code for the first store (the till's), once.
            first = json.loads(self.proc.stdout.readline())["first_start"]
            self.code = first["enrolment_code"]
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("pos sync-server did not start")

    def stop(self):
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None

    def count(self, sql):
        with sqlite3.connect(self.db) as db:
            return db.execute(sql).fetchone()[0]


@pytest.fixture
def server(tmp_path):
    binary = os.environ.get("POS_BIN")
    if not binary or not os.access(binary, os.X_OK):
        pytest.skip("POS_BIN does not name a `pos` binary (bindings/ffi/run-tests.sh sets it)")
    srv = SyncServer(binary, tmp_path / "server.sqlite")
    srv.start()
    yield srv
    srv.stop()


def test_sync_before_enrolment_is_refused(register):
    with pytest.raises(pos_ffi.PosError.Sync) as e:
        register.sync_enrolled(UrllibTransport("http://127.0.0.1:9"))
    assert (e.value.code, e.value.detail) == ("not_enrolled", "the till is not enrolled with a sync server")


def test_a_wrong_enrolment_code_is_a_sync_error(register, server):
    with pytest.raises(pos_ffi.PosError.Sync):
        register.enroll_sync("pec_not-the-code", None, UrllibTransport(server.url))
    assert server.count("SELECT COUNT(*) FROM devices") == 0


def test_sales_reach_the_real_server_once_across_an_offline_period(register, server, clock):
    http = UrllibTransport(server.url)
    register.enroll_sync(server.code, None, http)
    assert server.count("SELECT COUNT(*) FROM devices WHERE id = 'paris-11/till-1'") == 1

    sell(register, ring_up(register), (CARD, "26.20"))
    assert register.sync_status().pending >= 1
    report = register.sync_enrolled(http)
    assert report.pushes >= 1
    assert (report.rejections, report.quarantined) == (0, 0)
    status = register.sync_status()
    assert status.pending == 0
    assert status.last_success_millis is not None
    assert status.offline_since_millis is None

    # The server goes away: the round fails, the till records JET 70.
    server.stop()
    clock.millis += 60_000
    sell(register, ring_up(register), (CARD, "26.20"))
    with pytest.raises(pos_ffi.PosError.Sync) as e:
        register.sync_enrolled(http)
    assert e.value.code == "transport"
    offline = register.sync_status()
    assert offline.offline_since_millis == clock.millis
    assert offline.pending >= 1

    # Back online: the offline sale arrives, JET 120 closes the period.
    server.start()
    clock.millis += 60_000
    register.sync_enrolled(http)
    back = register.sync_status()
    assert (back.pending, back.offline_since_millis) == (0, None)
    # A round with nothing new sends nothing twice.
    register.sync_enrolled(http)
    assert server.count("SELECT COUNT(*) FROM events WHERE device = 'paris-11/till-1' AND kind = 'sale'") == 2
    assert server.count("SELECT COUNT(*) FROM fiscal_records WHERE device = 'paris-11/till-1' AND series = 'T'") == 2
    assert register.verify().intact


class Flaky(pos_ffi.SyncTransport):
    """The app's HTTP stack during a short outage: the first `failures`
    requests do not reach the server."""

    def __init__(self, inner, failures):
        self.inner, self.failures, self.calls = inner, failures, 0

    def send(self, request):
        self.calls += 1
        if self.failures > 0:
            self.failures -= 1
            raise pos_ffi.PosError.Sync("transport", "ConnectionRefusedError")
        return self.inner.send(request)


def test_sync_with_retry_rides_out_a_short_outage_and_never_retries_a_refusal(register, server):
    http = UrllibTransport(server.url)
    register.enroll_sync(server.code, None, http)
    sell(register, ring_up(register), (CARD, "26.20"))

    # Without retry, one failed request fails the round.
    with pytest.raises(pos_ffi.PosError.Sync) as e:
        register.sync_enrolled(Flaky(http, 1))
    assert e.value.code == "transport"
    assert register.sync_status().pending >= 1

    # With retry, two failures in a row are waited out and the round ends.
    flaky = Flaky(http, 2)
    report = register.sync_enrolled_with_retry(flaky, 20_000)
    assert flaky.failures == 0 and flaky.calls > 2
    assert report.pushes >= 1
    status = register.sync_status()
    assert (status.pending, status.offline_since_millis) == (0, None)
    assert server.count("SELECT COUNT(*) FROM events WHERE device = 'paris-11/till-1' AND kind = 'sale'") == 1

    # A server that stays away: tried again until the budget is spent, then
    # the last error is raised.
    sell(register, ring_up(register), (CARD, "26.20"))
    down = Flaky(http, 10**6)
    with pytest.raises(pos_ffi.PosError.Sync) as e:
        register.sync_enrolled_with_retry(down, 1_000)
    assert e.value.code == "transport"
    assert down.calls >= 2

    # A refusal (another till's credentials: the server answers 401) is
    # not retried: one request, then the error.
    class Counting(pos_ffi.SyncTransport):
        calls = 0

        def send(self, request):
            Counting.calls += 1
            return pos_ffi.HttpResponse(status=401, body=b'{"code":"unauthorized","message":"bad signature"}')

    with pytest.raises(pos_ffi.PosError.Sync):
        register.sync_enrolled_with_retry(Counting(), 20_000)
    assert Counting.calls == 1

    # Back: everything arrives once.
    register.sync_enrolled_with_retry(http, 20_000)
    assert register.sync_status().pending == 0
    assert server.count("SELECT COUNT(*) FROM events WHERE device = 'paris-11/till-1' AND kind = 'sale'") == 2
