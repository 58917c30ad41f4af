"""One customer message, answered in one pass off the event loop (synchronous, testable).

The consumer used to hop to a thread four times per message (reload the conversation, store the
question, run the agent, store the answer), with two commits and a tuning read per tool. A turn
now makes one hop: reload, answer, and store question, event, answer and state in one transaction;
run-time tuning is read once for the whole turn.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from ...core.chat import AgentReply
from ...models import Message
from ...runtime import tuning
from ..query_batcher import TurnCancelled, TurnScope, turn_scope
from ..tuning import memoised
from . import conversations, ratelimit
from .agent import ChatAgent
from .tools import ChatContext

logger = logging.getLogger(__name__)

# Seconds a chat server may answer with run-time tuning read that long ago (saves in admin reach the
# other processes within this; the saving process at once).
TUNING_MAX_AGE = 1.0


@dataclass
class TurnOutcome:
    """What the consumer sends: an ``ack`` (staff own the conversation) or the reply."""

    message: Message | None  # the customer's message
    reply: AgentReply | None = None  # None while staff own the conversation
    saved: Message | None = None  # the stored answer; None when the responder words it first
    limits: ratelimit.ChatLimits | None = None  # the rate limits as tuned now (for the next message)

    @property
    def paused(self) -> bool:
        return self.reply is None


def answer_message(
    agent: ChatAgent,
    ctx: ChatContext,
    text: str,
    *,
    injection: bool = False,
    store_answer: bool = True,
    scope: TurnScope | None = None,
) -> TurnOutcome:
    """Answer one customer message. ``store_answer=False`` (streaming responders, which read the
    history with this question in it) stores the question first and leaves the answer to the caller.
    ``scope`` cancels the turn's encoder requests when the customer leaves."""
    scope = scope or TurnScope()
    flagged = "injection" if injection else ""
    with memoised(max_age=TUNING_MAX_AGE), turn_scope(scope):
        scope.check()  # the customer left while this turn waited for a thread
        conv = ctx.conversation
        conv.refresh_from_db()
        limits = ratelimit.chat_limits(tuning())
        if conv.agent_paused:  # staff have the conversation: the agent stays silent
            message = conversations.record_customer_message(conv, text, flagged=flagged)
            return TurnOutcome(message, limits=limits)
        if not store_answer:
            message = conversations.record_customer_message(conv, text, flagged=flagged)
            return TurnOutcome(message, agent.handle(ctx, text, injection=injection), limits=limits)
        try:
            reply = agent.handle(ctx, text, injection=injection)
        except (Exception, TurnCancelled):
            _keep_question(conv, text, flagged)
            raise
        message, saved = conversations.record_turn(conv, text, reply)
        return TurnOutcome(message, reply, saved, limits)


def _keep_question(conv: Any, text: str, flagged: str) -> None:
    """A turn that could not be answered still keeps the customer's question (history, analytics)."""
    try:
        conversations.record_customer_message(conv, text, flagged=flagged)
    except Exception:
        logger.warning("could not store the customer's message of a failed turn", exc_info=True)
