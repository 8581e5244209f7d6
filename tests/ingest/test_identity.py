import threading

import pytest
from django.db import connection

from journeys.models import AnonymousId, Customer, Event
from tests.factories import make_customer, make_source
from tests.ingest.test_endpoints import WRITE_KEY, post


@pytest.fixture
def source(db):
    return make_source(write_key=WRITE_KEY)


def test_an_anonymous_visitor_gets_an_anonymous_profile(source):
    post("/v1/page", {"anonymousId": "a1", "name": "Home"})
    post("/v1/track", {"anonymousId": "a1", "event": "Product Viewed"})

    customer = Customer.objects.get()
    assert customer.external_id is None
    assert list(customer.anonymous_ids.values_list("anonymous_id", flat=True)) == ["a1"]
    assert customer.events.count() == 2


def test_signing_up_turns_the_anonymous_profile_into_the_known_customer(source):
    post("/v1/track", {"anonymousId": "a1", "event": "Product Viewed"})
    post("/v1/identify", {"anonymousId": "a1", "userId": "u1", "traits": {"email": "ada@example.com"}})

    customer = Customer.objects.get()
    assert customer.external_id == "u1"
    assert customer.email == "ada@example.com"
    assert customer.events.count() == 2


def test_identify_merges_an_anonymous_profile_into_an_existing_customer(source):
    known = make_customer(external_id="u1", attributes={"plan": "free", "city": "Paris"})
    post("/v1/track", {"userId": "u1", "event": "Logged In"})
    post("/v1/track", {"anonymousId": "a1", "event": "Product Viewed"})
    post("/v1/identify", {"anonymousId": "a1", "traits": {"plan": "pro"}})  # anonymous traits, newer
    assert Customer.objects.count() == 2

    response = post("/v1/identify", {"anonymousId": "a1", "userId": "u1"})

    assert response.status_code == 200
    customer = Customer.objects.get()
    assert customer.id == known.id
    assert customer.attributes == {"plan": "pro", "city": "Paris"}  # the newer profile's value wins
    assert customer.events.count() == 4
    assert AnonymousId.objects.get(anonymous_id="a1").customer_id == known.id


def test_merging_again_changes_nothing(source):
    make_customer(external_id="u1")
    post("/v1/track", {"anonymousId": "a1", "event": "E"})
    post("/v1/identify", {"anonymousId": "a1", "userId": "u1"})
    before = list(Customer.objects.values_list("id", "external_id"))

    post("/v1/identify", {"anonymousId": "a1", "userId": "u1"})
    post("/v1/track", {"anonymousId": "a1", "userId": "u1", "event": "E"})

    assert list(Customer.objects.values_list("id", "external_id")) == before
    assert Event.objects.filter(customer__external_id="u1").count() == 4


def test_two_known_customers_sharing_a_device_are_not_merged(source):
    post("/v1/identify", {"anonymousId": "shared-tablet", "userId": "alice"})
    post("/v1/identify", {"anonymousId": "shared-tablet", "userId": "bob"})

    assert sorted(Customer.objects.values_list("external_id", flat=True)) == ["alice", "bob"]
    assert Event.objects.filter(customer__external_id="bob").count() == 1


def test_a_batch_that_meets_someone_anonymously_then_identified_ends_with_one_profile(source):
    make_customer(external_id="u1")
    batch = [
        {"type": "track", "anonymousId": "a9", "event": "Viewed"},
        {"type": "identify", "anonymousId": "a9", "userId": "u1", "traits": {"plan": "team"}},
        {"type": "track", "userId": "u1", "event": "Ordered"},
    ]

    post("/v1/batch", {"batch": batch})

    customer = Customer.objects.get()
    assert customer.external_id == "u1"
    assert customer.attributes == {"plan": "team"}
    assert sorted(customer.events.values_list("name", flat=True)) == ["", "Ordered", "Viewed"]


def test_alias_merges_the_previous_identity_into_the_user(source):
    post("/v1/track", {"anonymousId": "old-anon", "event": "Viewed"})
    make_customer(external_id="u1")

    post("/v1/alias", {"previousId": "old-anon", "userId": "u1"})

    customer = Customer.objects.get()
    assert customer.external_id == "u1"
    assert customer.events.count() == 2


