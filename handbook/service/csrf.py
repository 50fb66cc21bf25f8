"""CSRF protection for the HR forms: where a form post came from, and the token it must carry.

Two checks, both needed: the browser's own word on the origin (``Origin`` and
``Sec-Fetch-Site``, refused when they name another site), and a token only our page knows.
Before sign-in there is no session, so the sign-in form uses a double-submit token (a random
value in an HttpOnly, SameSite=Strict cookie and the same value in the form); once signed in,
each form carries the session's own token.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Literal
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import Response

FORM_COOKIE = "handbook_csrf"
FIELD = "csrf"
ALLOWED_FETCH_SITES = {"same-origin", "none"}  # "none": typed in the address bar, a bookmark


def own_origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.headers.get('host', '')}"


def foreign_origin(request: Request) -> str | None:
    """Why this post comes from another site, or None when the browser says it is ours."""
    origin = request.headers.get("origin")
    if origin is not None and origin != own_origin(request):
        return f"a form from {origin} may not post here"
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ALLOWED_FETCH_SITES:
        return f"a {fetch_site} form may not post here"
    return None


def form_value(body: bytes, name: str) -> str:
    """One field of a url-encoded form ("" when missing)."""
    return (parse_qs(body.decode("utf-8", "replace")).get(name) or [""])[0]


def matches(given: str, expected: str) -> bool:
    return bool(given) and bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def form_token(request: Request) -> str:
    """The sign-in form's token: the one the browser holds already, else a new one."""
    held = request.cookies.get(FORM_COOKIE, "")
    return held if 20 <= len(held) <= 100 and held.isascii() else secrets.token_urlsafe(32)


def set_cookie(response: Response, request: Request, name: str, value: str, max_age: int,
               samesite: Literal["strict", "lax"] = "strict") -> None:
    """An HR cookie: HttpOnly, SameSite=Strict (Lax for OpenID sign-in, whose callback arrives
    from the provider's site), and Secure whenever the page came over HTTPS."""
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True, samesite=samesite,
                        secure=request.url.scheme == "https")
