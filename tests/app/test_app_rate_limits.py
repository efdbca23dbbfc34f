"""``flask limits forget`` against real Redis counters: forgetting one address lets it in again
at once and leaves every other address counted; forgetting all lets everyone in; keys of
another app (another key prefix) in the same Redis stay; counters kept in memory, or in a Redis
that does not answer, are refused with the reason (and a password in the address masked). The
pattern that finds an app's keys is checked against keys made the way Flask-Limiter makes them,
in Redis itself, for any prefix and address text."""

from __future__ import annotations

import secrets
import socket
from collections.abc import Callable, Iterator

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st
from limits import parse

from survey_app.rate_limits import counter_pattern

REDIS_URL = "redis://127.0.0.1:6379"
LIMIT = "2 per hour"
ONE, OTHER = "192.0.2.1", "198.51.100.7"


@pytest.fixture(scope="module")
def store() -> Iterator[redis.Redis]:
    """The Redis the counters go to (the suite's, as for the security tests); one connection
    for the module, holding no state of its own."""
    connection = redis.Redis.from_url(REDIS_URL)
    yield connection
    connection.close()


def _delete_keys_of(store: redis.Redis, prefix: str) -> None:
    """Delete every key naming ``prefix``: a test's own clean-up, not the code under test."""
    for key in store.scan_iter(match=f"*{prefix}*"):
        store.delete(key)


@pytest.fixture
def limited_app(sqlite_app_with: Callable[..., Flask], store: redis.Redis) -> Iterator[Flask]:
    """An app counting code entry (``LIMIT``) in Redis under a fresh key prefix; its keys are
    deleted afterwards."""
    prefix = f"par-test-{secrets.token_hex(6)}"
    app = sqlite_app_with(
        RATELIMIT_STORAGE_URI=REDIS_URL,
        RATELIMIT_KEY_PREFIX=prefix,
        RATELIMIT_CODE_ENTRY=LIMIT,
    )
    yield app
    _delete_keys_of(store, prefix)


def _try_code(client: FlaskClient, address: str) -> int:
    """Follow an invitation link with an unknown code from ``address``; the status."""
    return client.get("/i/NOT-A-CODE", environ_base={"REMOTE_ADDR": address}).status_code


def _spend(client: FlaskClient, address: str) -> None:
    """Use up ``address``'s code-entry budget and check the next try is refused."""
    allowed = parse(LIMIT).amount
    assert [_try_code(client, address) for _ in range(allowed)] == [302] * allowed
    assert _try_code(client, address) == 429


def _forget(app: Flask, *arguments: str) -> str:
    """Run ``flask limits forget`` with ``arguments``; its output (it must succeed)."""
    result = app.test_cli_runner().invoke(args=["limits", "forget", *arguments])
    assert result.exit_code == 0, result.output
    return result.output


def test_forgetting_one_address_lets_it_in_and_keeps_the_others_counted(
    limited_app: Flask, store: redis.Redis
) -> None:
    """After ``--address ONE``, ONE may try again and OTHER is still refused; after forgetting
    all, OTHER may too. Another app's counter in the same Redis survives both."""
    client = limited_app.test_client()
    _spend(client, ONE)
    _spend(client, OTHER)
    prefix = limited_app.config["RATELIMIT_KEY_PREFIX"]
    ones = list(store.scan_iter(match=f"*/{prefix}/{ONE}/*"))
    assert ones, "the limiter kept no counter for the address"
    foreign = f"LIMITS:LIMITER/{prefix}-other/{ONE}/code-entry/2/1/hour"
    store.set(foreign, 2)
    try:
        said = _forget(limited_app, "--address", ONE)
        assert said.strip() == f"Forgot {len(ones)} rate-limit counter(s) of {ONE}."
        assert _try_code(client, ONE) == 302
        assert _try_code(client, OTHER) == 429

        assert "of every address" in _forget(limited_app)
        assert _try_code(client, OTHER) == 302
        assert store.get(foreign) == b"2"
    finally:
        store.delete(foreign)


def test_each_app_counts_under_its_own_key_prefix(
    sqlite_app_with: Callable[..., Flask], store: redis.Redis
) -> None:
    """Apps made one after another in one process, as the test suite makes them, each count
    under their own ``RATELIMIT_KEY_PREFIX``, which is where ``limits forget`` looks: the shared
    limiter does not keep the prefix of the first app it served."""
    prefixes = [f"par-test-{secrets.token_hex(6)}" for _ in range(2)]
    try:
        for prefix in prefixes:
            app = sqlite_app_with(
                RATELIMIT_STORAGE_URI=REDIS_URL,
                RATELIMIT_KEY_PREFIX=prefix,
                RATELIMIT_CODE_ENTRY=LIMIT,
            )
            assert _try_code(app.test_client(), ONE) == 302
            assert list(store.scan_iter(match=f"*/{prefix}/{ONE}/*")), prefix
    finally:
        for prefix in prefixes:
            _delete_keys_of(store, prefix)


def test_counters_in_memory_are_refused_with_the_reason(app: Flask) -> None:
    """The default storage keeps counters inside each serving process: the command says so,
    and to restart the server, and exits 1."""
    result = app.test_cli_runner().invoke(args=["limits", "forget"])
    assert result.exit_code == 1
    assert "memory://" in result.output and "restart the server" in result.output


def test_an_unreachable_redis_is_named_without_its_password(
    sqlite_app_with: Callable[..., Flask],
) -> None:
    """Nothing listens where the counters should be: exit 1, the address named, the password
    masked."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = sqlite_app_with(RATELIMIT_STORAGE_URI=f"redis://:s3cret@127.0.0.1:{port}/0")
    result = app.test_cli_runner().invoke(args=["limits", "forget"])
    assert result.exit_code == 1
    assert f"Redis at redis://:***@127.0.0.1:{port}/0 did not answer" in result.output
    assert "s3cret" not in result.output


_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="/"), min_size=1, max_size=12
)


@settings(max_examples=60)
@given(prefix=st.one_of(st.just(""), _TEXT), address=_TEXT, other=_TEXT)
def test_the_pattern_finds_exactly_the_keys_of_its_prefix_and_address(
    store: redis.Redis, prefix: str, address: str, other: str
) -> None:
    """In Redis, the pattern of (prefix, address) matches the key Flask-Limiter makes for them
    and not the key of another address or of another prefix: glob characters in either are
    taken literally."""
    limit = parse(LIMIT)
    run = secrets.token_hex(4)
    stored_prefix = f"{run}{prefix}"

    def key(key_prefix: str, who: str) -> str:
        return limit.key_for(*([key_prefix] if key_prefix else []), who, "code-entry")

    mine = key(stored_prefix, address)
    others = {key(stored_prefix, other), key(f"{stored_prefix}x", address)} - {mine}
    for each in (mine, *others):
        store.set(each, 1)
    try:
        found = {
            found_key.decode()
            for found_key in store.scan_iter(match=counter_pattern(stored_prefix, address))
        }
        assert mine in found
        assert not found & others
    finally:
        store.delete(mine, *others)
