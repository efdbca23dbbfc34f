"""Paradata measured by the server: time on each page and the class of device.

The device class is read from the User-Agent header of the request that submits and only the
class (``mobile``, ``tablet``, ``desktop``) is kept; the header itself is never stored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

Device = Literal["mobile", "tablet", "desktop"]

_TABLET_MARKERS = ("ipad", "tablet", "kindle", "silk/", "playbook")
_MOBILE_MARKERS = ("mobi", "iphone", "ipod", "android", "windows phone", "opera mini")


def device_class(user_agent: str | None) -> Device:
    """Classify a User-Agent string; Android without "Mobile" is a tablet, as Google advises."""
    agent = (user_agent or "").lower()
    if any(marker in agent for marker in _TABLET_MARKERS):
        return "tablet"
    if "android" in agent and "mobile" not in agent:
        return "tablet"
    if any(marker in agent for marker in _MOBILE_MARKERS):
        return "mobile"
    return "desktop"


def add_page_time(
    page_seconds: dict[str, float], page_id: str, shown_at: datetime, now: datetime
) -> dict[str, float]:
    """``page_seconds`` with the time since ``shown_at`` added to ``page_id`` (a new dict)."""
    elapsed = max((now - shown_at).total_seconds(), 0.0)
    updated = dict(page_seconds)
    updated[page_id] = round(updated.get(page_id, 0.0) + elapsed, 3)
    return updated


def summary(page_seconds: dict[str, float], device: Device) -> dict[str, object]:
    """The paradata stored with a response: per-page seconds, their total and the device."""
    return {
        "page_seconds": dict(page_seconds),
        "duration_seconds": round(sum(page_seconds.values()), 3),
        "device": device,
    }
