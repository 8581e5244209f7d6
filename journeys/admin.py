import json

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from journeys.models import AnonymousId, Customer, Event, Source

RECENT_EVENTS = 20


def pretty_json(value) -> str:
    """JSON indented inside an escaped <pre>, for read-only display."""
    return format_html(
        '<pre style="margin:0; white-space:pre-wrap">{}</pre>', json.dumps(value, indent=2, sort_keys=True)
    )


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["name", "write_key_prefix", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    readonly_fields = ["write_key_prefix", "created_at"]
    actions = ["rotate_write_key"]

    def save_model(self, request, obj, form, change):
        if not change:
            write_key = obj.set_new_write_key()
            super().save_model(request, obj, form, change)
            self._show_key(request, obj, write_key)
        else:
            super().save_model(request, obj, form, change)

    @admin.action(description="Rotate the write key (the old one stops working)", permissions=["change"])
    def rotate_write_key(self, request, queryset):
        for source in queryset:
            write_key = source.set_new_write_key()
            source.save(update_fields=["write_key_hash", "write_key_prefix"])
            self._show_key(request, source, write_key)

    def _show_key(self, request, source, write_key):
        messages.warning(request, f"Write key for {source.name}: {write_key} (copy it now; it is not shown again).")


class AnonymousIdInline(admin.TabularInline):
    model = AnonymousId
    extra = 0
    fields = ["anonymous_id", "created_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


class ConsentFilter(admin.SimpleListFilter):
    title = "email consent"
    parameter_name = "email_consent"

    def lookups(self, request, model_admin):
        return [("yes", "Granted"), ("no", "Not granted")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(consent__email=True)
        if self.value() == "no":
            # Not `exclude(consent__email=True)`: where the key is missing, that compares NULL and drops the row.
            return queryset.exclude(consent__contains={"email": True})
        return queryset


class KnownFilter(admin.SimpleListFilter):
    title = "identity"
    parameter_name = "identity"

    def lookups(self, request, model_admin):
        return [("known", "Known (has a user id)"), ("anonymous", "Anonymous")]

    def queryset(self, request, queryset):
        if self.value() == "known":
            return queryset.filter(external_id__isnull=False)
        if self.value() == "anonymous":
            return queryset.filter(external_id__isnull=True)
        return queryset


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["__str__", "external_id", "email", "timezone", "created_at", "updated_at"]
    list_filter = [KnownFilter, ConsentFilter, "created_at"]
    search_fields = ["=external_id", "email", "=anonymous_ids__anonymous_id"]
    readonly_fields = ["attributes_pretty", "recent_events", "created_at", "updated_at"]
    fields = [
        "external_id",
        "email",
        "phone",
        "timezone",
        "consent",
        "attributes",
        "attributes_pretty",
        "recent_events",
    ]
    inlines = [AnonymousIdInline]
    show_full_result_count = False

    @admin.display(description="Attributes (readable)")
    def attributes_pretty(self, obj):
        return pretty_json(obj.attributes)

    @admin.display(description=f"Latest {RECENT_EVENTS} events")
    def recent_events(self, obj):
        if obj.pk is None:
            return "-"
        events = obj.events.order_by("-timestamp")[:RECENT_EVENTS]
        rows = format_html_join(
            "",
            '<tr><td>{}</td><td>{}</td><td><a href="{}">{}</a></td></tr>',
            (
                (
                    e.timestamp.strftime("%Y-%m-%d %H:%M:%S"),
                    e.type,
                    reverse("admin:journeys_event_change", args=[e.pk]),
                    e.name or "-",
                )
                for e in events
            ),
        )
        return (
            format_html("<table><tr><th>When (UTC)</th><th>Type</th><th>Name</th></tr>{}</table>", rows)
            if rows
            else "none"
        )


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["timestamp", "type", "name", "customer", "source", "received_at"]
    list_filter = ["type", "name", "timestamp", "source"]
    list_select_related = ["customer", "source"]
    search_fields = ["=message_id", "=customer__external_id"]
    readonly_fields = ["properties_pretty", "context_pretty"]
    fields = [
        "type",
        "name",
        "customer",
        "source",
        "message_id",
        "timestamp",
        "received_at",
        "properties_pretty",
        "context_pretty",
    ]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the event log is append-only; deleting a customer removes theirs

    @admin.display(description="Properties")
    def properties_pretty(self, obj):
        return pretty_json(obj.properties)

    @admin.display(description="Context")
    def context_pretty(self, obj):
        return pretty_json(obj.context)
