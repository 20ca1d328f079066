"""Runs the portal's processes together for ``scripts/run``: web, worker and scheduler.

Started by ``scripts/run`` after the database is migrated and seeded. With no ``REDIS_URL``
it first starts the embedded Redis (data under the instance directory) and hands its
socket to the children. Their output goes to this terminal, each line prefixed with the
process's name. Ctrl-C or SIGTERM stops them all (TERM, then KILL after a grace period),
then the embedded Redis; a child that dies on its own stops everything with exit code 1.

Settings from the environment: ``HOST`` (127.0.0.1), ``PORT`` (5000), ``WEB_CONCURRENCY``
(2 web worker processes), ``RUN_HEALTH_TIMEOUT`` (60 seconds to wait for ``/healthz``).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: seconds a child gets to stop after SIGTERM before it is killed
STOP_GRACE = 10


class Child:
    """One supervised process in its own process group, its output copied line by line."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str]):
        self.name = name
        self.proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            process_group=0,  # Ctrl-C reaches the supervisor only; it stops the children in order
            preexec_fn=_die_with_parent,
        )
        self.reader = threading.Thread(target=self._copy_output, daemon=True)
        self.reader.start()

    def _copy_output(self) -> None:
        prefix = f"{self.name:<9}| ".encode()
        for line in iter(self.proc.stdout.readline, b""):
            sys.stdout.buffer.write(prefix + line)
            sys.stdout.flush()

    def signal_group(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)

    def group_alive(self) -> bool:
        try:
            os.killpg(self.proc.pid, 0)
        except ProcessLookupError:
            return False
        return True


_libc = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child: receive SIGTERM if the supervisor itself dies (kill -9 included)."""
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def say(message: str) -> None:
    print(f"{'run':<9}| {message}", flush=True)


def port_is_free(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def health(url: str) -> tuple[int | None, dict]:
    """``/healthz``'s status code and body (``None`` while nothing answers)."""
    try:
        with urllib.request.urlopen(url, timeout=3) as response:  # noqa: S310 — our own local URL
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        try:
            return error.code, json.loads(error.read())
        except ValueError:
            return error.code, {}
    except (OSError, ValueError):
        return None, {}


def demo_logins() -> list[tuple[str, str]]:
    """The demo accounts that exist in the database (none when it was not seeded)."""
    from app import create_app
    from app.core.auth.services import find_user
    from app.core.demo import DEMO_USERS
    from app.extensions import db

    app = create_app()
    with app.app_context():
        try:
            found = [(username, name) for username, name, _dept, _roles in DEMO_USERS if find_user(username)]
        finally:
            db.session.remove()
            db.engine.dispose()
    return found


