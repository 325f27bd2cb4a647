"""`Accounts`: users, their memberships in exercise cells, and API tokens.

Passwords are kept as argon2id hashes (argon2-cffi's `PasswordHasher`); checking a password for
an unknown user still computes one hash, so response time does not say which usernames exist.
API tokens are 32 random bytes, URL-safe, shown once; only their SHA-256 is stored (a
full-entropy secret needs no slow hash, and a database leak does not leak usable tokens).
Sign-in sessions (revision 0003) are kept the same way: the cookie holds 32 random bytes, the
table their SHA-256, the session's CSRF token and its expiry.
The tables live in the event store's database (revision 0002). Example:

>>> from jointex.store import Accounts, EventStore
>>> store = EventStore.open(tmp / "jointex.db")  # doctest: +SKIP
>>> accounts = Accounts(store.engine)  # doctest: +SKIP
>>> accounts.add_user("li.wei", "correct horse battery", "TWN", "SECRET")  # doctest: +SKIP
>>> accounts.verify_password("li.wei", "correct horse battery").nation  # doctest: +SKIP
'TWN'
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.engine import Connection, Engine

from jointex._errors import AccountError, MarkingError, StoreError
from jointex.markings import Reader
from jointex.store._schema import ROLES, api_tokens, users
from jointex.store._schema import memberships as _memberships
from jointex.store._schema import sessions as _sessions

if TYPE_CHECKING:
    from jointex.store._log import EventStore

__all__ = [
    "ANY_EXERCISE",
    "ROLES",
    "Accounts",
    "LoginSession",
    "Membership",
    "User",
    "check_password",
]

# A membership with this exercise id applies to every exercise.
ANY_EXERCISE = "*"
MIN_PASSWORD_LENGTH = 12
# Tokens longer than this are not ours; refuse them before hashing.
MAX_TOKEN_LENGTH = 200
_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
_NAME = re.compile(r"[^\x00-\x1f\x7f]{1,200}")
_CELL = re.compile(r"[A-Za-z0-9*][A-Za-z0-9._-]{0,99}")
_EXERCISE = re.compile(r"[A-Za-z0-9*][A-Za-z0-9._-]{0,199}")
_WRITE = "jointex_write"  # the execution option that makes SQLite BEGIN IMMEDIATE (see _log)
_COMMON = frozenset(
    {
        "password",
        "passw0rd",
        "letmein",
        "qwerty",
        "qwertyuiop",
        "123456789",
        "1234567890",
        "abcdefghijkl",
        "iloveyou",
        "changeme",
        "welcome",
        "administrator",
    }
)


@dataclass(frozen=True, slots=True)
class User:
    """A JointEx account.

    Attributes:
        username: the login name.
        nation: ISO 3166-1 alpha-3 code of the user's nation.
        clearance: the classification level the user is cleared to (a level name).
        is_admin: may administer the server (accounts, exercises); does not bypass markings.
        created: when the account was created, UTC.
    """

    username: str
    nation: str
    clearance: str
    is_admin: bool
    created: datetime

    @property
    def reader(self) -> Reader:
        """The user as a `Reader` for `jointex.markings.can_read`."""
        return Reader(self.nation, self.clearance)


@dataclass(frozen=True, slots=True, order=True)
class Membership:
    """A user's place in an exercise.

    Attributes:
        username: the member.
        exercise_id: the exercise, or ``*`` for every exercise.
        cell: the cell id within the exercise, e.g. ``blue-twn``.
        role: ``white`` (control), ``cell`` (a playing cell), ``observer`` or ``admin``.
    """

    username: str
    exercise_id: str
    cell: str
    role: str

    def applies_to(self, exercise_id: str) -> bool:
        """Whether the membership holds in ``exercise_id``."""
        return self.exercise_id in (exercise_id, ANY_EXERCISE)


@dataclass(frozen=True, slots=True)
class LoginSession:
    """A signed-in browser session.

    Attributes:
        username: whose session it is.
        csrf: the token every state-changing request made with the session cookie must carry.
        created: when the user signed in, UTC.
        expires: when the session stops being valid, UTC.
    """

    username: str
    csrf: str
    created: datetime
    expires: datetime


def check_password(password: str, username: str = "") -> None:
    """Refuse an empty or weak password.

    The rule: at least 12 characters, at least 5 different characters, not a well-known
    password, and not containing the username.

    Args:
        password: the candidate password.
        username: the account's name (a password containing it is refused).

    Raises:
        AccountError: the password is too weak; the message says why.
    """
    if not password:
        raise AccountError("the password is empty")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if len(set(password)) < 5:
        raise AccountError("the password must have at least 5 different characters")
    lowered = password.lower()
    if lowered in _COMMON or any(lowered.startswith(word) for word in ("password", "qwerty")):
        raise AccountError("the password is a well-known one")
    if username and username.lower() in lowered:
        raise AccountError("the password must not contain the username")


def _membership_row(username: str, exercise_id: str, cell: str, role: str) -> dict[str, str]:
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    if not _EXERCISE.fullmatch(exercise_id):
        raise AccountError(f"invalid exercise id {exercise_id!r}")
    if not _CELL.fullmatch(cell):
        raise AccountError(f"invalid cell id {cell!r}")
    return {"username": username, "exercise_id": exercise_id, "cell": cell, "role": role}


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _one_line(exc: BaseException) -> str:
    original = getattr(exc, "orig", None) or exc
    lines = str(original).strip().splitlines()
    return lines[0] if lines else type(original).__name__


_USER_COLUMNS = (
    users.c.username,
    users.c.nation,
    users.c.clearance,
    users.c.is_admin,
    users.c.created,
)


def _user(row: Any) -> User:
    return User(row.username, row.nation, row.clearance, bool(row.is_admin), row.created)


class Accounts:
    """Users, memberships and API tokens in the store's database.

    Safe to share between threads (each call checks a connection out of the engine's pool).

    Args:
        engine: an engine whose database is migrated to revision 0002 or later, e.g.
            `EventStore.engine` (use `Accounts.open` to open and migrate by URL).
        hasher: the argon2 hasher (default: argon2-cffi's recommended parameters).
    """

    def __init__(self, engine: Engine, hasher: PasswordHasher | None = None) -> None:
        """Use ``engine``'s database for accounts."""
        self._engine = engine
        self._writer = engine.execution_options(**{_WRITE: True})
        self._hasher = hasher or PasswordHasher()
        # Verified against when the username is unknown, so that path costs one hash too. Made on
        # the first password check (whoever it is for), so opening accounts costs no hash.
        self._dummy_hash: str | None = None
        self._owned_by: EventStore | None = None

    @classmethod
    def open(cls, url: str, hasher: PasswordHasher | None = None) -> Accounts:
        """Open (creating and migrating as needed) the accounts in the database at ``url``.

        Args:
            url: the store URL (``sqlite:///...``, a file path, or ``postgresql://...``).
            hasher: the argon2 hasher (default: argon2-cffi's recommended parameters).

        Returns:
            Accounts that own the engine: `close` disposes it.

        Raises:
            StoreError: the database cannot be opened or migrated.
        """
        from jointex.store._log import EventStore  # noqa: PLC0415  (a cycle at import time)

        store = EventStore.open(url)
        accounts = cls(store.engine, hasher)
        accounts._owned_by = store
        return accounts

    def close(self) -> None:
        """Dispose the engine if `Accounts.open` created it."""
        if self._owned_by is not None:
            self._owned_by.close()
            self._owned_by = None

    def __enter__(self) -> Accounts:
        """Use the accounts in a ``with`` block that closes them."""
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Close the accounts."""
        self.close()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        try:
            with self._writer.begin() as conn:
                yield conn
        except sa.exc.SQLAlchemyError as exc:
            raise StoreError(f"cannot write accounts: {_one_line(exc)}") from exc

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        try:
            with self._engine.connect() as conn:
                yield conn
        except sa.exc.SQLAlchemyError as exc:
            raise StoreError(f"cannot read accounts: {_one_line(exc)}") from exc

    # -- users --------------------------------------------------------------------------------

    def add_user(
        self,
        username: str,
        password: str,
        nation: str,
        clearance: str,
        *,
        is_admin: bool = False,
        memberships: Sequence[tuple[str, str, str]] = (),
    ) -> User:
        """Create an account.

        Args:
            username: 1-64 characters: letters, digits, ``.``, ``_``, ``@``, ``-``, starting
                with a letter or digit.
            password: checked by `check_password`.
            nation: ISO 3166-1 alpha-3 code, any case (stored upper-case).
            clearance: a classification level name or abbreviation (stored as the name).
            is_admin: may administer the server.
            memberships: ``(exercise_id, cell, role)`` memberships created with the user, in
                the same transaction (see `add_membership`).

        Returns:
            The new user.

        Raises:
            AccountError: a malformed username, a weak password, an unknown nation or
                clearance, a username already taken, or an invalid membership.
            StoreError: the database refused the write.
        """
        if not _USERNAME.fullmatch(username):
            raise AccountError(
                f"invalid username {username!r}: use 1-64 letters, digits, '.', '_', '@', '-'"
            )
        check_password(password, username)
        try:
            reader = Reader(nation, clearance)
        except MarkingError as exc:
            raise AccountError(str(exc)) from exc
        # One row per (exercise, cell): a repeated membership keeps its last role.
        rows = list({(m[0], m[1]): _membership_row(username, *m) for m in memberships}.values())
        user = User(username, reader.nation, reader.clearance, is_admin, datetime.now(UTC))
        password_hash = self._hasher.hash(password)
        with self._write() as conn:
            existing = sa.select(users.c.username).where(users.c.username == username)
            if conn.execute(existing).first():
                raise AccountError(f"user {username!r} already exists")
            conn.execute(
                users.insert().values(
                    username=user.username,
                    password_hash=password_hash,
                    nation=user.nation,
                    clearance=user.clearance,
                    is_admin=user.is_admin,
                    created=user.created,
                )
            )
            if rows:
                conn.execute(_memberships.insert(), rows)
        return user

    def user(self, username: str) -> User | None:
        """The user named ``username``, or None.

        Raises:
            StoreError: the database cannot be read.
        """
        with self._read() as conn:
            row = conn.execute(
                sa.select(*_USER_COLUMNS).where(users.c.username == username)
            ).first()
        return None if row is None else _user(row)

    def users(self) -> list[User]:
        """Every user, by username.

        Raises:
            StoreError: the database cannot be read.
        """
        with self._read() as conn:
            rows = conn.execute(sa.select(*_USER_COLUMNS).order_by(users.c.username)).all()
        return [_user(row) for row in rows]

    def verify_password(self, username: str, password: str) -> User | None:
        """The user if ``password`` is theirs, else None (also for an unknown user).

        Takes the time of one argon2 verification whatever the outcome; a hash made with older
        parameters is upgraded on a successful check.

        Args:
            username: the login name.
            password: the password to check.

        Returns:
            The user, or None.

        Raises:
            StoreError: the database cannot be read.
        """
        with self._read() as conn:
            row = conn.execute(
                sa.select(*_USER_COLUMNS, users.c.password_hash).where(users.c.username == username)
            ).first()
        if self._dummy_hash is None:
            self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))
        stored = self._dummy_hash if row is None else row.password_hash
        try:
            self._hasher.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if row is None:  # only reachable if someone guessed the random dummy password
            return None
        if self._hasher.check_needs_rehash(stored):
            with self._write() as conn:
                conn.execute(
                    users.update()
                    .where(users.c.username == username)
                    .values(password_hash=self._hasher.hash(password))
                )
        return _user(row)

    def set_password(self, username: str, password: str) -> None:
        """Replace a user's password.

        Raises:
            AccountError: unknown user or weak password.
            StoreError: the database refused the write.
        """
        check_password(password, username)
        password_hash = self._hasher.hash(password)
        with self._write() as conn:
            changed = conn.execute(
                users.update()
                .where(users.c.username == username)
                .values(password_hash=password_hash)
            ).rowcount
        if not changed:
            raise AccountError(f"no user {username!r}")

    # -- memberships --------------------------------------------------------------------------

    def add_membership(self, username: str, exercise_id: str, cell: str, role: str) -> Membership:
        """Make ``username`` a member of ``cell`` in ``exercise_id``, replacing an existing role.

        Args:
            username: an existing user.
            exercise_id: the exercise's id, or ``*`` for every exercise.
            cell: the cell's id.
            role: one of `ROLES`.

        Returns:
            The membership.

        Raises:
            AccountError: unknown user or role, or a malformed exercise or cell id.
            StoreError: the database refused the write.
        """
        row = _membership_row(username, exercise_id, cell, role)
        key = (
            (_memberships.c.username == username)
            & (_memberships.c.exercise_id == exercise_id)
            & (_memberships.c.cell == cell)
        )
        with self._write() as conn:
            self._require_user(conn, username)
            conn.execute(_memberships.delete().where(key))
            conn.execute(_memberships.insert(), [row])
        return Membership(**row)

    def memberships(self, username: str) -> list[Membership]:
        """Every membership of ``username``, sorted (none for an unknown user).

        Raises:
            StoreError: the database cannot be read.
        """
        query = sa.select(
            _memberships.c.username,
            _memberships.c.exercise_id,
            _memberships.c.cell,
            _memberships.c.role,
        ).where(_memberships.c.username == username)
        with self._read() as conn:
            rows = conn.execute(query).all()
        return sorted(Membership(*row) for row in rows)

    # -- tokens -------------------------------------------------------------------------------

    def create_token(self, username: str, name: str) -> str:
        """Create an API token for ``username``; the only time the token is available.

        Args:
            username: an existing user.
            name: what the token is for, e.g. ``misp-sync``; unique per user.

        Returns:
            The token (43 URL-safe characters). Only its SHA-256 is stored.

        Raises:
            AccountError: unknown user, an empty name, or a name the user already has.
            StoreError: the database refused the write.
        """
        if not _NAME.fullmatch(name):
            raise AccountError("a token name must be 1-200 printable characters")
        token = secrets.token_urlsafe(32)
        with self._write() as conn:
            self._require_user(conn, username)
            taken = conn.execute(
                sa.select(api_tokens.c.name).where(
                    (api_tokens.c.username == username) & (api_tokens.c.name == name)
                )
            ).first()
            if taken:
                raise AccountError(f"user {username!r} already has a token named {name!r}")
            conn.execute(
                api_tokens.insert().values(
                    token_hash=_token_hash(token),
                    username=username,
                    name=name,
                    created=datetime.now(UTC),
                )
            )
        return token

    def revoke_token(self, username: str, name: str) -> bool:
        """Delete ``username``'s token called ``name``; whether there was one.

        Raises:
            StoreError: the database refused the write.
        """
        with self._write() as conn:
            deleted = conn.execute(
                api_tokens.delete().where(
                    (api_tokens.c.username == username) & (api_tokens.c.name == name)
                )
            ).rowcount
        return bool(deleted)

    def tokens(self, username: str) -> list[tuple[str, datetime]]:
        """The names and creation times of ``username``'s tokens (never the tokens).

        Raises:
            StoreError: the database cannot be read.
        """
        query = (
            sa.select(api_tokens.c.name, api_tokens.c.created)
            .where(api_tokens.c.username == username)
            .order_by(api_tokens.c.name)
        )
        with self._read() as conn:
            return [(name, created) for name, created in conn.execute(query)]

    def user_for_token(self, token: str) -> User | None:
        """The user an API token belongs to, or None for an unknown or revoked token.

        Raises:
            StoreError: the database cannot be read.
        """
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return None
        query = (
            sa.select(*_USER_COLUMNS)
            .select_from(api_tokens.join(users, api_tokens.c.username == users.c.username))
            .where(api_tokens.c.token_hash == _token_hash(token))
        )
        with self._read() as conn:
            row = conn.execute(query).first()
        return None if row is None else _user(row)

    # -- sessions -----------------------------------------------------------------------------

    def create_session(
        self, username: str, lifetime: timedelta, now: datetime | None = None
    ) -> tuple[str, LoginSession]:
        """Sign ``username`` in: a new session and its CSRF token.

        Args:
            username: an existing user.
            lifetime: how long the session is valid.
            now: the time it starts (default: now, UTC).

        Returns:
            The session id for the cookie (shown once: only its SHA-256 is stored), and the
            session.

        Raises:
            AccountError: unknown user.
            StoreError: the database refused the write.
        """
        start = (now or datetime.now(UTC)).astimezone(UTC)
        session_id = secrets.token_urlsafe(32)
        session = LoginSession(username, secrets.token_urlsafe(32), start, start + lifetime)
        with self._write() as conn:
            self._require_user(conn, username)
            conn.execute(
                _sessions.insert().values(
                    id=_token_hash(session_id),
                    username=username,
                    csrf=session.csrf,
                    created=session.created,
                    expires=session.expires,
                )
            )
        return session_id, session

    def session(self, session_id: str, now: datetime | None = None) -> LoginSession | None:
        """The valid session with this id, or None (unknown, signed out or expired).

        Args:
            session_id: the cookie's value.
            now: the time to check expiry against (default: now, UTC).

        Raises:
            StoreError: the database cannot be read.
        """
        if not session_id or len(session_id) > MAX_TOKEN_LENGTH:
            return None
        query = sa.select(
            _sessions.c.username, _sessions.c.csrf, _sessions.c.created, _sessions.c.expires
        ).where(_sessions.c.id == _token_hash(session_id))
        with self._read() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        found = LoginSession(row.username, row.csrf, row.created, row.expires)
        if found.expires <= (now or datetime.now(UTC)):
            return None
        return found

    def end_session(self, session_id: str) -> bool:
        """Sign a session out; whether there was one.

        Raises:
            StoreError: the database refused the write.
        """
        if not session_id or len(session_id) > MAX_TOKEN_LENGTH:
            return False
        with self._write() as conn:
            deleted = conn.execute(
                _sessions.delete().where(_sessions.c.id == _token_hash(session_id))
            ).rowcount
        return bool(deleted)

    def purge_sessions(self, now: datetime | None = None) -> int:
        """Delete expired sessions; how many.

        Raises:
            StoreError: the database refused the write.
        """
        moment = now or datetime.now(UTC)
        with self._write() as conn:
            return int(
                conn.execute(_sessions.delete().where(_sessions.c.expires <= moment)).rowcount
            )

    @staticmethod
    def _require_user(conn: Connection, username: str) -> None:
        found = conn.execute(sa.select(users.c.username).where(users.c.username == username))
        if found.first() is None:
            raise AccountError(f"no user {username!r}")
