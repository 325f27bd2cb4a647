"""Accounts: users with argon2 passwords, cell memberships and API tokens (SQLite, PostgreSQL)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any, Literal

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from jointex import AccountError
from jointex.markings import Reader
from jointex.store import Accounts, EventStore, Membership, check_password

PASSWORD = "correct horse battery staple"


class CountingHasher(PasswordHasher):
    """A cheap argon2 hasher that counts verifications."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**{"time_cost": 1, "memory_cost": 1024, "parallelism": 1, **kwargs})
        self.verifications = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        """Count, then verify."""
        self.verifications += 1
        return super().verify(hash, password)


@pytest.fixture
def accounts(store_url: str) -> Iterator[Accounts]:
    """Accounts in an empty store on each backend, with a cheap counting hasher."""
    with Accounts.open(store_url, hasher=CountingHasher()) as opened:
        yield opened


def _column(accounts: Accounts, query: str) -> list[Any]:
    assert accounts._owned_by is not None
    with accounts._owned_by.engine.connect() as conn:
        return list(conn.execute(sa.text(query)).scalars())


def test_password_round_trip(accounts: Accounts) -> None:
    """The right password returns the user; a wrong one returns None."""
    created = accounts.add_user("li.wei", PASSWORD, "twn", "s")
    user = accounts.verify_password("li.wei", PASSWORD)
    assert user == created
    assert (user.nation, user.clearance, user.is_admin) == ("TWN", "SECRET", False)
    assert accounts.verify_password("li.wei", PASSWORD + "!") is None
    assert accounts.verify_password("LI.WEI", PASSWORD) is None


def test_unknown_user_still_hashes(accounts: Accounts) -> None:
    """Checking a password for an unknown user costs one argon2 verification too."""
    hasher = accounts._hasher
    assert isinstance(hasher, CountingHasher)
    before = hasher.verifications
    assert accounts.verify_password("nobody", PASSWORD) is None
    assert hasher.verifications == before + 1


def test_only_an_argon2_hash_is_stored(accounts: Accounts) -> None:
    """The stored password is an argon2id hash, never the password."""
    accounts.add_user("li.wei", PASSWORD, "TWN", "SECRET")
    (stored,) = _column(accounts, "SELECT password_hash FROM users")
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_hash_is_upgraded_on_login(store_url: str) -> None:
    """A hash made with older parameters is replaced after a successful login."""
    with Accounts.open(store_url, hasher=CountingHasher()) as old:
        old.add_user("li.wei", PASSWORD, "TWN", "SECRET")
        (before,) = _column(old, "SELECT password_hash FROM users")
    with Accounts.open(store_url, hasher=CountingHasher(time_cost=2)) as new:
        assert new.verify_password("li.wei", PASSWORD) is not None
        (after,) = _column(new, "SELECT password_hash FROM users")
        assert after != before
        assert "t=2" in after
        assert new.verify_password("li.wei", PASSWORD) is not None


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("", "empty"),
        ("short", "at least 12"),
        ("aaaaaaaaaaaaaaaa", "different"),
        ("password12345", "well-known"),
        ("li.wei-is-my-name", "username"),
    ],
)
def test_weak_passwords_are_refused(accounts: Accounts, password: str, reason: str) -> None:
    """Empty, short, repetitive, well-known passwords and ones with the username are refused."""
    with pytest.raises(AccountError, match=reason):
        accounts.add_user("li.wei", password, "TWN", "SECRET")
    assert accounts.users() == []


def test_check_password_accepts_a_passphrase() -> None:
    """A long passphrase passes the password rule."""
    check_password(PASSWORD, "li.wei")


