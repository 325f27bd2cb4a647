"""The ``jointex user`` commands: add, token, list."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from tests.conftest import Result

from jointex.cli._common import default_db_url
from jointex.store import Accounts

Cli = Callable[..., Result]
PASSWORD = "correct horse battery staple"


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def _add(cli: Cli, monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    _stdin(monkeypatch, PASSWORD + "\n")
    return cli("user", "add", *args, "--password-stdin")


def test_add_from_stdin_and_list(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """`user add --password-stdin` creates the user; `user list --json` shows it and its cells."""
    result = _add(
        cli, monkeypatch, "li.wei", "--nation", "twn", "--clearance", "S",
        "--cell", "strait:blue-twn", "--cell", "*:white:white",
    )  # fmt: skip
    assert result.code == 0, result.stderr
    assert "created user li.wei" in result.stdout
    listed = cli("user", "list", "--json")
    assert listed.code == 0
    (user,) = listed.json()
    assert (user["username"], user["nation"], user["clearance"]) == ("li.wei", "TWN", "SECRET")
    assert user["memberships"] == [
        {"exercise_id": "*", "cell": "white", "role": "white"},
        {"exercise_id": "strait", "cell": "blue-twn", "role": "cell"},
    ]
    assert "password" not in listed.stdout


def test_password_works_after_add(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """The password given on stdin is the one the account accepts."""
    assert _add(cli, monkeypatch, "li.wei", "--nation", "TWN", "--clearance", "SECRET").code == 0
    with Accounts.open(default_db_url()) as accounts:
        assert accounts.verify_password("li.wei", PASSWORD) is not None
        assert accounts.verify_password("li.wei", "wrong password here") is None


def test_prompt_asks_twice(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without --password-stdin the password is asked for twice, and must match."""
    answers = iter([PASSWORD, "something else entirely", PASSWORD, PASSWORD])
    asked: list[str] = []

    def fake_getpass(prompt: str = "") -> str:
        asked.append(prompt)
        return next(answers)

    monkeypatch.setattr("getpass.getpass", fake_getpass)
    result = cli("user", "add", "li.wei", "--nation", "TWN", "--clearance", "SECRET", "--admin")
    assert result.code == 0, result.stderr
    assert len(asked) == 4
    assert "admin" in result.stdout


@pytest.mark.parametrize("password", ["", "short", "password12345"])
def test_weak_password_refused(cli: Cli, monkeypatch: pytest.MonkeyPatch, password: str) -> None:
    """An empty or weak password is refused in one line, exit 1, and no user is created."""
    _stdin(monkeypatch, password + "\n")
    result = cli("user", "add", "bob", "--nation", "USA", "--clearance", "S", "--password-stdin")
    assert result.code == 1
    assert result.stderr.startswith("jointex: error: ")
    assert result.stderr.count("\n") == 1
    assert cli("user", "list", "--json").json() == []


def test_bad_cell_is_usage_error(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """A --cell that is not EXERCISE:CELL[:ROLE] is a usage error (exit 2)."""
    result = _add(cli, monkeypatch, "bob", "--nation", "USA", "--clearance", "S", "--cell", "x")
    assert result.code == 2
    assert "EXERCISE:CELL" in result.stderr
    result = _add(
        cli, monkeypatch, "bob", "--nation", "USA", "--clearance", "S", "--cell", "x:y:king"
    )
    assert result.code == 2
    assert "unknown role" in result.stderr


def test_duplicate_user_and_bad_nation(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """A taken username or an unknown nation is one error line, exit 1."""
    assert _add(cli, monkeypatch, "bob", "--nation", "USA", "--clearance", "S").code == 0
    again = _add(cli, monkeypatch, "bob", "--nation", "USA", "--clearance", "S")
    assert again.code == 1
    assert "already exists" in again.stderr
    bad = _add(cli, monkeypatch, "eve", "--nation", "XXX", "--clearance", "S")
    assert bad.code == 1
    assert "Traceback" not in bad.stderr


def test_token_printed_once(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """`user token` prints the token alone on stdout; it authenticates; names are unique."""
    assert _add(cli, monkeypatch, "li.wei", "--nation", "TWN", "--clearance", "S").code == 0
    result = cli("user", "token", "li.wei", "--name", "misp-sync")
    assert result.code == 0
    token = result.stdout.strip()
    assert len(token) == 43
    assert "shown once" in result.stderr
    with Accounts.open(default_db_url()) as accounts:
        user = accounts.user_for_token(token)
        assert user is not None
        assert user.username == "li.wei"
    again = cli("user", "token", "li.wei", "--name", "misp-sync")
    assert again.code == 1
    assert token not in cli("user", "list", "--json").stdout
    assert cli("user", "token", "nobody", "--name", "x").code == 1


def test_token_json(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """`user token --json` prints the user, name and token."""
    assert _add(cli, monkeypatch, "li.wei", "--nation", "TWN", "--clearance", "S").code == 0
    data = cli("user", "token", "li.wei", "--name", "feed", "--json").json()
    assert (data["username"], data["name"], len(data["token"])) == ("li.wei", "feed", 43)


def test_list_table_and_empty(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """`user list` says when there are no users and shows a table when there are."""
    assert "no users" in cli("user", "list").stdout
    assert _add(cli, monkeypatch, "li.wei", "--nation", "TWN", "--clearance", "S").code == 0
    table = cli("user", "list")
    assert table.code == 0
    assert "li.wei" in table.stdout
    assert "TWN" in table.stdout


def test_help_has_examples(cli: Cli) -> None:
    """Every user command's --help shows an example."""
    for command in ("add", "token", "list"):
        result = cli("user", command, "--help")
        assert result.code == 0
        assert "Example: jointex user" in result.stdout
