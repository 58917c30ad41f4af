"""An OpenAI-compatible chat-completions endpoint (vLLM, Ollama, llama.cpp server …) with tool calls."""

from __future__ import annotations

import asyncio
import http.client
import json
import logging
import os
import threading
from typing import Any
from urllib.parse import urlsplit

from ...core.grounding import unsupported_claims
from . import InferenceUnavailable, Turn, prompt_messages

logger = logging.getLogger(__name__)

# Read-only tools the model may call. Changing an order is never offered: that goes through the
# agent's confirmation step.
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "search_products",
            "description": "Search the shop's catalogue.",
            "parameters": {
                "type": "object",
                "properties": {
                    "query": {"type": "string"},
                    "max_price": {"type": "number"},
                    "min_price": {"type": "number"},
                },
                "required": ["query"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "search_knowledge",
            "description": "Search the shop's policy and help articles.",
            "parameters": {
                "type": "object",
                "properties": {"query": {"type": "string"}},
                "required": ["query"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "order_status",
            "description": "The customer's own order(s); guests must give number and email.",
            "parameters": {
                "type": "object",
                "properties": {"order_number": {"type": "string"}, "email": {"type": "string"}},
            },
        },
    },
]


class OpenAIResponder:
    """Streams a rewording of the grounded answer; the model may call read-only tools first."""

    streams = True

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str = "",
        api_key_env: str = "OPENAI_API_KEY",
        timeout: float = 20.0,
        connect_timeout: float = 5.0,
        max_tokens: int = 400,
        temperature: float = 0.2,
        max_tool_rounds: int = 2,
    ):
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key = api_key or os.environ.get(api_key_env, "")
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.max_tool_rounds = max_tool_rounds

    async def respond(self, turn: Turn) -> str:
        reply = turn.reply
        if reply.flagged or reply.confirm or reply.handoff:
            return reply.text  # guarded turns and confirmations keep their exact wording
        messages = prompt_messages(turn, history_turns=10)
        facts: list[Any] = [reply.facts(), reply.text]
        text = ""
        for round_no in range(self.max_tool_rounds + 1):
            tools = TOOLS if turn.run_tool is not None and round_no < self.max_tool_rounds else None
            content, calls = await self._stream(messages, tools, turn)
            text += content
            if not calls:
                break
            messages.append({"role": "assistant", "content": content or None, "tool_calls": calls})
            for call in calls:
                try:
                    args = json.loads(call["function"].get("arguments") or "{}")
                except json.JSONDecodeError:
                    args = {}
                result = await turn.run_tool(call["function"]["name"], args if isinstance(args, dict) else {})
                reply.tools.append(result)
                reply.cards += [c for c in result.cards if c not in reply.cards]
                reply.citations += [c for c in result.citations if c not in reply.citations]
                facts.append(result.facts)
                messages.append(
                    {
                        "role": "tool",
                        "tool_call_id": call["id"],
                        "content": json.dumps({"ok": result.ok, **result.facts}, default=str),
                    }
                )
        bad = unsupported_claims(text, facts)
        if bad or not text.strip():
            logger.warning("LLM answer not grounded (%s); using the template answer", bad or "empty")
            return reply.text
        return text.strip()

    async def _stream(self, messages, tools, turn: Turn) -> tuple[str, list[dict]]:
        """One streamed completion: content deltas go to the customer as they come."""
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "stream": True,
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
        }
        if tools:
            body["tools"] = tools
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue = asyncio.Queue()
        threading.Thread(target=self._post, args=(body, loop, queue), daemon=True).start()
        content, calls = "", {}
        while True:
            kind, data = await asyncio.wait_for(queue.get(), timeout=self.timeout + 1)
            if kind == "error":
                raise InferenceUnavailable(data)
            if kind == "done":
                break
            for choice in data.get("choices", []):
                delta = choice.get("delta") or {}
                if delta.get("content"):
                    content += delta["content"]
                    await turn.emit(delta["content"])
                for tc in delta.get("tool_calls") or []:
                    slot = calls.setdefault(
                        tc.get("index", 0),
                        {"id": "", "type": "function", "function": {"name": "", "arguments": ""}},
                    )
                    slot["id"] = tc.get("id") or slot["id"]
                    fn = tc.get("function") or {}
                    slot["function"]["name"] += fn.get("name") or ""
                    slot["function"]["arguments"] += fn.get("arguments") or ""
        return content, [calls[i] for i in sorted(calls)]

    def _post(self, body: dict, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue) -> None:
        def put(item):
            loop.call_soon_threadsafe(queue.put_nowait, item)

        parts = urlsplit(self.base_url)
        conn_cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        try:
            conn = conn_cls(parts.hostname, parts.port, timeout=self.connect_timeout)
            headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}
            if self.api_key:
                headers["Authorization"] = f"Bearer {self.api_key}"
            conn.request("POST", f"{parts.path}/chat/completions", json.dumps(body), headers)
            conn.sock.settimeout(self.timeout)
            response = conn.getresponse()
            if response.status != 200:
                put(("error", f"HTTP {response.status}: {response.read(300)!r}"))
                return
            while line := response.readline():
                line = line.strip()
                if not line.startswith(b"data:"):
                    continue
                payload = line[5:].strip()
                if payload == b"[DONE]":
                    break
                put(("chunk", json.loads(payload)))
            put(("done", None))
        except Exception as exc:  # connection refused, timeout, bad JSON: the caller falls back
            put(("error", f"{type(exc).__name__}: {exc}"))
        finally:
            try:
                conn.close()
            except Exception:
                pass
