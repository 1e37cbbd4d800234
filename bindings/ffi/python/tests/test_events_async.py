"""Events, logs and async sync through the bindings: the app's Logger hears
a sale (without the customer), the RegisterListener hears sales, sync
status and connectivity on its own thread (and may raise), and
`sync_enrolled_async` runs a round against the real `pos sync-server` with
an asyncio transport while a sale goes through. Needs POS_BIN for the
server tests (run-tests.sh sets it)."""

import asyncio
import threading
import urllib.error
import urllib.request

import pytest

import pos_ffi
from conftest import ring_up, sell
from test_sync_server import UrllibTransport, server  # noqa: F401 (fixture)

CARD = pos_ffi.TenderMethod.CARD()


class Collect(pos_ffi.Logger):
    def __init__(self):
        self.lines = []

    def log(self, level, target, message):
        self.lines.append((level, target, message))


def test_the_logger_hears_a_sale_without_the_customer(register):
    logger = Collect()
    pos_ffi.set_logger(logger, pos_ffi.LogLevel.INFO)
    try:
        customer = register.create_customer("Zéphyrine", "Quatremare", "zephyrine.q@example.org")
        sale = sell(register, ring_up(register), (CARD, "26.20"), customer=customer)
    finally:
        pos_ffi.set_logger(None, pos_ffi.LogLevel.INFO)
    sales = [m for (lvl, t, m) in logger.lines if t == "pos_sdk::sale"]
    assert sales == [
        f"sale committed kind=Sale series=T number={sale.number()} total=26.20 currency=EUR lines=2"
    ], logger.lines
    assert all(lvl == pos_ffi.LogLevel.INFO for (lvl, t, m) in logger.lines if t == "pos_sdk::sale")
    text = repr(logger.lines)
    assert "Quatremare" not in text and "phyrine" not in text and "example.org" not in text
    # Removed: nothing more is heard.
    before = len(logger.lines)
    sell(register, ring_up(register), (CARD, "26.20"))
    assert len(logger.lines) == before


def test_the_logger_level_filters(register):
    logger = Collect()
    pos_ffi.set_logger(logger, pos_ffi.LogLevel.WARN)
    try:
        sell(register, ring_up(register), (CARD, "26.20"))
    finally:
        pos_ffi.set_logger(None, pos_ffi.LogLevel.INFO)
    assert not [t for (_, t, _) in logger.lines if t == "pos_sdk::sale"]


class Heard(pos_ffi.RegisterListener):
    """Collects events; `wait` blocks until `n` arrived (they come on the
    listener's own thread)."""

    def __init__(self, register=None, fail=False):
        self.events, self.cond = [], threading.Condition()
        self.register, self.fail = register, fail

    def _add(self, e):
        with self.cond:
            self.events.append(e)
            self.cond.notify_all()
        if self.fail:
            raise ValueError("a listener bug")

    def wait(self, n):
        with self.cond:
            assert self.cond.wait_for(lambda: len(self.events) >= n, timeout=10), self.events
            return list(self.events)

    def sale_committed(self, sale):
        # Calling back into the register from here must not deadlock.
        pending = self.register.sync_status().pending if self.register else None
        self._add(("sale", sale.series, sale.number, sale.total, pending))

    def sync_status_changed(self, status):
        self._add(("sync", status.pending, status.offline_since_millis is not None))

    def connectivity_changed(self, online):
        self._add(("online", online))

    def printer_status_changed(self, status):
        self._add(("printer", status))


def test_the_listener_hears_sales_and_the_printer_and_may_call_back(register):
    heard = Heard(register)
    register.set_listener(heard)
    sale = sell(register, ring_up(register), (CARD, "26.20"))
    register.report_printer_status(pos_ffi.PrinterStatus.READY)
    register.report_printer_status(pos_ffi.PrinterStatus.READY)
    register.report_printer_status(pos_ffi.PrinterStatus.PAPER_OUT)
    assert heard.wait(3) == [
        ("sale", "T", sale.number(), "26.20", 1),
        ("printer", pos_ffi.PrinterStatus.READY),
        ("printer", pos_ffi.PrinterStatus.PAPER_OUT),
    ]
    register.set_listener(None)
    sell(register, ring_up(register), (CARD, "26.20"))
    assert len(heard.events) == 3


def test_a_listener_that_raises_cannot_break_a_sale(register):
    heard = Heard(fail=True)
    register.set_listener(heard)
    first = sell(register, ring_up(register), (CARD, "26.20"))
    second = sell(register, ring_up(register), (CARD, "26.20"))
    assert (first.number(), second.number()) == (1, 2)
    assert [e[2] for e in heard.wait(2)] == [1, 2]
    assert register.verify().verdict == "intact"


