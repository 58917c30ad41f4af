"""The customer chat websocket (``ws/ecom-ai/chat/``); protocol in docs/chat-protocol.md."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from ..backends.responders import InferenceUnavailable, Turn, get_responder
from ..conf import ecom_ai_settings
from ..core.chat import AgentReply
from ..core.chat_guard import clean_message
from ..models import Conversation
from ..runtime import tuning
from ..services.chat import conversations, ratelimit, tools
from ..services.chat.agent import ChatAgent
from ..services.chat.tools import ChatContext
from ..services.chat.turns import TUNING_MAX_AGE, TurnOutcome, answer_message
from ..services.query_batcher import EncodingUnavailable, TurnCancelled, TurnScope
from ..services.tuning import memoised
from .threads import off_loop, shutdown_chat_executor  # noqa: F401  (re-exported for tests)

logger = logging.getLogger(__name__)

MAX_FRAME_CHARS = 16_000
REDIS_TIMEOUT = 3.0  # seconds before a dead Redis becomes an error frame instead of a hang
CLIENT_TYPES = {"hello", "message", "confirm", "feedback", "add_to_cart", "handoff", "ping"}


@dataclass
class Waiter:
    """A streamed generation the consumer is waiting for (local backend)."""

    first: asyncio.Event = field(default_factory=asyncio.Event)
    done: asyncio.Future = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class ChatConsumer(AsyncJsonWebsocketConsumer):
    """One customer's chat connection: validates frames, rate-limits, runs the agent, streams answers."""

    agent = ChatAgent()

    async def connect(self):
        self.conversation: Conversation | None = None
        self.user = self.scope.get("user")
        self.session = self.scope.get("session")
        self.client_ip = (self.scope.get("client") or [None])[0]
        self.turn_lock = asyncio.Lock()
        self.waiters: dict[str, Waiter] = {}
        self.tasks: set[asyncio.Task] = set()
        self.scopes: set[TurnScope] = set()  # turns in flight: their encoder requests, to drop on leave
        self.limits: ratelimit.ChatLimits | None = None
        self.redis = ratelimit.async_client()
        if self.session is not None and not self.session.session_key:
            await database_sync_to_async(self.session.save)()  # a guest gets a session to bind the chat to
        await self.accept()

    async def disconnect(self, code):
        for scope in self.scopes:
            scope.cancel()  # queued encodings of this customer are dropped, not computed
        for task in self.tasks:
            task.cancel()
        if self.conversation is not None:
            try:
                await asyncio.wait_for(
                    self.channel_layer.group_discard(self.conversation.group_name, self.channel_name),
                    REDIS_TIMEOUT,
                )
            except Exception:
                pass
        try:
            await self.redis.aclose()
        except Exception:
            pass

    # --- frames in ---------------------------------------------------------------------------------
    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if bytes_data is not None:
            return await self.error("binary_not_supported", "Send JSON text frames, not binary.")
        if text_data is None or len(text_data) > MAX_FRAME_CHARS:
            return await self.error("frame_too_large", f"Frames are limited to {MAX_FRAME_CHARS} characters.")
        try:
            content = json.loads(text_data)
        except (json.JSONDecodeError, ValueError):
            return await self.error("malformed_json", "The frame is not valid JSON.")
        if not isinstance(content, dict) or not isinstance(content.get("type"), str):
            return await self.error("invalid_frame", "A frame is a JSON object with a string 'type'.")
        if content["type"] not in CLIENT_TYPES:
            return await self.error(
                "unknown_type", f"Unknown frame type; expected one of {sorted(CLIENT_TYPES)}."
            )
        await self.receive_json(content)

    async def receive_json(self, content: dict, **kwargs):
        kind = content["type"]
        if kind == "ping":
            return await self.send_json({"type": "pong"})
        if kind == "hello":
            if self.conversation is not None:
                return await self.error("already_open", "This connection already has a conversation.")
            return await self.open(content.get("conversation"))
        if self.conversation is None:
            await self.open(None)
            if self.conversation is None:
                return
        if kind == "message":
            return await self.on_message(content)
        if kind == "confirm":
            if not isinstance(content.get("token"), str) or not isinstance(content.get("accept"), bool):
                return await self.error(
                    "invalid_confirm", "confirm needs a string 'token' and a boolean 'accept'."
                )
            return self.spawn(self.confirm_turn(content["token"], content["accept"]))
        if kind == "feedback":
            ok = await database_sync_to_async(conversations.record_feedback)(
                self.conversation, content.get("message_id"), content.get("value")
            )
            if not ok:
                return await self.error(
                    "invalid_feedback", "feedback needs an answer's message_id and up/down."
                )
            return await self.send_json({"type": "feedback_saved", "message_id": content.get("message_id")})
        if kind == "add_to_cart":
            return await self.on_add_to_cart(content)
        if kind == "handoff":
            return self.spawn(self.handoff_turn())

    async def open(self, resume_id: Any) -> None:
        session_key = getattr(self.session, "session_key", "") or ""
        conv, resumed, error, settings = await off_loop(_open)(
            self.user, session_key, self.client_ip, resume_id if isinstance(resume_id, str) else None
        )
        self.limits = ratelimit.chat_limits(settings)
        if error:
            await self.error(error, "That conversation can't be resumed from here; a new one was started.")
        try:
            await asyncio.wait_for(
                self.channel_layer.group_add(conv.group_name, self.channel_name), REDIS_TIMEOUT
            )
        except Exception:
            logger.exception("channel layer unavailable")
            await self.error("service_unavailable", "Chat is temporarily unavailable.", retry_after=5)
            return
        self.conversation = conv
        history = await off_loop(conversations.history)(conv) if resumed else []
        await self.send_json(
            {
                "type": "ready",
                "conversation": str(conv.pk),
                "resumed": resumed,
                "status": conv.status,
                "history": history,
                "greeting": "" if history else str(settings["chat_greeting"]),
                "max_chars": self.max_chars,
            }
        )

    @property
    def max_chars(self) -> int:
        return int(ecom_ai_settings.CHAT.get("MAX_MESSAGE_CHARS", 2000))

    async def rate_limited(self) -> bool:
        # The limits as tuned when the connection opened, refreshed by every turn (read off the loop,
        # with the turn's other settings): no settings round trip on the event loop per message.
        current = self.limits or ratelimit.chat_limits(tuning())
        who = (
            f"user:{self.user.pk}"
            if getattr(self.user, "is_authenticated", False)
            else f"ip:{self.client_ip}"
        )
        limits = {
            "connection": (f"conn:{self.channel_name}", current.connection),
            "client": (who, current.client),
        }
        try:
            verdict = await asyncio.wait_for(ratelimit.hit(self.redis, limits), REDIS_TIMEOUT)
        except Exception:
            logger.warning("rate limiter unavailable", exc_info=True)
            await self.error("service_unavailable", "Chat is temporarily unavailable.", retry_after=5)
            return True
        if not verdict.allowed:
            await self.error(
                "rate_limited",
                "You're sending messages too quickly.",
                retry_after=verdict.retry_after,
                scope=verdict.scope,
            )
            return True
        return False

    async def on_message(self, content: dict) -> None:
        guard = clean_message(content.get("text"), self.max_chars)
        if guard.error:
            messages = {
                "message_too_long": f"Messages are limited to {self.max_chars} characters.",
                "invalid_text": "'text' must be a string.",
                "empty_message": "The message is empty.",
                "control_characters": "The message contains control characters.",
            }
            return await self.error(guard.error, messages.get(guard.error, "Invalid message."))
        if await self.rate_limited():
            return
        self.spawn(self.message_turn(guard.text, guard.injection, content.get("client_id")))

    async def on_add_to_cart(self, content: dict) -> None:
        ref = content.get("ref")
        quantity = content.get("quantity", 1)
        if not isinstance(ref, str) or not ref or not isinstance(quantity, int) or not 1 <= quantity <= 20:
            return await self.error(
                "invalid_add_to_cart", "add_to_cart needs a product 'ref' and quantity 1-20."
            )
        result = await database_sync_to_async(tools.add_to_cart)(self.context(), ref, quantity)
        await self.send_json(
            {
                "type": "cart",
                "ok": result.ok,
                "ref": ref,
                "quantity": quantity,
                "title": result.facts.get("title"),
            }
        )

    # --- turns ---------------------------------------------------------------------------------------
    def spawn(self, coro) -> None:
        """Run a turn beside the dispatch loop, so streamed deltas from the channel layer keep flowing."""
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def context(self) -> ChatContext:
        return ChatContext(user=self.user, session=self.session, conversation=self.conversation)

    async def message_turn(self, text: str, injection: bool, client_id: Any) -> None:
        async with self.turn_lock:
            try:
                await self._message_turn(text, injection, client_id)
            except TurnCancelled:
                pass  # the customer left
            except EncodingUnavailable as exc:
                logger.warning("query encoder unavailable: %s", exc)
                await self.error(
                    "inference_unavailable",
                    "The assistant can't search right now; please try again in a moment.",
                    retry_after=EncodingUnavailable.retry_after,
                )
            except Exception:
                logger.exception("chat turn failed")
                await self.error("internal_error", "Something went wrong; please try again.", retry_after=2)

    async def _message_turn(self, text: str, injection: bool, client_id: Any) -> None:
        conv = self.conversation
        if not conv.agent_paused:  # as last known; a take-over meanwhile turns this into an ``ack``
            await self.send_json({"type": "typing", "client_id": client_id})
        streams = bool(getattr(get_responder(), "streams", False))
        scope = TurnScope()
        self.scopes.add(scope)
        try:
            # One hop off the loop per message: reload, answer, store (services/chat/turns.py).
            outcome: TurnOutcome = await off_loop(answer_message)(
                self.agent, self.context(), text, injection=injection, store_answer=not streams, scope=scope
            )
        finally:
            self.scopes.discard(scope)
        self.limits = outcome.limits or self.limits
        message = outcome.message
        if outcome.paused:
            # Staff have the conversation: the agent stays silent, staff see the message live.
            await self.channel_layer.group_send(
                conv.group_name, {"type": "chat.customer_message", "id": message.pk, "text": text}
            )
            await self.send_json(
                {"type": "ack", "message_id": message.pk, "client_id": client_id, "status": conv.status}
            )
            return
        await self.deliver(outcome.reply, text, message, client_id, saved=outcome.saved)

    async def confirm_turn(self, token: str, accept: bool) -> None:
        async with self.turn_lock:
            await database_sync_to_async(self.conversation.refresh_from_db)()
            reply = await database_sync_to_async(self.agent.confirm)(self.context(), token, accept)
            await self.deliver(reply, "", None, None, rephrase=False)

    async def handoff_turn(self) -> None:
        async with self.turn_lock:
            await database_sync_to_async(self.conversation.refresh_from_db)()
            result = await database_sync_to_async(tools.request_handoff)(self.context(), "customer asked")
            reply = AgentReply(
                conversations_text_handoff(), intent="contact_human_agent", tools=[result], handoff=True
            )
            await self.deliver(reply, "", None, None, rephrase=False)

    async def deliver(
        self, reply: AgentReply, text: str, message, client_id: Any, rephrase: bool = True, saved=None
    ) -> None:
        """Word the reply with the configured responder (streaming), store it (unless the turn has
        already stored it: ``saved``), send ``final``."""
        reply.grounded_text = reply.text
        responder = get_responder()
        if saved is None and rephrase and getattr(responder, "streams", False):
            history = await off_loop(conversations.history)(self.conversation, 10)

            async def emit(piece: str) -> None:
                await self.send_json({"type": "delta", "text": piece, "client_id": client_id})

            async def run_tool(name: str, args: dict):
                return await database_sync_to_async(tools.execute_tool)(self.context(), name, args)

            turn = Turn(
                text=text,
                reply=reply,
                history=history[:-1],
                emit=emit,
                run_tool=run_tool,
                channel_name=self.channel_name,
                expect=self.expect,
            )
            try:
                reply.text = await responder.respond(turn)
            except InferenceUnavailable as exc:
                logger.warning("responder unavailable: %s", exc)
                await self.error(
                    "inference_unavailable",
                    "The assistant model is not answering; showing the standard answer.",
                    retry_after=InferenceUnavailable.retry_after,
                )
                reply.text = reply.grounded_text
        if saved is None:
            saved = await off_loop(conversations.record_reply)(self.conversation, reply, message)
        await self.send_json(
            {
                "type": "final",
                "message_id": saved.pk,
                "client_id": client_id,
                "text": reply.text,
                "intent": reply.intent,
                "cards": reply.cards,
                "citations": reply.citations,
                "suggestions": reply.suggestions,
                "confirm": reply.confirm,
            }
        )
        if reply.handoff:
            await self.channel_layer.group_send(
                self.conversation.group_name, {"type": "chat.status", "status": self.conversation.status}
            )

    def expect(self, request: str) -> Waiter:
        waiter = Waiter()
        self.waiters[request] = waiter
        return waiter

    # --- channel-layer events ------------------------------------------------------------------------
    async def ecom_ai_delta(self, event: dict) -> None:
        waiter = self.waiters.get(event.get("request", ""))
        if waiter is None:
            return  # a generation for a turn that already ended (timed out)
        waiter.first.set()
        await self.send_json({"type": "delta", "text": event.get("text", "")})

    async def ecom_ai_generated(self, event: dict) -> None:
        waiter = self.waiters.pop(event.get("request", ""), None)
        if waiter is not None and not waiter.done.done():
            waiter.first.set()
            waiter.done.set_result((event.get("text", ""), event.get("error")))

    async def chat_staff_message(self, event: dict) -> None:
        await self.send_json(
            {
                "type": "staff_message",
                "message_id": event["id"],
                "text": event["text"],
                "name": event.get("name", ""),
            }
        )

    async def chat_status(self, event: dict) -> None:
        if self.conversation is not None and event.get("status"):
            self.conversation.status = event["status"]  # the next message knows before its reload
        await self.send_json(
            {
                "type": "handoff",
                "status": event["status"],
                "text": {
                    "waiting": conversations_text_handoff(),
                    "handed_off": "You're now chatting with our team.",
                    "open": "You're back with the shop assistant.",
                    "resolved": "This conversation was marked as resolved.",
                }.get(event["status"], ""),
            }
        )

    async def chat_customer_message(self, event: dict) -> None:
        """Customer messages are fanned out for staff sockets; the customer's own socket ignores them."""

    async def error(self, code: str, message: str, **extra: Any) -> None:
        await self.send_json({"type": "error", "code": code, "message": message, **extra})


def _open(user: Any, session_key: str, client_ip: str | None, resume_id: str | None):
    """Open or resume the conversation and read the settings the connection needs, in one hop."""
    conv, resumed, error = conversations.open_conversation(user, session_key, client_ip, resume_id)
    with memoised(max_age=TUNING_MAX_AGE):
        return conv, resumed, error, tuning()


def conversations_text_handoff() -> str:
    from ..services.chat.replies import SMALLTALK

    return SMALLTALK["handoff"]
