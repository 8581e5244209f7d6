"""The journeys list page: roles, CSRF, filters, counts from the counters, and its query budget."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from journeys import roles, services
from journeys.models import Journey, NodeStat
from tests.engine.helpers import run, send
from tests.factories import logged_in, make_graph, make_journey, make_source, node

pytestmark = pytest.mark.django_db


def draft(name: str, **fields) -> Journey:
    journey = services.journey_create(name=name)
    if fields:
        Journey.objects.filter(pk=journey.pk).update(**fields)
        journey.refresh_from_db()
    return journey


def names_on(response) -> list[str]:
    return re.findall(r'<a class="name" href="[^"]+">([^<]*)</a>', response.content.decode())


def signup_journey(**settings) -> Journey:
    """Signed Up -> wait a day -> exit; a goal of Upgraded."""
    return make_journey(
        name="Welcome",
        graph=make_graph(
            [
                node("t", "event_trigger", {"event": "Signed Up"}),
                node("w", "wait", {"mode": "duration", "seconds": 86400}),
                node("x", "exit"),
            ],
            [("t", "next", "w"), ("w", "next", "x")],
        ),
        settings={"goal": {"event": "Upgraded", "window_days": 7}, **settings},
    )


# --- who may see and do what


def test_anonymous_visitors_are_sent_to_the_login_page():
    for path in ("/", "/journeys/"):
        response = Client().get(path)
        assert response.status_code == 302
        assert response.url.startswith("/login/")


def test_anonymous_posts_change_nothing():
    journey = draft("Keep me")
    Client().post(f"/journeys/{journey.pk}/archive/")
    Client().post("/journeys/new/", {"name": "Sneaky"})
    journey.refresh_from_db()
    assert journey.status == "draft"
    assert not Journey.objects.filter(name="Sneaky").exists()


def test_home_leads_to_the_journeys_list():
    response = logged_in(roles.REVIEWERS).get("/")
    assert (response.status_code, response.url) == (302, "/journeys/")


def test_a_user_without_a_role_is_told_to_ask_for_one():
    response = logged_in(None).get("/journeys/")
    assert response.status_code == 403
    assert "no role yet" in response.content.decode()


def test_a_marketer_sees_the_create_duplicate_and_archive_controls():
    draft("Spring sale")
    page = logged_in(roles.MARKETERS).get("/journeys/").content.decode()
    assert 'action="/journeys/new/"' in page
    assert "Duplicate" in page
    assert "Archive" in page


def test_a_reviewer_sees_the_list_without_any_control_that_changes_it():
    draft("Spring sale")
    response = logged_in(roles.REVIEWERS).get("/journeys/")
    page = response.content.decode()
    assert response.status_code == 200
    assert names_on(response) == ["Spring sale"]
    assert "/journeys/new/" not in page
    assert "Duplicate" not in page
    assert "/archive/" not in page


def test_a_reviewer_cannot_create_duplicate_or_archive_by_posting():
    journey = draft("Spring sale")
    reviewer = logged_in(roles.REVIEWERS)
    assert reviewer.post("/journeys/new/", {"name": "Mine"}).status_code == 403
    assert reviewer.post(f"/journeys/{journey.pk}/duplicate/").status_code == 403
    assert reviewer.post(f"/journeys/{journey.pk}/archive/").status_code == 403
    assert list(Journey.objects.values_list("name", "status")) == [("Spring sale", "draft")]


def test_posts_without_a_csrf_token_are_refused():
    journey = draft("Spring sale")
    marketer = logged_in(roles.MARKETERS, enforce_csrf_checks=True)
    assert marketer.post("/journeys/new/", {"name": "Forged"}).status_code == 403
    assert marketer.post(f"/journeys/{journey.pk}/duplicate/").status_code == 403
    assert marketer.post(f"/journeys/{journey.pk}/archive/").status_code == 403
    assert list(Journey.objects.values_list("name", "status")) == [("Spring sale", "draft")]


def test_the_actions_refuse_get():
    journey = draft("Spring sale")
    marketer = logged_in(roles.MARKETERS)
    assert marketer.get("/journeys/new/").status_code == 405
    assert marketer.get(f"/journeys/{journey.pk}/archive/").status_code == 405


# --- the actions


def test_create_makes_a_draft_and_opens_it_in_the_editor():
    response = logged_in(roles.MARKETERS).post("/journeys/new/", {"name": "  Win-back  "})
    journey = Journey.objects.get()
    assert (journey.name, journey.status) == ("Win-back", "draft")
    assert response.url == f"/journeys/{journey.pk}/"


def test_create_without_a_name_gives_a_placeholder_name():
    logged_in(roles.MARKETERS).post("/journeys/new/", {"name": ""})
    assert Journey.objects.get().name == "Untitled journey"


def test_create_refuses_a_name_longer_than_the_field():
    response = logged_in(roles.MARKETERS).post("/journeys/new/", {"name": "x" * 201}, follow=True)
    assert not Journey.objects.exists()
    assert "at most 200 characters" in response.content.decode()


def test_create_refuses_a_name_with_a_nul_character():
    response = logged_in(roles.MARKETERS).post("/journeys/new/", {"name": "Spring\x00sale"}, follow=True)
    assert response.status_code == 200
    assert not Journey.objects.exists()
    assert "cannot contain a NUL character" in response.content.decode()


def test_duplicate_copies_the_draft_but_none_of_the_history():
    original = signup_journey()
    source = make_source()
    send(source, {"userId": "ada", "event": "Signed Up"})
    run()

    response = logged_in(roles.MARKETERS).post(f"/journeys/{original.pk}/duplicate/", follow=True)

    copy = Journey.objects.exclude(pk=original.pk).get()
    assert copy.name == "Copy of Welcome"
    assert (copy.status, copy.current_version, copy.entered_count) == ("draft", None, 0)
    assert copy.graph == original.graph
    assert copy.settings == original.settings
    assert not NodeStat.objects.filter(journey=copy).exists()
    assert "Copy of Welcome" in names_on(response)


def test_archive_puts_a_draft_away_and_it_leaves_the_default_list():
    journey = draft("Old idea")
    marketer = logged_in(roles.MARKETERS)
    response = marketer.post(f"/journeys/{journey.pk}/archive/", {"next": "/journeys/?q=old"}, follow=True)
    journey.refresh_from_db()
    assert journey.status == "archived"
    assert response.redirect_chain[-1][0] == "/journeys/?q=old"
    assert names_on(response) == []
    assert names_on(marketer.get("/journeys/?status=archived")) == ["Old idea"]


def test_archive_of_a_live_journey_is_refused_with_the_reason():
    journey = signup_journey()
    response = logged_in(roles.MARKETERS).post(f"/journeys/{journey.pk}/archive/", follow=True)
    journey.refresh_from_db()
    assert journey.status == "live"
    assert "cannot archive a live journey" in response.content.decode()


def test_archive_does_not_redirect_to_another_site():
    journey = draft("Old idea")
    response = logged_in(roles.MARKETERS).post(
        f"/journeys/{journey.pk}/archive/", {"next": "https://evil.example/phish"}
    )
    assert response.url == "/journeys/"


# --- what the list shows


def test_the_list_shows_status_version_and_counts_from_the_counters():
    journey = signup_journey()
    source = make_source()
    send(source, {"userId": "ada", "event": "Signed Up"}, {"userId": "bob", "event": "Signed Up"})
    run()
    send(source, {"userId": "ada", "event": "Upgraded"})
    run()
    # A day later both leave through the exit node.
    run(now=timezone.now() + timezone.timedelta(days=2))
    send(source, {"userId": "cyd", "event": "Signed Up"})
    run()

    page = logged_in(roles.REVIEWERS).get("/journeys/").content.decode()
    row = re.search(rf'<tr data-journey-id="{journey.pk}">(.*?)</tr>', page, re.S).group(1)
    assert "Live" in row
    assert "v1" in row
    assert re.search(r'data-metric="entered" data-value="3">3<', row)
    assert re.search(r'data-metric="active" data-value="1">1<', row)
    assert re.search(r'data-metric="converted" data-value="1">1<', row)


def test_an_unpublished_draft_says_so():
    draft("Idea")
    assert "not published" in logged_in(roles.REVIEWERS).get("/journeys/").content.decode()


def test_search_matches_any_part_of_the_name_in_any_case():
    for name in ("Welcome series", "Abandoned basket", "Basket reminder 100%"):
        draft(name)
    reviewer = logged_in(roles.REVIEWERS)
    assert sorted(names_on(reviewer.get("/journeys/?q=BASKET"))) == ["Abandoned basket", "Basket reminder 100%"]
    assert names_on(reviewer.get("/journeys/?q=100%25")) == ["Basket reminder 100%"]
    assert names_on(reviewer.get("/journeys/?q=nothing")) == []


def test_a_nul_character_in_the_search_is_a_400_rather_than_a_failure():
    draft("ab")
    response = logged_in(roles.REVIEWERS).get("/journeys/?q=a%00b")
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_filter_by_status_and_an_unknown_status_shows_everything_not_archived():
    draft("A draft")
    draft("A paused one", status="paused")
    draft("Put away", status="archived")
    reviewer = logged_in(roles.REVIEWERS)
    assert names_on(reviewer.get("/journeys/?status=paused")) == ["A paused one"]
    assert sorted(names_on(reviewer.get("/journeys/?status=bogus"))) == ["A draft", "A paused one"]


def test_the_most_recently_edited_journey_comes_first():
    first, second = draft("First"), draft("Second")
    services.journey_update(journey=first, name="First, edited")
    assert names_on(logged_in(roles.REVIEWERS).get("/journeys/"))[:2] == ["First, edited", second.name]


def test_names_with_markup_are_shown_as_text():
    draft('<script>alert("x")</script><img src=x onerror=alert(1)>')
    page = logged_in(roles.REVIEWERS).get("/journeys/").content.decode()
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in page


# --- many journeys


def make_many_journeys(count: int) -> None:
    """`count` journeys with counters on several nodes and hours, written set-based."""
    now = timezone.now()
    Journey.objects.bulk_create(
        Journey(name=f"Journey {i:05}", status="live" if i % 3 else "draft", entered_count=i) for i in range(count)
    )
    ids = list(Journey.objects.values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO journeys_nodestat (journey_id, node_id, metric, hour, shard, value)"
            " SELECT j, n, m, date_trunc('hour', %s::timestamptz) - make_interval(hours => h), 0, 1"
            " FROM unnest(%s::bigint[]) j, unnest(ARRAY['a', 'b', 'c']) n,"
            " unnest(ARRAY['entered', 'exited', 'converted', 'passed:next']) m, generate_series(0, 5) h",
            [now, ids],
        )


def test_the_page_takes_the_same_few_queries_with_thousands_of_journeys():
    make_many_journeys(3000)
    reviewer = logged_in(roles.REVIEWERS)
    reviewer.get("/journeys/")  # the session and user are loaded and cached from here on

    with CaptureQueriesContext(connection) as small:
        reviewer.get("/journeys/?status=draft&q=Journey 0000")
    with CaptureQueriesContext(connection) as large:
        response = reviewer.get("/journeys/?page=40")

    # 9: the menu asks for the user's roles, and counts the drafts waiting for a Reviewer
    assert len(large) == len(small) <= 9
    assert len(names_on(response)) == 25
    assert "Page 40 of 120" in response.content.decode()
    # 3 nodes x 6 hours, one exit and one conversion per node-hour, after `entered_count` = 2999 entries.
    page = reviewer.get("/journeys/?q=Journey 02999").content.decode()
    assert re.search(r'data-metric="entered" data-value="2999">2,999<', page)
    assert re.search(r'data-metric="active" data-value="2981">2,981<', page)
    assert re.search(r'data-metric="converted" data-value="18">18<', page)


def test_last_edited_reads_as_a_person_would_say_it():
    fresh = draft("Fresh")
    old = draft("Old", updated_at=timezone.now() - timezone.timedelta(hours=3, minutes=5))
    page = logged_in(roles.REVIEWERS).get("/journeys/").content.decode()
    fresh_row = re.search(rf'<tr data-journey-id="{fresh.pk}">(.*?)</tr>', page, re.S).group(1)
    old_row = re.search(rf'<tr data-journey-id="{old.pk}">(.*?)</tr>', page, re.S).group(1)
    assert ">just now</time>" in fresh_row
    assert ">3\xa0hours, 5\xa0minutes ago</time>" in old_row


def test_published_journeys_link_to_their_report_and_drafts_do_not():
    live = signup_journey()  # published by the factory
    unpublished = draft("Still drafting")

    page = logged_in(roles.REVIEWERS).get("/journeys/").content.decode()

    assert f'href="/reports/journeys/{live.pk}/"' in page
    assert f'href="/reports/journeys/{unpublished.pk}/"' not in page


def test_drafts_waiting_for_a_review_are_marked_filtered_and_counted_for_reviewers():
    from journeys.governance import approvals
    from tests.factories import make_user

    marketer = make_user(role=roles.MARKETERS)
    waiting = draft("Waiting for review")
    draft("Not submitted")
    approvals.review_submit(journey=waiting, user=marketer)
    reviewer = logged_in(roles.REVIEWERS)

    everything = reviewer.get("/journeys/").content.decode()
    to_review = reviewer.get("/journeys/", {"status": "in_review"})
    marketers_page = logged_in(roles.MARKETERS).get("/journeys/").content.decode()

    assert everything.count('class="badge review"') == 1
    assert names_on(to_review) == ["Waiting for review"]
    assert 'To review <span class="count">1</span>' in everything  # the header leads Reviewers there
    assert "To review" not in marketers_page  # Marketers do not decide reviews
    assert 'class="badge review"' in marketers_page  # but see which drafts are waiting
