"""Digital receipts by e-mail against a real SMTP server (aiosmtpd).

Starts an aiosmtpd server on a free loopback port, `pos sync-server` (from
$POS_TARGET_DIR, default target/debug) with `--smtp` pointing at it, and a
till (pos-server's `digital_till` example, a real pos-sdk till file) that
sells to a customer who consented to e-mail receipts and syncs. Then
`pos receipt --send email` asks the server to send it, and the test reads
the message the SMTP server received: headers, the text and HTML parts, the
amount, the link (which serves the receipt page). A second send sends
nothing; an SMS without consent is refused and nothing is sent.
"""

import email
import email.policy
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parents[2]
TARGET = Path(os.environ.get("POS_TARGET_DIR", ROOT / "target" / "debug"))
POS = TARGET / "pos"
TILL = TARGET / "examples" / "digital_till"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """Keeps every message the SMTP server accepts."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture(scope="module")
def world():
    for exe in (POS, TILL):
        assert exe.exists(), f"{exe} is missing: `cargo build -p pos-cli` and `cargo build -p pos-server --examples`"
    inbox = Inbox()
    smtp_port = free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    port = free_port()
    tmp = tempfile.mkdtemp()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [str(POS), "sync-server", "--listen", f"127.0.0.1:{port}", "--db", f"{tmp}/server.sqlite",
         "--first-retailer", "r1", "--first-store", "demo-store", "--link-base", url,
         "--smtp", f"127.0.0.1:{smtp_port}", "--smtp-security", "plain",
         "--smtp-from", "Commerce de démonstration <recus@example.fr>"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    # The first start of the empty database prints one enrolment code for
    # the till's store (`demo-store`), once.
    code = json.loads(proc.stdout.readline())["first_start"]["enrolment_code"]
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{url}/openapi.json", timeout=1).read()
            break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        smtp.stop()
        pytest.fail("server did not start")
    till = Path(tmp) / "till.sqlite"
    sale = subprocess.run(
        [str(TILL), "--db", str(till), "--server", url, "--enrolment-code", code,
         "--email", "camille@example.org", "--phone", "+33612345678", "--consent", "email"],
        capture_output=True, text=True, check=True,
    )
    yield {"url": url, "till": till, "sale": json.loads(sale.stdout), "inbox": inbox}
    proc.terminate()
    proc.wait(timeout=10)
    smtp.stop()
    shutil.rmtree(tmp, ignore_errors=True)


def send(world, channel):
    out = subprocess.run(
        [str(POS), "receipt", "--db", str(world["till"]), "--ticket", world["sale"]["number"],
         "--send", channel, "--server", world["url"]],
        capture_output=True, text=True,
    )
    return out.returncode, json.loads(out.stdout)


def wait_for(inbox, n):
    for _ in range(50):
        if len(inbox.messages) >= n:
            return
        time.sleep(0.1)


def test_receipt_email_is_sent_once_with_both_parts_amount_and_link(world):
    code, answer = send(world, "email")
    assert code == 0, answer
    assert answer["status"] == "sent" and answer["attempts"] == 1
    wait_for(world["inbox"], 1)
    assert len(world["inbox"].messages) == 1
    envelope = world["inbox"].messages[0]
    assert envelope.rcpt_tos == ["camille@example.org"]
    assert envelope.mail_from == "recus@example.fr"
    msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert msg["To"] == "camille@example.org"
    assert "recus@example.fr" in msg["From"]
    assert world["sale"]["number"] in msg["Subject"]
    assert msg["Message-ID"].startswith("<receipt.") and msg["Message-ID"].endswith("@example.fr>")
    assert msg.get_content_type() == "multipart/alternative"
    text = msg.get_body(preferencelist=("plain",)).get_content()
    html = msg.get_body(preferencelist=("html",)).get_content()
    total = world["sale"]["total"].replace(".", ",")  # 41.20 -> 41,20
    assert total in text and total in html
    assert "Cafetière à piston" in text
    link = next(l for l in text.splitlines() if l.startswith("Votre ticket en ligne : ")).split(" : ")[1]
    assert link.startswith(world["url"] + "/r/" + world["sale"]["ticket"] + ".")
    assert link in html
    assert "?c=" in link  # the customer's page key: the page links to their history
    page = urllib.request.urlopen(link, timeout=5)
    assert page.status == 200
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    body = page.read().decode()
    assert total in body and world["sale"]["number"] in body
    customer_page = body.split(world["url"] + "/c/")[1].split('"')[0]
    history = urllib.request.urlopen(world["url"] + "/c/" + customer_page, timeout=5).read().decode()
    assert world["sale"]["number"] in history and "Garanties" in history


def test_a_second_send_sends_nothing(world):
    before = len(world["inbox"].messages)
    code, answer = send(world, "email")
    assert code == 0, answer
    assert answer["status"] == "already_sent"
    time.sleep(0.5)
    assert len(world["inbox"].messages) == before


def test_sms_without_consent_is_refused_and_nothing_is_sent(world):
    before = len(world["inbox"].messages)
    code, answer = send(world, "sms")
    assert code == 2
    assert answer["error"] == "consent_refused"
    assert "camille" not in answer["message"] and "+336" not in answer["message"]
    assert len(world["inbox"].messages) == before
