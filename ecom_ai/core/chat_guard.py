"""Guardrails in front of the chat agent: size, control characters, prompt-injection patterns."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_MESSAGE_CHARS = 2000

# Characters a person never types: C0/C1 controls except tab/newline, bidi overrides, zero-width.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")

# Phrases that try to re-program the assistant. Matching text is still answered (as a customer
# question), but it never reaches a tool or an LLM as an instruction.
_INJECTION_PATTERNS = [
    r"\bignore\s+(all\s+|any\s+|the\s+)?(previous|prior|above|earlier|your)\s+(instructions?|prompts?|rules?)",
    r"\bdisregard\s+(all\s+|the\s+)?(previous|prior|above|system)\b",
    r"\bforget\s+(all\s+|everything\s+|your\s+)(instructions?|rules?|you\s+were\s+told)",
    r"\b(system|developer)\s*prompt\b",
    r"\byou\s+are\s+now\s+(a|an|in|the)\b",
    r"\bact\s+as\s+(an?\s+)?(admin|administrator|developer|system|root|dan)\b",
    r"\bjailbreak\b|\bDAN\s+mode\b|\bdeveloper\s+mode\b",
    r"\b(reveal|show|print|repeat)\s+(me\s+)?(your|the)\s+(system\s+)?(prompt|instructions|rules)",
    r"<\s*/?\s*(system|assistant|tool)\s*>",
    r"\b(call|invoke|execute|run)\s+(the\s+)?(tool|function)\b",
    r"\b(cancel|refund|show)\s+(all|every(one'?s)?)\s+orders?\b",
    r"\bother\s+(customers?|users?)'?s?\s+orders?\b",
]
_INJECTION = re.compile("|".join(f"(?:{p})" for p in _INJECTION_PATTERNS), re.IGNORECASE)


@dataclass(frozen=True)
class GuardResult:
    """The cleaned text, or the machine-readable reason it was refused."""

    text: str
    error: str | None = None
    injection: bool = False


def clean_message(raw: object, max_chars: int = MAX_MESSAGE_CHARS) -> GuardResult:
    """Validate one customer message: type, size, control characters, injection attempts."""
    if not isinstance(raw, str):
        return GuardResult("", "invalid_text")
    if len(raw) > max_chars:
        return GuardResult("", "message_too_long")
    text = unicodedata.normalize("NFKC", raw)
    if _CONTROL.search(text):
        # Strip rather than refuse when the rest is a normal message (a pasted zero-width space);
        # refuse when control characters are most of the text (binary pasted as text).
        stripped = _CONTROL.sub("", text)
        if len(stripped.strip()) < len(text.strip()) / 2:
            return GuardResult("", "control_characters")
        text = stripped
    text = re.sub(r"[ \t]+", " ", text).strip()
    if not text:
        return GuardResult("", "empty_message")
    return GuardResult(text, None, looks_like_injection(text))


def looks_like_injection(text: str) -> bool:
    """True when the text tries to give the assistant instructions."""
    return bool(_INJECTION.search(text))
