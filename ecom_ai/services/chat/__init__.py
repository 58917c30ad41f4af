"""The chat agent: guardrails, intent routing, tools, conversations and response backends."""
