"""Admin for A/B experiments: variants inline, start/stop, per-arm results and promoting the winner."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from ..core import svgcharts
from ..core.stats import __doc__ as STATS_METHOD
from ..models import Experiment, Variant
from ..services import experiments as service


class VariantInline(admin.TabularInline):
    model = Variant
    extra = 0
    min_num = 2
    fields = ["key", "is_control", "weight", "strategy", "overrides"]


@admin.register(Experiment)
class ExperimentAdmin(admin.ModelAdmin):
    list_display = ["key", "name", "slot", "status_tag", "started_at", "stopped_at", "winner", "results_link"]
    list_filter = ["status", "slot", "simulated"]
    search_fields = ["key", "name"]
    readonly_fields = ["started_at", "stopped_at", "winner", "created_at"]
    inlines = [VariantInline]
    actions = ["start_experiments", "stop_experiments", "promote_winner"]

    @admin.display(description="status")
    def status_tag(self, obj: Experiment) -> str:
        sim = format_html(' <span class="ecom-tag sim">simulated</span>') if obj.simulated else ""
        return format_html('<span class="ecom-tag {}">{}</span>{}', obj.status, obj.get_status_display(), sim)

    @admin.display(description="results")
    def results_link(self, obj: Experiment) -> str:
        return format_html(
            '<a href="{}">Results</a>', reverse("admin:ecom_ai_experiment_results", args=[obj.pk])
        )

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        variants = list(form.instance.variants.all())
        if variants and sum(v.is_control for v in variants) != 1:
            messages.warning(request, "Mark exactly one variant as control; results compare against it.")

    @admin.action(description="Start the selected experiments")
    def start_experiments(self, request: HttpRequest, queryset: Any) -> None:
        for exp in queryset:
            try:
                if exp.variants.filter(is_control=True).count() != 1 or exp.variants.count() < 2:
                    raise ValidationError("it needs two or more variants, exactly one of them control")
                exp.start()
                messages.success(request, f"Started {exp.key}.")
            except ValidationError as exc:
                messages.error(request, f"Could not start {exp.key}: {'; '.join(exc.messages)}")

    @admin.action(description="Stop the selected experiments")
    def stop_experiments(self, request: HttpRequest, queryset: Any) -> None:
        for exp in queryset.exclude(status=Experiment.Status.STOPPED):
            exp.stop()
            messages.success(request, f"Stopped {exp.key}.")

    @admin.action(description="Promote the winner (write its settings into the run-time settings)")
    def promote_winner(self, request: HttpRequest, queryset: Any) -> None:
        for exp in queryset:
            arms = service.results(exp)
            best = service.best_arm(exp, arms)
            if best is None:
                messages.error(request, f"{exp.key}: no variants.")
                continue
            self._promote(request, exp, best.key)

    def _promote(self, request: HttpRequest, exp: Experiment, arm: str) -> None:
        try:
            written = service.promote(exp, arm, by=request.user.get_username())
        except (ValueError, Variant.DoesNotExist) as exc:
            messages.error(request, f"{exp.key}: could not promote {arm!r}: {exc}")
            return
        if written:
            messages.success(
                request,
                f"{exp.key}: promoted {arm!r}; run-time settings now include "
                + ", ".join(f"{k}={v!r}" for k, v in written.items())
                + ".",
            )
        else:
            messages.info(request, f"{exp.key}: {arm!r} (no setting changes) kept; experiment stopped.")

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/results/", view(self.results_view), name="ecom_ai_experiment_results"),
            path("<int:pk>/promote/", view(self.promote_view), name="ecom_ai_experiment_promote"),
        ] + super().get_urls()

    def promote_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        exp = get_object_or_404(Experiment, pk=pk)
        if not self.has_change_permission(request, exp):
            return HttpResponse(status=403)
        self._promote(request, exp, request.POST.get("arm", ""))
        return HttpResponseRedirect(reverse("admin:ecom_ai_experiment_results", args=[pk]))

    def results_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        exp = get_object_or_404(Experiment, pk=pk)
        if not self.has_view_permission(request, exp):
            return HttpResponse(status=403)
        arms = service.results(exp)
        if request.GET.get("export") == "csv":
            return self._csv(exp, arms)
        best = service.best_arm(exp, arms)
        labels = [a.key for a in arms]
        charts = {}
        if arms:
            for name, attr, fmt in [
                ("Click-through rate", "ctr", svgcharts.percent),
                ("Conversion", "conversion", svgcharts.percent),
                ("Revenue per visitor", "revenue_per_visitor", None),
            ]:
                est = [getattr(a, attr) for a in arms]
                kwargs = {"fmt": fmt} if fmt else {}
                charts[name] = mark_safe(
                    svgcharts.interval_chart(  # noqa: S308 (escaped by svgcharts)
                        labels, [(e.value, e.low, e.high) for e in est], title=name, **kwargs
                    )
                )
        rows = [{"arm": a, "cells": self._cells(a)} for a in arms]
        method = [" ".join(p.split()) for p in (STATS_METHOD or "").split("\n\n")]
        context = {
            **self.admin_site.each_context(request),
            "title": f"Results: {exp.name}",
            "rows": rows,
            "opts": self.model._meta,
            "exp": exp,
            "arms": arms,
            "best": best,
            "charts": charts,
            "method": method,
            "can_promote": self.has_change_permission(request, exp),
        }
        return TemplateResponse(request, "ecom_ai/admin/experiment_results.html", context)

    @staticmethod
    def _cells(arm: service.ArmResult) -> list[dict[str, str]]:
        """Display strings per metric: value, interval and P(beats control) with a verdict class."""
        cells = []
        for attr, pct in (("ctr", True), ("conversion", True), ("revenue_per_visitor", False)):
            e = getattr(arm, attr)

            def f(v: float, pct: bool = pct) -> str:
                return f"{v * 100:.1f}%" if pct else f"{v:,.2f}"

            p = e.p_beats_control
            cells.append(
                {
                    "value": f(e.value),
                    "interval": f"{f(e.low)} – {f(e.high)}",
                    "p": "–" if p is None else f"{p * 100:.0f}%",
                    "verdict": ""
                    if p is None
                    else "ecom-good"
                    if p >= 0.95
                    else "ecom-bad"
                    if p <= 0.05
                    else "",
                }
            )
        return cells

    @staticmethod
    def _csv(exp: Experiment, arms: list[service.ArmResult]) -> HttpResponse:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="ecom_ai_experiment_{exp.key}.csv"'
        writer = csv.writer(response)
        metrics = ("ctr", "conversion", "revenue_per_visitor")
        header = ["arm", "is_control", "visitors", "impressions", "clicks", "converters", "revenue"]
        for m in metrics:
            header += [m, f"{m}_low", f"{m}_high", f"{m}_p_beats_control"]
        writer.writerow(header)
        for a in arms:
            row: list = [
                a.key,
                a.is_control,
                a.visitors,
                a.impressions,
                a.clicks,
                a.converters,
                round(a.revenue, 2),
            ]
            for m in metrics:
                e = getattr(a, m)
                row += [
                    round(e.value, 6),
                    round(e.low, 6),
                    round(e.high, 6),
                    "" if e.p_beats_control is None else round(e.p_beats_control, 4),
                ]
            writer.writerow(row)
        return response
