import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse
from django.utils import timezone

from journeys.ingest.auth import source_id_for_write_key
from journeys.models import AnonymousId, Customer, Event, Source
from journeys.models.customers import hash_write_key
from tests.factories import make_customer, make_event, make_source, make_user

pytestmark = pytest.mark.django_db

CUSTOMERS = EVENTS = 3000
EVENT_NAMES = ["Product Viewed", "Product Added", "Order Completed", "Signed Up"]
KEY_MESSAGE = re.compile(r"Write key for (.+?): ([A-Za-z0-9_-]+) \(copy it now; it is not shown again\)\.")


@pytest.fixture
def superuser():
    return User.objects.create_superuser(username="root", email="root@example.com", password="root-pw")


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@dataclass
class Crowd:
    source: Source
    other_source: Source
    known: Customer  # has an external id, email consent and anonymous ids
    anonymous: Customer


def make_crowd() -> Crowd:
    """3,000 customers (every other one anonymous, every third consenting to email) and 3,000 events."""
    source, other_source = make_source(name="Website"), make_source(name="iOS app")
    customers = Customer.objects.bulk_create(
        Customer(
            external_id=f"cust-{number:05d}" if number % 2 == 0 else None,
            email=f"person{number:05d}@example.com",
            consent={"email": "subscribed" if number % 3 == 0 else "unsubscribed", "sms": "subscribed"},
            attributes={"plan": "pro" if number % 2 else "free", "visits": number},
        )
        for number in range(CUSTOMERS)
    )
    known, anonymous = customers[0], customers[1]
    AnonymousId.objects.bulk_create(
        AnonymousId(anonymous_id=f"anon-{customer.pk}", customer=customer) for customer in customers[:300]
    )
    now = timezone.now()
    types = list(Event.Type)
    Event.objects.bulk_create(
        Event(
            source=source if number % 5 else other_source,
            customer=customers[number % 500],
            type=types[number % len(types)],
            name=EVENT_NAMES[number % len(EVENT_NAMES)],
            properties={"n": number},
            message_id=f"m-{number}",
            timestamp=now - timedelta(hours=number // 5),  # the last 25 days
            received_at=now,
        )
        for number in range(EVENTS)
    )
    return Crowd(source=source, other_source=other_source, known=known, anonymous=anonymous)


@pytest.fixture
def crowd() -> Crowd:
    return make_crowd()


def changelist(model) -> str:
    return reverse(f"admin:journeys_{model._meta.model_name}_changelist")


def change_page(obj) -> str:
    return reverse(f"admin:journeys_{obj._meta.model_name}_change", args=[obj.pk])


def results(response) -> list:
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def filter_link(response, title: str, label: str) -> str:
    """The query string of a filter choice, as the changelist's sidebar renders it."""
    cl = response.context["cl"]
    for spec in cl.filter_specs:
        if str(spec.title) == title:
            for choice in spec.choices(cl):
                if str(choice["display"]) == label:
                    return choice["query_string"]
            raise AssertionError(f"no choice {label!r} in filter {title!r}")
    raise AssertionError(f"no filter {title!r}")


def shown_keys(response) -> dict[str, str]:
    return dict(KEY_MESSAGE.findall(response.content.decode()))


# --- pages render with thousands of rows


@pytest.mark.parametrize("model", [Source, Customer, Event])
def test_every_changelist_renders_with_thousands_of_rows(admin_client, crowd, model, django_assert_max_num_queries):
    # A bounded number of queries: a related object fetched per row would add a hundred.
    with django_assert_max_num_queries(20):
        response = admin_client.get(changelist(model))

    assert response.status_code == 200
    assert response.context["cl"].result_count == model.objects.count()
    assert len(response.context["cl"].result_list) == min(model.objects.count(), 100)


def test_every_change_page_renders(admin_client, crowd):
    event = Event.objects.filter(customer=crowd.known).first()
    for obj in [crowd.source, crowd.known, crowd.anonymous, event]:
        response = admin_client.get(change_page(obj))
        assert response.status_code == 200, obj


@pytest.mark.parametrize("model", [Source, Customer])
def test_the_add_pages_render(admin_client, model):
    assert admin_client.get(reverse(f"admin:journeys_{model._meta.model_name}_add")).status_code == 200


def test_the_admin_index_lists_the_three_models(admin_client):
    response = admin_client.get(reverse("admin:index"))

    assert response.status_code == 200
    for model in (Source, Customer, Event):
        assert changelist(model) in response.content.decode()


# --- customer search and filters


def test_customers_can_be_found_by_exact_external_id(admin_client, crowd):
    response = admin_client.get(changelist(Customer), {"q": "cust-00000"})

    assert results(response) == [crowd.known]


def test_a_partial_external_id_finds_nobody(admin_client, crowd):
    response = admin_client.get(changelist(Customer), {"q": "cust-0000"})

    assert results(response) == []


def test_customers_can_be_found_by_email(admin_client, crowd):
    response = admin_client.get(changelist(Customer), {"q": "person00001@example.com"})

    assert results(response) == [crowd.anonymous]


def test_customers_can_be_found_by_anonymous_id(admin_client, crowd):
    response = admin_client.get(changelist(Customer), {"q": f"anon-{crowd.anonymous.pk}"})

    assert results(response) == [crowd.anonymous]


def test_a_customer_with_several_anonymous_ids_is_listed_once(admin_client):
    customer = make_customer(external_id="twice", anonymous_ids=["a-1", "a-2"])

    response = admin_client.get(changelist(Customer), {"q": "a-1"})

    assert results(response) == [customer]


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Known (has a user id)", {"external_id__isnull": False}),
        ("Anonymous", {"external_id__isnull": True}),
    ],
)
def test_customers_can_be_filtered_by_identity(admin_client, crowd, label, expected):
    query = filter_link(admin_client.get(changelist(Customer)), "identity", label)

    response = admin_client.get(changelist(Customer) + query)

    assert response.context["cl"].result_count == Customer.objects.filter(**expected).count() == CUSTOMERS // 2
    assert all(customer.is_anonymous == expected["external_id__isnull"] for customer in results(response))


