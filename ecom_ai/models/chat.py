"""Chat conversations, their messages, and the knowledge base the agent cites."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from pgvector.django import VectorField


class Conversation(models.Model):
    """One chat between a customer (signed in or an anonymous session) and the shop."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        WAITING = "waiting", "Waiting for staff"
        HANDED_OFF = "handed_off", "Handled by staff"
        RESOLVED = "resolved", "Resolved"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    session_key = models.CharField(max_length=64, blank=True, db_index=True)
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True)
    staff_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Staff member who took the conversation over.",
    )
    handoff_reason = models.CharField(max_length=200, blank=True)
    handoff_requested_at = models.DateTimeField(null=True, blank=True)
    # Pending confirmation, guest email given for order look-ups, last product cards shown.
    state = models.JSONField(default=dict, blank=True)
    thumbs_up = models.PositiveIntegerField(default=0)
    thumbs_down = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["status", "-updated_at"], name="ecom_ai_conv_status")]

    def __str__(self) -> str:
        return f"Conversation {str(self.id)[:8]} ({self.get_status_display()})"

    @property
    def group_name(self) -> str:
        """The channel-layer group every socket watching this conversation joins."""
        return f"ecom_ai.chat.{self.id.hex}"

    @property
    def agent_paused(self) -> bool:
        return self.status in {self.Status.WAITING, self.Status.HANDED_OFF}


class Message(models.Model):
    """One message in a conversation; assistant messages keep the cards and citations they showed."""

    class Role(models.TextChoices):
        CUSTOMER = "customer", "Customer"
        ASSISTANT = "assistant", "Assistant"
        STAFF = "staff", "Staff"
        SYSTEM = "system", "System"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    role = models.CharField(max_length=10, choices=Role.choices)
    text = models.TextField()
    intent = models.CharField(max_length=40, blank=True)
    confidence = models.FloatField(null=True, blank=True)
    flagged = models.CharField(max_length=40, blank=True, help_text="Guardrail that fired, e.g. injection.")
    payload = models.JSONField(
        default=dict, blank=True, help_text="Cards, citations, suggestions, tool calls."
    )
    feedback = models.SmallIntegerField(null=True, blank=True, help_text="+1 thumbs up, -1 thumbs down.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.role}: {self.text[:60]}"


class KnowledgeArticle(models.Model):
    """A help-centre article (shipping, returns, …) the agent answers from and cites."""

    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Markdown-ish text; '## ' headings split it into sections.")
    url = models.CharField(max_length=500, blank=True, help_text="Where customers can read the article.")
    is_published = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class KnowledgeChunk(models.Model):
    """One section of an article with its embedding; what retrieval returns and cites."""

    article = models.ForeignKey(KnowledgeArticle, on_delete=models.CASCADE, related_name="chunks")
    position = models.PositiveSmallIntegerField()
    heading = models.CharField(max_length=200, blank=True)
    text = models.TextField()
    model_key = models.CharField(max_length=200, blank=True)
    embedding = VectorField(null=True, blank=True)

    class Meta:
        ordering = ["article", "position"]
        constraints = [models.UniqueConstraint(fields=["article", "position"], name="ecom_ai_kc_unique_pos")]

    def __str__(self) -> str:
        return f"{self.article.slug}#{self.position} {self.heading}"
