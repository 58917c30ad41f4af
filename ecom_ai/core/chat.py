"""Plain data the chat agent passes between its tools, its responders and the websocket."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class ToolResult:
    """What one tool found. ``facts`` is everything a responder may state; nothing else is true."""

    tool: str
    ok: bool = True
    facts: dict[str, Any] = field(default_factory=dict)
    cards: list[dict[str, Any]] = field(default_factory=list)
    citations: list[dict[str, Any]] = field(default_factory=list)
    text: str = ""  # the grounded (template) wording of this result


@dataclass
class AgentReply:
    """One assistant turn as sent in a ``final`` frame."""

    text: str
    intent: str = ""
    confidence: float | None = None
    cards: list[dict[str, Any]] = field(default_factory=list)
    citations: list[dict[str, Any]] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    confirm: dict[str, Any] | None = None
    handoff: bool = False
    tools: list[ToolResult] = field(default_factory=list)
    flagged: str = ""
    grounded_text: str = ""  # the template answer, kept when an LLM rephrases it

    def payload(self) -> dict[str, Any]:
        """What is stored with the message and shown to the client (no internal facts)."""
        return {
            "cards": self.cards,
            "citations": self.citations,
            "suggestions": self.suggestions,
            "confirm": self.confirm,
            "tools": [t.tool for t in self.tools],
        }

    def facts(self) -> list[dict[str, Any]]:
        return [{"tool": t.tool, "ok": t.ok, **asdict(t)["facts"]} for t in self.tools]
