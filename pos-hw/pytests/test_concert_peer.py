"""pos-hw's Concert V2 terminal simulator driven by an independent cash
register implementation: pyTeliumManager (PyPI), over a pseudo-terminal.

The simulator is the `concert_sim` example binary, found in
$POS_HW_EXAMPLES_DIR (default: <repo>/target/debug/examples). It talks on the
pty master through its stdin/stdout; pyTeliumManager opens the pty slave as a
serial device with pyserial, exactly as it would open /dev/ttyACM0.
"""

import os
import subprocess
import tty
from pathlib import Path

import pytest
from telium import Telium, TeliumAsk
from telium.constant import TERMINAL_PAYMENT_REJECTED, TERMINAL_PAYMENT_SUCCESS

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = Path(os.environ.get("POS_HW_EXAMPLES_DIR", REPO / "target" / "debug" / "examples"))
SIMULATOR = EXAMPLES / "concert_sim"
TEST_PAN = "4970100000000055"  # the simulator's public test card


@pytest.fixture
def terminal(request):
    """Starts the simulator on a fresh pty; yields a function opening the peer."""
    if not SIMULATOR.exists():
        pytest.fail(f"{SIMULATOR} not built: run `cargo build -p pos-hw --examples`")
    args = getattr(request, "param", [])
    master, slave = os.openpty()
    tty.setraw(slave)
    proc = subprocess.Popen(
        [str(SIMULATOR), *args], stdin=master, stdout=master, stderr=subprocess.PIPE
    )
    device = Telium(os.ttyname(slave), timeout=3)
    try:
        yield device, proc
    finally:
        device.close()
        proc.kill()
        proc.wait(timeout=5)
        os.close(master)
        os.close(slave)


def pay(device, amount, mode="debit"):
    ask = TeliumAsk.new_payment(
        amount,
        payment_mode=mode,
        target_currency="EUR",
        checkout_unique_id="1",
        wait_for_transaction_to_end=True,
        collect_payment_source_info=True,
    )
    assert device.ask(ask), "the simulator did not acknowledge the request frame"
    return device.verify(ask, waiting_timeout=10)


def test_probe_is_acknowledged(terminal):
    device, _ = terminal
    assert device.is_ok()


def test_debit_is_approved_with_full_answer(terminal):
    device, _ = terminal
    answer = pay(device, 12.5)
    assert answer is not None
    assert answer.transaction_result == TERMINAL_PAYMENT_SUCCESS
    assert answer.has_succeeded
    assert answer.amount == 12.5
    assert answer.pos_number == "01"
    assert answer.currency_numeric == "978"
    assert answer.repport.split(" ")[0] == TEST_PAN
    assert answer.card_id.endswith("0055")


@pytest.mark.parametrize("terminal", [["--decline-from", "5000"]], indirect=True)
def test_amount_over_limit_is_declined(terminal):
    device, _ = terminal
    answer = pay(device, 80.0)
    assert answer is not None
    assert answer.transaction_result == TERMINAL_PAYMENT_REJECTED
    assert not answer.has_succeeded


def test_refund_then_second_payment_on_the_same_line(terminal):
    device, _ = terminal
    refund = pay(device, 3.0, mode="credit")
    assert refund.has_succeeded and refund.amount == 3.0
    again = pay(device, 45.99)
    assert again.has_succeeded and again.amount == 45.99


@pytest.mark.parametrize("terminal", [["--drop-answer"]], indirect=True)
def test_lost_answer_leaves_the_peer_without_answer(terminal):
    device, _ = terminal
    ask = TeliumAsk.new_payment(9.0, target_currency="EUR")
    assert device.ask(ask)
    assert device.verify(ask, waiting_timeout=2) is None


def test_golden_frames_agree_with_pytelium():
    """The LRC golden frames pos-hw's Rust tests check, re-checked with
    pyTeliumManager's own LRC and decoders."""
    import json

    from telium.payment import TeliumAsk as Ask, TeliumData, TeliumResponse

    cases = json.loads((REPO / "pos-hw" / "testdata" / "payment" / "concert_frames.json").read_text())["cases"]
    for case in cases:
        payload = case["payload"]
        frame = bytes.fromhex(case["frame_hex"])
        assert TeliumData.lrc(payload + "\x03") == int(case["lrc_hex"], 16), case["name"]
        assert TeliumData.framing(payload).encode("ascii") == frame, case["name"]
        if len(payload) == 34:
            ask = Ask.decode(frame)  # pyTeliumManager drops the private field
            assert ask.pos_number == payload[:2], case["name"]
            assert round(ask.amount * 100) == int(payload[2:10]), case["name"]
            assert ask.currency_numeric == payload[13:16], case["name"]
        elif len(payload) in (25, 80):
            response = TeliumResponse.decode(frame)
            assert response.pos_number == payload[:2], case["name"]
            assert response.transaction_result == int(payload[2]), case["name"]
            assert round(response.amount * 100) == int(payload[3:11]), case["name"]
            assert response.private == payload[-10:], case["name"]
