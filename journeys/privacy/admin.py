"""Privacy requests in Django admin: Admins make them from a form and follow their status.

The add form asks for the customer's external id but the request stores only the profile's
internal number and a keyed hash; nothing in a request can be edited afterwards.
"""

import datetime
import math

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.utils import timezone
from django.utils.html import format_html

from journeys.governance import audit
from journeys.models import PrivacyExport, PrivacyRequest, SuppressedIdentity
from journeys.privacy import services, tasks
from journeys.privacy.api import PrivacyRequestSerializer
from journeys.roles import can_handle_privacy_requests


class PrivacyRequestForm(forms.ModelForm):
    customer_id = forms.CharField(max_length=255, help_text="The customer's external id (userId).")
    # A delete cannot be undone and runs as soon as it is saved, so the form asks once more.
    confirm_delete = forms.BooleanField(
        required=False,
        label="I understand this erases the customer",
        help_text="Needed for “Delete and suppress”: the profile, its events and messages are erased "
        "for good and its identifiers suppressed. This cannot be undone.",
    )

    class Meta:
        model = PrivacyRequest
        fields = ["kind", "customer_id", "note"]

    def clean_customer_id(self):
        external_id = self.cleaned_data["customer_id"]
        if not services.customer_exists(external_id):
            raise forms.ValidationError("No customer has this id.")
        return external_id

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == PrivacyRequest.Kind.DELETE and not cleaned.get("confirm_delete"):
            self.add_error("confirm_delete", "Tick this to confirm the customer is to be erased.")
        return cleaned


@admin.register(PrivacyRequest)
class PrivacyRequestAdmin(admin.ModelAdmin):
    form = PrivacyRequestForm
    list_display = ["id", "kind", "status", "created_at", "finished_at", "requested_by", "note"]
    list_filter = ["kind", "status"]
    readonly_fields = [
        "kind", "status", "customer_number", "subject_hash", "requested_by", "note", "counts", "error",
        "created_at", "started_at", "finished_at",
    ]  # fmt: skip

    def has_module_permission(self, request):
        return can_handle_privacy_requests(request.user)

    def has_view_permission(self, request, obj=None):
        return can_handle_privacy_requests(request.user)

    def has_add_permission(self, request):
        return can_handle_privacy_requests(request.user)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["kind", "customer_id", "note", "confirm_delete"]
        return self.get_readonly_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        if obj.kind == PrivacyRequest.Kind.EXPORT:
            return [*self.readonly_fields, "export_download"]
        return self.readonly_fields

    @admin.display(description="Export document")
    def export_download(self, obj):
        # The API's download (its URL and its "done export" rule), not a second copy of the
        # file serving: the admin's session is accepted there, and only Admins get the file.
        url = PrivacyRequestSerializer().get_export_url(obj)
        if url is None:
            return "Not ready yet: the link appears here once the export is done."
        expires_at = PrivacyExport.objects.filter(request=obj).values_list("expires_at", flat=True).first()
        left = expires_at - timezone.now() if expires_at else None
        if left is None or left.total_seconds() <= 0:
            return f"Expired: export documents are deleted {services.EXPORT_KEPT.days} days after the export."
        days = math.ceil(left.total_seconds() / 86400)
        return format_html(
            '<a href="{}" download>Download export</a> (available {} more day{}, until {} UTC)',
            url,
            days,
            "" if days == 1 else "s",
            expires_at.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M"),
        )

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            created = services.privacy_request_create(
                kind=form.cleaned_data["kind"],
                external_id=form.cleaned_data["customer_id"],
                requested_by=request.user,
                note=form.cleaned_data.get("note", ""),
            )
            transaction.on_commit(lambda: tasks.privacy_request_enqueue(created.pk))
            audit.record("privacy.request", created, {"kind": created.kind, "note": created.note})
        obj.pk = created.pk
        messages.info(request, "The request runs in the background; its status shows here.")

    def save_related(self, request, form, formsets, change):
        pass  # nothing related; the request was made in save_model


@admin.register(SuppressedIdentity)
class SuppressedIdentityAdmin(admin.ModelAdmin):
    list_display = ["kind", "dropped_events", "created_at", "request"]
    list_filter = ["kind"]

    def has_module_permission(self, request):
        return can_handle_privacy_requests(request.user)

    def has_view_permission(self, request, obj=None):
        return can_handle_privacy_requests(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
