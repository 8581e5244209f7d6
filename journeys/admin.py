import json

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django_q.admin import ScheduleAdmin as DjangoQScheduleAdmin
from django_q.models import Schedule
from knox.admin import AuthTokenAdmin as KnoxTokenAdmin
from knox.models import AuthToken

from journeys import services
from journeys.api.serializers import JourneySerializer
from journeys.consent import consent_history, consent_set
from journeys.consent_policy import CONSENT_CHANNELS, STATES, mode_of, state_of
from journeys.delivery import channels
from journeys.governance import approvals
from journeys.input import StrictJSONFormField
from journeys.models import (
    AnonymousId,
    ApiToken,
    Customer,
    Enrollment,
    Event,
    Journey,
    JourneyVersion,
    NodeStat,
    Source,
    Step,
    token_key_shown,
)

RECENT_EVENTS = 20
# JSON typed into the admin goes through the same checks as the API's bodies (journeys/input.py).
STRICT_JSON = {models.JSONField: {"form_class": StrictJSONFormField}}


def pretty_json(value) -> str:
    """JSON indented inside an escaped <pre>, for read-only display."""
    return format_html(
        '<pre style="margin:0; white-space:pre-wrap">{}</pre>', json.dumps(value, indent=2, sort_keys=True)
    )


class ReadOnlyAdmin(admin.ModelAdmin):
    """For rows only ingestion, the engine and services write: viewable, never added, changed or deleted here."""

    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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


# --- API tokens. DRF registers its own TokenAdmin, which lists every full key; and a token's str()
# is its key, which Django's LogEntry keeps as object_repr ("Recent actions", django_admin_log)
# even after the token is deleted, and which the delete page and the admin's messages show.
# Replaced here so a key is shown once, at creation, like a source's write key.

# knox's own admin lists tokens by digest; ours shows the key's first characters and the owner.
admin.site.unregister(AuthToken)


@admin.register(ApiToken)
class ApiTokenAdmin(KnoxTokenAdmin):
    list_display = ["key_prefix", "user", "created", "expiry"]
    list_filter = ["created", "expiry"]
    search_fields = ["token_key", "user__username"]
    raw_id_fields = ()
    autocomplete_fields = ["user"]  # by name, as the Users list searches; knox asks for the user's id

    def get_fields(self, request, obj=None):
        return ["user", "key_prefix", "created", "expiry"] if obj else ["user", "expiry"]

    def get_readonly_fields(self, request, obj=None):
        # A token's owner and key are fixed; its expiry can be moved (or set, to retire it on a date).
        return ["user", "key_prefix", "created"] if obj else []

    @admin.display(description="Key")
    def key_prefix(self, obj):
        return f"{token_key_shown(obj)}…"

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is None:
            form.base_fields["user"].help_text = "The token acts with this user's role."
            form.base_fields["expiry"].help_text = "Leave empty for a token that lasts until it is deleted."
        return form

    def save_model(self, request, obj, form, change):
        # The key exists only in the add form (knox stores its digest); this is the one time it is shown.
        admin.ModelAdmin.save_model(self, request, obj, form, change)
        if not change:
            messages.warning(request, f"API token for {obj.user}: {form.token} (copy it now; it is not shown again).")


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
        return [("subscribed", "Subscribed"), ("unsubscribed", "Unsubscribed"), ("not_asked", "Not asked")]

    def queryset(self, request, queryset):
        # `contains` rather than a key lookup: where the key is missing, that compares NULL and drops the row.
        # The booleans are the states' former spelling (journeys.consent_policy).
        subscribed = Q(consent__contains={"email": "subscribed"}) | Q(consent__contains={"email": True})
        unsubscribed = Q(consent__contains={"email": "unsubscribed"}) | Q(consent__contains={"email": False})
        if self.value() == "subscribed":
            return queryset.filter(subscribed)
        if self.value() == "unsubscribed":
            return queryset.filter(unsubscribed)
        if self.value() == "not_asked":
            return queryset.exclude(subscribed | unsubscribed)
        return queryset


def _state_field() -> forms.ChoiceField:
    # Not required: a form posted without a channel's picker (a script, an older page) leaves it as it is.
    return forms.ChoiceField(choices=[(state, state.replace("_", " ")) for state in STATES], required=False)


