"""The staff side of a live chat (``ws/ecom-ai/staff/<conversation>/``): take over, reply, release."""

from __future__ import annotations

import json
import logging
import uuid

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from ..core.chat_guard import clean_message
from ..models import Conversation
from ..services.chat import conversations

logger = logging.getLogger(__name__)


class StaffChatConsumer(AsyncJsonWebsocketConsumer):
    """Staff only; joins the conversation's group, so both sides see every message live."""

    async def connect(self):
        user = self.scope.get("user")
        if not (getattr(user, "is_authenticated", False) and getattr(user, "is_staff", False)):
            await self.close(code=4403)
            return
        try:
            conv_id = uuid.UUID(self.scope["url_route"]["kwargs"]["conversation"])
        except (KeyError, ValueError):
            await self.close(code=4404)
            return
        self.conversation = await database_sync_to_async(Conversation.objects.filter(pk=conv_id).first)()
        if self.conversation is None:
            await self.close(code=4404)
            return
        await self.channel_layer.group_add(self.conversation.group_name, self.channel_name)
        await self.accept()
        history = await database_sync_to_async(conversations.history)(self.conversation, 50)
        await self.send_json(
            {
                "type": "ready",
                "conversation": str(self.conversation.pk),
                "status": self.conversation.status,
                "history": history,
            }
        )

    async def disconnect(self, code):
        if getattr(self, "conversation", None) is not None:
            await self.channel_layer.group_discard(self.conversation.group_name, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        try:
            content = json.loads(text_data) if text_data is not None else None
        except ValueError:
            content = None
        if not isinstance(content, dict):
            return await self.send_json(
                {"type": "error", "code": "malformed_json", "message": "Send JSON objects."}
            )
        kind = content.get("type")
        user = self.scope["user"]
        if kind == "message":
            guard = clean_message(content.get("text"), 4000)
            if guard.error:
                return await self.send_json(
                    {"type": "error", "code": guard.error, "message": "Invalid text."}
                )
            message = await database_sync_to_async(conversations.record_staff_message)(
                self.conversation, user, guard.text
            )
            await self.channel_layer.group_send(
                self.conversation.group_name,
                {
                    "type": "chat.staff_message",
                    "id": message.pk,
                    "text": guard.text,
                    "name": user.get_short_name() or user.get_username(),
                },
            )
            await self.channel_layer.group_send(
                self.conversation.group_name,
                {"type": "chat.status", "status": Conversation.Status.HANDED_OFF},
            )
        elif kind in {"take", "release", "resolve"}:
            status = {
                "take": Conversation.Status.HANDED_OFF,
                "release": Conversation.Status.OPEN,
                "resolve": Conversation.Status.RESOLVED,
            }[kind]
            await database_sync_to_async(conversations.set_status)(
                self.conversation, status, staff_user=user if kind == "take" else None
            )
            await self.channel_layer.group_send(
                self.conversation.group_name, {"type": "chat.status", "status": status}
            )
        else:
            await self.send_json(
                {"type": "error", "code": "unknown_type", "message": "message/take/release/resolve"}
            )

    async def chat_staff_message(self, event):
        await self.send_json(
            {
                "type": "staff_message",
                "message_id": event["id"],
                "text": event["text"],
                "name": event.get("name", ""),
            }
        )

    async def chat_customer_message(self, event):
        await self.send_json({"type": "customer_message", "message_id": event["id"], "text": event["text"]})

    async def chat_status(self, event):
        await self.send_json({"type": "status", "status": event["status"]})

    async def ecom_ai_delta(self, event):
        """Only the customer's socket streams generations."""

    async def ecom_ai_generated(self, event):
        """Only the customer's socket streams generations."""
