"""Privacy requests in Django admin: Admins make them from a form and follow their status.

The add form asks for the customer's external id but the request stores only the profile's
internal number and a keyed hash; nothing in a request can be edited afterwards.
"""

from django import forms
from django.contrib import admin, messages
from django.db import transaction

from journeys.governance import audit
from journeys.models import PrivacyRequest, SuppressedIdentity
from journeys.privacy import services, tasks
from journeys.roles import can_handle_privacy_requests


class PrivacyRequestForm(forms.ModelForm):
    customer_id = forms.CharField(max_length=255, help_text="The customer's external id (userId).")

    class Meta:
        model = PrivacyRequest
        fields = ["kind", "customer_id", "note"]

    def clean_customer_id(self):
        external_id = self.cleaned_data["customer_id"]
        if not services.customer_exists(external_id):
            raise forms.ValidationError("No customer has this id.")
        return external_id


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
        return ["kind", "customer_id", "note"] if obj is None else self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

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
