"""Inspector hints: a field's `style={"widget": ...}` reaches the catalog, other styles do not."""

from rest_framework import serializers

from journeys.api.node_types import describe_field, node_type_catalog


def fields_of(kind: str) -> dict[str, dict]:
    entry = next(entry for entry in node_type_catalog() if entry["kind"] == kind)
    return {field["name"]: field for field in entry["config"]}


def test_event_names_durations_and_attributes_carry_their_widget():
    assert fields_of("event_trigger")["event"]["widget"] == "event_name"
    assert fields_of("wait_for_event")["event"]["widget"] == "event_name"
    assert fields_of("wait_for_event")["timeout_seconds"]["widget"] == "duration"
    assert fields_of("wait")["seconds"]["widget"] == "duration"
    assert fields_of("wait")["attribute"]["widget"] == "attribute"
    assert fields_of("update_attribute")["changes"]["item"][0]["widget"] == "attribute"


def test_a_field_without_a_hint_has_no_widget_key():
    assert "widget" not in fields_of("wait")["mode"]


def test_a_template_widget_names_its_channel():
    field = serializers.IntegerField(style={"widget": "template", "channel": "email"})

    assert describe_field("template", field) == {
        "name": "template",
        "required": True,
        "help": "",
        "label": "Template",
        "type": "integer",
        "widget": "template",
        "channel": "email",
    }


def test_an_unknown_widget_or_a_form_style_is_not_passed_on():
    assert "widget" not in describe_field("a", serializers.CharField(style={"widget": "rainbow"}))
    assert "widget" not in describe_field("b", serializers.CharField(style={"input_type": "password"}))


def test_dynamic_ports_name_the_list_field_that_makes_them():
    catalog = {entry["kind"]: entry for entry in node_type_catalog()}

    assert (catalog["split"]["port_field"], catalog["split"]["extra_ports"]) == ("variants", [])
    assert (catalog["condition"]["port_field"], catalog["condition"]["extra_ports"]) == ("branches", ["else"])
    assert (catalog["wait"]["port_field"], catalog["wait"]["extra_ports"]) == (None, [])


def test_the_catalog_says_which_ports_a_boolean_field_switches_on():
    catalog = {kind["kind"]: kind for kind in node_type_catalog()}

    assert catalog["send_webhook"]["ports_when"] == {"failed": "wait_for_outcome"}
    assert catalog["split"]["ports_when"] == {}
    assert catalog["send_email"]["ports_when"] == {}


def test_a_list_of_plain_values_is_a_list_whose_item_is_one_value_field():
    days = fields_of("wait")["days"]

    assert days["type"] == "list"
    assert [(item["name"], item["type"], item["min_value"], item["max_value"]) for item in days["item"]] == [
        ("value", "integer", 0, 6)
    ]


def test_fields_that_apply_to_one_mode_say_when_they_are_shown():
    wait = fields_of("wait")

    assert "when" not in wait["mode"]
    assert wait["seconds"]["when"] == {"mode": ["duration"]}
    assert wait["at"]["when"] == {"mode": ["until"], "source": ["fixed"]}
    assert wait["days"]["when"] == {"mode": ["window"]}
    schedule = fields_of("audience_trigger")["schedule"]
    assert schedule["when"] == {"mode": ["schedule"]}
    assert next(f for f in schedule["fields"] if f["name"] == "weekday")["when"] == {"every": ["week"]}


def test_when_accepts_several_values():
    field = serializers.CharField(style={"when": {"mode": ("a", "b")}})

    assert describe_field("x", field)["when"] == {"mode": ["a", "b"]}