class AsyncTransport(pos_ffi.AsyncSyncTransport):
    """The app's async HTTP: urllib in the loop's executor, held at a gate
    the test opens."""

    def __init__(self, base, gate=None):
        self.base, self.gate, self.sent = base, gate, []
        self.out = asyncio.Event()

    async def send(self, request):
        self.sent.append(request.path)
        self.out.set()
        if self.gate is not None:
            await self.gate.wait()
        return await asyncio.get_running_loop().run_in_executor(None, self._send, request)

    def _send(self, request):
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


def test_async_sync_before_enrolment_is_refused(register):
    with pytest.raises(pos_ffi.PosError.Sync) as e:
        asyncio.run(register.sync_enrolled_async(AsyncTransport("http://127.0.0.1:9")))
    assert e.value.code == "not_enrolled"


def test_a_sale_completes_while_an_async_round_awaits_the_server(register, server, clock):  # noqa: F811
    register.enroll_sync(server.code, None, UrllibTransport(server.url))
    sell(register, ring_up(register), (CARD, "26.20"))
    heard = Heard()
    register.set_listener(heard)

    async def scenario():
        gate = asyncio.Event()
        http = AsyncTransport(server.url, gate)
        round_ = asyncio.ensure_future(register.sync_enrolled_async(http))
        await asyncio.wait_for(http.out.wait(), 10)
        # The first push is out and held: the till sells meanwhile.
        clock.millis += 60_000
        sale = sell(register, ring_up(register), (CARD, "26.20"))
        gate.set()
        report = await asyncio.wait_for(round_, 30)
        return sale, report, http.sent

    sale, report, sent = asyncio.run(scenario())
    assert sale.number() == 2
    assert report.pushes == 2 and report.acked_seq >= 2
    assert sent == ["/v1/push", "/v1/push", "/v1/pull"]
    assert register.sync_status().pending == 0
    assert heard.wait(2) == [("sale", "T", 2, "26.20", None), ("sync", 0, False)]
    assert server.count("SELECT COUNT(*) FROM events WHERE device = 'paris-11/till-1'") >= 2


def test_an_async_round_offline_then_back(register, server):  # noqa: F811
    register.enroll_sync(server.code, None, UrllibTransport(server.url))
    sell(register, ring_up(register), (CARD, "26.20"))
    heard = Heard()
    register.set_listener(heard)
    with pytest.raises(pos_ffi.PosError.Sync) as e:
        asyncio.run(register.sync_enrolled_async(AsyncTransport("http://127.0.0.1:9")))
    assert e.value.code == "transport"
    assert register.sync_status().offline_since_millis is not None
    report = asyncio.run(register.sync_enrolled_async(AsyncTransport(server.url)))
    assert report.pushes >= 1
    assert register.sync_status().offline_since_millis is None
    assert heard.wait(4) == [
        ("online", False), ("sync", 1, True), ("online", True), ("sync", 0, False),
    ]


def test_an_async_enrolment_leaves_the_till_selling_while_the_request_is_out(register, server, clock):  # noqa: F811
    async def scenario():
        gate = asyncio.Event()
        http = AsyncTransport(server.url, gate)
        enrolment = asyncio.ensure_future(register.enroll_sync_async(server.code, None, http))
        await asyncio.wait_for(http.out.wait(), 10)
        # The enrolment request is out and held: the till sells meanwhile
        # and is not enrolled yet.
        sale = sell(register, ring_up(register), (CARD, "26.20"))
        with pytest.raises(pos_ffi.PosError.Sync) as e:
            register.sync_enrolled(UrllibTransport(server.url))
        assert e.value.code == "not_enrolled"
        gate.set()
        await asyncio.wait_for(enrolment, 30)
        return sale, http.sent

    sale, sent = asyncio.run(scenario())
    assert sale.number() == 1
    assert sent == ["/v1/enroll"]
    assert server.count("SELECT COUNT(*) FROM devices WHERE id = 'paris-11/till-1'") == 1
    report = asyncio.run(register.sync_enrolled_async(AsyncTransport(server.url)))
    assert report.pushes >= 1 and register.sync_status().pending == 0
    # The code was used: enrolling again with it is refused.
    with pytest.raises(pos_ffi.PosError.Sync):
        asyncio.run(register.enroll_sync_async(server.code, None, AsyncTransport(server.url)))
