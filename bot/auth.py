"""Staff accounts for the review queue: passwords, sessions and API tokens.

- Passwords are hashed with the standard library's scrypt (N=2^14, r=8, p=1), a random 16-byte salt per
  user, and compared in constant time. An unknown name costs the same work as a wrong password.
- A session is a random 256-bit cookie value; the database keeps only its SHA-256, the user, a
  per-session CSRF token and an absolute expiry (SENDIASS_SESSION_HOURS, default 8 hours).
- An API token (`sendiass user token NAME`) is a random 256-bit value shown once; the database keeps
  only its SHA-256. A new token revokes the user's earlier ones; disabling the user revokes all.

The tables live in the product store (bot.store.metadata), beside messages and tickets.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from bot.store import metadata, now

ROLES = ("staff", "approver")
NAME_RX = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024

# scrypt parameters: ~16 MB of memory and a few tens of milliseconds per check.
_N, _R, _P, _DKLEN = 2 ** 14, 8, 1, 32

users = sa.Table(
    "review_users", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(40), nullable=False, unique=True),
    sa.Column("role", sa.String(20), nullable=False),               # staff / approver
    sa.Column("password", sa.String(200), nullable=False),          # scrypt$N$r$p$salt$hash (base64)
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

sessions = sa.Table(
    "review_sessions", metadata,
    sa.Column("id", sa.String(64), primary_key=True),               # SHA-256 (hex) of the cookie value
    sa.Column("user_id", sa.Integer, sa.ForeignKey("review_users.id"), nullable=False),
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ended_at", sa.DateTime(timezone=True)),              # signed out
)

api_tokens = sa.Table(
    "review_api_tokens", metadata,
    sa.Column("id", sa.String(64), primary_key=True),               # SHA-256 (hex) of the token
    sa.Column("user_id", sa.Integer, sa.ForeignKey("review_users.id"), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
)


class AuthError(ValueError):
    """A refused account operation; the message is shown to the person."""


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str

    @property
    def can_approve(self) -> bool:
        return self.role == "approver"


@dataclass(frozen=True)
class Session:
    user: User
    csrf: str
    expires_at: datetime


def utc(value: datetime | None) -> datetime | None:
    """SQLite gives naive datetimes back; everything this product stores is UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def session_hours() -> float:
    raw = os.environ.get("SENDIASS_SESSION_HOURS", "8")
    try:
        hours = float(raw)
    except ValueError:
        raise SystemExit(f"SENDIASS_SESSION_HOURS must be a number of hours, not {raw!r}")
    if hours <= 0:
        raise SystemExit("SENDIASS_SESSION_HOURS must be more than 0")
    return hours


# ---------------------------------------------------------------- passwords

def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=_DKLEN)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r),
                                p=int(p), dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


_DUMMY_HASH = hash_password(secrets.token_hex(16))  # checked for unknown names: same work, same time


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AuthError(f"the password must be at least {MIN_PASSWORD} characters (a few words make a good one)")
    if len(password) > MAX_PASSWORD:
        raise AuthError(f"the password must be at most {MAX_PASSWORD} characters")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- accounts

def normal_name(name: str) -> str:
    return (name or "").strip().lower()


def _user(row) -> User:
    return User(id=row.id, name=row.name, role=row.role)


def add_user(engine, name: str, role: str, password: str) -> User:
    name = normal_name(name)
    if not NAME_RX.match(name):
        raise AuthError("a user name is 2-40 letters, digits, dots, dashes or underscores, e.g. priya.shah")
    if role not in ROLES:
        raise AuthError(f"the role must be one of {', '.join(ROLES)}")
    check_new_password(password)
    with engine.begin() as conn:
        if conn.execute(sa.select(users.c.id).where(users.c.name == name)).first():
            raise AuthError(f"there is already a user called {name}")
        new_id = conn.execute(users.insert().values(
            name=name, role=role, password=hash_password(password), active=True, created_at=now(),
        )).inserted_primary_key[0]
    return User(id=new_id, name=name, role=role)


def get_user(engine, name: str, *, active_only: bool = True) -> User | None:
    q = sa.select(users).where(users.c.name == normal_name(name))
    if active_only:
        q = q.where(users.c.active.is_(True))
    with engine.connect() as conn:
        row = conn.execute(q).first()
    return _user(row) if row else None


