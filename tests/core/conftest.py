"""Fixtures for tests that run the portal's own processes (``flask worker``, ``flask scheduler``)."""

from __future__ import annotations

import email
import os
import socket
import subprocess
import sys
import threading
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def spawn(app, backend, database_url, tmp_path):
    """``spawn("worker", ENV=...)`` starts ``flask worker`` on this test's database and Redis.

    Every process started is stopped (SIGTERM, then SIGKILL) when the test ends, before the
    database and Redis are emptied.
    """
    started: list[tuple[subprocess.Popen, Path]] = []

    def start(*command: str, **extra_env: str) -> subprocess.Popen:
        env = {
            **os.environ,
            "FLASK_APP": "wsgi.py",
            "PYTHONUNBUFFERED": "1",
            "QPORTAL_INSTANCE": app.config["INSTANCE_PATH"],
            "DATABASE_URL": database_url,
            "REDIS_URL": backend["redis_url"],
            "RQ_QUEUE": app.config["RQ_QUEUE"],
            **extra_env,
        }
        log = tmp_path / f"{command[0]}-{len(started)}.log"
        with log.open("w") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "flask", *command],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        proc.log = log
        started.append((proc, log))
        return proc

    yield start
    for proc, _log in started:
        stop(proc)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def logs(*procs: subprocess.Popen) -> str:
    """The end of each process's output, for assertion messages."""
    return "\n".join(f"--- {p.args[3:]}:\n{p.log.read_text()[-2500:]}" for p in procs)


class MailCatcher:
    """What a local SMTP server received: each message parsed, with its envelope recipients."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 — aiosmtpd's hook name
        message = email.message_from_bytes(
            envelope.original_content or envelope.content, policy=policy.default
        )
        with self._lock:
            self.messages.append(message)
            self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m, rcpt in zip(self.messages, self.recipients, strict=True) if address in rcpt]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(app):
    """A real SMTP server (aiosmtpd) on localhost; the app's mail settings point at it.

    Yields the :class:`MailCatcher`, with ``host`` and ``port`` for processes spawned by the test.
    """
    from aiosmtpd.controller import Controller

    catcher = MailCatcher()
    port = free_port()
    controller = Controller(catcher, hostname="127.0.0.1", port=port)
    controller.start()
    catcher.host, catcher.port = "127.0.0.1", port
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, MAIL_FROM="qportal@example.com")
    yield catcher
    controller.stop()
