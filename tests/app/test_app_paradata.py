"""Paradata: device classes from user agents and server-measured page times."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from survey_app.paradata import add_page_time, device_class, summary

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)
ANDROID_PHONE = (
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Mobile Safari/537.36"
)
ANDROID_TABLET = (
    "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Safari/537.36"
)
IPAD = "Mozilla/5.0 (iPad; CPU OS 16_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Safari/537.36"
)


@pytest.mark.parametrize(
    ("agent", "expected"),
    [
        (IPHONE, "mobile"),
        (ANDROID_PHONE, "mobile"),
        (ANDROID_TABLET, "tablet"),
        (IPAD, "tablet"),
        (WINDOWS, "desktop"),
        (None, "desktop"),
    ],
)
def test_device_class(agent: str | None, expected: str) -> None:
    """Phones, tablets and desktops are told apart by their user agents."""
    assert device_class(agent) == expected


def test_page_time_accumulates_over_visits() -> None:
    """Two visits to a page add up; other pages are untouched; the input is not changed."""
    start = datetime(2025, 1, 1, 8, 0, 0)
    first = add_page_time({"intro": 4.0}, "services", start, start + timedelta(seconds=30))
    second = add_page_time(first, "services", start, start + timedelta(seconds=12.5))
    assert first == {"intro": 4.0, "services": 30.0}
    assert second == {"intro": 4.0, "services": 42.5}
    assert summary(second, "mobile") == {
        "page_seconds": {"intro": 4.0, "services": 42.5},
        "duration_seconds": 46.5,
        "device": "mobile",
    }