def test_customers_can_be_filtered_by_email_consent(admin_client, crowd):
    index = admin_client.get(changelist(Customer))
    granted = admin_client.get(changelist(Customer) + filter_link(index, "email consent", "Subscribed"))
    refused = admin_client.get(changelist(Customer) + filter_link(index, "email consent", "Unsubscribed"))

    assert granted.context["cl"].result_count == CUSTOMERS // 3
    assert all(customer.consent["email"] == "subscribed" for customer in results(granted))
    assert refused.context["cl"].result_count == CUSTOMERS - CUSTOMERS // 3
    assert all(customer.consent["email"] == "unsubscribed" for customer in results(refused))


def test_customers_never_asked_are_filtered_apart_and_legacy_booleans_still_count(admin_client):
    nobody = make_customer(external_id="no-consent")
    legacy = make_customer(external_id="legacy", consent={"email": True})
    index = admin_client.get(changelist(Customer))

    not_asked = admin_client.get(changelist(Customer) + filter_link(index, "email consent", "Not asked"))
    subscribed = admin_client.get(changelist(Customer) + filter_link(index, "email consent", "Subscribed"))

    assert results(not_asked) == [nobody]
    assert results(subscribed) == [legacy]


# --- event filters


def test_events_can_be_filtered_by_type(admin_client, crowd):
    query = filter_link(admin_client.get(changelist(Event)), "type", "Identify")

    response = admin_client.get(changelist(Event) + query)

    assert response.context["cl"].result_count == Event.objects.filter(type="identify").count() == EVENTS // 6
    assert {event.type for event in results(response)} == {"identify"}


def test_events_can_be_filtered_by_name(admin_client, crowd):
    query = filter_link(admin_client.get(changelist(Event)), "name", "Order Completed")

    response = admin_client.get(changelist(Event) + query)

    assert response.context["cl"].result_count == EVENTS // len(EVENT_NAMES)
    assert {event.name for event in results(response)} == {"Order Completed"}


def test_events_can_be_filtered_by_timestamp(admin_client, crowd):
    query = filter_link(admin_client.get(changelist(Event)), "timestamp", "Past 7 days")

    response = admin_client.get(changelist(Event) + query)

    today = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    expected = Event.objects.filter(timestamp__gte=today - timedelta(days=7)).count()
    assert 0 < response.context["cl"].result_count == expected < EVENTS


