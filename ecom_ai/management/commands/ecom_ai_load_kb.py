"""``manage.py ecom_ai_load_kb FILE``: load help-centre articles into the chat's knowledge base."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Load policy/help articles (JSON list of {slug, title, body[, url]}) and embed them. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--url-pattern", default="", help="link for articles without a url, e.g. /help/{slug}/"
        )
        parser.add_argument("--no-embed", action="store_true", help="store sections without vectors")

    def handle(self, *args, file: str, url_pattern: str, no_embed: bool, **options):
        from ecom_ai.services.chat.knowledge import load_articles_file

        try:
            created, updated = load_articles_file(file, embed=not no_embed, url_pattern=url_pattern)
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"knowledge base: {created} created, {updated} updated")
