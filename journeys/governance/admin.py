"""The governance rows in the Django admin: readable, never added, changed or deleted there."""

from django.contrib import admin

from journeys.admin import ReadOnlyAdmin, pretty_json
from journeys.governance.selectors import EXPORT_FIELDS
from journeys.models import AuditEntry, ReviewRequest


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "interface", "action", "object_type", "object_id", "object_repr"]
    list_filter = ["interface", "object_type"]
    search_fields = ["action", "actor", "object_id"]
    # The export's columns, with the diff shown formatted.
    fields = [*(name for name in EXPORT_FIELDS if name not in ("id", "diff")), "diff_pretty"]
    readonly_fields = fields

    @admin.display(description="Diff")
    def diff_pretty(self, obj):
        return pretty_json(obj.diff)

    def get_actions(self, request):
        return {}  # not even "delete selected": the table refuses it anyway


@admin.register(ReviewRequest)
class ReviewRequestAdmin(ReadOnlyAdmin):
    list_display = ["journey", "status", "submitted_by", "submitted_at", "decided_by", "decided_at"]
    list_filter = ["status"]
    fields = ["journey", "status", "note", "submitted_by", "submitted_at", "decided_by", "decided_at", "decision_note"]
    readonly_fields = fields
