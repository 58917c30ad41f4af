"""Events/s through ``POST /api/ecom-ai/events/`` on a real threaded HTTP server, zero events lost.

Starts the demo shop's WSGI app in a child process (threaded ``wsgiref`` server on loopback, the
scratch database, CSRF and sessions on, the throttle raised for the load generator), then posts
for a fixed time from several client threads: first one event per request (the baseline), then
batches. Every accepted event is counted back in the database. Prints one JSON line.

    python bench/events_ingest.py [--seconds 8] [--threads 8] [--batch 100]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo_shop.settings")
os.environ.setdefault("ECOM_AI_LOG_LEVEL", "WARNING")


def serve(port: int, database: str) -> None:
    """Child process: the shop on a threaded WSGI server, pointed at the scratch database."""
    import django

    django.setup()
    from socketserver import ThreadingMixIn
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler

    from ecom_ai.conf import ecom_ai_settings
    from ecom_ai.evaluation.scratch import scratch_database

    class Server(ThreadingMixIn, WSGIServer):
        daemon_threads = True
        request_queue_size = 128

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    settings.ECOM_AI["EVENTS_THROTTLE_RATE"] = "100000/min"  # the load generator is one client address
    ecom_ai_settings.reload()
    with scratch_database(database):
        httpd = make_server("127.0.0.1", port, WSGIHandler(), server_class=Server, handler_class=Quiet)
        print("ready", flush=True)
        httpd.serve_forever()


def _cookies(response: http.client.HTTPResponse, jar: dict[str, str]) -> None:
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            name, _, rest = value.partition("=")
            jar[name.strip()] = rest.split(";", 1)[0]


class Client:
    """One browser: its own session and CSRF cookie, posting batches."""

    def __init__(self, port: int):
        self.port = port
        self.jar: dict[str, str] = {}
        self.request("GET", "/")
        if "csrftoken" not in self.jar:
            raise RuntimeError("the page set no CSRF cookie")

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.jar.items())}
        if body is not None:
            headers.update(
                {
                    "Content-Type": "application/json",
                    "X-CSRFToken": self.jar["csrftoken"],
                    "Referer": f"http://127.0.0.1:{self.port}/",
                }
            )
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        _cookies(response, self.jar)
        conn.close()
        return response.status, data


def run_phase(port: int, tag: str, batch: int, seconds: float, threads: int) -> dict:
    clients = [Client(port) for _ in range(threads)]
    sent = [0] * threads
    accepted = [0] * threads
    errors: list[str] = []
    stop = time.perf_counter() + seconds

    def work(n: int) -> None:
        client, seq = clients[n], 0
        while time.perf_counter() < stop:
            rows = [{"kind": "view", "product": f"{tag}-{n}-{seq + i}"} for i in range(batch)]
            seq += batch
            status, data = client.request(
                "POST", "/api/ecom-ai/events/", json.dumps({"events": rows}).encode()
            )
            sent[n] += batch
            if status == 200:
                accepted[n] += json.loads(data)["accepted"]
            else:
                errors.append(f"{status}: {data[:200]!r}")

    started = time.perf_counter()
    pool = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - started
    return {
        "batch": batch,
        "threads": threads,
        "seconds": round(elapsed, 2),
        "sent": sum(sent),
        "accepted": sum(accepted),
        "events_per_s": round(sum(accepted) / elapsed, 1),
        "requests_per_s": round(sum(sent) / batch / elapsed, 1),
        "errors": errors[:3],
        "error_count": len(errors),
    }


def count_stored(database: str, tag: str) -> int:
    import django

    django.setup()
    from ecom_ai.evaluation.scratch import scratch_database
    from ecom_ai.models import Event

    with scratch_database(database, migrate=False):
        return Event.objects.filter(product_ref__startswith=tag + "-").count()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--database", default="ecom_ai_scratch")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.database)
        return
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(port), "--database", args.database],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        if server.stdout.readline().strip() != "ready":
            raise SystemExit("the server did not start")
        run_id = uuid.uuid4().hex[:8]
        print("baseline: one event per request ...", file=sys.stderr)
        baseline = run_phase(port, f"b{run_id}", 1, args.seconds, args.threads)
        print("batched ...", file=sys.stderr)
        batched = run_phase(port, f"x{run_id}", args.batch, args.seconds, args.threads)
    finally:
        server.terminate()
        server.wait(timeout=30)
    baseline["stored"] = count_stored(args.database, f"b{run_id}")
    batched["stored"] = count_stored(args.database, f"x{run_id}")
    lost = (baseline["accepted"] - baseline["stored"]) + (batched["accepted"] - batched["stored"])
    result = {
        "bench": "events_ingest",
        "server": "wsgiref threaded (loopback), session + CSRF + throttle on",
        "target_events_per_s": 2000,
        "baseline_one_per_request": baseline,
        "batched": batched,
        "lost": lost,
        "speedup": round(batched["events_per_s"] / max(baseline["events_per_s"], 1e-9), 1),
        "meets_target": batched["events_per_s"] >= 2000 and lost == 0 and not batched["error_count"],
    }
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