class CustomerForm(forms.ModelForm):
    """The profile, with one state picker per consent channel instead of the raw consent JSON."""

    # Declared on the class (one per CONSENT_CHANNELS entry) so the admin's `fields` may name them.
    consent_email = _state_field()
    consent_sms = _state_field()
    consent_push = _state_field()
    consent_in_app = _state_field()

    class Meta:
        model = Customer
        fields = ["external_id", "email", "phone", "timezone", "attributes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for channel in CONSENT_CHANNELS:
            field = self.fields[f"consent_{channel}"]
            field.label = f"{channel.replace('_', '-')} consent"
            field.initial = state_of(self.instance.consent, channel)
            field.help_text = f"When not asked, CONSENT_POLICY makes it {mode_of(channel).replace('_', '-')}."

    def consent_states(self) -> dict[str, str]:
        return {
            channel: state for channel in CONSENT_CHANNELS if (state := self.cleaned_data.get(f"consent_{channel}"))
        }


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
    readonly_fields = ["attributes_pretty", "consent_history", "recent_events", "created_at", "updated_at"]
    form = CustomerForm
    fields = [
        "external_id",
        "email",
        "phone",
        "timezone",
        *(f"consent_{channel}" for channel in CONSENT_CHANNELS),
        "consent_history",
        "attributes",
        "attributes_pretty",
        "recent_events",
    ]
    inlines = [AnonymousIdInline]
    show_full_result_count = False
    formfield_overrides = STRICT_JSON

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Through the one writer, so each change made here is logged with who made it.
        consent_set(
            customer=obj, states=form.consent_states(), source="admin", detail=f"user {request.user.get_username()}"
        )
        services.customers_changed(customer_ids=[obj.pk])  # an edited profile may now match an audience

    @admin.display(description="Attributes (readable)")
    def attributes_pretty(self, obj):
        return pretty_json(obj.attributes)

    @admin.display(description=f"Consent changes (latest {RECENT_EVENTS})")
    def consent_history(self, obj):
        # Shown, not a formset: the log is written by journeys.consent only and never edited here.
        if obj.pk is None:
            return "-"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{} → {}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    change.changed_at.strftime("%Y-%m-%d %H:%M:%S"),
                    change.channel,
                    change.previous or "-",
                    change.state,
                    change.get_source_display(),
                    change.detail,
                )
                for change in consent_history(customer=obj, limit=RECENT_EVENTS)
            ),
        )
        if not rows:
            return "none"
        return format_html(
            "<table><tr><th>When (UTC)</th><th>Channel</th><th>Change</th><th>Source</th><th>Detail</th></tr>"
            "{}</table>",
            rows,
        )

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
class EventAdmin(ReadOnlyAdmin):
    """The event log is append-only; deleting a customer removes theirs."""

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

    @admin.display(description="Properties")
    def properties_pretty(self, obj):
        return pretty_json(obj.properties)

    @admin.display(description="Context")
    def context_pretty(self, obj):
        return pretty_json(obj.context)


# --- Journeys. Status and versions change only through journeys.services, never by editing fields.

# Action name -> how the confirmation says it was done.
LIFECYCLE_ACTIONS = {
    "pause": "Paused",
    "resume": "Resumed",
    "close": "Closed",
    "stop": "Stopped",
    "archive": "Archived",
}
MAX_REPORTED_ISSUES = 5


def _report(model_admin, request, done: int, verb: str, failures: list[str]) -> None:
    if done:
        model_admin.message_user(request, f"{verb} {done} journey{'s' if done != 1 else ''}.", messages.SUCCESS)
    for failure in failures:
        model_admin.message_user(request, failure, messages.ERROR)


def _lifecycle_action(name: str):
    def run(model_admin, request, queryset):
        done, failures = 0, []
        for journey in queryset:
            try:
                services.journey_transition(journey=journey, action=name)
            except services.JourneyError as error:
                failures.append(f"{journey.name}: {error}")
            else:
                done += 1
        _report(model_admin, request, done, LIFECYCLE_ACTIONS[name], failures)

    run.__name__ = name
    return admin.action(description=f"{name.capitalize()} the selected journeys", permissions=["change"])(run)


