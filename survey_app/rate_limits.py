"""Forgetting rate-limit counters, so that an address refused for too many tries is let in
before its window ends: an office whose officials share one public address, a test, a bench.

Flask-Limiter counts each limited try under the key
``LIMITER/<RATELIMIT_KEY_PREFIX>/<address>/<scope>/<amount>/<multiples>/<granularity>`` (the
prefix part only when one is set), which Redis stores under the storage's own prefix
(``LIMITS:`` by default). :func:`forget_counters` deletes the keys of this app's prefix, of one
address when given, and no other: apps sharing the Redis under another prefix keep theirs
(without a prefix, every app's keys look alike, and all go). Counters kept in memory
(``memory://``, the demo) belong to each serving process and cannot be reached from outside
it; restarting the server forgets them.
"""

from __future__ import annotations

import re
from typing import cast
from urllib.parse import urlsplit, urlunsplit

from flask import current_app
from limits import parse
from limits.storage import RedisStorage
from redis import Redis
from redis.exceptions import RedisError

from survey_app.extensions import key_prefix, limiter

NAMESPACE = parse("1 per second").namespace
"""The first part of every limiter key: the namespace ``limits`` gives each limit."""

_GLOB_SPECIAL = re.compile(r"([*?\[\]\\])")

DELETE_BATCH = 1_000
"""Keys deleted by one Redis command."""


class CountersUnreachable(RuntimeError):
    """The rate-limit counters cannot be forgotten from here: not kept in Redis, or Redis did
    not answer."""


def _literal(text: str) -> str:
    """``text`` matched as itself in a Redis ``SCAN MATCH`` pattern."""
    return _GLOB_SPECIAL.sub(r"\\\1", text)


def shown_uri(uri: str) -> str:
    """``uri`` with its password, if any, masked, for a message."""
    parts = urlsplit(uri)
    if parts.password is None:
        return uri
    netloc = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{netloc}"))


def counter_pattern(key_prefix: str, address: str | None) -> str:
    """The limiter's keys (before the storage's prefix) of ``key_prefix``, of ``address`` alone
    when given, as a ``SCAN MATCH`` pattern."""
    parts = [NAMESPACE]
    if key_prefix:
        parts.append(_literal(key_prefix))
    parts.append(_literal(address) if address is not None else "*")
    return "/".join(parts) + "/*"


def forget_counters(address: str | None = None) -> int:
    """Delete the current app's rate-limit counters (``address``'s alone when given) from its
    Redis; how many keys went. Raises :class:`CountersUnreachable` when the counters are not
    in Redis or Redis does not answer."""
    storage = limiter.storage
    uri = shown_uri(str(current_app.config.get("RATELIMIT_STORAGE_URI", "memory://")))
    if not isinstance(storage, RedisStorage):
        raise CountersUnreachable(
            f"The rate-limit counters are kept in {uri}, inside each serving process: "
            "restart the server to forget them, or keep them in Redis "
            "(RATELIMIT_STORAGE_URI=redis://…) to forget them from here."
        )
    pattern = storage.prefixed_key(counter_pattern(key_prefix(current_app), address))
    connection = cast(Redis, storage.get_connection())
    deleted = 0
    try:
        batch: list[bytes] = []
        for key in connection.scan_iter(match=pattern, count=DELETE_BATCH):
            batch.append(key)
            if len(batch) == DELETE_BATCH:
                deleted += int(connection.delete(*batch))
                batch.clear()
        if batch:
            deleted += int(connection.delete(*batch))
    except RedisError as error:
        raise CountersUnreachable(f"Redis at {uri} did not answer: {error}") from error
    return deleted
