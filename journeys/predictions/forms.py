"""The form a Marketer or Admin defines a prediction with; conditions are validated by the condition schema."""

from django import forms

from journeys.conditions import PropertyFilterSerializer, clean_condition
from journeys.input import InputError, loads


class PredictionForm(forms.Form):
    name = forms.CharField(max_length=80, help_text='Read in reasons: "likelihood to order 0.82 (...)".')
    target_event = forms.CharField(
        max_length=255, label="Event", widget=forms.TextInput(attrs={"data-event-field": ""})
    )
    target_filters = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "data-filters-field": ""}),
        label="Property filters",
        help_text='Only the events whose properties match count; as JSON, e.g. [{"property": "total", "op": "gt", '
        '"value": 50}]',
    )
    target_days = forms.IntegerField(min_value=1, max_value=365, initial=30, label="Within days")
    negate = forms.BooleanField(required=False, label="Predict that it does NOT happen (churn)")
    # The page's script (frontend/src/formFields) draws the canvas's inputs in place of these
    # textareas and their JSON help; without the script, the JSON is typed here.
    population = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "data-condition-field": ""}),
        label="Population",
        help_text='Empty for everyone, or a condition as JSON, e.g. {"type": "attribute", "attribute": "plan", '
        '"op": "eq", "value": "pro"}',
    )

    def _json(self, field: str):
        raw = (self.cleaned_data.get(field) or "").strip()
        if not raw:
            return None
        if len(raw) > 20_000:
            raise forms.ValidationError("is too long")
        try:
            return loads(raw)  # also refuses what cannot be stored: NUL, NaN, deep nesting
        except InputError as error:
            raise forms.ValidationError(f"is not usable JSON: {error}") from None

    def clean_target_filters(self):
        value = self._json("target_filters") or []
        serializer = PropertyFilterSerializer(data=value, many=True)
        if not isinstance(value, list) or len(value) > 20 or not serializer.is_valid():
            raise forms.ValidationError("must be a list of at most 20 property filters (property, op, value)")
        return [dict(f) for f in serializer.validated_data]

    def clean_population(self):
        value = self._json("population")
        if value is None:
            return None
        tree, errors = clean_condition(value)
        if errors:
            raise forms.ValidationError(errors[:5])
        return tree

    def clean_target_event(self):
        value = self.cleaned_data["target_event"].strip()
        if not value or "\x00" in value:
            raise forms.ValidationError("needs an event name")
        return value