class JourneyAdminForm(forms.ModelForm):
    """The journey form, held to the API's own rules for the fields the API writes."""

    def clean(self):
        cleaned = super().clean()
        # A draft in review is locked here too (journey_update would refuse it after the form).
        if self.instance.pk and (locked := approvals.draft_lock_reason(self.instance)):
            raise forms.ValidationError(locked)
        submitted = {name: cleaned[name] for name in JourneySerializer.Meta.fields if name in cleaned}
        api = JourneySerializer(instance=self.instance if self.instance.pk else None, data=submitted, partial=True)
        if api.is_valid():
            cleaned.update({name: api.validated_data[name] for name in submitted if name in api.validated_data})
        else:
            for name, errors in api.errors.items():
                self.add_error(name if name in self.fields else None, [str(error) for error in error_messages(errors)])
        return cleaned


def error_messages(errors):
    """The messages in DRF's error structure (a list, or a dict of them for nested fields)."""
    if isinstance(errors, dict):
        for nested in errors.values():
            yield from error_messages(nested)
    elif isinstance(errors, list):
        for nested in errors:
            yield from error_messages(nested)
    else:
        yield errors


@admin.register(Journey)
class JourneyAdmin(admin.ModelAdmin):
    form = JourneyAdminForm
    formfield_overrides = STRICT_JSON
    list_display = ["name", "status", "version_number", "entered_count", "updated_at"]
    list_filter = ["status"]
    list_select_related = ["current_version"]
    search_fields = ["name"]
    fields = [
        "name",
        "description",
        "status",
        "version_number",
        "entered_count",
        "next_audience_run_at",
        "created_by",
        "created_at",
        "updated_at",
        "graph",
        "settings",
    ]
    readonly_fields = [
        "status",
        "version_number",
        "entered_count",
        "next_audience_run_at",
        "created_by",
        "created_at",
        "updated_at",
    ]
    actions = ["publish", *(_lifecycle_action(name) for name in LIFECYCLE_ACTIONS)]

    @admin.display(description="Current version", ordering="current_version__number")
    def version_number(self, obj):
        return obj.current_version.number if obj.current_version else "-"

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status == Journey.Status.ARCHIVED:
            return False  # journey_update refuses archived journeys; show them read-only
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # Deleting a journey deletes every enrollment, step and delivery of it; only drafts and
        # archived journeys may go, one at a time, from their own page.
        if obj is None or obj.status not in (Journey.Status.DRAFT, Journey.Status.ARCHIVED):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            changes = {name: form.cleaned_data[name] for name in form.changed_data}
            services.journey_update(journey=obj, **changes)
        else:
            obj.created_by = request.user
            super().save_model(request, obj, form, change)

    @admin.action(description="Publish the draft as a new version", permissions=["change"])
    def publish(self, request, queryset):
        done, failures = 0, []
        for journey in queryset:
            try:
                services.journey_publish(journey=journey, user=request.user)
            except services.JourneyError as error:
                failures.append(_describe_publish_error(journey, error))
            else:
                done += 1
        _report(self, request, done, "Published", failures)


def _describe_publish_error(journey: Journey, error) -> str:
    message = f"{journey.name}: {error}"
    if error.validation is None:
        return message
    issues = [
        f"{issue.node_id}: {issue.message}" if issue.node_id else issue.message
        for issue in error.validation.errors[:MAX_REPORTED_ISSUES]
    ]
    more = len(error.validation.errors) - len(issues)
    return f"{message}: {'; '.join(issues)}" + (f" (and {more} more)" if more > 0 else "")


@admin.register(JourneyVersion)
class JourneyVersionAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "number", "published_by", "published_at"]
    list_select_related = ["journey", "published_by"]
    search_fields = ["journey__name"]
    fields = ["journey", "number", "published_by", "published_at", "graph_pretty", "settings_pretty"]
    readonly_fields = fields

    @admin.display(description="Graph")
    def graph_pretty(self, obj):
        return pretty_json(obj.graph)

    @admin.display(description="Settings")
    def settings_pretty(self, obj):
        return pretty_json(obj.settings)


