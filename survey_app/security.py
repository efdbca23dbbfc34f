"""Response hardening: security headers on every response and cookie flags.

The Content-Security-Policy allows only the app's own scripts, styles, images and fonts (no
inline script, no external resource) and forbids framing. Responses to HTTPS requests carry
``Strict-Transport-Security`` (a year), so a browser never falls back to plain HTTP; it is left
off plain HTTP, where browsers ignore it. A request announcing a body over
``MAX_CONTENT_LENGTH`` is refused with 413 before any view runs, so no endpoint answers it
differently for not reading its form. The session cookie is HttpOnly and
SameSite=Lax always, and Secure whenever the request came over HTTPS (or when
``SESSION_COOKIE_SECURE`` is set). Behind proxies, ``TRUSTED_PROXIES`` (how many) makes the
forwarded client address and scheme count.
"""

from __future__ import annotations

from flask import Flask, Response, abort, request
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    )
)

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}

STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"
"""HSTS for HTTPS responses: a year, subdomains included."""


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """The signed-cookie session, marked Secure on HTTPS requests, with its signing serializer
    made once per set of keys instead of twice a request (building one signs a test value)."""

    def __init__(self) -> None:
        self._serializers: dict[tuple[object, ...], URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """Flask's serializer for the app's current secret key and fallbacks, reused while
        they stay the same."""
        keys = (app.secret_key, *(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        if keys not in self._serializers:
            self._serializers[keys] = super().get_signing_serializer(app)
        return self._serializers[keys]

    def get_cookie_secure(self, app: Flask) -> bool:
        """Secure when configured so or when this request arrived over HTTPS."""
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def add_security_headers(response: Response) -> Response:
    """Set the security headers (HSTS over HTTPS) and keep pages with answers out of shared
    caches; a header the view already set is left as it is. The names present are read once
    (one pass instead of a search per header: this runs on every response)."""
    headers = response.headers
    present = {name.lower() for name in headers.keys()}
    added = [
        (name, value) for name, value in SECURITY_HEADERS.items() if name.lower() not in present
    ]
    if request.is_secure and "strict-transport-security" not in present:
        added.append(("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY))
    if response.mimetype == "text/html" and "cache-control" not in present:
        added.append(("Cache-Control", "no-store"))
    headers.extend(added)
    return response


def refuse_oversized_bodies() -> None:
    """413 for a request whose ``Content-Length`` exceeds ``MAX_CONTENT_LENGTH`` (a body
    without a length is held to the cap by Werkzeug as it is read)."""
    cap = request.max_content_length
    if cap is not None and request.content_length is not None and request.content_length > cap:
        abort(413)


def init_app(app: Flask) -> None:
    """Install the session interface, the body-size check and the header hook; trust
    ``TRUSTED_PROXIES`` proxies' X-Forwarded-For and X-Forwarded-Proto (client address for
    rate limits, HTTPS for cookies)."""
    app.session_interface = HttpsAwareSessionInterface()
    app.before_request(refuse_oversized_bodies)
    app.after_request(add_security_headers)
    proxies = int(app.config.get("TRUSTED_PROXIES", 0))
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
