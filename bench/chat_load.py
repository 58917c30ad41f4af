"""Chat load: N websocket clients on one ASGI server, 5 messages each with human think times.

Prints ONE JSON line: p50/p95 from send to ``final``, lost and crossed answers, and, measured in the
same run on the same server and sockets, the transport baseline (``ping`` → ``pong`` for all clients
at once). Uses the demo shop's database (loads the demo catalogue and help articles if missing) and
the ``grounded`` backend. Each client binds its own 127.0.0.x source address, so per-IP rate limits
apply as they would to real visitors.

Questions are ``varied`` by default: product, policy and order questions drawn from templates, so
that nearly every text is new to the server (real customers do not repeat each other word for word,
and a bench of a dozen fixed texts measures the server's caches, not its encoder). ``--questions
fixed`` replays the original thirteen texts. The server runs with ``DJANGO_DEBUG=0``, as deployed.

    python bench/chat_load.py --clients 500
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [
    "do you have an electric kettle under 50 euros?",
    "wireless headphones",
    "a yoga mat",
    "something for the garden under 30 euros",
    "how much does shipping cost?",
    "what is your return policy",
    "which payment methods do you accept?",
    "how long is the warranty?",
    "track order DS-0000AAAA",
    "where is my order DS-1234ABCD",
    "can I cancel an order?",
    "hello",
    "thanks",
]
NOUNS = [
    "kettle",
    "headphones",
    "yoga mat",
    "garden hose",
    "coffee grinder",
    "backpack",
    "desk lamp",
    "running shoes",
    "blender",
    "tent",
    "water bottle",
    "phone case",
    "towel set",
    "frying pan",
    "bluetooth speaker",
    "office chair",
    "toaster",
    "rain jacket",
    "watering can",
    "mouse",
]
ADJECTIVES = [
    "",
    "cheap ",
    "electric ",
    "wireless ",
    "small ",
    "stainless steel ",
    "lightweight ",
    "blue ",
    "waterproof ",
    "good ",
    "quiet ",
    "large ",
]
COUNTRIES = ["Germany", "France", "Austria", "Spain", "Italy", "the Netherlands", "Belgium", "Poland"]
PEOPLE = ["wife", "husband", "son", "daughter", "mother", "friend", "office", "kitchen"]
PRODUCT = [
    "do you have a {adj}{noun} under {price} euros?",
    "{adj}{noun}",
    "i'm looking for a {adj}{noun} for my {person}",
    "show me {adj}{noun} between {lo} and {hi} euros",
    "any {adj}{noun} in stock?",
]
POLICY = [
    "how much does shipping cost to {country}?",
    "what is your return policy for a {noun}?",
    "which payment methods do you accept for orders to {country}?",
    "how long is the warranty on a {noun}?",
    "how long does delivery to {country} take?",
    "can I return a {noun} I bought for my {person}?",
]
ORDER = ["track order DS-{code}", "where is my order DS-{code}?", "can I cancel order DS-{code}?"]
SMALLTALK = ["hello", "thanks", "hi there", "thank you so much", "good morning"]


def varied_question(rng: random.Random) -> tuple[str, str]:
    """A product (40 %), policy (35 %), order (15 %) or small-talk (10 %) question from templates."""
    lo = rng.choice([10, 20, 30, 40, 60, 80])
    slots = {
        "adj": rng.choice(ADJECTIVES),
        "noun": rng.choice(NOUNS),
        "price": rng.randint(15, 300),
        "person": rng.choice(PEOPLE),
        "country": rng.choice(COUNTRIES),
        "lo": lo,
        "hi": lo + rng.choice([20, 50]),
        "code": "".join(rng.choice("0123456789ABCDEF") for _ in range(8)),
    }
    roll = rng.random()
    kind = "product" if roll < 0.40 else "policy" if roll < 0.75 else "order" if roll < 0.90 else "smalltalk"
    pool = {"product": PRODUCT, "policy": POLICY, "order": ORDER, "smalltalk": SMALLTALK}[kind]
    return kind, rng.choice(pool).format(**slots)


def setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo_shop.settings")
    os.environ["ECOM_AI_SIGNAL_PROCESSOR"] = "none"
    os.environ.setdefault("ECOM_AI_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    from demo_shop.catalog.models import Product
    from ecom_ai.models import IndexedProduct, KnowledgeArticle
    from ecom_ai.services.indexing import current_model_key, embed_products, sync_products

    call_command("migrate", verbosity=0)
    if not Product.objects.exists():
        print("loading the demo catalogue …", file=sys.stderr)
        call_command("load_demo", customers=5)
    if IndexedProduct.objects.stale(current_model_key()).exists() or not IndexedProduct.objects.exists():
        print("embedding the catalogue (cached afterwards) …", file=sys.stderr)
        sync_products()
        embed_products()
    if not KnowledgeArticle.objects.exists():
        call_command("ecom_ai_load_kb", str(ROOT / "demo_shop" / "data" / "policies.json"))


def start_server(port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "demo_shop.asgi:application"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_DEBUG": os.environ.get("DJANGO_DEBUG", "0")},
        stdout=subprocess.DEVNULL,
    )
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5)
            return proc
        except Exception:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("the ASGI server did not start")


class Client:
    def __init__(self, index: int, url: str, rng: random.Random, questions: str = "varied"):
        self.index, self.url, self.rng = index, url, rng
        self.questions = questions
        self.asked: list[str] = []
        self.by_kind: dict[str, list[float]] = {}
        self.ws = None
        self.conversation = ""
        self.latencies: list[float] = []
        self.lost = self.crossed = 0
        self.errors: dict[str, int] = {}
        self.pending: dict[str, tuple[float, asyncio.Future]] = {}

    async def open(self) -> None:
        from websockets.asyncio.client import connect

        source = f"127.0.{1 + self.index // 250}.{2 + self.index % 250}"
        self.ws = await connect(
            self.url,
            origin="http://127.0.0.1",
            local_addr=(source, 0),
            open_timeout=60,
            max_queue=None,
            ping_interval=None,
        )
        await self.ws.send(json.dumps({"type": "hello"}))
        self.reader = asyncio.create_task(self.read())
        self.ready = asyncio.get_running_loop().create_future()
        self.pong = None

    async def read(self) -> None:
        async for raw in self.ws:
            frame = json.loads(raw)
            kind = frame["type"]
            if kind == "ready":
                self.conversation = frame["conversation"]
                if not self.ready.done():
                    self.ready.set_result(True)
            elif kind == "pong" and self.pong and not self.pong.done():
                self.pong.set_result(time.perf_counter())
            elif kind == "final":
                entry = self.pending.pop(frame.get("client_id") or "", None)
                if entry is None:
                    self.crossed += 1  # an answer to something this client never asked
                else:
                    entry[1].set_result(time.perf_counter())
            elif kind == "error":
                self.errors[frame["code"]] = self.errors.get(frame["code"], 0) + 1

    async def ping(self) -> float:
        self.pong = asyncio.get_running_loop().create_future()
        started = time.perf_counter()
        await self.ws.send(json.dumps({"type": "ping"}))
        return (await asyncio.wait_for(self.pong, 30)) - started

    async def converse(self, messages: int, think: tuple[float, float], timeout: float) -> None:
        for _ in range(messages):
            await asyncio.sleep(self.rng.uniform(*think))
            client_id = f"{self.index}:{uuid.uuid4().hex[:8]}"
            fut = asyncio.get_running_loop().create_future()
            started = time.perf_counter()
            self.pending[client_id] = (started, fut)
            if self.questions == "fixed":
                kind, text = "fixed", self.rng.choice(QUESTIONS)
            else:
                kind, text = varied_question(self.rng)
            self.asked.append(text)
            await self.ws.send(json.dumps({"type": "message", "text": text, "client_id": client_id}))
            try:
                self.latencies.append(await asyncio.wait_for(fut, timeout) - started)
                self.by_kind.setdefault(kind, []).append(self.latencies[-1])
            except TimeoutError:
                self.pending.pop(client_id, None)
                self.lost += 1


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


async def run(args) -> dict:
    url = f"ws://127.0.0.1:{args.port}/ws/ecom-ai/chat/"
    rng = random.Random(args.seed)
    clients = [Client(i, url, random.Random(rng.random()), args.questions) for i in range(args.clients)]
    for start in range(0, len(clients), 50):  # connect in waves, as visitors arrive
        await asyncio.gather(*(c.open() for c in clients[start : start + 50]))
    await asyncio.gather(*(asyncio.wait_for(c.ready, 60) for c in clients))
    warm = clients[0]
    for q in ("electric kettle", "shipping costs"):  # load the encoder in the server before timing
        await warm.ws.send(json.dumps({"type": "message", "text": q, "client_id": f"warm-{q}"}))
        fut = asyncio.get_running_loop().create_future()
        warm.pending[f"warm-{q}"] = (time.perf_counter(), fut)
        await asyncio.wait_for(fut, 120)
    baseline = await asyncio.gather(*(c.ping() for c in clients))
    load_start = os.getloadavg()
    started = time.perf_counter()
    await asyncio.gather(*(c.converse(args.messages, (args.think_min, args.think_max), args.timeout) for c in clients))
    wall = time.perf_counter() - started
    latencies = [x for c in clients for x in c.latencies]
    conversations = {c.conversation for c in clients}
    errors: dict[str, int] = {}
    for c in clients:
        for code, n in c.errors.items():
            errors[code] = errors.get(code, 0) + n
        await c.ws.close()
    sent = args.clients * args.messages
    asked = [t for c in clients for t in c.asked]
    kinds = sorted({k for c in clients for k in c.by_kind})
    by_kind = {k: [x for c in clients for x in c.by_kind.get(k, [])] for k in kinds}
    return {
        "questions": args.questions,
        "distinct_texts": len(set(asked)),
        "load_avg_1_5_15_start": [round(x, 2) for x in load_start],
        "load_avg_1_5_15_end": [round(x, 2) for x in os.getloadavg()],
        "bench": "chat_load",
        "clients": args.clients,
        "messages_sent": sent,
        "answered": len(latencies),
        "lost": sum(c.lost for c in clients),
        "crossed": sum(c.crossed for c in clients),
        "distinct_conversations": len(conversations),
        "errors": errors,
        "final_p50_ms": pct(latencies, 0.50),
        "final_p95_ms": pct(latencies, 0.95),
        "final_max_ms": round(1000 * max(latencies), 1) if latencies else None,
        "final_p50_p95_ms_by_kind": {k: [pct(v, 0.50), pct(v, 0.95)] for k, v in by_kind.items()},
        "baseline_ping_all_at_once_p50_ms": pct(baseline, 0.50),
        "baseline_ping_all_at_once_p95_ms": pct(baseline, 0.95),
        "offered_msgs_per_s": round(sent / wall, 2),
        "wall_s": round(wall, 1),
        "think_s": [args.think_min, args.think_max],
        "backend": "grounded",
        "target": {"clients": 500, "final_p95_ms": 1000, "lost": 0, "crossed": 0},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--messages", type=int, default=5)
    parser.add_argument("--think-min", type=float, default=5.0)
    parser.add_argument("--think-max", type=float, default=15.0)
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--questions", choices=["varied", "fixed"], default="varied")
    parser.add_argument("--port", type=int, default=0, help="use a running server on this port instead")
    args = parser.parse_args()
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 8192)), hard))
    setup()
    server = None
    if not args.port:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            args.port = s.getsockname()[1]
        server = start_server(args.port)
    try:
        result = asyncio.run(run(args))
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
