"""Admin for the run-time settings singleton: a typed form generated from the schema, and a preview."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from .. import runtime
from ..models import TuningSettings
from ..models.experiments import SLOTS
from ..services.preview import recommendation_preview
from ..services.tuning import editable_keys, schema_for, validate_value

GROUP_ORDER = ["Widgets", "Recommendations", "Search", "Chat", "Rate limits", "Guardrails", "Other"]


def _form_field(key: str, spec: dict[str, Any]) -> forms.Field:
    label = key.replace("_", " ").capitalize()
    default = json.dumps(runtime.DEFAULTS.get(key), ensure_ascii=False)
    help_text = f"{spec.get('help', '')} (key: {key}; default: {default})".strip()
    common = {"label": label, "help_text": help_text}
    kind = spec["type"]
    if kind == "bool":
        return forms.BooleanField(required=False, **common)
    if kind == "int":
        return forms.IntegerField(min_value=spec.get("min"), max_value=spec.get("max"), **common)
    if kind == "float":
        return forms.FloatField(min_value=spec.get("min"), max_value=spec.get("max"), **common)
    if kind == "choice":
        return forms.ChoiceField(choices=[(c, c) for c in spec["choices"]], **common)
    if kind in ("str", "text"):
        widget = (
            forms.Textarea(attrs={"rows": 4, "cols": 80})
            if kind == "text"
            else forms.TextInput(attrs={"size": 80})
        )
        return forms.CharField(required=False, strip=True, widget=widget, **common)
    return forms.JSONField(widget=forms.Textarea(attrs={"rows": 2, "cols": 80}), **common)


class TuningFormBase(forms.ModelForm):
    """Edits the overrides through one typed field per key; stores only values unlike the defaults."""

    class Meta:
        model = TuningSettings
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        saved = self.instance.overrides or {}
        for key in self.tuning_keys:
            self.fields[key].initial = saved.get(key, runtime.DEFAULTS[key])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for key in self.tuning_keys:
            if key in self.errors or key not in data:
                continue
            try:
                data[key] = validate_value(key, data[key])
            except ValueError as exc:
                self.add_error(key, str(exc))
        return data

    def tuning_values(self) -> dict[str, Any]:
        """All cleaned values (call after is_valid())."""
        return {k: self.cleaned_data[k] for k in self.tuning_keys}

    def save(self, commit: bool = True) -> TuningSettings:
        values = self.tuning_values()
        self.instance.overrides = {k: v for k, v in values.items() if v != runtime.DEFAULTS.get(k)}
        return super().save(commit)


def build_form_class() -> type[TuningFormBase]:
    """A form class with a field per editable key (rebuilt each time: other features add keys)."""
    keys = editable_keys()
    attrs: dict[str, Any] = {key: _form_field(key, schema_for(key)) for key in keys}
    attrs["tuning_keys"] = keys
    return type("TuningForm", (TuningFormBase,), attrs)


@admin.register(TuningSettings)
class TuningSettingsAdmin(admin.ModelAdmin):
    change_form_template = "ecom_ai/admin/tuning_change_form.html"
    save_as = False

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        return build_form_class()

    def get_fieldsets(self, request: HttpRequest, obj: Any = None):
        groups: dict[str, list[str]] = {}
        for key in editable_keys():
            groups.setdefault(schema_for(key)["group"], []).append(key)
        order = GROUP_ORDER + sorted(set(groups) - set(GROUP_ORDER))
        return [(name, {"fields": groups[name]}) for name in order if name in groups]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        obj = TuningSettings.load()
        return HttpResponseRedirect(reverse("admin:ecom_ai_tuningsettings_change", args=[obj.pk]))

    def save_model(self, request: HttpRequest, obj: TuningSettings, form: Any, change: bool) -> None:
        obj.updated_by = request.user.get_username()
        super().save_model(request, obj, form, change)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        TuningSettings.load()
        extra = {
            "slots": SLOTS,
            "preview_url": reverse("admin:ecom_ai_tuning_preview"),
            **(extra_context or {}),
        }
        return super().change_view(request, str(TuningSettings.SINGLETON_ID), form_url, extra)

    def get_urls(self):
        urls = [
            path("preview/", self.admin_site.admin_view(self.preview_view), name="ecom_ai_tuning_preview")
        ]
        return urls + super().get_urls()

    def preview_view(self, request: HttpRequest) -> HttpResponse:
        """Recommendations for a chosen customer under the form's unsaved values (POST, nothing saved)."""
        if not self.has_view_permission(request):
            return HttpResponse(status=403)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:ecom_ai_tuningsettings_changelist"))
        form = build_form_class()(request.POST, instance=TuningSettings.load())
        customer_text = (request.POST.get("preview_customer") or "").strip()
        slot = request.POST.get("preview_slot") or "for_you"
        errors: list[str] = []
        if slot not in dict(SLOTS):
            errors.append(f"Unknown slot {slot!r}.")
        user = None
        if customer_text:
            users = get_user_model()._default_manager
            lookup = (
                {"pk": customer_text}
                if customer_text.isdigit()
                else {users.model.USERNAME_FIELD: customer_text}
            )
            user = users.filter(**lookup).first()
            if user is None:
                errors.append(f"No customer {customer_text!r} (give a username or user id).")
        result = None
        changed: dict[str, Any] = {}
        if form.is_valid() and not errors:
            values = form.tuning_values()
            changed = {k: v for k, v in values.items() if v != runtime.tuning().get(k)}
            result = recommendation_preview(user=user, slot=slot, values=values)
        elif not form.is_valid():
            errors.append(
                "Fix the settings first: " + "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
            )
        context = {
            **self.admin_site.each_context(request),
            "title": "Preview recommendations",
            "opts": self.model._meta,
            "result": result,
            "errors": errors,
            "customer": user,
            "customer_text": customer_text,
            "slot": dict(SLOTS).get(slot, slot),
            "changed": changed,
        }
        return TemplateResponse(request, "ecom_ai/admin/tuning_preview.html", context)
