"""``scripts/supervise.py``, the part of ``scripts/run`` that runs web, worker and scheduler."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from app.core.demo import DEMO_PASSWORD, seed_users
from app.extensions import db

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _marked_processes(marker: str) -> dict[int, str]:
    """Command lines, by pid, of the processes whose environment carries ``marker``."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or entry.name == str(os.getpid()):
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes():
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue  # gone meanwhile, or not ours to read
    return found


class Run:
    """The supervisor started as ``scripts/run`` starts it, in its own session like a terminal."""

    def __init__(self, database_url: str, tmp_path: Path):
        self.marker = f"QPORTAL_RUN_MARKER={uuid.uuid4().hex}"
        self.port = _free_port()
        self.instance = tmp_path / "instance"
        env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "SECRET_KEY")}
        env.update(
            QPORTAL_INSTANCE=str(self.instance),
            DATABASE_URL=database_url,
            PORT=str(self.port),
            WEB_CONCURRENCY="1",
            FLASK_APP="wsgi.py",
            QPORTAL_RUN_MARKER=self.marker.split("=", 1)[1],
        )
        self.proc = subprocess.Popen(
            [sys.executable, "scripts/supervise.py"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.lines: list[str] = []
        self.reader = threading.Thread(target=lambda: self.lines.extend(self.proc.stdout), daemon=True)
        self.reader.start()

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for_output(self, text: str, timeout: float = 60) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            if text in self.output:
                return True
            time.sleep(0.2)
        return text in self.output

    def leftovers(self) -> dict[int, str]:
        deadline = time.monotonic() + 5
        while (found := _marked_processes(self.marker)) and time.monotonic() < deadline:
            time.sleep(0.2)
        return found

    def redis_pid(self) -> int:
        """The embedded Redis rewrites its environment (process title), so it is found by its pidfile."""
        settings = json.loads((self.instance / "redis.rdb.settings").read_text())
        return int(Path(settings["pidfile"]).read_text())

    def kill(self) -> None:
        """After a failed test too, leave nothing running: the supervisor first, then what remains."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        left = list(_marked_processes(self.marker))
        with contextlib.suppress(OSError, ValueError, KeyError):
            left.append(self.redis_pid())
        for pid in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.proc.wait()
        self.reader.join(timeout=5)
        self.proc.stdout.close()


@pytest.fixture
def run(app, database_url, tmp_path):
    seed_users()
    db.session.commit()
    started = []

    def start() -> Run:
        started.append(Run(database_url, tmp_path))
        return started[-1]

    yield start
    for each in started:
        each.kill()


def test_run_starts_a_healthy_portal_and_ctrl_c_stops_every_process(run):
    portal = run()
    assert portal.wait_for_output("press Ctrl-C"), portal.output
    with urllib.request.urlopen(f"http://127.0.0.1:{portal.port}/healthz", timeout=5) as response:  # noqa: S310
        assert response.status == 200
    assert f"http://localhost:{portal.port}/" in portal.output
    assert f"password for all: {DEMO_PASSWORD}" in portal.output
    assert "  admin " in portal.output
    assert "  engineer " in portal.output
    for prefix in ("web      | ", "worker   | ", "scheduler| "):
        assert prefix in portal.output
    redis_pid = portal.redis_pid()
    assert "redis-server" in Path(f"/proc/{redis_pid}/cmdline").read_text()

    os.killpg(portal.proc.pid, signal.SIGINT)  # what Ctrl-C in the terminal does

    assert portal.proc.wait(timeout=40) == 0, portal.output
    assert portal.leftovers() == {}, portal.output
    assert "embedded Redis stopped" in portal.output
    assert not Path(f"/proc/{redis_pid}").exists()


def test_a_child_that_dies_stops_everything_with_an_error(run):
    portal = run()
    assert portal.wait_for_output("press Ctrl-C"), portal.output
    processes = _marked_processes(portal.marker)
    scheduler = next(pid for pid, line in processes.items() if "flask scheduler" in line)

    os.kill(scheduler, signal.SIGKILL)

    assert portal.proc.wait(timeout=40) == 1, portal.output
    assert "scheduler exited unexpectedly" in portal.output
    assert portal.leftovers() == {}, portal.output
