"""Admin for delivery: the delivery log (filters, retry of failed sends), templates, suppressions, in-app inbox."""

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html

from journeys.admin import STRICT_JSON, ChannelFilter, ReadOnlyAdmin, error_messages, pretty_json
from journeys.delivery import channels, services
from journeys.delivery.api import MessageTemplateSerializer
from journeys.delivery.rendering import RenderError
from journeys.models import Delivery, InAppMessage, MessageTemplate, Suppression
from journeys.roles import can_edit_journeys


class SkipReasonFilter(admin.SimpleListFilter):
    title = "skip reason"
    parameter_name = "skip_reason"

    def lookups(self, request, model_admin):
        return [
            ("no_consent", "no consent"),
            ("unsubscribed", "unsubscribed"),
            ("capped", "frequency cap"),
            ("no_address", "no address"),
        ]

    def queryset(self, request, queryset):
        return queryset.filter(skip_reason=self.value()) if self.value() else queryset


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "created_at",
        "channel",
        "status",
        "skip_reason",
        "customer",
        "journey",
        "node_id",
        "attempts",
        "sent_at",
        "opened_at",
    ]
    list_filter = [ChannelFilter, "status", SkipReasonFilter, "created_at", "journey"]
    list_select_related = ["customer", "journey"]
    search_fields = ["=customer__external_id", "=customer__email", "=provider_message_id", "=id"]
    date_hierarchy = "created_at"
    actions = ["retry"]
    fields = [
        "journey",
        "version",
        "enrollment",
        "customer",
        "node_id",
        "visit",
        "channel",
        "template",
        "status",
        "skip_reason",
        "error",
        "attempts",
        "recipient",
        "provider_message_id",
        "created_at",
        "not_before",
        "lease_until",
        "sent_at",
        "delivered_at",
        "opened_at",
        "clicked_at",
        "bounced_at",
        "finished_at",
        "payload_pretty",
        "rendered_pretty",
    ]
    readonly_fields = fields

    @admin.display(description="Node settings")
    def payload_pretty(self, obj):
        return pretty_json(obj.payload)

    @admin.display(description="What was sent")
    def rendered_pretty(self, obj):
        return pretty_json(obj.rendered) if obj.rendered else "-"

    def has_retry_permission(self, request):
        return can_edit_journeys(request.user)

    @admin.action(description="Retry the selected failed deliveries", permissions=["retry"])
    def retry(self, request, queryset):
        ids = list(queryset.filter(status=Delivery.Status.FAILED).values_list("id", flat=True)[:10_000])
        count = services.deliveries_retry(delivery_ids=ids)
        skipped = queryset.count() - count
        self.message_user(request, f"Queued {count} deliveries again.", messages.SUCCESS)
        if skipped > 0:
            self.message_user(request, f"{skipped} were not failed and were left alone.", messages.WARNING)


class MessageTemplateAdminForm(forms.ModelForm):
    """The template form, held to the templates API's rules by running its serializer: the parts a
    channel needs, no channel change once sent, and templates that compile. Without this the admin
    saved templates the API refuses (an unterminated tag), and every send of them then failed."""

    def clean_webhook_body(self):
        # An emptied field is "no body", the model's default; None would reach the NOT NULL column.
        value = self.cleaned_data.get("webhook_body")
        return {} if value is None else value

    def clean(self):
        cleaned = super().clean()
        submitted = {name: cleaned[name] for name in MessageTemplateSerializer.Meta.fields if name in cleaned}
        api = MessageTemplateSerializer(
            instance=self.instance if self.instance.pk else None, data=submitted, partial=True
        )
        if not api.is_valid():
            for name, errors in api.errors.items():
                self.add_error(name if name in self.fields else None, [str(error) for error in error_messages(errors)])
        return cleaned


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    form = MessageTemplateAdminForm
    # webhook_body is typed here: the same NUL, NaN and depth checks as the API's bodies.
    formfield_overrides = STRICT_JSON
    list_display = ["name", "channel", "subject", "updated_at"]
    list_filter = ["channel"]
    search_fields = ["name", "subject"]
    readonly_fields = ["created_by", "created_at", "updated_at", "preview"]
    fieldsets = [
        (None, {"fields": ["name", "channel", "description"]}),
        ("Email", {"fields": ["subject", "html", "text"], "description": "Subject is also the in-app title."}),
        ("SMS and in-app", {"fields": ["body"]}),
        ("Webhook", {"fields": ["webhook_body"]}),
        ("Preview with a sample customer", {"fields": ["preview"]}),
        (None, {"fields": ["created_by", "created_at", "updated_at"]}),
    ]

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and can_edit_journeys(request.user)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and can_edit_journeys(request.user)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and can_edit_journeys(request.user)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description="Preview")
    def preview(self, obj):
        if obj.pk is None:
            return "Save to see a preview."
        from journeys.delivery.previews import template_preview

        try:
            parts = template_preview(template=obj, customer=None)
        except RenderError as error:
            return format_html('<p class="errornote">{}</p>', str(error))
        channel = channels.get(obj.channel)
        return channel.admin_preview(parts) if channel else "-"

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "channel":
            # The registry says which channels exist, so a new channel's templates can be made here too.
            choices = [(channel.name, channel.label) for channel in channels.all_channels()]
            return forms.ChoiceField(choices=choices, label="Channel")
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request):
        # Adding a template for a channel (?channel=sms) starts from that channel's sample.
        initial = super().get_changeform_initial_data(request)
        channel = channels.get(initial.get("channel", ""))
        return {**(channel.sample_template if channel else {}), **initial}


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin):
    """Unsubscribes and bounces. Admins may add one (a complaint by phone) or lift one (a customer opted back in)."""

    list_display = ["customer", "channel", "scope", "reason", "created_at"]
    list_filter = ["channel", "scope"]
    search_fields = ["=customer__external_id", "=customer__email"]
    raw_id_fields = ["customer", "delivery"]
    readonly_fields = ["created_at"]

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and can_edit_journeys(request.user)


@admin.register(InAppMessage)
class InAppMessageAdmin(ReadOnlyAdmin):
    list_display = ["id", "customer", "title", "created_at", "read_at", "dismissed_at"]
    list_filter = ["created_at"]
    search_fields = ["=customer__external_id"]
    list_select_related = ["customer"]
