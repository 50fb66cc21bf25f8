"""The OpenID Connect relying party, all through Authlib: discovery, the authorization request
(code flow with PKCE, state and nonce), the code exchange and the ID token's verification
(signature against the provider's published keys, issuer, audience, expiry, nonce).

No JWT is parsed or checked here by hand: :meth:`Provider.signed_in` hands the token to
Authlib's ``parse_id_token`` with the claims it must hold, and turns each refusal into a
sentence the person can act on (:class:`SignInRefused`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.starlette_client import OAuth
from joserfc import errors as jose

from handbook.models.handbook import SignInSettings
from handbook.service.identity import SignedIn

DISCOVERY = "/.well-known/openid-configuration"
TIMEOUT = 10.0


class ProviderUnavailable(Exception):
    """The provider cannot be discovered or reached; the message is one line for IT."""


class SignInRefused(Exception):
    """A sign-in that must not be trusted; ``message`` is for the person, ``reason`` for the audit."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.message, self.reason = message, reason


@dataclass(frozen=True)
class Authorization:
    """Where to send the browser, and what the callback must find again."""

    url: str
    state: str
    nonce: str
    code_verifier: str


def _refusal(error: Exception, issuer: str) -> SignInRefused:
    """Authlib's (and its JOSE library's) refusal of an ID token, in words."""
    if isinstance(error, jose.BadSignatureError | jose.InvalidKeyIdError | jose.DecodeError):
        return SignInRefused("The sign-in token's signature did not verify: it was changed on its way, or "
                             f"was not made by {issuer}.", "bad-signature")
    if isinstance(error, jose.ExpiredTokenError):
        return SignInRefused("The sign-in token had expired when it arrived. If this keeps happening, IT "
                             "should check this server's clock.", "expired")
    if isinstance(error, jose.InvalidClaimError | jose.MissingClaimError):
        claim = getattr(error, "claim", "")
        words = {"aud": "was issued for another application, not this handbook",
                 "iss": f"was not issued by {issuer}",
                 "nonce": "belongs to another sign-in (its nonce is not this one's)",
                 "azp": "was issued for another application, not this handbook"}
        return SignInRefused(f"The sign-in token {words.get(claim, f'has a wrong {claim} claim')}.",
                             f"claim-{claim or 'unknown'}")
    return SignInRefused(f"The sign-in token was refused: {str(error)[:200]}.", "token")


