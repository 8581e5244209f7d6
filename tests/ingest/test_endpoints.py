import base64
import gzip
import json
from unittest import mock

import pytest
from django.test import Client

from journeys.ingest import views
from journeys.input import MAX_DEPTH
from journeys.models import Event
from tests.factories import make_source

WRITE_KEY = "key-for-tests"


@pytest.fixture
def source(db):
    return make_source(write_key=WRITE_KEY)


def post(path, payload, *, write_key=WRITE_KEY, raw: bytes | None = None, **headers):
    if write_key is not None:
        token = base64.b64encode(f"{write_key}:".encode()).decode()
        headers.setdefault("HTTP_AUTHORIZATION", f"Basic {token}")
    body = raw if raw is not None else json.dumps(payload).encode()
    return Client().post(path, body, content_type="application/json", **headers)


SINGLE_CALLS = {
    "track": {"userId": "u1", "event": "Order Completed", "properties": {"total": 30}},
    "identify": {"userId": "u1", "traits": {"email": "ada@example.com", "plan": "pro"}},
    "page": {"userId": "u1", "name": "Pricing", "properties": {"path": "/pricing"}},
    "screen": {"userId": "u1", "name": "Home"},
    "group": {"userId": "u1", "groupId": "acme", "traits": {"size": 40}},
    "alias": {"userId": "u1", "previousId": "anon-1"},
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("route", SINGLE_CALLS)
def test_every_single_call_route_stores_its_event(source, route):
    response = post(f"/v1/{route}", SINGLE_CALLS[route])

    assert response.status_code == 200, response.content
    assert response.json()["success"] is True
    event = Event.objects.get()
    assert event.type == route
    assert event.customer.external_id == "u1"
    assert event.source == source


def test_track_keeps_name_properties_context_and_message_id(source):
    payload = {
        "userId": "u1",
        "event": "Order Completed",
        "properties": {"total": 30, "currency": "EUR"},
        "context": {"ip": "10.0.0.1"},
        "messageId": "m-1",
        "timestamp": "2026-01-02T03:04:05Z",
    }
    assert post("/v1/track", payload).status_code == 200

    event = Event.objects.get()
    assert (event.name, event.properties, event.context, event.message_id) == (
        "Order Completed",
        {"total": 30, "currency": "EUR"},
        {"ip": "10.0.0.1"},
        "m-1",
    )
    assert event.timestamp.isoformat() == "2026-01-02T03:04:05+00:00"


def test_timestamp_is_corrected_by_the_senders_clock_skew(source):
    # The sender's clock is exactly one day behind: sentAt is a day before we receive it.
    from django.utils import timezone

    now = timezone.now()
    sent_at = (now - timezone.timedelta(days=1)).isoformat()
    happened = (now - timezone.timedelta(days=1, minutes=5)).isoformat()
    post("/v1/track", {"userId": "u1", "event": "E", "timestamp": happened, "sentAt": sent_at})

    event = Event.objects.get()
    assert abs((event.timestamp - (now - timezone.timedelta(minutes=5))).total_seconds()) < 5


def test_write_key_in_the_body_authenticates(source):
    response = post("/v1/track", {"userId": "u1", "event": "E", "writeKey": WRITE_KEY}, write_key=None)

    assert response.status_code == 200
    assert Event.objects.count() == 1


@pytest.mark.parametrize("write_key", ["wrong-key", None])
def test_a_wrong_or_missing_write_key_gets_401_with_a_json_error(source, write_key):
    response = post("/v1/track", {"userId": "u1", "event": "E"}, write_key=write_key)

    assert response.status_code == 401
    assert response.json()["success"] is False
    assert "write key" in response.json()["error"]
    assert Event.objects.count() == 0


def test_a_wrong_write_key_in_the_body_gets_401(source):
    response = post("/v1/track", {"userId": "u1", "event": "E", "writeKey": "nope"}, write_key=None)

    assert response.status_code == 401


def test_an_inactive_source_gets_401(db):
    make_source(write_key="old-key", is_active=False)

    assert post("/v1/track", {"userId": "u1", "event": "E"}, write_key="old-key").status_code == 401


def test_a_gzip_body_is_accepted(source):
    body = gzip.compress(json.dumps({"batch": [{"type": "track", "userId": "u1", "event": "Zipped"}]}).encode())

    response = post("/v1/batch", None, raw=body, HTTP_CONTENT_ENCODING="gzip")

    assert response.status_code == 200, response.content
    assert Event.objects.get().name == "Zipped"


def test_a_corrupt_gzip_body_is_a_400(source):
    response = post("/v1/batch", None, raw=b"not gzip at all", HTTP_CONTENT_ENCODING="gzip")

    assert response.status_code == 400
    assert "gzip" in response.json()["error"]


def test_a_gzip_body_cut_before_its_trailer_is_a_400_and_stores_nothing(source):
    body = gzip.compress(json.dumps({"batch": [{"type": "track", "userId": "u1", "event": "Cut"}]}).encode())

    response = post("/v1/batch", None, raw=body[:-8], HTTP_CONTENT_ENCODING="gzip")

    assert response.status_code == 400 and "trailer" in response.json()["error"]
    assert not Event.objects.exists()


def test_a_gzip_body_of_two_members_is_read_whole(source):
    text = json.dumps({"batch": [{"type": "track", "userId": "u1", "event": "Two members"}]}).encode()
    body = gzip.compress(text[:20]) + gzip.compress(text[20:])

    response = post("/v1/batch", None, raw=body, HTTP_CONTENT_ENCODING="gzip")

    assert response.status_code == 200 and response.json()["accepted"] == 1
    assert Event.objects.get().name == "Two members"


def test_a_gzip_body_that_inflates_past_the_limit_is_a_400(source, settings):
    huge = json.dumps({"batch": [{"type": "track", "userId": "u1", "event": "E", "p": "x" * 600_000}]})
    body = gzip.compress(huge.encode())
    assert len(body) < settings.INGEST_MAX_REQUEST_BYTES

    response = post("/v1/batch", None, raw=body, HTTP_CONTENT_ENCODING="gzip")

    assert response.status_code == 400
    assert "larger than 500 KB" in response.json()["error"]
    assert Event.objects.count() == 0


def test_a_request_over_500_kb_is_a_400_naming_the_limit(source):
    messages = [{"type": "track", "userId": "u1", "event": "E", "properties": {"pad": "x" * 20_000}} for _ in range(30)]

    response = post("/v1/batch", {"batch": messages})

    assert response.status_code == 400
    assert response.json()["error"] == "request body is larger than 500 KB"
    assert Event.objects.count() == 0


def test_a_message_over_32_kb_is_rejected_with_its_index_while_the_others_are_kept(source):
    batch = [
        {"type": "track", "userId": "u1", "event": "Small"},
        {"type": "track", "userId": "u1", "event": "Big", "properties": {"pad": "x" * 33_000}},
    ]

    response = post("/v1/batch", {"batch": batch})

    assert response.status_code == 200
    assert response.json()["rejected"] == [{"index": 1, "error": "message is larger than 32 KB"}]
    assert list(Event.objects.values_list("name", flat=True)) == ["Small"]


@pytest.mark.parametrize("raw", [b"{not json", b"\xff\xfe", b""])
def test_malformed_json_is_a_400_with_a_json_error(source, raw):
    response = post("/v1/track", None, raw=raw)

    assert response.status_code == 400
    assert response.json()["success"] is False
    assert response.json()["error"].startswith("body is not valid JSON")


def test_a_body_that_is_not_an_object_is_a_400(source):
    response = post("/v1/batch", [1, 2])

    assert response.status_code == 400


def test_a_batch_that_is_not_a_list_is_a_400(source):
    response = post("/v1/batch", {"batch": {"type": "track"}})

    assert response.status_code == 400
    assert "batch must be a list" in response.json()["error"]


def test_a_batch_keeps_valid_messages_and_names_each_rejected_index(source):
    batch = [
        {"type": "track", "userId": "u1", "event": "Kept 1"},
        {"type": "track", "event": "No identity"},
        {"type": "launch", "userId": "u1"},
        {"type": "track", "userId": "u1"},
        "not an object",
        {"type": "page", "anonymousId": "a1", "name": "Kept 2"},
    ]

    response = post("/v1/batch", {"batch": batch})

    assert response.status_code == 200
    body = response.json()
    assert body["accepted"] == 2
    assert [r["index"] for r in body["rejected"]] == [1, 2, 3, 4]
    assert "userId or an anonymousId" in body["rejected"][0]["error"]
    assert "unknown type 'launch'" in body["rejected"][1]["error"]
    assert "event name" in body["rejected"][2]["error"]
    assert sorted(Event.objects.values_list("name", flat=True)) == ["Kept 1", "Kept 2"]


def test_a_batch_with_nothing_valid_is_a_400_listing_the_reasons(source):
    response = post("/v1/batch", {"batch": [{"type": "track", "event": "E"}]})

    assert response.status_code == 400
    assert response.json()["rejected"][0]["index"] == 0


def test_a_single_call_without_any_identity_is_a_400(source):
    response = post("/v1/track", {"event": "E"})

    assert response.status_code == 400
    assert "userId or an anonymousId" in response.json()["error"]


def test_a_nul_character_is_rejected_instead_of_failing_the_batch(source):
    batch = [{"type": "track", "userId": "u1", "event": "E\u0000"}, {"type": "track", "userId": "u1", "event": "Ok"}]

    response = post("/v1/batch", {"batch": batch})

    assert response.status_code == 200
    assert response.json()["rejected"][0]["index"] == 0
    assert Event.objects.get().name == "Ok"


def test_a_message_nested_too_deep_is_refused_alone(source):
    deep = "x"
    for _ in range(MAX_DEPTH + 1):
        deep = {"a": deep}
    batch = [
        {"type": "track", "userId": "u1", "event": "Deep", "properties": deep},
        {"type": "track", "userId": "u1", "event": "Ok"},
    ]

    response = post("/v1/batch", {"batch": batch})

    assert response.status_code == 200
    [rejected] = response.json()["rejected"]
    assert rejected["index"] == 0
    assert f"more than {MAX_DEPTH} levels" in rejected["error"]
    assert Event.objects.get().name == "Ok"


def test_a_nul_in_a_batch_shared_context_is_a_400_naming_it(source):
    batch = [{"type": "track", "userId": "u1", "event": "Ok"}]

    response = post("/v1/batch", {"batch": batch, "context": {"ip": "1.2.3.4\u0000"}})

    assert response.status_code == 400
    assert "NUL" in response.json()["error"]
    assert "$.context.ip" in response.json()["error"]
    assert not Event.objects.exists()


def test_a_lone_surrogate_in_a_body_is_a_400(source):
    response = post("/v1/track", None, raw=b'{"userId": "u1", "event": "\\ud800"}')

    assert response.status_code == 400
    assert "surrogate" in response.json()["error"]


@pytest.mark.parametrize(
    "times",
    [
        {"timestamp": "9999-12-31T12:00:00Z", "sentAt": "2000-01-01T00:00:00Z"},
        {"timestamp": "0001-01-01T01:00:00+05:00"},
    ],
)
def test_a_timestamp_out_of_range_is_refused_alone(source, times):
    batch = [
        {"type": "track", "userId": "u1", "event": "Odd", **times},
        {"type": "track", "userId": "u1", "event": "Ok"},
    ]

    response = post("/v1/batch", {"batch": batch})

    assert response.status_code == 200
    [rejected] = response.json()["rejected"]
    assert rejected == {"index": 0, "error": "timestamp is out of range (after correcting by sentAt)"}
    assert Event.objects.get().name == "Ok"


def test_a_repeated_message_id_is_stored_once(source):
    message = {"type": "track", "userId": "u1", "event": "E", "messageId": "same"}

    first = post("/v1/batch", {"batch": [message, message]})
    second = post("/v1/track", message)

    assert first.json()["accepted"] == 1 and first.json()["duplicates"] == 1
    assert second.status_code == 200 and second.json()["duplicates"] == 1
    assert Event.objects.count() == 1


def test_the_same_message_id_from_another_source_is_a_different_event(source):
    make_source(write_key="other-key")
    message = {"userId": "u1", "event": "E", "messageId": "same"}

    post("/v1/track", message)
    post("/v1/track", message, write_key="other-key")

    assert Event.objects.count() == 2


def test_batch_context_applies_to_every_message(source):
    batch = {"batch": [{"type": "track", "userId": "u1", "event": "E", "context": {"a": 1}}], "context": {"b": 2}}

    post("/v1/batch", batch)

    assert Event.objects.get().context == {"a": 1, "b": 2}


def test_browser_sdks_get_cors_headers_and_a_preflight_answer(source):
    preflight = Client().options("/v1/batch")
    response = post("/v1/track", {"userId": "u1", "event": "E"})

    assert preflight.status_code == 200
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert response["Access-Control-Allow-Origin"] == "*"


def test_get_is_not_allowed(source):
    assert Client().get("/v1/track").status_code == 405


def test_it_sheds_load_with_429_and_retry_after_when_too_many_requests_are_in_flight(source, monkeypatch):
    import threading

    monkeypatch.setattr(views, "_in_flight", threading.BoundedSemaphore(1))
    views._in_flight.acquire()  # another request holds the only slot
    try:
        response = post("/v1/track", {"userId": "u1", "event": "E"})
    finally:
        views._in_flight.release()

    assert response.status_code == 429
    assert response["Retry-After"] == "2"
    assert Event.objects.count() == 0
    assert post("/v1/track", {"userId": "u1", "event": "E"}).status_code == 200


def test_a_database_pool_timeout_is_answered_with_429_not_500(source, monkeypatch):
    from psycopg_pool import PoolTimeout

    def busy(**kwargs):
        raise PoolTimeout("no connection available")

    monkeypatch.setattr(views, "events_ingest", busy)

    response = post("/v1/track", {"userId": "u1", "event": "E"})

    assert response.status_code == 429
    assert "Retry-After" in response


@pytest.mark.django_db(transaction=True)
def test_the_engine_hook_receives_the_new_event_ids_after_commit(source):
    with mock.patch("journeys.engine.hooks.events_ingested") as hook:
        post("/v1/batch", {"batch": [{"type": "track", "userId": "u1", "event": "A", "messageId": "x"}]})
        post("/v1/batch", {"batch": [{"type": "track", "userId": "u1", "event": "A", "messageId": "x"}]})

    assert hook.call_count == 2
    assert hook.call_args_list[0].kwargs == {"event_ids": [Event.objects.get().id]}
    assert hook.call_args_list[1].kwargs == {"event_ids": []}


def test_the_engine_hook_waits_for_the_commit(source, django_capture_on_commit_callbacks):
    with mock.patch("journeys.engine.hooks.events_ingested") as hook:
        with django_capture_on_commit_callbacks() as callbacks:
            post("/v1/track", {"userId": "u1", "event": "A"})
        assert hook.call_count == 0  # the test's transaction never commits
        for callback in callbacks:  # what a commit would run
            callback()
        assert hook.call_count == 1

    assert hook.call_args.kwargs == {"event_ids": [Event.objects.get().id]}


def test_message_size_counts_utf8_bytes_not_escapes(source):
    # 20 KB of Cyrillic is about 20,000 characters of two bytes each: under 32 KB as sent.
    text = "ж" * 10_000
    response = post("/v1/track", {"userId": "u1", "event": "E", "properties": {"text": text}})

    assert response.status_code == 200, response.content


def test_a_literal_backslash_u0000_is_text_not_a_nul(source):
    response = post("/v1/track", {"userId": "u1", "event": "E", "properties": {"path": "C:\\u0000dir"}})

    assert response.status_code == 200
    assert Event.objects.get().properties == {"path": "C:\\u0000dir"}


def test_nan_in_a_body_is_malformed_json_not_a_server_error(source):
    response = post("/v1/track", None, raw=b'{"userId": "u1", "event": "E", "properties": {"x": NaN}}')

    assert response.status_code == 400
    assert response.json()["error"].startswith("body is not valid JSON")


def test_a_numeric_id_too_large_to_keep_exactly_is_rejected_not_merged(source):
    # Two messageIds that differ in their last digit; beyond 64 bits both parse to the same float.
    raw = (
        b'{"batch": ['
        + b",".join(
            b'{"type": "track", "userId": "big", "event": "Seen", "messageId": 91796621574000000000000%d}' % n
            for n in (1, 2)
        )
        + b', {"type": "track", "userId": 9007199254740993, "event": "Seen"}]}'
    )

    response = post("/v1/batch", None, raw=raw)

    body = response.json()
    assert response.status_code == 200 and body["accepted"] == 1 and body["duplicates"] == 0
    assert [(r["index"], r["error"]) for r in body["rejected"]] == [
        (0, "messageId is a number too large to keep exactly: send it as a string"),
        (1, "messageId is a number too large to keep exactly: send it as a string"),
    ]
    assert list(Event.objects.values_list("customer__external_id", flat=True)) == ["9007199254740993"]


def test_a_batch_of_more_messages_than_allowed_is_refused_with_a_short_answer(source):
    response = post("/v1/batch", {"batch": [0] * (views.MAX_BATCH_MESSAGES + 1)})

    assert response.status_code == 400
    assert response.json()["error"] == "a batch holds at most 10,000 messages"
    assert len(response.content) < 200


@pytest.mark.parametrize(
    ("timestamp", "sent_at"),
    [("2026-12-07T00:00:00Z", "0001-01-01T00:00:00Z"), ("2999-01-01T00:00:00Z", None)],
    ids=["sentAt from year 1", "a timestamp centuries ahead"],
)
def test_a_time_far_ahead_of_the_servers_clock_is_rejected(source, timestamp, sent_at):
    message = {"type": "track", "userId": "u1", "event": "Ahead", "timestamp": timestamp}
    if sent_at:
        message["sentAt"] = sent_at

    response = post("/v1/batch", {"batch": [message, {"type": "track", "userId": "u1", "event": "Now"}]})

    assert response.status_code == 200 and response.json()["accepted"] == 1
    assert "more than a day ahead" in response.json()["rejected"][0]["error"]
    assert list(Event.objects.values_list("name", flat=True)) == ["Now"]
