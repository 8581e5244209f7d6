"""A customer's consent by external id: read it (any role), change it (Marketers and Admins)."""

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from journeys.api.permissions import JourneyAccess
from journeys.consent import consent_history, consent_read, consent_set
from journeys.consent_policy import CONSENT_CHANNELS, MODES, SOURCES, STATES
from journeys.models import Customer

HISTORY_LIMIT = 50


class ChannelConsentSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=STATES)
    policy = serializers.ChoiceField(choices=MODES, help_text="CONSENT_POLICY for the channel.")
    allows_marketing = serializers.BooleanField(help_text="Whether a marketing message on it would go out.")
    changed_at = serializers.DateTimeField(allow_null=True)
    source = serializers.CharField(help_text="Where the last change came from; empty when never changed.")
    detail = serializers.CharField()


class ConsentChangeSerializer(serializers.Serializer):
    channel = serializers.CharField()
    state = serializers.ChoiceField(choices=STATES)
    previous = serializers.CharField()
    source = serializers.ChoiceField(choices=SOURCES)
    detail = serializers.CharField()
    changed_at = serializers.DateTimeField()


class CustomerConsentSerializer(serializers.Serializer):
    customer = serializers.CharField(help_text="The external id.")
    channels = serializers.DictField(child=ChannelConsentSerializer())
    history = ConsentChangeSerializer(many=True, help_text=f"The latest {HISTORY_LIMIT} changes, newest first.")


class ConsentUpdateSerializer(serializers.Serializer):
    """{"email": "subscribed", "sms": "unsubscribed"}: only the channels named change."""

    email = serializers.ChoiceField(choices=STATES, required=False)
    sms = serializers.ChoiceField(choices=STATES, required=False)
    push = serializers.ChoiceField(choices=STATES, required=False)
    in_app = serializers.ChoiceField(choices=STATES, required=False)

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(str(key)[:40] for key in data if key not in CONSENT_CHANNELS)
            if unknown:
                message = f"Unknown channel; channels with consent are {', '.join(CONSENT_CHANNELS)}."
                raise ValidationError({key: [message] for key in unknown})
        values = super().to_internal_value(data)
        if not values:
            raise ValidationError({"non_field_errors": ["Name at least one channel and its state."]})
        return values


def _answer(customer: Customer) -> Response:
    return Response(
        CustomerConsentSerializer(
            {
                "customer": customer.external_id,
                "channels": consent_read(customer=customer),
                "history": consent_history(customer=customer, limit=HISTORY_LIMIT),
            }
        ).data
    )


@extend_schema(methods=["GET"], responses=CustomerConsentSerializer)
@extend_schema(methods=["PATCH"], request=ConsentUpdateSerializer, responses=CustomerConsentSerializer)
@api_view(["GET", "PATCH"])
@permission_classes([JourneyAccess])
def customer_consent(request, external_id: str):
    """A customer's consent per channel (state, when and where it last changed, what the policy makes of it).

    PATCH sets the channels named in the body; each change is logged with source `api`.
    """
    customer = get_object_or_404(Customer, external_id=external_id)
    if request.method == "PATCH":
        update = ConsentUpdateSerializer(data=request.data)
        update.is_valid(raise_exception=True)
        with transaction.atomic():
            consent_set(
                customer=customer,
                states=update.validated_data,
                source="api",
                detail=f"user {request.user.get_username()}",
            )
    return _answer(customer)