class Provider:
    """One configured provider, discovered: builds authorization URLs and verifies callbacks."""

    def __init__(self, settings: SignInSettings, secret: str) -> None:
        self.settings = settings
        self.issuer = settings.issuer
        registry = OAuth()
        self.client: Any = registry.register(
            "handbook", client_id=settings.client_id, client_secret=secret,
            server_metadata_url=settings.issuer.rstrip("/") + DISCOVERY,
            client_kwargs={"scope": " ".join(settings.scopes), "code_challenge_method": "S256",
                           "timeout": TIMEOUT})

    async def discover(self) -> None:
        """Read the discovery document and the signing keys now, so a wrong issuer or an
        unreachable provider stops ``handbook serve`` at start, not a person's sign-in later."""
        where = self.settings.issuer.rstrip("/") + DISCOVERY
        try:
            metadata = await self.client.load_server_metadata()
            await self.client.fetch_jwk_set()
        except httpx.HTTPStatusError as error:
            raise ProviderUnavailable(f"{where} answered {error.response.status_code}") from None
        except httpx.HTTPError as error:
            raise ProviderUnavailable(f"cannot reach {where}: {type(error).__name__}: {error}") from None
        except ValueError as error:  # not JSON, or a key set that is not one
            raise ProviderUnavailable(f"{where} did not give a discovery document: {error}") from None
        if metadata.get("issuer") != self.settings.issuer:
            raise ProviderUnavailable(f"{where} names issuer '{metadata.get('issuer')}', not the configured "
                                      f"'{self.settings.issuer}' (they must be the same, character for "
                                      "character)")
        methods = metadata.get("code_challenge_methods_supported")
        if methods is not None and "S256" not in methods:
            raise ProviderUnavailable(f"{self.settings.issuer} does not offer PKCE with S256")
        missing = [name for name in ("authorization_endpoint", "token_endpoint", "jwks_uri")
                   if not metadata.get(name)]
        if missing:
            raise ProviderUnavailable(f"{where} lacks {', '.join(missing)}")

    async def authorization(self) -> Authorization:
        """A new authorization request: fresh state, nonce and PKCE verifier (made by Authlib)."""
        made = await self.client.create_authorization_url(self.settings.redirect_url)
        return Authorization(made["url"], made["state"], made["nonce"], made["code_verifier"])

    async def signed_in(self, code: str, flow: Authorization) -> SignedIn:
        """Exchange the callback's code (with the PKCE verifier) and verify the ID token."""
        try:
            token = await self.client.fetch_access_token(redirect_uri=self.settings.redirect_url, code=code,
                                                         code_verifier=flow.code_verifier)
        except OAuthError as error:
            said = error.description or error.error
            raise SignInRefused(f"The provider refused to finish the sign-in: {said}.",
                                "token-exchange") from None
        except httpx.HTTPError as error:
            raise SignInRefused("The provider could not be reached to finish the sign-in "
                                f"({type(error).__name__}).", "provider-unreachable") from None
        if "id_token" not in token:
            raise SignInRefused("The provider sent no ID token; the handbook asks for the openid scope, so "
                                "IT should check the provider's settings.", "no-id-token")
        options = {"iss": {"essential": True, "value": self.issuer},
                   "aud": {"essential": True, "value": self.settings.client_id}}
        try:
            claims = dict(await self.client.parse_id_token(token, flow.nonce, claims_options=options,
                                                           leeway=self.settings.clock_skew_seconds))
        except (jose.JoseError, ValueError) as error:
            raise _refusal(error, self.issuer) from None
        except httpx.HTTPError as error:  # the keys, fetched again for a key id not seen before
            raise SignInRefused("The provider's signing keys could not be read to check the sign-in "
                                f"({type(error).__name__}).", "provider-unreachable") from None
        return self.person(await self._with_userinfo(claims, token))

    async def _with_userinfo(self, claims: dict[str, Any], token: dict[str, Any]) -> dict[str, Any]:
        """The ID token's claims, completed from the user info endpoint when a mapped claim is
        missing (providers differ in what they put in the token); its subject must agree."""
        mapping = self.settings.claims
        wanted = [mapping.employee_id, mapping.name, mapping.email, self.settings.hr.group_claim]
        if all(name in claims for name in wanted) or not self.client.server_metadata.get("userinfo_endpoint"):
            return claims
        try:
            info = dict(await self.client.userinfo(token=token))
        except (OAuthError, httpx.HTTPError, ValueError):
            return claims  # the ID token's claims decide; a missing one is said below
        if info.get("sub") != claims.get("sub"):
            raise SignInRefused("The provider's user information names another person than its sign-in "
                                "token.", "userinfo-subject")
        return {**info, **claims}

    def person(self, claims: dict[str, Any]) -> SignedIn:
        """The signed-in person the claims make under the handbook's claim mapping."""
        mapping = self.settings.claims
        person: dict[str, str] = {}
        for field_id, claim in (("employee_id", mapping.employee_id), ("name", mapping.name),
                                ("email", mapping.email)):
            value = claims.get(claim)
            if isinstance(value, str | int) and str(value).strip():
                person[field_id] = str(value).strip()[:200]
        if "employee_id" not in person:
            raise SignInRefused(f"Your sign-in worked, but the provider did not send "
                                f"'{mapping.employee_id}', the claim this handbook reads your employee id "
                                "from. IT should add it (README, \"Sign-in\").", "missing-claim")
        person.setdefault("name", person["employee_id"])
        return SignedIn(self.issuer, str(claims["sub"]), person, self.is_hr(claims, person.get("email", "")))

    def is_hr(self, claims: dict[str, Any], email: str) -> bool:
        rule = self.settings.hr
        groups = claims.get(rule.group_claim)
        groups = [groups] if isinstance(groups, str) else groups if isinstance(groups, list) else []
        if any(str(group) in rule.groups for group in groups):
            return True
        return bool(email) and email.casefold() in {address.casefold() for address in rule.emails}


def discover(settings: SignInSettings | None, environ: Mapping[str, str]) -> Provider | None:
    """The handbook's provider, discovered, for ``handbook serve`` at start (None when sign-in
    is off); :class:`ProviderUnavailable` says in one line why it cannot be used."""
    if settings is None:
        return None
    secret = environ.get(settings.client_secret_env, "")
    if not secret:
        raise ProviderUnavailable(f"set the client secret in {settings.client_secret_env} where the service "
                                  "runs (the handbook's sign_in.client_secret_env names that variable)")
    provider = Provider(settings, secret)
    with ThreadPoolExecutor(1) as thread:  # an event loop of its own, whether or not the caller runs one
        thread.submit(asyncio.run, provider.discover()).result()
    return provider
