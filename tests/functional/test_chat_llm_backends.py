"""LLM response backends: an OpenAI-compatible server on loopback, and a tiny random local model."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from asgiref.sync import async_to_sync
from django.contrib.sessions.backends.db import SessionStore

from demo_shop.orders.models import Order
from ecom_ai.consumers.chat import shutdown_chat_executor
from tests.chat_support import NO_MODEL, ask, ask_once, clear_rate_limits, connect, hello, until

pytestmark = pytest.mark.django_db(transaction=True)


class FakeOpenAI(BaseHTTPRequestHandler):
    """Streams chat-completion chunks; round 1 asks for a tool, round 2 words the tool's result."""

    script: list = []
    requests: list = []

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append({"path": self.path, "body": body})
        chunks = type(self).script[len(type(self).requests) - 1]
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        for chunk in chunks:
            self.wfile.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")
            self.wfile.flush()
        self.wfile.write(b"data: [DONE]\n\n")


def content_chunks(*pieces):
    return [{"choices": [{"index": 0, "delta": {"content": p}}]} for p in pieces]


@pytest.fixture
def fake_openai():
    FakeOpenAI.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOpenAI)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server, FakeOpenAI
    server.shutdown()


@pytest.fixture(autouse=True)
def stop_chat_threads():
    yield
    shutdown_chat_executor()


def use_responder(settings, backend: str, **options):
    settings.ECOM_AI = {
        **settings.ECOM_AI,
        "SIGNAL_PROCESSOR": "none",
        "CHAT": {
            "CURRENCY": "EUR",
            "INTENT_MODEL": NO_MODEL,
            "RESPONDER": {"BACKEND": backend, "OPTIONS": options},
        },
    }
    clear_rate_limits()


def session_key() -> str:
    session = SessionStore()
    session.create()
    return session.session_key


def test_openai_backend_calls_a_tool_and_streams_the_grounded_answer(settings, fake_openai):
    server, handler = fake_openai
    order = Order.objects.create(
        email="ann@example.com", full_name="Ann", address="x", total="25.00", status=Order.Status.PAID
    )
    tool_call = {
        "choices": [
            {
                "index": 0,
                "delta": {
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": "call_1",
                            "type": "function",
                            "function": {
                                "name": "order_status",
                                "arguments": json.dumps(
                                    {"order_number": order.number, "email": "ann@example.com"}
                                ),
                            },
                        }
                    ]
                },
            }
        ]
    }
    handler.script = [
        [tool_call],
        content_chunks("Your order ", f"{order.number} ", "is paid, ", "total 25.00 EUR."),
    ]
    use_responder(
        settings,
        "ecom_ai.backends.responders.OpenAIResponder",
        base_url=f"http://127.0.0.1:{server.server_port}/v1",
        model="tiny-fake",
    )
    key = session_key()

    final, frames = ask_once(key, "hello")
    deltas = [f["text"] for f in frames if f["type"] == "delta"]
    assert deltas == ["Your order ", f"{order.number} ", "is paid, ", "total 25.00 EUR."]
    assert final["text"] == "".join(deltas).strip()
    first, second = handler.requests
    assert first["path"] == "/v1/chat/completions" and first["body"]["stream"] is True
    assert {t["function"]["name"] for t in first["body"]["tools"]} == {
        "search_products",
        "search_knowledge",
        "order_status",
    }
    tool_message = next(m for m in second["body"]["messages"] if m["role"] == "tool")
    assert json.loads(tool_message["content"])["orders"][0]["status"] == "paid"


def test_openai_backend_falls_back_when_the_model_invents_a_price_or_is_down(settings, fake_openai):
    server, handler = fake_openai
    handler.script = [content_chunks("Everything costs ", "999.99 EUR today!")]
    use_responder(
        settings,
        "ecom_ai.backends.responders.OpenAIResponder",
        base_url=f"http://127.0.0.1:{server.server_port}/v1",
        model="tiny-fake",
        max_tool_rounds=0,
    )
    key = session_key()

    async def invented():
        comm = await connect(key)
        await hello(comm)
        final, _ = await ask(comm, "thanks")
        await comm.disconnect()
        return final

    final = async_to_sync(invented)()
    assert "999.99" not in final["text"] and final["text"].startswith("You're welcome")

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead_port = s.getsockname()[1]
    use_responder(
        settings,
        "ecom_ai.backends.responders.OpenAIResponder",
        base_url=f"http://127.0.0.1:{dead_port}/v1",
        model="tiny-fake",
    )

    async def down():
        comm = await connect(key, ip="10.0.0.5")
        await hello(comm)
        await comm.send_json_to({"type": "message", "text": "thanks"})
        error, _ = await until(comm, "error", timeout=5)
        final, _ = await until(comm, "final", timeout=5)
        await comm.disconnect()
        return error, final

    error, final = async_to_sync(down)()
    assert error["code"] == "inference_unavailable" and error["retry_after"] > 0
    assert final["text"].startswith("You're welcome")


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    """A randomly initialised one-layer GPT-2 with a word-level tokenizer, built here (no download)."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    words = (
        "hello your order is on its way thanks for asking we can help with shipping returns and "
        "payments the kettle lamp mat happy to assist today"
    ).split()
    vocab = {"[UNK]": 0, "[PAD]": 1, "[EOS]": 2, **{w: i + 3 for i, w in enumerate(dict.fromkeys(words))}}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", eos_token="[EOS]"
    )
    path = tmp_path_factory.mktemp("tiny-lm")
    fast.save_pretrained(path)
    torch.manual_seed(0)
    GPT2LMHeadModel(
        GPT2Config(
            vocab_size=len(vocab),
            n_positions=1024,
            n_embd=16,
            n_layer=1,
            n_head=2,
            bos_token_id=2,
            eos_token_id=2,
            pad_token_id=1,
        )
    ).save_pretrained(path)
    return str(path)


def test_local_backend_streams_tokens_through_the_channel_layer(settings, tiny_model):
    use_responder(
        settings,
        "ecom_ai.backends.responders.LocalResponder",
        model=tiny_model,
        dispatch="thread",
        max_new_tokens=8,
        generate_kwargs={"min_new_tokens": 8, "suppress_tokens": [0, 1, 2]},
    )
    key = session_key()

    final, frames = ask_once(key, "hello")
    deltas = [f["text"] for f in frames if f["type"] == "delta"]
    assert len(deltas) >= 2  # streamed piece by piece, not one block
    assert final["text"] == "".join(deltas).strip()
    assert all(word.isalpha() for word in final["text"].split())


def test_local_backend_with_no_inference_worker_gives_a_retry_hint_fast(settings, tiny_model):
    use_responder(
        settings,
        "ecom_ai.backends.responders.LocalResponder",
        model=tiny_model,
        dispatch="worker",
        first_token_timeout=2.0,
    )
    key = session_key()

    async def scenario():
        comm = await connect(key)
        await hello(comm)
        await comm.send_json_to({"type": "message", "text": "thanks"})
        error, _ = await until(comm, "error", timeout=5)
        final, _ = await until(comm, "final", timeout=5)
        await comm.disconnect()
        return error, final

    error, final = async_to_sync(scenario)()
    assert error["code"] == "inference_unavailable" and error["retry_after"] > 0
    assert final["text"].startswith("You're welcome")
