"""``make demo``: services, migrations, catalogue, embeddings, ASGI server and Celery workers.

A worker or the ASGI server that dies is started again (a few times; a process that keeps dying
stops the demo). Ctrl-C (or SIGTERM) stops every process it started and the embedded servers, so
nothing is left behind; the data under ``var/`` stays for the next start.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = Path(os.environ.get("ECOM_AI_VAR_DIR", ROOT / "var"))
PY = sys.executable


def _die_with_parent() -> None:
    """Children get SIGTERM if the launcher itself dies (even by SIGKILL)."""
    os.setsid()  # Ctrl-C reaches the launcher, which stops children in order
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


RESTARTS_ALLOWED = 5  # per process within RESTART_WINDOW; more means it is broken, not unlucky
RESTART_WINDOW = 300.0


class Supervised:
    """A child process that is started again when it dies (e.g. a worker that lost Redis)."""

    def __init__(self, name: str, cmd: list[str], env: dict, logs: Path) -> None:
        self.name, self.cmd, self.env = name, cmd, env
        self.log_path = logs / (name.split()[0] + ".log")
        self.restarts: list[float] = []
        self.proc = self._spawn()

    def _spawn(self) -> subprocess.Popen:
        log = open(self.log_path, "ab")  # noqa: SIM115  (the child keeps it)
        return subprocess.Popen(self.cmd, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)

    def check(self) -> bool:
        """Restart the process if it has exited; False once it keeps dying."""
        code = self.proc.poll()
        if code is None:
            return True
        now = time.monotonic()
        self.restarts = [t for t in self.restarts if now - t < RESTART_WINDOW] + [now]
        if len(self.restarts) > RESTARTS_ALLOWED:
            print(f"{self.name} exited {len(self.restarts)} times in {RESTART_WINDOW:.0f} s; giving up "
                  f"(see var/logs/{self.log_path.name})", file=sys.stderr, flush=True)
            return False
        print(f"==> {self.name} exited (code {code}); restarting it "
              f"({len(self.restarts)}/{RESTARTS_ALLOWED} in {RESTART_WINDOW:.0f} s)", flush=True)
        self.proc = self._spawn()
        return True


def _step(title: str, args: list[str], env: dict) -> None:
    print(f"==> {title}", flush=True)
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True)


def main() -> int:
    port = int(os.environ.get("PORT", "8000"))
    env = dict(os.environ, PYTHONUNBUFFERED="1", DJANGO_SETTINGS_MODULE="demo_shop.settings")
    started_services: tuple[str, ...] = ()
    if not env.get("DATABASE_URL") or not env.get("REDIS_URL"):
        sys.path.insert(0, str(ROOT))
        from ecom_ai.embedded import ensure_services

        print("==> starting embedded PostgreSQL (pgvector) and Valkey under var/", flush=True)
        urls = ensure_services(VAR, database=not env.get("DATABASE_URL"), redis=not env.get("REDIS_URL"))
        started_services = ("postgres", "redis")  # the demo owns them until Ctrl-C
        env.setdefault("DATABASE_URL", urls.database_url or "")
        env.setdefault("REDIS_URL", urls.redis_url or "")
        if urls.database_url:
            env["DATABASE_URL"] = urls.database_url
        if urls.redis_url:
            env["REDIS_URL"] = urls.redis_url

    supervised: list[Supervised] = []

    def stop(*_args) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        _step("migrating", ["migrate", "--noinput", "-v", "0"], env)
        _step("loading the demo catalogue and customers", ["load_demo"], env)
        _step("embedding products", ["ecom_ai_embed", "--stale", "--inline"], env)
        _step("simulated traffic for the dashboard (first run only)",
              ["ecom_ai_simulate_traffic", "--days", "21", "--skip-if-loaded"], env)
        logs = VAR / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        commands = {
            "inference worker": [PY, "-m", "celery", "-A", "demo_shop", "worker", "-n", "inference@%h",
                                 "-Q", "ecom_ai.inference", "--pool", "solo", "-l", "INFO"],
            "default worker + beat": [PY, "-m", "celery", "-A", "demo_shop", "worker", "-n", "default@%h",
                                      "-Q", "ecom_ai.default,celery", "--pool", "threads", "-c", "4", "-B",
                                      "-s", str(VAR / "celerybeat-schedule"), "-l", "INFO"],
            "ASGI server": [PY, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "demo_shop.asgi:application"],
        }
        for name, cmd in commands.items():
            print(f"==> starting {name} (log: var/logs/{name.split()[0]}.log)", flush=True)
            supervised.append(Supervised(name, cmd, env, logs))
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if any(s.proc.poll() is not None for s in supervised) or time.monotonic() > deadline:
                print("a process failed to start; see var/logs/", file=sys.stderr)
                return 1
            time.sleep(0.5)
        print(f"\nDemo shop running at {url}  (admin: {url}admin/ user admin / password admin)\n"
              "Press Ctrl-C to stop.", flush=True)
        while all(s.check() for s in supervised):
            time.sleep(1)
        print("stopping the demo (see var/logs/)", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\n==> stopping", flush=True)
        return 0
    except subprocess.CalledProcessError as exc:
        print(f"step failed: {exc}", file=sys.stderr)
        return 1
    finally:
        children = [s.proc for s in supervised]
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        if started_services:
            from ecom_ai.embedded import stop_services

            stop_services(VAR)
            print("==> stopped the embedded servers; data kept in var/", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
