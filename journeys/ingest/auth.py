"""Finding the Source behind a write key, sent as HTTP Basic username or as `writeKey`."""

import base64
import binascii
import time

from journeys.models.customers import Source, hash_write_key

# Every ingest request authenticates; a short cache keeps that off the database. A source
# that is deactivated stops being accepted within this many seconds.
CACHE_SECONDS = 30
_cache: dict[str, tuple[float, int | None]] = {}


def basic_auth_username(authorization: str) -> str | None:
    """The username of an HTTP Basic header (Segment puts the write key there), or None."""
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded.partition(":")[0] or None


def source_id_for_write_key(write_key: str) -> int | None:
    """The id of the active source with this write key, or None."""
    key_hash = hash_write_key(write_key)
    now = time.monotonic()
    cached = _cache.get(key_hash)
    if cached and cached[0] > now:
        return cached[1]
    source_id = Source.objects.filter(write_key_hash=key_hash, is_active=True).values_list("id", flat=True).first()
    if len(_cache) > 10_000:
        _cache.clear()  # only guessed keys can fill it this far
    _cache[key_hash] = (now + CACHE_SECONDS, source_id)
    return source_id


def clear_cache() -> None:
    _cache.clear()