class Supervisor:
    def __init__(self) -> None:
        self.host = os.environ.get("HOST", "127.0.0.1")
        self.port = int(os.environ.get("PORT", "5000"))
        self.web_workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
        self.health_timeout = float(os.environ.get("RUN_HEALTH_TIMEOUT", "60"))
        self.children: list[Child] = []
        self.redis_server = None
        self.stop_requested = False

    def request_stop(self, signum, _frame) -> None:
        if not self.stop_requested:
            say(f"{signal.Signals(signum).name} received: stopping")
        self.stop_requested = True

    def start_redis(self, env: dict[str, str]) -> None:
        if env.get("REDIS_URL"):
            say(f"Redis: {env['REDIS_URL']}")
            return
        from app.config import instance_dir
        from app.core.embedded_redis import start_embedded_redis

        self.redis_server = start_embedded_redis(str(instance_dir()))
        env["REDIS_URL"] = f"unix://{self.redis_server.socket_file}"
        say(f"embedded Redis started (data in {instance_dir() / 'redis.rdb'})")

    def start_children(self, env: dict[str, str]) -> None:
        python = sys.executable
        web = [
            python, "-m", "gunicorn", "wsgi:app",
            "--bind", f"{self.host}:{self.port}",
            "--workers", str(self.web_workers),
            "--graceful-timeout", str(STOP_GRACE - 2),
            "--error-logfile", "-",
            "--no-control-socket",
        ]  # fmt: skip
        self.children = [
            Child("web", web, env),
            Child("worker", [python, "-m", "flask", "worker"], env),
            Child("scheduler", [python, "-m", "flask", "scheduler"], env),
        ]

    def dead_child(self) -> Child | None:
        return next((child for child in self.children if child.proc.poll() is not None), None)

    def wait_until_healthy(self) -> bool:
        url = f"http://{self.host}:{self.port}/healthz"
        deadline = time.monotonic() + self.health_timeout
        status, body = None, {}
        while time.monotonic() < deadline and not self.stop_requested and not self.dead_child():
            status, body = health(url)
            if status == 200:
                return True
            time.sleep(0.5)
        if self.stop_requested or self.dead_child():
            return False
        failing = {name: check for name, check in body.get("checks", {}).items() if not check.get("ok")}
        say(f"the portal is not healthy after {self.health_timeout:.0f} s ({url} answered {status})")
        for name, check in failing.items():
            say(f"  failing check: {name}: {json.dumps(check, ensure_ascii=False)}")
        return False

    def print_banner(self) -> None:
        from app.core.demo import DEMO_PASSWORD

        shown_host = "localhost" if self.host in ("127.0.0.1", "0.0.0.0") else self.host  # noqa: S104
        say("")
        say(f"qportal is running: http://{shown_host}:{self.port}/   (health: /healthz)")
        try:
            logins = demo_logins()
        except Exception as error:  # noqa: BLE001 — the portal runs; only the listing failed
            say(f"could not list the demo logins: {error}")
            logins = None
        if logins:
            say(f"demo logins (password for all: {DEMO_PASSWORD}):")
            for username, name in logins:
                say(f"  {username:<13} {name}")
        elif logins is not None:
            say("no demo accounts in this database (add a user with: .venv/bin/flask users create)")
        say("press Ctrl-C to stop web, worker, scheduler" + (" and Redis" if self.redis_server else ""))
        say("")

    def stop_children(self) -> None:
        running = [child for child in self.children if child.group_alive()]
        for child in running:
            child.signal_group(signal.SIGTERM)
        started = time.monotonic()
        insisted = False
        while time.monotonic() - started < STOP_GRACE and any(child.group_alive() for child in running):
            for child in running:
                child.proc.poll()  # reap the group leader so the group can empty
            if not insisted and time.monotonic() - started > STOP_GRACE / 2:
                # A second TERM makes the RQ worker stop a job still running (cold shutdown).
                insisted = True
                for child in running:
                    if child.proc.poll() is None:
                        child.proc.send_signal(signal.SIGTERM)
            time.sleep(0.1)
        for child in running:
            if child.group_alive():
                say(f"{child.name} did not stop within {STOP_GRACE} s: killing it")
                child.signal_group(signal.SIGKILL)
        for child in self.children:
            child.proc.wait()
            child.reader.join(timeout=2)

    def stop_redis(self) -> None:
        if self.redis_server is None:
            return
        pid = self.redis_server.pid
        if pid and _pid_alive(pid):
            # SIGTERM makes Redis save its data and exit (the SHUTDOWN command through redis-py
            # would wait for the client's reconnection attempts to the closed socket).
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            while _pid_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            if _pid_alive(pid):
                os.kill(pid, signal.SIGKILL)
        self.redis_server.connection_pool.disconnect()
        if self.redis_server.redis_dir:  # its config, log and socket; the data stays in the instance dir
            shutil.rmtree(self.redis_server.redis_dir, ignore_errors=True)
        say("embedded Redis stopped")

    def run(self) -> int:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, self.request_stop)
        if not port_is_free(self.host, self.port):
            say(f"port {self.port} on {self.host} is in use: stop what runs there or set PORT")
            return 1
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "FLASK_APP": os.environ.get("FLASK_APP", "wsgi.py")}
        exit_code = 0
        try:
            self.start_redis(env)
            self.start_children(env)
            if self.wait_until_healthy():
                self.print_banner()
            elif not self.stop_requested and not self.dead_child():
                exit_code = 1
            while exit_code == 0 and not self.stop_requested:
                dead = self.dead_child()
                if dead:
                    say(f"{dead.name} exited unexpectedly (code {dead.proc.returncode}): stopping everything")
                    exit_code = 1
                    break
                time.sleep(0.3)
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                signal.signal(sig, signal.SIG_IGN)  # a second Ctrl-C must not cut the shutdown short
            self.stop_children()
            self.stop_redis()
            say("stopped")
        return exit_code


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


if __name__ == "__main__":
    sys.exit(Supervisor().run())