class NodeFilter(admin.SimpleListFilter):
    """Nodes of the journey chosen in the journey filter, named as on the canvas.

    Listing distinct node ids over the whole enrollment table would scan it; the graphs of
    one journey's versions are a handful of small rows.
    """

    title = "node"
    parameter_name = "node_id"
    journey_parameter = "journey__id__exact"

    def lookups(self, request, model_admin):
        journey_id = request.GET.get(self.journey_parameter)
        if not journey_id or not journey_id.isdigit():
            return []
        labels: dict[str, str] = {}
        for graph in (
            JourneyVersion.objects.filter(journey_id=journey_id).order_by("number").values_list("graph", flat=True)
        ):
            for item in graph.get("nodes", []):
                label = (item.get("data") or {}).get("label") or (item.get("data") or {}).get("kind", "")
                labels[item["id"]] = f"{item['id']} ({label})" if label else item["id"]
        return sorted(labels.items())

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(node_id=self.value())
        return queryset


@admin.register(Enrollment)
class EnrollmentAdmin(ReadOnlyAdmin):
    list_display = ["id", "customer", "journey", "version_number", "node_id", "status", "due_at", "entered_at"]
    list_filter = ["journey", "status", NodeFilter]
    list_select_related = ["customer", "journey", "version"]
    raw_id_fields = ["customer"]
    search_fields = ["=customer__external_id"]
    fields = [
        "journey",
        "version",
        "customer",
        "node_id",
        "status",
        "due_at",
        "due_port",
        "waiting_for",
        "event_port",
        "waiting_since",
        "exit_reason",
        "error",
        "entered_at",
        "updated_at",
        "exited_at",
        "converted_at",
        "context_pretty",
    ]
    readonly_fields = fields

    @admin.display(description="Version", ordering="version__number")
    def version_number(self, obj):
        return obj.version.number

    @admin.display(description="Context")
    def context_pretty(self, obj):
        return pretty_json(obj.context)


STEP_ACTIONS = ["entered", "passed", "waiting", "exited", "errored", "converted", "migrated"]


class StepActionFilter(admin.SimpleListFilter):
    # A fixed list: SELECT DISTINCT over the step log would read all of it.
    title = "action"
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return [(action, action) for action in STEP_ACTIONS]

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(Step)
class StepAdmin(ReadOnlyAdmin):
    list_display = ["at", "journey_id", "customer_id", "node_id", "action", "port", "reason"]
    list_filter = [StepActionFilter]
    search_fields = ["=node_id"]
    ordering = ["-id"]
    fields = ["enrollment", "journey_id", "customer_id", "node_id", "action", "port", "reason", "at"]
    readonly_fields = fields


class ChannelFilter(admin.SimpleListFilter):
    # From the channel registry, not SELECT DISTINCT over the outbox.
    title = "channel"
    parameter_name = "channel"

    def lookups(self, request, model_admin):
        return [(channel.name, channel.label) for channel in channels.all_channels()]

    def queryset(self, request, queryset):
        return queryset.filter(channel=self.value()) if self.value() else queryset


@admin.register(NodeStat)
class NodeStatAdmin(ReadOnlyAdmin):
    list_display = ["journey", "node_id", "metric", "hour", "shard", "value"]
    list_select_related = ["journey"]
    search_fields = ["=node_id"]


admin.site.unregister(Schedule)


@admin.register(Schedule)
class JobScheduleAdmin(DjangoQScheduleAdmin):
    """The periodic jobs, with when they run open to change and what they run fixed.

    django-q2's own admin lets a superuser add a schedule naming any importable function with any
    arguments, which the workers then call: a way from the admin to running code on the server.
    The product's jobs are made by its migrations; here they can be retimed, or deleted.
    """

    fixed_fields = ["name", "func", "hook", "args", "kwargs", "cluster", "intended_date_kwarg", "task"]

    def has_add_permission(self, request):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), *self.fixed_fields]


# Delivery log, templates, suppressions and in-app messages.
from journeys.delivery import admin as _delivery_admin  # noqa: E402, F401
from journeys.privacy import admin as _privacy_admin  # noqa: E402, F401
