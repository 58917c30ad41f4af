"""`make demo`'s launcher on fresh embedded servers: serves the shop, Ctrl-C leaves nothing behind,
and a second start reuses the data."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(var_dir: Path, port: int, log: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "REDIS_URL", "REDIS_DB_BASE", "DJANGO_SETTINGS_MODULE"}}
    env.update(ECOM_AI_VAR_DIR=str(var_dir), PORT=str(port), PYTHONUNBUFFERED="1",
               ECOM_AI_EMBEDDED_PG_PORT=str(_free_port()), ECOM_AI_EMBEDDED_REDIS_PORT=str(_free_port()))
    return subprocess.Popen([sys.executable, "-m", "demo_shop.launcher"], cwd=ROOT, env=env,
                            stdout=open(log, "wb"), stderr=subprocess.STDOUT,  # noqa: SIM115
                            start_new_session=True)


def _wait_for_url(proc: subprocess.Popen, log: Path, timeout: float = 240) -> float:
    started = time.monotonic()
    while "Demo shop running at" not in log.read_text(errors="replace"):
        assert proc.poll() is None, log.read_text(errors="replace")
        assert time.monotonic() - started < timeout, log.read_text(errors="replace")
        time.sleep(0.5)
    return time.monotonic() - started


def _descendants(proc: subprocess.Popen) -> list[psutil.Process]:
    return psutil.Process(proc.pid).children(recursive=True)


def _server_pids(var_dir: Path) -> list[int]:
    state = json.loads((var_dir / "services.json").read_text())
    return [state[name]["pid"] for name in ("postgres", "redis")]


def _alive(pids: list[int], wait: float = 0) -> list[int]:
    deadline = time.monotonic() + wait
    while True:
        alive = []
        for pid in pids:
            try:
                if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                    alive.append(pid)
            except psutil.NoSuchProcess:
                pass
        if not alive or time.monotonic() >= deadline:
            return alive
        time.sleep(0.2)


def _interrupt(proc: subprocess.Popen, log: Path) -> None:
    assert proc.poll() is None, f"the launcher stopped by itself:\n{log.read_text(errors='replace')}"
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    proc.wait(timeout=60)
    assert "stopped the embedded servers" in log.read_text(errors="replace")


@pytest.mark.worker
def test_demo_starts_serves_and_stops_cleanly(tmp_path, output_dir):
    var_dir, port = tmp_path / "var", _free_port()
    log = output_dir / "demo-launcher-first.log"
    proc = _start(var_dir, port, log)
    try:
        _wait_for_url(proc, log)
        html = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10).read().decode()
        assert "Demo Shop" in html and 'class="card"' in html
        servers = _server_pids(var_dir)
        assert len(_alive(servers)) == 2
        children = _descendants(proc)
        assert len(children) >= 3  # two Celery workers and the ASGI server
    finally:
        _interrupt(proc, log)
    gone, alive = psutil.wait_procs(children, timeout=10)
    assert alive == []
    assert _alive(servers, wait=5) == []

    # Second start: data reused (nothing new loaded), quick to serve.
    log2 = output_dir / "demo-launcher-second.log"
    proc = _start(var_dir, port, log2)
    try:
        seconds = _wait_for_url(proc, log2)
        servers = _server_pids(var_dir)
        text = log2.read_text()
        assert "0 created, 0 updated" in text and "0 to embed" in text
        assert seconds < 60

        # A worker that dies (kombu ends one that loses Redis mid-task) is started again.
        worker = next(p for p in _descendants(proc) if "inference@%h" in " ".join(p.cmdline()))
        worker.kill()
        deadline = time.monotonic() + 30
        while "inference worker exited" not in log2.read_text(errors="replace"):
            assert proc.poll() is None and time.monotonic() < deadline, log2.read_text(errors="replace")
            time.sleep(0.5)
        again = [p for p in _descendants(proc) if "inference@%h" in " ".join(p.cmdline())]
        assert again and again[0].pid != worker.pid
        assert urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10).status == 200
    finally:
        _interrupt(proc, log2)
    assert _alive(servers, wait=5) == []