def test_events_can_be_filtered_by_source(admin_client, crowd):
    query = filter_link(admin_client.get(changelist(Event)), "source", "iOS app")

    response = admin_client.get(changelist(Event) + query)

    assert response.context["cl"].result_count == EVENTS // 5
    assert {event.source_id for event in results(response)} == {crowd.other_source.pk}


def test_events_can_be_found_by_the_customers_external_id(admin_client, crowd):
    response = admin_client.get(changelist(Event), {"q": "cust-00002"})

    assert response.context["cl"].result_count == Event.objects.filter(customer__external_id="cust-00002").count()
    assert {event.customer_id for event in results(response)} == {Customer.objects.get(external_id="cust-00002").pk}


# --- the customer change page


def test_the_customer_page_shows_the_latest_twenty_events_newest_first(admin_client):
    source, customer = make_source(), make_customer(external_id="c-1")
    start = timezone.now() - timedelta(days=30)
    events = [
        make_event(customer=customer, source=source, name=f"Visit {day:02d}", timestamp=start + timedelta(days=day))
        for day in range(25)
    ]

    html = admin_client.get(change_page(customer)).content.decode()

    shown = re.findall(r"Visit \d\d", html)
    assert shown == [f"Visit {day:02d}" for day in range(24, 4, -1)]
    assert change_page(events[-1]) in html
    assert change_page(events[0]) not in html


def test_the_customer_page_says_none_when_there_are_no_events(admin_client):
    customer = make_customer(external_id="quiet")

    response = admin_client.get(change_page(customer))

    assert re.search(r"Latest 20 events.*?none", response.content.decode(), re.DOTALL)


def test_the_customer_page_shows_the_attributes_indented_and_escaped(admin_client):
    customer = make_customer(external_id="c-1", attributes={"plan": "pro", "bio": "<script>alert(1)</script>"})

    html = admin_client.get(change_page(customer)).content.decode()

    assert "{\n  &quot;bio&quot;: &quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;,\n  &quot;plan&quot;" in html
    assert "<script>alert(1)" not in html


def test_the_customer_page_lists_its_anonymous_ids(admin_client):
    customer = make_customer(external_id="c-1", anonymous_ids=["anon-xyz"])

    assert "anon-xyz" in admin_client.get(change_page(customer)).content.decode()


# --- events are read-only


def test_the_event_page_is_read_only(admin_client):
    event = make_event(customer=make_customer(), source=make_source(), properties={"price": 24})

    response = admin_client.get(change_page(event))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="_save"' not in html
    assert 'name="_continue"' not in html
    assert "/delete/" not in html
    assert "&quot;price&quot;: 24" in html


def test_posting_to_the_event_page_is_refused(admin_client):
    event = make_event(customer=make_customer(), source=make_source(), name="Original")

    response = admin_client.post(change_page(event), {"type": "track", "name": "Changed", "message_id": "x"})

    assert response.status_code == 403
    event.refresh_from_db()
    assert event.name == "Original"


def test_events_cannot_be_added_or_deleted_in_admin(admin_client):
    event = make_event(customer=make_customer(), source=make_source())

    delete_page = reverse("admin:journeys_event_delete", args=[event.pk])

    assert admin_client.get(reverse("admin:journeys_event_add")).status_code == 403
    assert admin_client.post(delete_page, {"post": "yes"}).status_code == 403
    assert Event.objects.filter(pk=event.pk).exists()


# --- sources and their write keys


def test_adding_a_source_shows_its_write_key_once(admin_client):
    response = admin_client.post(
        reverse("admin:journeys_source_add"), {"name": "Website", "is_active": "on", "_save": "Save"}, follow=True
    )

    keys = shown_keys(response)
    assert list(keys) == ["Website"]
    write_key = keys["Website"]
    source = Source.objects.get(name="Website")
    assert source.write_key_hash == hash_write_key(write_key)
    assert source.write_key_prefix == write_key[:8]
    assert source_id_for_write_key(write_key) == source.id
    assert write_key not in admin_client.get(changelist(Source)).content.decode()
    assert write_key not in admin_client.get(change_page(source)).content.decode()


