"""Admin for chat: conversations with transcripts, the waiting queue, live takeover; the knowledge base."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from ..models import Conversation, KnowledgeArticle, KnowledgeChunk, Message


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    can_delete = False
    fields = ["created_at", "role", "text", "intent", "confidence", "flagged", "feedback"]
    readonly_fields = fields
    ordering = ["created_at", "id"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = [
        "short_id",
        "status",
        "who",
        "message_count",
        "thumbs_up",
        "thumbs_down",
        "updated_at",
        "live_link",
    ]
    list_filter = ["status", "updated_at"]
    search_fields = ["id", "user__username", "user__email", "session_key", "messages__text"]
    readonly_fields = [
        "id",
        "user",
        "session_key",
        "client_ip",
        "created_at",
        "updated_at",
        "thumbs_up",
        "thumbs_down",
        "handoff_requested_at",
        "handoff_reason",
        "staff_user",
        "state",
    ]
    fields = [
        "id",
        "status",
        "user",
        "session_key",
        "client_ip",
        "staff_user",
        "handoff_reason",
        "handoff_requested_at",
        "thumbs_up",
        "thumbs_down",
        "state",
        "created_at",
        "updated_at",
    ]
    inlines = [MessageInline]
    actions = ["mark_resolved"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user").annotate(n_messages=Count("messages"))

    @admin.display(description="conversation")
    def short_id(self, obj):
        return str(obj.pk)[:8]

    @admin.display(description="customer")
    def who(self, obj):
        return obj.user.get_username() if obj.user_id else f"guest {obj.session_key[:6]}"

    @admin.display(description="messages", ordering="n_messages")
    def message_count(self, obj):
        return obj.n_messages

    @admin.display(description="live")
    def live_link(self, obj):
        url = reverse("admin:ecom_ai_conversation_live", args=[obj.pk])
        label = "Take over" if obj.status == Conversation.Status.WAITING else "Open live"
        return format_html('<a href="{}">{}</a>', url, label)

    @admin.action(description="Mark selected conversations as resolved")
    def mark_resolved(self, request, queryset):
        n = queryset.update(status=Conversation.Status.RESOLVED)
        self.message_user(request, f"{n} conversation(s) resolved.", messages.SUCCESS)

    def get_urls(self):
        return [
            path("queue/", self.admin_site.admin_view(self.queue_view), name="ecom_ai_conversation_queue"),
            path(
                "queue/data/",
                self.admin_site.admin_view(self.queue_data_view),
                name="ecom_ai_conversation_queue_data",
            ),
            path(
                "<uuid:pk>/live/",
                self.admin_site.admin_view(self.live_view),
                name="ecom_ai_conversation_live",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        waiting = Conversation.objects.filter(status=Conversation.Status.WAITING).count()
        return super().changelist_view(request, {**(extra_context or {}), "waiting_count": waiting})

    def queue_view(self, request):
        """The live staff queue: who waits for a human and for how long; refreshes itself."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        from ..services.chat.staff_queue import waiting_queue

        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Chat: staff queue",
            "rows": waiting_queue(),
            "data_url": reverse("admin:ecom_ai_conversation_queue_data"),
            "live_url_template": reverse(
                "admin:ecom_ai_conversation_live", args=["00000000-0000-0000-0000-000000000000"]
            ),
        }
        return TemplateResponse(request, "admin/ecom_ai/conversation/queue.html", context)

    def queue_data_view(self, request):
        """The queue as JSON for the page's polling (read-only, so GET needs no CSRF token)."""
        if not self.has_view_permission(request):
            return JsonResponse({"error": "forbidden"}, status=403)
        from ..services.chat.staff_queue import waiting_queue

        rows = waiting_queue()
        return JsonResponse({"rows": rows, "waiting": sum(r["status"] == Conversation.Status.WAITING for r in rows)})

    def live_view(self, request, pk):
        """A live page on the staff websocket: see the customer's messages, reply, release, resolve."""
        conversation = get_object_or_404(Conversation, pk=pk)
        if not self.has_change_permission(request, conversation):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "conversation": conversation,
            "opts": self.model._meta,
            "title": f"Live chat {str(conversation.pk)[:8]}",
            "ws_path": f"/ws/ecom-ai/staff/{conversation.pk}/",
        }
        return TemplateResponse(request, "admin/ecom_ai/conversation/live.html", context)


class ChunkInline(admin.TabularInline):
    model = KnowledgeChunk
    extra = 0
    can_delete = False
    fields = ["position", "heading", "text", "model_key"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(KnowledgeArticle)
class KnowledgeArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "is_published", "sections", "updated_at"]
    list_filter = ["is_published"]
    search_fields = ["title", "slug", "body"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [ChunkInline]
    actions = ["reindex"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_chunks=Count("chunks"))

    @admin.display(description="sections", ordering="n_chunks")
    def sections(self, obj):
        return obj.n_chunks

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._index(request, [obj])

    @admin.action(description="Re-split and re-embed selected articles")
    def reindex(self, request, queryset):
        self._index(request, list(queryset))

    def _index(self, request, articles):
        from ..services.chat.knowledge import index_article

        try:
            n = sum(index_article(a) for a in articles)
            self.message_user(request, f"{n} section(s) embedded.", messages.SUCCESS)
        except Exception as exc:  # the article is saved; embedding can be retried
            self.message_user(request, f"Saved, but embedding failed: {exc}", messages.WARNING)
