"""Access tokens (short-lived JWT), rotating refresh tokens, and partner API tokens.

Refresh tokens form families: each refresh hands out a new link and marks the old one used.
Presenting a used link again means it was stolen or replayed, so the whole family (the session)
is revoked. API tokens look like `hpt_<prefix>_<secret>`; only the secret's SHA-256 is stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import time
import uuid
from dataclasses import dataclass, replace

import jwt

from authz.identity import Identity, Kind, identity_of_account
from domain import access, broker, dual_review
from domain.actor import Actor
from domain.broker import access_change_hooks, announce_access_change
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.models import Account, ApiToken, PendingOperation, RefreshToken
from domain.unit_of_work import when_committed

ALGORITHM = "HS256"


@dataclass(frozen=True)
class TokenSettings:
    secret_key: str
    access_minutes: int = 15
    refresh_days: int = 30
    # How long an access token's identity is trusted without reading the database again when
    # no announcement of a change reached this process (0: read it on every request).
    identity_cache_seconds: float = 3.0


_settings = TokenSettings(secret_key=secrets.token_urlsafe(32))


def configure(settings: TokenSettings) -> None:
    global _settings
    _settings = settings
    identity_cache.seconds = settings.identity_cache_seconds
    identity_cache.clear()
    verified_claims.clear()


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_at: dt.datetime
    identity: Identity


def _access_token(account: Account, family: str) -> tuple[str, dt.datetime]:
    now = clock.now()
    expires = now + dt.timedelta(minutes=_settings.access_minutes)
    claims = {
        "sub": str(account.id),
        "kind": account.kind,
        "sid": family,
        "iat": int(now.timestamp()),
        "exp": int(expires.timestamp()),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, _settings.secret_key, algorithm=ALGORITHM), expires


async def _new_refresh_link(account: Account, family: str) -> str:
    raw = f"hrt_{secrets.token_urlsafe(32)}"
    await RefreshToken.create(
        family=family,
        token_hash=_sha256(raw),
        account=account,
        expires_at=clock.now() + dt.timedelta(days=_settings.refresh_days),
    )
    return raw


async def issue_session(account: Account) -> IssuedTokens:
    family = str(uuid.uuid4())
    access, expires = _access_token(account, family)
    refresh = await _new_refresh_link(account, family)
    return IssuedTokens(access, refresh, expires, identity_of_account(account, family))


async def rotate_refresh_token(raw: str) -> IssuedTokens:
    """Exchange a refresh token for a new pair. Call inside a transaction."""
    link = await RefreshToken.get_or_none(token_hash=_sha256(raw or "")).select_related("account")
    now = clock.now()
    if link is None:
        raise DomainError(ErrorCode.INVALID_CREDENTIALS, "Unknown refresh token.", "refreshToken")
    if link.revoked_at is not None:
        raise DomainError(ErrorCode.TOKEN_REVOKED, "This session was ended.", "refreshToken")
    if link.used_at is not None:
        raise DomainError(
            ErrorCode.TOKEN_REVOKED,
            "This refresh token was already used; the session is revoked for safety.",
            "refreshToken",
            on_refusal=lambda: revoke_session(link.family),
        )
    if link.expires_at <= now:
        raise DomainError(ErrorCode.TOKEN_EXPIRED, "The refresh token expired.", "refreshToken")
    if not link.account.is_active:
        raise DomainError(ErrorCode.TOKEN_REVOKED, "The account is disabled.", "refreshToken")
    # Marking it used with a conditional update makes two concurrent refreshes with the same
    # link produce one winner; the loser is treated as a replay.
    claimed = await RefreshToken.filter(id=link.id, used_at=None).update(used_at=now)
    if not claimed:
        raise DomainError(
            ErrorCode.TOKEN_REVOKED,
            "Refresh token replayed.",
            "refreshToken",
            on_refusal=lambda: revoke_session(link.family),
        )
    access, expires = _access_token(link.account, link.family)
    refresh = await _new_refresh_link(link.account, link.family)
    return IssuedTokens(access, refresh, expires, identity_of_account(link.account, link.family))


async def revoke_family_of(raw: str, account_id: int | None) -> bool:
    link = await RefreshToken.get_or_none(token_hash=_sha256(raw or ""))
    if link is None or (account_id is not None and link.account_id != account_id):
        return False
    await revoke_session(link.family)
    return True


async def revoke_session(family: str) -> None:
    await RefreshToken.filter(family=family, revoked_at=None).update(revoked_at=clock.now())
    await when_committed(lambda: announce_access_change(f"session:{family}"))


class InvalidToken(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class _IdentityCache:
    """The identities of live sessions, for a few seconds, so an access token costs no
    database round trip on the hot path (issue 12).

    Keyed by (session family, account id). An entry is forgotten when any process announces an
    access change of its session or account (`domain.broker.announce_access_change`: a session
    revoked, an account disabled or its roles, budget, language or membership changed): at once
    in the announcing process, and in the others as soon as Redis relays the announcement.
    Whatever is lost on the way (Redis down, a change written without announcing it) is bounded
    by `seconds`: an entry older than that is read again. A read that raced with an
    announcement is not stored (the generation moved), so a revocation is never undone by a
    request that started before it."""

    MAX_ENTRIES = 10_000

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._entries: dict[tuple[str, int], tuple[float, Identity]] = {}
        self.generation = 0

    def get(self, family: str, account_id: int) -> Identity | None:
        entry = self._entries.get((family, account_id))
        if entry is None:
            return None
        if time.monotonic() - entry[0] > self.seconds:
            del self._entries[(family, account_id)]
            return None
        return entry[1]

    def put(self, family: str, account_id: int, identity: Identity, generation: int) -> None:
        if self.seconds <= 0 or generation != self.generation:
            return
        if len(self._entries) >= self.MAX_ENTRIES:
            self._entries.clear()
        self._entries[(family, account_id)] = (time.monotonic(), identity)

    def forget(self, subject: str) -> None:
        """An access change of `session:<family>`, `account:<id>` (or anything else: all)."""
        self.generation += 1
        kind, _, value = subject.partition(":")
        if kind == "session":
            stale = [key for key in self._entries if key[0] == value]
        elif kind == "account" and value.isdigit():
            stale = [key for key in self._entries if key[1] == int(value)]
        elif kind == "token":
            return  # API tokens are not cached
        else:
            self._entries.clear()
            return
        for key in stale:
            self._entries.pop(key, None)

    def clear(self) -> None:
        self.generation += 1
        self._entries.clear()


identity_cache = _IdentityCache(seconds=_settings.identity_cache_seconds)
access_change_hooks.append(identity_cache.forget)


class _VerifiedClaims:
    """The claims of access tokens whose signature this process has checked, by the token's
    exact text: a client sends the same token on every request for its 15 minutes, and
    checking its signature again (PyJWT: ~30 µs) would be the one cost an authenticated
    `{ __typename }` has over an anonymous one. Only the signature check is skipped: expiry,
    revocation and the account's state are judged on every request as before. Bounded; emptied
    when the signing key changes."""

    MAX_ENTRIES = 20_000

    def __init__(self) -> None:
        self._claims: dict[str, dict] = {}

    def of(self, token: str) -> dict:
        claims = self._claims.get(token)
        if claims is not None:
            return claims
        try:
            claims = jwt.decode(
                token,
                _settings.secret_key,
                algorithms=[ALGORITHM],
                # Times are checked against the injected clock, not PyJWT's wall clock.
                options={"verify_exp": False, "verify_iat": False,
                         "require": ["sub", "exp", "sid"]},
            )
        except jwt.PyJWTError:
            raise InvalidToken("UNAUTHENTICATED", "The access token is not valid.") from None
        if len(self._claims) >= self.MAX_ENTRIES:
            self._claims.clear()
        self._claims[token] = claims
        return claims

    def clear(self) -> None:
        self._claims.clear()


verified_claims = _VerifiedClaims()


async def authenticate_access_token(token: str, *, fresh: bool = False) -> Identity:
    """The identity of a bearer access token. From the identity cache unless `fresh` (live
    sockets re-check against the database at each operation)."""
    claims = verified_claims.of(token)
    # Expiry is checked against the injected clock, not the wall clock.
    if claims["exp"] <= clock.now().timestamp():
        raise InvalidToken("TOKEN_EXPIRED", "The access token expired; refresh it.")
    expires_at = dt.datetime.fromtimestamp(claims["exp"], dt.UTC)
    family, account_id = claims["sid"], int(claims["sub"])
    if not fresh:
        broker.broker.follow_access_changes()
        cached = identity_cache.get(family, account_id)
        if cached is not None:
            return replace(cached, expires_at=expires_at)
    generation = identity_cache.generation
    # A live link of the session, with its account: one query when not cached.
    link = (
        await RefreshToken.filter(
            family=claims["sid"], account_id=int(claims["sub"]), revoked_at=None
        )
        .select_related("account")
        .first()
    )
    if link is None:
        # A disabled account's sessions end with it: the client is told the reason (the
        # account), not only its consequence (the session). Only refusals pay this look.
        if await Account.filter(id=account_id, is_active=False).exists():
            raise InvalidToken("UNAUTHENTICATED", "The account no longer exists or is disabled.")
        raise InvalidToken("TOKEN_REVOKED", "The session was ended; log in again.")
    if not link.account.is_active:
        raise InvalidToken("UNAUTHENTICATED", "The account no longer exists or is disabled.")
    identity = identity_of_account(link.account, family)
    identity_cache.put(family, account_id, identity, generation)
    return replace(identity, expires_at=expires_at)


API_TOKEN_PREFIX = "hpt_"


def is_api_token(token: str) -> bool:
    return token.startswith(API_TOKEN_PREFIX)


KNOWN_SCOPES = ("bookings:read", "bookings:write", "inventory:read", "inquiries:write")


def _check_token_request(
    name: str, scopes: list[str], expires_at: dt.datetime, request_budget: int | None
) -> str:
    name = (name or "").strip()
    if not name:
        raise DomainError(ErrorCode.REQUIRED, "Give the token a name.", "name")
    unknown = sorted(set(scopes) - set(KNOWN_SCOPES))
    if unknown or not scopes:
        raise DomainError(
            ErrorCode.INVALID,
            f"Scopes must be among {', '.join(KNOWN_SCOPES)}"
            + (f"; unknown: {', '.join(unknown)}." if unknown else "."),
            "scopes",
        )
    if expires_at.tzinfo is None or expires_at <= clock.now():
        raise DomainError(
            ErrorCode.INVALID, "expiresAt must be a future time with a zone.", "expiresAt"
        )
    if request_budget is not None and request_budget < 1:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "The budget must be positive.", "requestBudget")
    return name


def is_write_scope(scope: str) -> bool:
    return scope.endswith(":write")


async def create_api_token(
    actor: Actor,
    name: str,
    scopes: list[str],
    expires_at: dt.datetime,
    request_budget: int | None = None,
) -> tuple[ApiToken | PendingOperation, str]:
    """Create a partner token; return it (or, for write scopes, the pending operation) with
    the full secret, which is never shown again.

    A token with a write scope is a high-risk operation (P6.2.3): its secret is made now and
    shown to the maker only, the pending operation stores its hash (hidden from the checker),
    and the token exists -- and the secret works -- only once a second person confirms."""
    name = _check_token_request(name, scopes, expires_at, request_budget)
    prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    full_secret = f"{API_TOKEN_PREFIX}{prefix}_{secret}"
    if not any(is_write_scope(scope) for scope in scopes):
        token = await _store_token(
            name, prefix, _sha256(secret), scopes, expires_at, actor.account_id, request_budget
        )
        return token, full_secret
    pending = await dual_review.request(
        actor,
        "api_token.create",
        {
            "name": name,
            "prefix": prefix,
            "secret_sha256": _sha256(secret),
            "scopes": sorted(set(scopes)),
            "expires_at": expires_at.astimezone(dt.UTC).isoformat(),
            "request_budget": request_budget,
            "created_by_id": actor.account_id,
        },
        summary=(
            f"Partner token {name!r} with scopes {', '.join(sorted(set(scopes)))}, "
            f"expiring {expires_at.astimezone(dt.UTC).isoformat()}"
        ),
        permissions=[("api_token", "create")],
        subject_type="ApiToken",
    )
    return pending, full_secret


@dual_review.operation("api_token.create", hidden=("secret_sha256",))
async def _run_create_token(operation: PendingOperation, checker: Actor) -> dict:
    args = operation.arguments
    expires_at = dt.datetime.fromisoformat(args["expires_at"])
    if expires_at <= clock.now():
        raise DomainError(ErrorCode.INVALID, "The token would have expired already.", "expiresAt")
    token = await _store_token(
        args["name"],
        args["prefix"],
        args["secret_sha256"],
        args["scopes"],
        expires_at,
        args["created_by_id"],
        args["request_budget"],
    )
    return {"apiTokenId": token.id}


async def issue_api_token(
    name: str,
    scopes: list[str],
    expires_at: dt.datetime,
    created_by_id: int,
    request_budget: int | None = None,
) -> tuple[ApiToken, str]:
    """Create a token at once, whatever its scopes. Only for setting up a fresh database
    (tests, demo data): a person asks through `create_api_token`."""
    name = _check_token_request(name, scopes, expires_at, request_budget)
    prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    token = await _store_token(
        name, prefix, _sha256(secret), scopes, expires_at, created_by_id, request_budget
    )
    return token, f"{API_TOKEN_PREFIX}{prefix}_{secret}"


async def _store_token(
    name: str,
    prefix: str,
    secret_sha256: str,
    scopes: list[str],
    expires_at: dt.datetime,
    created_by_id: int | None,
    request_budget: int | None,
) -> ApiToken:
    return await ApiToken.create(
        name=name,
        prefix=prefix,
        secret_hash=secret_sha256,
        scopes=sorted(set(scopes)),
        expires_at=expires_at,
        created_by_id=created_by_id,
        request_budget=request_budget,
    )


async def revoke_api_token(token_id: int) -> ApiToken:
    token = await ApiToken.get_or_none(id=token_id)
    if token is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such API token.", "id")
    if await access.revoke_api_tokens([token.id]):
        await token.refresh_from_db(fields=["revoked_at"])
    return token


async def authenticate_api_token(raw: str) -> Identity:
    try:
        prefix, secret = raw[len(API_TOKEN_PREFIX) :].split("_", 1)
    except ValueError:
        raise InvalidToken("UNAUTHENTICATED", "The API token is malformed.") from None
    token = await ApiToken.get_or_none(prefix=prefix)
    if token is None or not hmac.compare_digest(token.secret_hash, _sha256(secret)):
        raise InvalidToken("UNAUTHENTICATED", "The API token is not valid.")
    if token.revoked_at is not None:
        raise InvalidToken("TOKEN_REVOKED", "The API token was revoked.")
    if token.expires_at <= clock.now():
        raise InvalidToken("TOKEN_EXPIRED", "The API token expired.")
    return Identity(
        kind=Kind.PARTNER,
        id=token.id,
        scopes=tuple(token.scopes),
        display_name=token.name,
        request_budget=token.request_budget,
        expires_at=token.expires_at,
    )
