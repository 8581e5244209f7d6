"""Turning Segment HTTP Tracking API payloads into validated messages.

Pure functions: no database. Field names follow Segment's spec so that existing SDKs work
unchanged; anything we cannot accept is reported with the message's index and a reason.
"""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import orjson

from journeys.input import InputError, check_parsed

MESSAGE_TYPES = ("track", "identify", "page", "screen", "group", "alias")
MAX_ID_LENGTH = 255
# Floats at or beyond 2**53 skip integers: as ids they could merge two different values.
EXACT_FLOAT_LIMIT = 2.0**53
MAX_TIME_AHEAD = timedelta(days=1)


class MessageError(ValueError):
    """A message that cannot be accepted; `index` is its place in the request's batch."""

    def __init__(self, index: int, reason: str):
        super().__init__(reason)
        self.index = index
        self.reason = reason

    def as_dict(self) -> dict:
        return {"index": self.index, "error": self.reason}


@dataclass
class IncomingMessage:
    index: int
    type: str
    message_id: str
    timestamp: datetime
    user_id: str | None = None
    anonymous_id: str | None = None
    previous_id: str | None = None  # alias
    name: str = ""  # event name, page/screen name, groupId or previousId: see Event
    properties: dict = field(default_factory=dict)  # properties, or traits for identify/group
    traits: dict = field(default_factory=dict)  # identify traits to merge into the profile
    context: dict = field(default_factory=dict)

    @property
    def identities(self) -> list[tuple[str, str]]:
        """The identity keys this message names, as ("user", id) and ("anon", id) pairs."""
        keys = []
        if self.user_id:
            keys.append(("user", self.user_id))
        if self.anonymous_id:
            keys.append(("anon", self.anonymous_id))
        if self.previous_id:
            keys.append(("user", self.previous_id))
            keys.append(("anon", self.previous_id))
        return keys


def parse_messages(
    raw_messages: list,
    *,
    received_at: datetime,
    max_message_bytes: int,
    batch_context: dict | None = None,
    batch_sent_at=None,
    forced_type: str | None = None,
) -> tuple[list[IncomingMessage], list[MessageError]]:
    """Validate each raw message on its own: the good ones are returned beside the errors."""
    messages, errors = [], []
    for index, raw in enumerate(raw_messages):
        try:
            messages.append(
                parse_message(
                    raw,
                    index=index,
                    received_at=received_at,
                    max_message_bytes=max_message_bytes,
                    batch_context=batch_context,
                    batch_sent_at=batch_sent_at,
                    forced_type=forced_type,
                )
            )
        except MessageError as error:
            errors.append(error)
    return messages, errors


def parse_message(
    raw,
    *,
    index: int,
    received_at: datetime,
    max_message_bytes: int,
    batch_context: dict | None = None,
    batch_sent_at=None,
    forced_type: str | None = None,
) -> IncomingMessage:
    if not isinstance(raw, dict):
        raise MessageError(index, "a message must be a JSON object")
    encoded = orjson.dumps(raw)  # compact UTF-8, as the message would be sent
    if len(encoded) > max_message_bytes:
        raise MessageError(index, f"message is larger than {max_message_bytes // 1024} KB")
    try:
        check_parsed(raw, encoded)  # one bad message is refused alone, not the batch around it
    except InputError as error:
        raise MessageError(index, f"message: {error}") from None

    message_type = forced_type or raw.get("type")
    if message_type not in MESSAGE_TYPES:
        raise MessageError(index, f"unknown type {message_type!r}; expected one of {', '.join(MESSAGE_TYPES)}")

    user_id = _identifier(raw, "userId", index)
    anonymous_id = _identifier(raw, "anonymousId", index)
    context = _object(raw, "context", index)
    if batch_context:
        context = {**batch_context, **context}

    message = IncomingMessage(
        index=index,
        type=message_type,
        message_id=_identifier(raw, "messageId", index) or str(uuid.uuid4()),
        timestamp=_timestamp(raw, index, received_at, batch_sent_at),
        user_id=user_id,
        anonymous_id=anonymous_id,
        context=context,
    )

    if message_type == "alias":
        message.previous_id = _identifier(raw, "previousId", index)
        if not message.previous_id or not user_id:
            raise MessageError(index, "alias needs both previousId and userId")
        message.name = message.previous_id
        return message

    if not user_id and not anonymous_id:
        raise MessageError(index, "message needs a userId or an anonymousId")

    if message_type == "track":
        event = raw.get("event")
        if not isinstance(event, str) or not event.strip():
            raise MessageError(index, "track needs an event name")
        message.name = _bounded(event.strip(), "event", index)
        message.properties = _object(raw, "properties", index)
    elif message_type in ("page", "screen"):
        page_name = raw.get("name") or ""
        if not isinstance(page_name, str):
            raise MessageError(index, "name must be a string")
        message.name = _bounded(page_name, "name", index)
        message.properties = _object(raw, "properties", index)
    elif message_type == "identify":
        message.traits = _object(raw, "traits", index) or _object(context, "traits", index)
        message.properties = message.traits
    elif message_type == "group":
        message.name = _identifier(raw, "groupId", index) or ""
        if not message.name:
            raise MessageError(index, "group needs a groupId")
        message.properties = _object(raw, "traits", index)
    return message


def _identifier(raw: dict, key: str, index: int) -> str | None:
    value = raw.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise MessageError(index, f"{key} must be a string")
    if isinstance(value, float) and abs(value) >= EXACT_FLOAT_LIMIT:
        # The JSON parser keeps integers up to 64 bits exactly and reads larger ones as floats,
        # which cannot tell neighbouring ids apart: two customers or messages would become one.
        raise MessageError(index, f"{key} is a number too large to keep exactly: send it as a string")
    return _bounded(str(value), key, index)


def _bounded(value: str, key: str, index: int) -> str:
    if len(value) > MAX_ID_LENGTH:
        raise MessageError(index, f"{key} is longer than {MAX_ID_LENGTH} characters")
    return value


def _object(raw: dict, key: str, index: int) -> dict:
    value = raw.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MessageError(index, f"{key} must be a JSON object")
    return value


def parse_timestamp(value) -> datetime | None:
    """An ISO-8601 date-time (naive ones are taken as UTC), or None if it is not one."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _timestamp(raw: dict, index: int, received_at: datetime, batch_sent_at) -> datetime:
    """When it happened. Like Segment, shift by the sender's clock skew when sentAt is given."""
    if raw.get("timestamp") in (None, ""):
        return received_at
    timestamp = parse_timestamp(raw["timestamp"])
    if timestamp is None:
        raise MessageError(index, "timestamp must be an ISO-8601 date-time")
    sent_at = parse_timestamp(raw.get("sentAt") or batch_sent_at)
    try:
        if sent_at is not None:
            timestamp += received_at - sent_at
        # In UTC now, so a time near year 1 or 9999 cannot overflow when read back either.
        timestamp = timestamp.astimezone(UTC)
    except OverflowError:
        raise MessageError(index, "timestamp is out of range (after correcting by sentAt)") from None
    if timestamp > received_at + MAX_TIME_AHEAD:
        # Such an event would lead every timeline and count in every window for years; a sender
        # clock that far off (or a sentAt from year 1) is an error to report, not a time to keep.
        raise MessageError(index, "timestamp is more than a day ahead of the server's clock (sentAt considered)")
    return timestamp
