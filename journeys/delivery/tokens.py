"""Signed tokens in message links: unsubscribe, open pixel and click redirects name one delivery."""

from datetime import timedelta

from django.core import signing

from journeys.delivery.content import public_url

_UNSUBSCRIBE = "cjo.delivery.unsubscribe"
_TRACK = "cjo.delivery.track"


def unsubscribe_token(delivery_id: int) -> str:
    return signing.Signer(salt=_UNSUBSCRIBE).sign(str(delivery_id))


def unsubscribe_url(delivery_id: int) -> str:
    return public_url(f"/u/{unsubscribe_token(delivery_id)}/")


def delivery_from_unsubscribe_token(token: str) -> int | None:
    try:
        return int(signing.Signer(salt=_UNSUBSCRIBE).unsign(token))
    except (signing.BadSignature, ValueError):
        return None


# Links in an old email stop redirecting after a year (the signature also covers the address).
TRACKING_MAX_AGE = timedelta(days=365)


def tracking_token(delivery_id: int, url: str = "") -> str:
    return signing.dumps([delivery_id, url], salt=_TRACK, compress=True)


def from_tracking_token(token: str) -> tuple[int, str] | None:
    try:
        delivery_id, url = signing.loads(token, salt=_TRACK, max_age=TRACKING_MAX_AGE)
        return int(delivery_id), str(url)
    except (signing.BadSignature, ValueError, TypeError):
        return None
