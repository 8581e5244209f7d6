from django.test import Client

from tests.factories import make_graph, make_journey, make_user, node


def small_graph(subject: str = "Welcome") -> dict:
    return make_graph(
        [
            node("start", "api_trigger", label="Signed up"),
            node("email", "send_email", {"subject": subject, "body": "Hello"}),
            node("done", "exit"),
        ],
        [("start", "next", "email"), ("email", "next", "done")],
    )


def live_journey(**kwargs):
    return make_journey(graph=small_graph(), **kwargs)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def person(role: str, **fields):
    user = make_user(role=role, **fields)
    return user, client_for(user)
