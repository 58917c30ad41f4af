"""A Hugging Face causal LM on the inference worker (or a thread), tokens streamed via the channel layer."""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from asgiref.sync import sync_to_async

from ...core.grounding import unsupported_claims
from . import InferenceUnavailable, Turn, prompt_messages

logger = logging.getLogger(__name__)


class LocalResponder:
    """Rephrases the grounded answer with a local model; ``dispatch`` is "worker" (Celery) or "thread"."""

    streams = True

    def __init__(
        self,
        model: str,
        dispatch: str = "worker",
        device: str = "cpu",
        max_new_tokens: int = 120,
        first_token_timeout: float = 5.0,
        timeout: float = 60.0,
        generate_kwargs: dict[str, Any] | None = None,
    ):
        if dispatch not in {"worker", "thread"}:
            raise ValueError("dispatch must be 'worker' or 'thread'")
        self.model = model
        self.dispatch = dispatch
        self.device = device
        self.max_new_tokens = max_new_tokens
        self.first_token_timeout = first_token_timeout
        self.timeout = timeout
        self.generate_kwargs = dict(generate_kwargs or {})

    def job(self, turn: Turn, request: str) -> dict[str, Any]:
        return {
            "request": request,
            "channel": turn.channel_name,
            "model": self.model,
            "device": self.device,
            "messages": prompt_messages(turn, history_turns=6),
            "max_new_tokens": self.max_new_tokens,
            "generate_kwargs": self.generate_kwargs,
        }

    async def respond(self, turn: Turn) -> str:
        reply = turn.reply
        if reply.flagged or reply.confirm or reply.handoff or turn.expect is None:
            return reply.text
        request = uuid.uuid4().hex
        waiter = turn.expect(request)
        job = self.job(turn, request)
        if self.dispatch == "worker":
            from ...tasks import schedule_chat_generation

            await sync_to_async(schedule_chat_generation, thread_sensitive=False)(job)
        else:
            from ...services.chat.generation import generate_to_channel

            asyncio.get_running_loop().run_in_executor(None, generate_to_channel, job)
        try:
            await asyncio.wait_for(waiter.first.wait(), self.first_token_timeout)
            text, error = await asyncio.wait_for(asyncio.shield(waiter.done), self.timeout)
        except TimeoutError as exc:
            raise InferenceUnavailable("the inference worker did not answer") from exc
        if error:
            raise InferenceUnavailable(error)
        bad = unsupported_claims(text, [reply.facts(), reply.text])
        if bad or not text.strip():
            logger.warning("local model answer not grounded (%s); using the template answer", bad or "empty")
            return reply.text
        return text.strip()