def test_alias_of_an_old_user_id_moves_its_history_to_the_new_one(source):
    post("/v1/track", {"userId": "old-id", "event": "Viewed"})
    post("/v1/track", {"userId": "new-id", "event": "Bought"})

    post("/v1/alias", {"previousId": "old-id", "userId": "new-id"})

    customer = Customer.objects.get()
    assert customer.external_id == "new-id"
    assert customer.events.count() == 3


def test_identify_fills_email_phone_and_timezone_and_keeps_every_trait(source):
    traits = {"email": "ada@example.com", "phone": "+33 6 12 34 56 78", "timezone": "Europe/Paris", "age": 36}

    post("/v1/identify", {"userId": "u1", "traits": traits})

    customer = Customer.objects.get()
    assert (customer.email, customer.phone, customer.timezone) == (
        "ada@example.com",
        "+33 6 12 34 56 78",
        "Europe/Paris",
    )
    assert customer.attributes == traits


def test_a_bad_timezone_trait_is_kept_as_an_attribute_but_not_used(source):
    post("/v1/identify", {"userId": "u1", "traits": {"timezone": "Mars/Olympus"}})

    customer = Customer.objects.get()
    assert customer.timezone == ""
    assert customer.attributes == {"timezone": "Mars/Olympus"}


def test_the_context_timezone_fills_the_profile(source):
    post("/v1/identify", {"userId": "u1", "context": {"timezone": "Asia/Tokyo"}})

    assert Customer.objects.get().timezone == "Asia/Tokyo"


def test_later_identify_calls_win_and_earlier_traits_stay(source):
    post("/v1/identify", {"userId": "u1", "traits": {"plan": "free", "city": "Lyon"}})
    post("/v1/batch", {"batch": [{"type": "identify", "userId": "u1", "traits": {"plan": "pro"}}]})

    assert Customer.objects.get().attributes == {"plan": "pro", "city": "Lyon"}


def _in_parallel(*calls):
    """Run the calls at the same moment on their own threads (each with its own connection)."""
    barrier = threading.Barrier(len(calls))
    results, errors = [None] * len(calls), []

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return results


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_two_concurrent_requests_merging_the_same_profiles_end_with_one_customer(attempt):
    make_source(write_key=WRITE_KEY)
    post("/v1/track", {"userId": "u1", "event": "Known"})
    post("/v1/track", {"anonymousId": "a1", "event": "Anonymous"})

    responses = _in_parallel(
        lambda: post("/v1/identify", {"anonymousId": "a1", "userId": "u1", "messageId": "m1"}),
        lambda: post("/v1/identify", {"anonymousId": "a1", "userId": "u1", "messageId": "m2"}),
    )

    assert [r.status_code for r in responses] == [200, 200]
    customer = Customer.objects.get()
    assert customer.external_id == "u1"
    assert customer.events.count() == 4


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_concurrent_first_sightings_of_one_visitor_create_one_profile(attempt):
    make_source(write_key=WRITE_KEY)

    responses = _in_parallel(
        *[lambda n=n: post("/v1/track", {"anonymousId": "new-visitor", "event": f"E{n}"}) for n in range(4)]
    )

    assert [r.status_code for r in responses] == [200] * 4
    assert Customer.objects.count() == 1
    assert Event.objects.count() == 4


@pytest.mark.django_db(transaction=True)
def test_events_for_a_profile_being_merged_away_are_not_lost():
    # One request keeps posting as the anonymous visitor while another merges that visitor
    # into the known customer: every event must end on the surviving profile.
    make_source(write_key=WRITE_KEY)
    post("/v1/track", {"userId": "u1", "event": "Known"})
    post("/v1/track", {"anonymousId": "a1", "event": "Anonymous"})

    _in_parallel(
        *[lambda n=n: post("/v1/track", {"anonymousId": "a1", "event": f"E{n}"}) for n in range(3)],
        lambda: post("/v1/identify", {"anonymousId": "a1", "userId": "u1"}),
    )

    assert Customer.objects.count() == 1
    assert Event.objects.count() == 6
