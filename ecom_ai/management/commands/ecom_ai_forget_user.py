"""``manage.py ecom_ai_forget_user USER [USER ...]``: delete everything ecom_ai holds about users."""

from __future__ import annotations

import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from ...services.privacy import forget_user


class Command(BaseCommand):
    help = "Delete every event (and whatever other ecom_ai features registered) about the given users."

    def add_arguments(self, parser):
        parser.add_argument("users", nargs="+", help="user ids or usernames")

    def handle(self, *args, users: list[str], **options):
        model = get_user_model()
        for ident in users:
            user = model._default_manager.filter(**{model.USERNAME_FIELD: ident}).first()
            if user is None and ident.isdigit():
                user = model._default_manager.filter(pk=int(ident)).first()
            if user is None:
                raise CommandError(f"no user {ident!r} (give a user id or {model.USERNAME_FIELD})")
            removed = forget_user(user.pk)
            self.stdout.write(json.dumps({"user": user.pk, "removed": removed}, sort_keys=True))