def test_invalid_users_are_refused(accounts: Accounts) -> None:
    """Duplicate usernames, bad names, unknown nations and clearances are AccountErrors."""
    accounts.add_user("li.wei", PASSWORD, "TWN", "SECRET")
    with pytest.raises(AccountError, match="already exists"):
        accounts.add_user("li.wei", PASSWORD, "TWN", "SECRET")
    with pytest.raises(AccountError, match="invalid username"):
        accounts.add_user("li wei", PASSWORD, "TWN", "SECRET")
    with pytest.raises(AccountError):
        accounts.add_user("bob", PASSWORD, "XXX", "SECRET")
    with pytest.raises(AccountError):
        accounts.add_user("bob", PASSWORD, "USA", "ULTRA")
    assert [u.username for u in accounts.users()] == ["li.wei"]


def test_user_as_reader(accounts: Accounts) -> None:
    """A user reads as a Reader of their nation and clearance."""
    user = accounts.add_user("jane", PASSWORD, "USA", "TOP SECRET", is_admin=True)
    assert user.reader == Reader("USA", "TOP SECRET")
    assert accounts.user("jane") == user
    assert accounts.user("nobody") is None


def test_tokens(accounts: Accounts) -> None:
    """A token is shown once, stored as its SHA-256, and maps back to its user."""
    accounts.add_user("li.wei", PASSWORD, "TWN", "SECRET")
    token = accounts.create_token("li.wei", "misp-sync")
    assert len(token) == 43
    user = accounts.user_for_token(token)
    assert user is not None
    assert user.username == "li.wei"
    stored = _column(accounts, "SELECT token_hash FROM api_tokens")
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]
    assert accounts.user_for_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert accounts.user_for_token("") is None
    assert [name for name, _ in accounts.tokens("li.wei")] == ["misp-sync"]


def test_token_names_and_revocation(accounts: Accounts) -> None:
    """Token names are unique per user; a revoked token stops working."""
    accounts.add_user("li.wei", PASSWORD, "TWN", "SECRET")
    token = accounts.create_token("li.wei", "feed")
    with pytest.raises(AccountError, match="already has a token"):
        accounts.create_token("li.wei", "feed")
    with pytest.raises(AccountError, match="no user"):
        accounts.create_token("nobody", "feed")
    assert accounts.revoke_token("li.wei", "feed")
    assert accounts.user_for_token(token) is None
    assert not accounts.revoke_token("li.wei", "feed")


def test_memberships(accounts: Accounts) -> None:
    """Memberships are listed sorted; adding one again replaces its role."""
    accounts.add_user(
        "li.wei", PASSWORD, "TWN", "SECRET", memberships=[("strait", "blue-twn", "cell")]
    )
    accounts.add_membership("li.wei", "*", "white", "white")
    accounts.add_membership("li.wei", "strait", "blue-twn", "observer")
    assert accounts.memberships("li.wei") == [
        Membership("li.wei", "*", "white", "white"),
        Membership("li.wei", "strait", "blue-twn", "observer"),
    ]
    assert accounts.memberships("li.wei")[0].applies_to("any-exercise")
    assert not accounts.memberships("li.wei")[1].applies_to("other")
    assert accounts.memberships("nobody") == []


def test_invalid_memberships(accounts: Accounts) -> None:
    """Unknown roles and users are refused; a bad membership creates no user."""
    accounts.add_user("li.wei", PASSWORD, "TWN", "SECRET")
    with pytest.raises(AccountError, match="unknown role"):
        accounts.add_membership("li.wei", "strait", "blue-twn", "king")
    with pytest.raises(AccountError, match="no user"):
        accounts.add_membership("nobody", "strait", "blue-twn", "cell")
    with pytest.raises(AccountError, match="invalid cell"):
        accounts.add_user("bob", PASSWORD, "USA", "SECRET", memberships=[("strait", "a b", "cell")])
    assert accounts.user("bob") is None


def test_accounts_share_the_event_store(store_url: str) -> None:
    """Accounts work on an EventStore's engine, next to the event log."""
    with EventStore.open(store_url) as store:
        accounts = Accounts(store.engine, hasher=CountingHasher())
        accounts.add_user("li.wei", PASSWORD, "TWN", "SECRET")
        assert accounts.verify_password("li.wei", PASSWORD) is not None
        assert store.last_position() == 0
