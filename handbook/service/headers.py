"""Security headers on every response, and a Content-Security-Policy that the built site passes.

The site's pages carry a few inline scripts of Material's own (its scope and hash helpers, the
anchor fix) that differ from page to page; rather than allow every inline script, each HTML
page gets a policy naming the sha256 of exactly the inline scripts it carries, computed as it
is served. Data blocks (``type="application/json"``) are not scripts and need no hash. A
response that already has its own policy (the HR pages) keeps it.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import lru_cache

from starlette.types import Message, Receive, Scope, Send

from handbook.service.middleware import HttpMiddleware

ALWAYS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
}
"""Headers every response gets (a response's own value wins)."""
_ALWAYS = tuple((name.encode(), value.encode()) for name, value in ALWAYS.items())

SITE_POLICY = ("default-src 'self'; script-src 'self'{hashes}; style-src 'self' 'unsafe-inline'; "
               "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self'; "
               "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
"""The policy of the site's pages: nothing from other origins, scripts only from the site or
with a listed hash. Inline styles stay allowed (Material sets some; they cannot run code)."""

INLINE_SCRIPT = re.compile(rb"<script(?P<attributes>[^>]*)>(?P<body>.*?)</script>", re.S | re.I)
NOT_SCRIPT = re.compile(rb"""\b(src\s*=|type\s*=\s*["']?application/(?:ld\+)?json)""", re.I)


@lru_cache(maxsize=256)
def site_policy(html: bytes) -> str:
    """The policy for one page: the site's, plus the hash of each inline script in ``html``."""
    hashes = []
    for match in INLINE_SCRIPT.finditer(html):
        if NOT_SCRIPT.search(match["attributes"]):
            continue
        digest = base64.b64encode(hashlib.sha256(match["body"]).digest()).decode()
        if f" 'sha256-{digest}'" not in hashes:
            hashes.append(f" 'sha256-{digest}'")
    return SITE_POLICY.format(hashes="".join(hashes))


class SecurityHeaders(HttpMiddleware):
    """ASGI middleware: :data:`ALWAYS` on every response, :func:`site_policy` on HTML without one."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        held: Message | None = None
        body: list[bytes] = []

        async def with_headers(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                names = {name.lower() for name, _ in headers}
                message = {**message, "headers": [*headers, *(h for h in _ALWAYS if h[0] not in names)]}
                html = any(name.lower() == b"content-type" and value.startswith(b"text/html")
                           for name, value in headers)
                if html and b"content-security-policy" not in names:
                    held = message  # sent once the whole page is known, with its hashes
                    return
                await send(message)
                return
            if held is None or message["type"] != "http.response.body":
                await send(message)
                return
            body.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            page = b"".join(body)
            policy = (b"content-security-policy", site_policy(page).encode())
            await send({**held, "headers": [*held["headers"], policy]})
            await send({"type": "http.response.body", "body": page})

        await self.app(scope, receive, with_headers)