def test_editing_a_source_keeps_its_write_key(admin_client):
    source = make_source(name="Website", write_key="kept-key")

    response = admin_client.post(change_page(source), {"name": "Web shop", "_save": "Save"}, follow=True)

    assert shown_keys(response) == {}
    source.refresh_from_db()
    assert (source.name, source.is_active) == ("Web shop", False)
    assert source.write_key_hash == hash_write_key("kept-key")


def test_rotating_the_write_key_replaces_the_old_one(admin_client):
    website = make_source(name="Website", write_key="old-website-key")
    app = make_source(name="iOS app", write_key="old-app-key")
    untouched = make_source(name="Backend", write_key="backend-key")

    response = admin_client.post(
        changelist(Source), {"action": "rotate_write_key", "_selected_action": [website.pk, app.pk]}, follow=True
    )

    keys = shown_keys(response)
    assert set(keys) == {"Website", "iOS app"}
    for source, old_key in [(website, "old-website-key"), (app, "old-app-key")]:
        source.refresh_from_db()
        assert source.write_key_hash == hash_write_key(keys[source.name]) != hash_write_key(old_key)
        assert source.write_key_prefix == keys[source.name][:8]
        assert source_id_for_write_key(old_key) is None
        assert source_id_for_write_key(keys[source.name]) == source.id
    untouched.refresh_from_db()
    assert untouched.write_key_hash == hash_write_key("backend-key")


def test_staff_who_can_only_view_sources_cannot_rotate_a_key(client):
    source = make_source(name="Website", write_key="the-key")
    viewer = make_user(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_source"))
    client.force_login(viewer)

    page = client.get(changelist(Source))
    client.post(changelist(Source), {"action": "rotate_write_key", "_selected_action": [source.pk]})

    assert page.status_code == 200
    assert "rotate_write_key" not in page.content.decode()
    source.refresh_from_db()
    assert source.write_key_hash == hash_write_key("the-key")


# --- who gets in


def test_a_user_who_is_not_staff_is_sent_to_the_admin_login(client):
    client.force_login(make_user())

    for url in [reverse("admin:index"), changelist(Customer)]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login") + "?next=")


def test_the_home_page_requires_login(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response.url == reverse("login") + "?next=/"


def test_the_login_page_renders(client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    assert 'name="password"' in response.content.decode()


def test_a_wrong_password_shows_the_error(client):
    make_user(username="ada", password="right-password")

    response = client.post(reverse("login"), {"username": "ada", "password": "wrong-password"})

    assert response.status_code == 200
    assert "Your username and password did not match" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logging_in_and_out(client):
    make_user(username="ada", password="right-password")

    response = client.post(reverse("login"), {"username": "ada", "password": "right-password"})
    assert response.status_code == 302
    assert response.url == "/"
    home = client.get("/", follow=True)
    assert home.redirect_chain == [("/journeys/", 302)]
    # Ada has no role yet: the list tells her to ask for one.
    assert home.status_code == 403
    assert "Welcome, ada" in home.content.decode()

    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response.url == reverse("login")
    assert client.get("/").status_code == 302


def test_the_job_schedules_can_be_retimed_but_not_pointed_at_other_code(admin_client):
    from django_q.models import Schedule

    schedules = "/admin/django_q/schedule/"
    job = Schedule.objects.get(name="Audit retention")  # made by a migration, as every job is
    func, args = job.func, job.args

    assert admin_client.get(f"{schedules}add/").status_code == 403
    assert admin_client.post(f"{schedules}add/", {"func": "os.system", "args": "'id'"}).status_code == 403
    page = admin_client.get(f"{schedules}{job.pk}/change/")
    assert page.status_code == 200 and 'name="func"' not in page.content.decode()

    later = (timezone.localtime() + timedelta(hours=2)).replace(microsecond=0)
    changed = admin_client.post(
        f"{schedules}{job.pk}/change/",
        {
            "func": "os.system",
            "args": "'id'",
            "hook": "os.system",
            "schedule_type": job.schedule_type,
            "minutes": job.minutes or "",
            "repeats": job.repeats,
            "next_run_0": later.strftime("%Y-%m-%d"),
            "next_run_1": later.strftime("%H:%M:%S"),
            "cron": job.cron or "",
        },
    )

    assert changed.status_code == 302
    job.refresh_from_db()
    assert (job.func, job.args, job.hook) == (func, args, None)
    assert job.next_run == later
    assert not Schedule.objects.filter(func="os.system").exists()
