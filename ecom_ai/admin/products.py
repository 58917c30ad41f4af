"""Admin for indexed products and their embeddings: coverage per model as a bar chart, re-embed actions."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import path, reverse

from ..models import IndexedProduct
from ..services.indexing import coverage_by_model

BAR_COLOURS = {"fresh": "#2e7d32", "stale": "#f9a825", "skipped": "#8d6e63", "missing": "#c62828"}


def coverage_chart() -> list[dict]:
    """Rows for the changelist chart: each model's counts with bar widths in percent."""
    rows = []
    for item in coverage_by_model():
        parts = [(name, int(item.get(name, 0))) for name in ("fresh", "stale", "skipped", "missing")]
        total = sum(count for _, count in parts) or 1
        offset = 0.0
        segments = []
        for name, count in parts:
            width = 100.0 * count / total
            segments.append(
                {
                    "name": name,
                    "count": count,
                    "x": round(offset, 3),
                    "width": round(width, 3),
                    "colour": BAR_COLOURS[name],
                }
            )
            offset += width
        rows.append(
            {
                "model_key": item["model_key"],
                "current": item["current"],
                "segments": segments,
                "total": total if any(c for _, c in parts) else 0,
            }
        )
    return rows


@admin.register(IndexedProduct)
class IndexedProductAdmin(admin.ModelAdmin):
    list_display = [
        "product_ref",
        "title",
        "category",
        "brand",
        "in_stock",
        "model_key",
        "is_fresh_display",
        "embedded_at",
        "skip_reason",
    ]
    list_filter = ["in_stock", "is_visible", "model_key", "category"]
    search_fields = ["product_ref", "title", "brand"]
    readonly_fields = [f.name for f in IndexedProduct._meta.fields]
    actions = ["reembed_selected"]

    @admin.display(boolean=True, description="fresh")
    def is_fresh_display(self, obj: IndexedProduct) -> bool:
        return obj.is_fresh

    @admin.action(description="Re-embed selected products (in the background)")
    def reembed_selected(self, request, queryset):
        refs = list(queryset.values_list("product_ref", flat=True))
        queryset.update(embedded_hash="")
        transaction.on_commit(lambda: _schedule_or_warn(request, self, refs))
        self.message_user(request, f"{len(refs)} products queued for re-embedding.", messages.SUCCESS)

    def get_urls(self):
        urls = super().get_urls()
        return [
            path(
                "reembed-all/",
                self.admin_site.admin_view(self.reembed_all_view),
                name="ecom_ai_indexedproduct_reembed_all",
            ),
            *urls,
        ]

    def reembed_all_view(self, request):
        """POST only (CSRF-protected by the admin): re-embed every product with the configured model."""
        if request.method != "POST" or not self.has_change_permission(request):
            return HttpResponseRedirect(reverse("admin:ecom_ai_indexedproduct_changelist"))
        from ..tasks import schedule_reembed

        force = request.POST.get("force") == "1"
        try:
            schedule_reembed(force=force)
        except Exception as exc:  # broker down: say so instead of a server error
            self.message_user(request, f"Could not queue the re-embedding: {exc}", messages.ERROR)
        else:
            self.message_user(
                request,
                "Re-embedding of the whole catalogue queued; coverage updates as it runs.",
                messages.SUCCESS,
            )
        return HttpResponseRedirect(reverse("admin:ecom_ai_indexedproduct_changelist"))

    def changelist_view(self, request, extra_context=None):
        extra_context = dict(extra_context or {})
        try:
            extra_context["coverage_rows"] = coverage_chart()
        except Exception as exc:  # the chart must never take the changelist down
            extra_context["coverage_error"] = str(exc)
        return super().changelist_view(request, extra_context=extra_context)


def _schedule_or_warn(request, model_admin, refs: list[str]) -> None:
    from ..tasks import schedule_embedding

    try:
        schedule_embedding(refs)
    except Exception as exc:
        model_admin.message_user(
            request, f"Queued rows are marked stale; the sweep will embed them ({exc}).", messages.WARNING
        )
