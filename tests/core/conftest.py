"""Fixtures for tests that run the portal's own processes (``flask worker``, ``flask scheduler``)."""

from __future__ import annotations

import os
import subprocess
import sys
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
