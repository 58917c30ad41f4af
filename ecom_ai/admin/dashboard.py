"""The engagement dashboard admin page: KPIs, server-side SVG charts and CSV export of each table."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.safestring import mark_safe

from ..core import svgcharts
from ..models import EngagementDashboard
from ..services.analytics import Dashboard, dashboard

MAX_DAYS = 366
PRESETS = [(7, "7 days"), (28, "28 days"), (90, "90 days")]


class RangeForm(forms.Form):
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    simulated = forms.ChoiceField(
        choices=[("1", "include simulated data"), ("0", "exclude simulated data")], required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        today = timezone.now().date()
        end = data.get("end") or today
        start = data.get("start") or end - timedelta(days=27)
        if start > end:
            raise forms.ValidationError("The start date must be on or before the end date.")
        if (end - start).days + 1 > MAX_DAYS:
            raise forms.ValidationError(f"Choose at most {MAX_DAYS} days.")
        data["start"], data["end"] = start, end
        data["include_simulated"] = data.get("simulated") != "0"
        return data


def _pct(v: float | None) -> str:
    return "–" if v is None else svgcharts.percent(v)


def _num(v: float | None, digits: int = 0) -> str:
    if v is None:
        return "–"
    return f"{v:,.{digits}f}"


def charts(d: Dashboard) -> dict[str, str]:
    """SVG markup for each chart (safe: svgcharts escapes all text)."""
    t = d.tables
    out: dict[str, str] = {}
    days = [r[0][5:] for r in t["dau"].rows]
    out["dau"] = svgcharts.line_chart(
        days, {"daily active visitors": [r[1] for r in t["dau"].rows]}, title="Daily active visitors"
    )
    cohorts = t["cohorts"]
    if cohorts.rows:
        out["cohorts"] = svgcharts.heatmap(
            [f"{r[0]} ({r[1]})" for r in cohorts.rows],
            cohorts.columns[2:],
            [r[2:] for r in cohorts.rows],
            title="Weekly retention",
        )
    recs = t["recs"]
    if recs.rows:
        slots = sorted({r[0] for r in recs.rows})
        strategies = sorted({r[1] for r in recs.rows})
        ctr = {
            s: [next((r[4] for r in recs.rows if r[0] == slot and r[1] == s), None) for slot in slots]
            for s in strategies
        }
        out["recs_ctr"] = svgcharts.bar_chart(
            slots, ctr, title="CTR per slot and strategy", fmt=svgcharts.percent
        )
        revenue = {
            s: [next((r[7] for r in recs.rows if r[0] == slot and r[1] == s), None) for slot in slots]
            for s in strategies
        }
        out["recs_revenue"] = svgcharts.bar_chart(
            slots, revenue, title="Attributed revenue per slot and strategy"
        )
    daily = t["rec_ctr_daily"]
    if daily.columns[1:]:
        out["rec_ctr_daily"] = svgcharts.line_chart(
            [r[0][5:] for r in daily.rows],
            {c: [r[i + 1] for r in daily.rows] for i, c in enumerate(daily.columns[1:])},
            title="Daily CTR per slot",
            fmt=svgcharts.percent,
        )
    sd = t["search_daily"]
    out["search_volume"] = svgcharts.bar_chart(
        [r[0][5:] for r in sd.rows],
        {"searches": [r[1] for r in sd.rows], "zero results": [r[2] for r in sd.rows]},
        title="Searches per day",
    )
    zq = t["zero_queries"]
    if zq.rows:
        out["zero_queries"] = svgcharts.bar_chart(
            [r[0][:14] for r in zq.rows[:10]],
            {"searches": [r[1] for r in zq.rows[:10]]},
            title="Top queries without results",
        )
    cd = t["chat_daily"]
    out["chat"] = svgcharts.line_chart(
        [r[0][5:] for r in cd.rows],
        {
            "conversations": [r[1] for r in cd.rows],
            "resolved": [r[2] for r in cd.rows],
            "handed off": [r[3] for r in cd.rows],
        },
        title="Chat conversations per day",
    )
    out["thumbs"] = svgcharts.bar_chart(
        [r[0][5:] for r in cd.rows],
        {"thumbs up": [r[4] for r in cd.rows], "thumbs down": [r[5] for r in cd.rows]},
        title="Thumbs up and down per day",
    )
    return {k: mark_safe(v) for k, v in out.items()}  # noqa: S308  (built by svgcharts, all text escaped)


def kpis(s: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {"label": "Avg DAU", "value": _num(s["dau"], 1), "hint": "daily active visitors"},
        {"label": "WAU", "value": _num(s["wau"]), "hint": "last 7 days of range"},
        {"label": "MAU", "value": _num(s["mau"]), "hint": "last 30 days of range"},
        {"label": "Stickiness", "value": _pct(s["stickiness"]), "hint": "avg DAU ÷ MAU"},
        {
            "label": "Returning visitors",
            "value": _pct(s["returning_visitor_rate"]),
            "hint": "active on 2+ days",
        },
        {
            "label": "Returning customers",
            "value": _pct(s["returning_customer_rate"]),
            "hint": f"of {_num(s['buyers'])} buyers",
        },
        {"label": "Rec CTR", "value": _pct(s["rec_ctr"]), "hint": f"{_num(s['rec_clicks'])} clicks"},
        {"label": "Rec revenue", "value": _num(s["rec_revenue"], 0), "hint": "attributed purchases"},
        {
            "label": "Searches",
            "value": _num(s["searches"]),
            "hint": f"zero results: {_pct(s['zero_result_rate'])}",
        },
        {
            "label": "Chats",
            "value": _num(s["conversations"]),
            "hint": f"resolved {_pct(s['resolution_rate'])}",
        },
        {"label": "Chat hand-offs", "value": _pct(s["handoff_rate"]), "hint": "passed to a human"},
        {"label": "Thumbs up", "value": _pct(s["thumbs_up_ratio"]), "hint": "of rated answers"},
    ]


def csv_response(d: Dashboard, name: str) -> HttpResponse:
    table = d.tables[name]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ecom_ai_{name}_{d.start}_{d.end}.csv"'
    writer = csv.writer(response)
    writer.writerow(table.columns)
    for row in table.rows:
        # Cells starting with = + - @ are quoted so spreadsheets do not run them as formulas.
        writer.writerow([f"'{c}" if isinstance(c, str) and c[:1] in "=+-@" else c for c in row])
    return response


@admin.register(EngagementDashboard)
class EngagementDashboardAdmin(admin.ModelAdmin):
    """Replaces the change list by the dashboard; nothing to add, change or delete."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        if not self.has_view_permission(request):
            return HttpResponse(status=403)
        form = RangeForm(request.GET)
        if not form.is_valid():
            today = timezone.now().date()
            context = {
                **self.admin_site.each_context(request),
                "title": "Engagement dashboard",
                "opts": self.model._meta,
                "form": form,
                "presets": self._presets(today, "1"),
                "start": request.GET.get("start", ""),
                "end": request.GET.get("end", ""),
            }
            return TemplateResponse(request, "ecom_ai/admin/dashboard.html", context, status=400)
        data = form.cleaned_data
        d = dashboard(data["start"], data["end"], include_simulated=data["include_simulated"])
        export = request.GET.get("export")
        if export:
            if export not in d.tables:
                return HttpResponse(
                    f"Unknown table {export!r}; choose one of {', '.join(d.tables)}.",
                    status=400,
                    content_type="text/plain",
                )
            return csv_response(d, export)
        sim = "1" if data["include_simulated"] else "0"
        base = f"?start={d.start}&end={d.end}&simulated={sim}"
        context = {
            **self.admin_site.each_context(request),
            "title": "Engagement dashboard",
            "opts": self.model._meta,
            "form": form,
            "start": d.start.isoformat(),
            "end": d.end.isoformat(),
            "d": d,
            "kpis": kpis(d.summary),
            "charts": charts(d),
            "base": base,
            "presets": self._presets(d.end, sim),
            "include_simulated": data["include_simulated"],
        }
        return TemplateResponse(request, "ecom_ai/admin/dashboard.html", context)

    @staticmethod
    def _presets(end: date, sim: str) -> list[tuple[str, str]]:
        return [
            (f"?start={end - timedelta(days=n - 1)}&end={end}&simulated={sim}", label) for n, label in PRESETS
        ]