def list_users(engine, *, active_only: bool = True) -> list[dict]:
    q = sa.select(users.c.name, users.c.role, users.c.active, users.c.created_at).order_by(users.c.name)
    if active_only:
        q = q.where(users.c.active.is_(True))
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]


def authenticate(engine, name: str, password: str) -> User | None:
    """The user whose name and password these are, or None (in about the same time either way)."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(users).where(users.c.name == normal_name(name),
                                                  users.c.active.is_(True))).first()
    ok = verify_password(password or "", row.password if row else _DUMMY_HASH)
    return _user(row) if (row and ok) else None


def disable_user(engine, name: str) -> User:
    """The user can no longer sign in; their sessions end and their API tokens are revoked."""
    user = get_user(engine, name)
    if user is None:
        raise AuthError(f"no active user called {normal_name(name)}")
    t = now()
    with engine.begin() as conn:
        conn.execute(users.update().where(users.c.id == user.id).values(active=False))
        conn.execute(sessions.update().where(sessions.c.user_id == user.id, sessions.c.ended_at.is_(None))
                     .values(ended_at=t))
        conn.execute(api_tokens.update().where(api_tokens.c.user_id == user.id, api_tokens.c.revoked_at.is_(None))
                     .values(revoked_at=t))
    return user


# ---------------------------------------------------------------- sessions

def start_session(engine, user: User, hours: float | None = None) -> tuple[str, Session]:
    """A new session: (the cookie value, the session). Only the value's digest is stored."""
    value = secrets.token_urlsafe(32)
    started = now()
    session = Session(user=user, csrf=secrets.token_urlsafe(32),
                      expires_at=started + timedelta(hours=hours if hours is not None else session_hours()))
    with engine.begin() as conn:
        conn.execute(sessions.insert().values(id=_digest(value), user_id=user.id, csrf=session.csrf,
                                              created_at=started, expires_at=session.expires_at))
    return value, session


class SessionExpired(Exception):
    pass


def find_session(engine, value: str | None) -> Session | None:
    """The live session of a cookie value; None when there is none; SessionExpired when it ran out."""
    if not value:
        return None
    q = (sa.select(sessions.c.csrf, sessions.c.expires_at, sessions.c.ended_at, users.c.id, users.c.name,
                   users.c.role, users.c.active)
         .select_from(sessions.join(users, users.c.id == sessions.c.user_id))
         .where(sessions.c.id == _digest(value)))
    with engine.connect() as conn:
        row = conn.execute(q).first()
    if row is None or row.ended_at is not None or not row.active:
        return None
    if utc(row.expires_at) <= now():
        raise SessionExpired()
    return Session(user=User(id=row.id, name=row.name, role=row.role), csrf=row.csrf,
                   expires_at=utc(row.expires_at))


def end_session(engine, value: str) -> None:
    with engine.begin() as conn:
        conn.execute(sessions.update().where(sessions.c.id == _digest(value), sessions.c.ended_at.is_(None))
                     .values(ended_at=now()))


def csrf_matches(session: Session, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(session.csrf.encode(), given.encode("utf-8", "replace"))


# ---------------------------------------------------------------- API tokens

def issue_token(engine, name: str) -> tuple[User, str]:
    """A new API token for a user (shown once); the user's earlier tokens stop working."""
    user = get_user(engine, name)
    if user is None:
        raise AuthError(f"no active user called {normal_name(name)}")
    token = "sr_" + secrets.token_urlsafe(32)
    t = now()
    with engine.begin() as conn:
        conn.execute(api_tokens.update().where(api_tokens.c.user_id == user.id, api_tokens.c.revoked_at.is_(None))
                     .values(revoked_at=t))
        conn.execute(api_tokens.insert().values(id=_digest(token), user_id=user.id, created_at=t))
    return user, token


def token_user(engine, token: str | None) -> User | None:
    if not token:
        return None
    q = (sa.select(users.c.id, users.c.name, users.c.role)
         .select_from(api_tokens.join(users, users.c.id == api_tokens.c.user_id))
         .where(api_tokens.c.id == _digest(token), api_tokens.c.revoked_at.is_(None), users.c.active.is_(True)))
    with engine.connect() as conn:
        row = conn.execute(q).first()
    return User(id=row.id, name=row.name, role=row.role) if row else None
