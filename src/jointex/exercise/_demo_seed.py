"""The demo exercise: one grey-zone-surge exercise with a login per cell and content on every page.

`seed_demo` creates (or, on a database seeded before, reuses) the exercise ``demo-grey-zone-surge``
named ``Demo: grey-zone surge``, one account per cell (``white``, ``twn``, ``usa``, ``red``,
``observer``) with a strong random password and a membership in its cell, plays a few moves
with the cell bots, and then, as those users, publishes intelligence of both nations with mixed
markings (a US tearline released to Taiwan from a report with a NOFORN portion included, an
unclassified report every cell reads, a red-only note), submits two adjudicated actions (control
accepts one and overrides the other with a rationale), asks RFIs (one answered), acknowledges an
inject, reads the tearline and records an observation.

Every step is idempotent, so a second run (or a run after one that was interrupted) finishes the
job without duplicating anything: the exercise has a fixed id; each command is sent with a fixed
command id (``<exercise>/demo/<step>``), which the service answers with the events it recorded
the first time; the bots play only until the clock reaches the requested move.

Passwords are stored as argon2 hashes, so the generated ones are also kept in a small JSON file
(mode 0600) for the demo to show them again: next to a SQLite database
(``jointex.db`` -> ``jointex.db.demo-logins.json``), or for another database in the user's data
directory (`logins_path`). A user of that name who does not hold the demo's seat is never
touched; a demo user whose password is lost (file deleted) or changed gets a new one.

Nothing here prints; ``jointex demo`` renders the result and serves the exercise.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from jointex._errors import AccountError, JointExError
from jointex.exercise._commands import (
    Acknowledge,
    Actor,
    AnswerRfi,
    Command,
    Decide,
    PublishIntel,
    ReadIntel,
    RecordObservation,
    ReleaseIntel,
    SubmitAction,
    SubmitRfi,
)
from jointex.exercise._service import ExerciseService
from jointex.intel import reader_for, visible_injects
from jointex.scenario import Scenario, resolve
from jointex.store import Accounts, Event, check_password
from jointex.store._url import display_url, parse_store_url

__all__ = [
    "DEMO_EXERCISE_ID",
    "DEMO_NAME",
    "DEMO_SCENARIO",
    "DEMO_SEED",
    "DEMO_USERS",
    "DemoLogin",
    "DemoSeed",
    "DemoUser",
    "logins_path",
    "seed_demo",
]

DEMO_SCENARIO = "grey-zone-surge"
DEMO_EXERCISE_ID = "demo-grey-zone-surge"
DEMO_NAME = "Demo: grey-zone surge"
DEMO_SEED = 7
LOGINS_FORMAT = "jointex-demo-logins"


@dataclass(frozen=True, slots=True)
class DemoUser:
    """One demo account: its cell, nation, clearance and membership role."""

    username: str
    cell: str
    nation: str
    clearance: str
    role: str
    is_admin: bool = False


DEMO_USERS: tuple[DemoUser, ...] = (
    # The white cell runs the game (and may create exercises on the demo server).
    DemoUser("white", "white", "USA", "TOP SECRET", "white", is_admin=True),
    DemoUser("twn", "twn", "TWN", "SECRET", "cell"),
    DemoUser("usa", "usa", "USA", "TOP SECRET", "cell"),
    DemoUser("red", "red", "CHN", "SECRET", "cell"),
    # The observers' cell has no nation (it reads only unrestricted material); the account
    # needs one, so it is the host nation's, cleared no higher than the cell reads.
    DemoUser("observer", "observers", "USA", "UNCLASSIFIED", "observer"),
)
"""The demo's accounts, one per cell of grey-zone-surge."""


@dataclass(frozen=True, slots=True)
class DemoLogin:
    """A demo account and its password, as ``jointex demo`` shows it."""

    username: str
    password: str
    cell: str
    nation: str
    role: str

    def to_json(self) -> dict[str, str]:
        """The login as JSON-ready data."""
        return {
            "username": self.username,
            "password": self.password,
            "cell": self.cell,
            "nation": self.nation,
            "role": self.role,
        }


@dataclass(frozen=True, slots=True)
class DemoSeed:
    """What `seed_demo` made or found.

    Attributes:
        exercise_id: the demo exercise.
        logins: one per demo user, in `DEMO_USERS` order.
        created: whether this call created the exercise (False: it was reused).
        logins_file: where the passwords are kept.
    """

    exercise_id: str
    logins: tuple[DemoLogin, ...]
    created: bool
    logins_file: Path


# --- the passwords file ------------------------------------------------------------------------


def logins_path(db_url: str, data_dir: Path | None = None) -> Path:
    """Where the demo keeps the generated passwords for the database at ``db_url``.

    Args:
        db_url: the store URL (or SQLite file path).
        data_dir: the directory for a non-SQLite database (default: the user's data directory).

    Returns:
        ``<database file>.demo-logins.json`` for SQLite; otherwise
        ``demo-logins-<16 hex digits of the URL's SHA-256>.json`` in ``data_dir`` (the URL is
        hashed with its password masked).
    """
    parsed = parse_store_url(db_url)
    if parsed.drivername.startswith("sqlite") and parsed.database:
        database = Path(parsed.database)
        return database.with_name(database.name + ".demo-logins.json")
    directory = data_dir or Path(platformdirs.user_data_dir("jointex", appauthor=False))
    digest = hashlib.sha256(display_url(parsed).encode("utf-8")).hexdigest()[:16]
    return directory / f"demo-logins-{digest}.json"


def _read_logins(path: Path) -> dict[str, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise JointExError(f"cannot read the demo's passwords file {path}: {exc}") from None
    try:
        data = json.loads(text)
        passwords = data["passwords"]
        if not isinstance(passwords, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in passwords.items()
        ):
            raise TypeError("passwords must map usernames to strings")
    except (ValueError, KeyError, TypeError) as exc:
        raise JointExError(
            f"the demo's passwords file {path} is damaged ({exc}); delete it and run the demo "
            "again to give the demo users new passwords"
        ) from None
    return dict(passwords)


def _write_logins(
    path: Path, database: str, exercise_id: str, passwords: Mapping[str, str]
) -> None:
    """Write the passwords file atomically, readable by its owner only (0600)."""
    document = {
        "format": LOGINS_FORMAT,
        "database": database,
        "exercise": exercise_id,
        "passwords": dict(passwords),
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=path.name + ".", dir=path.parent)  # mode 0600
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(document, handle, indent=2, sort_keys=True)
                handle.write("\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temporary, 0o600)
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
    except OSError as exc:
        raise JointExError(f"cannot write the demo's passwords file {path}: {exc}") from None


def _new_password(username: str) -> str:
    while True:
        password = secrets.token_urlsafe(15)  # 20 characters, 120 bits
        try:
            check_password(password, username)
        except AccountError:  # e.g. it happens to contain the username
            continue
        return password


# --- the accounts ------------------------------------------------------------------------------


def _ensure_user(
    accounts: Accounts, exercise_id: str, user: DemoUser, known: str
) -> tuple[str, bool]:
    """Make sure the demo user exists with its seat; return its password and whether it changed.

    Raises:
        AccountError: a user of that name exists without the demo's seat (not ours to touch).
    """
    existing = accounts.user(user.username)
    if existing is None:
        accounts.add_user(
            user.username,
            known,
            user.nation,
            user.clearance,
            is_admin=user.is_admin,
            memberships=[(exercise_id, user.cell, user.role)],
        )
        return known, False
    seat = (exercise_id, user.cell, user.role)
    if seat not in {(m.exercise_id, m.cell, m.role) for m in accounts.memberships(user.username)}:
        raise AccountError(
            f"user {user.username!r} already exists and is not the demo's (no {user.role} seat "
            f"in cell {user.cell!r} of {exercise_id}); run the demo on another database (--db)"
        )
    if accounts.verify_password(user.username, known) is not None:
        return known, False
    password = _new_password(user.username)  # lost or changed since: the demo's user gets a new one
    accounts.set_password(user.username, password)
    return password, True


# --- the exercise ------------------------------------------------------------------------------

_REL = "SECRET//REL TO USA, TWN"
_TWN_REL = "SECRET//REL TO TWN, USA"
_US_NOFORN = "//USA SECRET//NOFORN"
_TWN_NOFORN = "//TWN SECRET//NOFORN"
_CHN_NOFORN = "//CHN SECRET//NOFORN"

USA_SHARED_REPORT: Mapping[str, Any] = {
    "kind": "report",
    "title": {"marking": _REL, "content": "PLA air activity east of the median line"},
    "portions": [
        {
            "marking": _REL,
            "content": "Two groups of J-16s and a KJ-500 operated east of the median line for "
            "four hours; one group turned back 20 NM from the ADIZ boundary.",
        },
        {
            "marking": _REL,
            "content": "Assessment: a rehearsal of the surge pattern seen in Joint Sword-2024A.",
        },
    ],
    "sources": [{"name": "P-8A patrol", "reliability": "B", "credibility": 2, "marking": _REL}],
    "location": [120.2, 24.4],
}
"""A US report shared with Taiwan as a whole: every part ``SECRET//REL TO USA, TWN``."""

USA_NOFORN_REPORT: Mapping[str, Any] = {
    "kind": "report",
    "title": {"marking": _US_NOFORN, "content": "Longtian dispersal and amphibious readiness"},
    "portions": [
        {
            "marking": _US_NOFORN,
            "content": "SIGINT shows the 73rd Group Army's amphibious brigades at heightened "
            "readiness and J-16s dispersed to Longtian.",
        },
        {
            "marking": _REL,
            "content": "PLA amphibious and air units on the Fujian coast are at heightened "
            "readiness; a joint drill is likely within 72 hours.",
        },
    ],
    "sources": [
        {"name": "Overhead SIGINT", "reliability": "B", "credibility": 2, "marking": _US_NOFORN},
        {"name": "Commercial imagery", "reliability": "A", "credibility": 2, "marking": _REL},
    ],
    "location": [119.4, 25.3],
}
"""A US report with a NOFORN title, source and portion, and one portion releasable to Taiwan."""

TEARLINE_TITLE = "PLA readiness on the Fujian coast"
"""The releasable title of the tearline of `USA_NOFORN_REPORT` for Taiwan."""

TWN_SHARED_REPORT: Mapping[str, Any] = {
    "kind": "report",
    "title": {"marking": _TWN_REL, "content": "ROCAF air picture of the surge"},
    "portions": [
        {
            "marking": _TWN_REL,
            "content": "ROCAF radars tracked 23 aircraft, 14 across the median line; alert "
            "pairs answered every group of four or more.",
        },
    ],
    "sources": [{"name": "ROCAF radar", "reliability": "A", "credibility": 1, "marking": _TWN_REL}],
}
"""A Taiwanese report shared with the United States."""

TWN_NOFORN_NOTE: Mapping[str, Any] = {
    "kind": "note",
    "title": {"marking": _TWN_NOFORN, "content": "Alert force availability"},
    "portions": [
        {
            "marking": _TWN_NOFORN,
            "content": "Hsinchu wing down to three serviceable alert pairs until D+2; keep "
            "Chiashan in reserve.",
        },
    ],
}
"""A Taiwan-only note."""


TWN_PUBLIC_REPORT: Mapping[str, Any] = {
    "kind": "report",
    "title": {"marking": "UNCLASSIFIED", "content": "MND daily report: PLA activity"},
    "portions": [
        {
            "marking": "UNCLASSIFIED",
            "content": "14 PLA aircraft and 6 vessels detected around Taiwan in the 24 hours to "
            "06:00; 9 aircraft crossed the median line.",
        },
    ],
    "sources": [
        {"name": "MND press release", "reliability": "A", "credibility": 1, "marking": "U"}
    ],
}
"""Taiwan's public daily report: unclassified, so every cell (observers too) reads it."""

RED_NOTE: Mapping[str, Any] = {
    "kind": "note",
    "title": {"marking": _CHN_NOFORN, "content": "Eastern Theater Command: drill preparations"},
    "portions": [
        {
            "marking": _CHN_NOFORN,
            "content": "Keep the surge below the threshold of a named drill until the "
            "reservist decision in Taipei is known.",
        },
    ],
}
"""The red cell's own note: nobody else reads it (control neither: it reads as USA)."""


def _products(events: Sequence[Event]) -> list[str]:
    return [
        e.data["product"]["id"] for e in events if e.type in ("IntelPublished", "IntelReleased")
    ]


def _adjudication(events: Sequence[Event]) -> str:
    for event in events:
        if event.type == "AdjudicationOpened":
            return str(event.data["adjudication_id"])
    raise JointExError("the demo's action opened no adjudication")  # pragma: no cover


def _rfi(events: Sequence[Event]) -> str:
    for event in events:
        if event.type == "RfiSubmitted":
            return str(event.data["rfi_id"])
    raise JointExError("the demo's RFI was not recorded")  # pragma: no cover


class _Demo:
    """Sends the demo's commands, each with a fixed command id (idempotent)."""

    def __init__(self, service: ExerciseService, exercise_id: str) -> None:
        self.service = service
        self.exercise_id = exercise_id

    def send(self, step: str, command: Command, user: DemoUser) -> list[Event]:
        actor = Actor(user.username, user.cell)
        return self.service.handle(
            self.exercise_id, command, actor, f"{self.exercise_id}/demo/{step}"
        )


def _user(username: str) -> DemoUser:
    return next(u for u in DEMO_USERS if u.username == username)


def _play(service: ExerciseService, exercise_id: str, scenario: Scenario, moves: int) -> None:
    """Let the cell bots play until the clock reaches ``moves`` moves after the start.

    The control cell's bot does not play, so adjudications stay open for the white user.
    """
    state = service.state(exercise_id)
    target = min(state.start_minute + moves * scenario.move_minutes, scenario.duration)
    remaining = -(-(target - state.minute) // scenario.move_minutes)  # ceiling
    if state.status == "draft" or remaining > 0:
        cells = [c.id for c in scenario.cells if c.role != "control"]
        service.run_bots(exercise_id, until_end=False, moves=max(remaining, 0), cells=cells)


def _content(service: ExerciseService, exercise_id: str) -> None:
    """Intelligence, actions, adjudications, RFIs, reads and an observation, as the demo users."""
    demo = _Demo(service, exercise_id)
    white, twn, usa, red, observer = (_user(n) for n in ("white", "twn", "usa", "red", "observer"))

    # Intelligence of both nations with mixed markings.
    demo.send("intel/usa-shared", PublishIntel(USA_SHARED_REPORT), usa)
    (original,) = _products(demo.send("intel/usa-noforn", PublishIntel(USA_NOFORN_REPORT), usa))
    release = ReleaseIntel(original, ("TWN",), title=TEARLINE_TITLE, title_marking=_REL)
    (tearline,) = _products(demo.send("intel/usa-tearline", release, usa))
    demo.send("intel/twn-shared", PublishIntel(TWN_SHARED_REPORT), twn)
    demo.send("intel/twn-noforn", PublishIntel(TWN_NOFORN_NOTE), twn)
    demo.send("intel/twn-public", PublishIntel(TWN_PUBLIC_REPORT), twn)
    demo.send("intel/red-noforn", PublishIntel(RED_NOTE), red)
    demo.send("intel/twn-reads-tearline", ReadIntel(tearline), twn)

    # Two adjudicated actions: control accepts one and overrides the other.
    scramble = SubmitAction(
        "scramble-alert", text="Scramble alert pairs against the group east of the median line."
    )
    accepted = _adjudication(demo.send("action/twn-scramble", scramble, twn))
    isr = SubmitAction("request-isr", text="Task a P-8A orbit east of Taiwan.")
    overridden = _adjudication(demo.send("action/usa-isr", isr, usa))
    demo.send("decide/accept", Decide(accepted, "accepted"), white)
    sample = service.state(exercise_id).adjudications[overridden].opened.sample
    outcome = dict(sample) if isinstance(sample, Mapping) else {"sample": sample}
    outcome["summary"] = "White cell ruling: the P-8A, cued by ROCAF radar, detects the group."
    rationale = (
        "The model searches blind; the ROCAF air picture shared at this time cues the orbit, "
        "so a detection is the more plausible outcome."
    )
    demo.send("decide/override", Decide(overridden, "overridden", outcome, rationale), white)

    # An answered RFI and an open one; an acknowledged inject; an observation.
    question = SubmitRfi(
        "Has the US seen PLA amphibious units leave garrison in Fujian?", marking=_REL
    )
    rfi = _rfi(demo.send("rfi/twn", question, twn))
    answer = AnswerRfi(
        rfi,
        "Not yet: units are at heightened readiness in garrison (see the released tearline).",
        marking=_REL,
    )
    demo.send("rfi/twn-answer", answer, white)
    demo.send("rfi/usa", SubmitRfi("May the P-8A orbit extend north of 26N tonight?"), usa)
    demo.send("rfi/red", SubmitRfi("Are CCG cutters available for Kinmen boardings?"), red)
    state = service.state(exercise_id)
    inbox = visible_injects(state, reader_for(state.scenario, twn.cell))
    if inbox:
        demo.send("acknowledge/twn", Acknowledge(inbox[0].inject_id), twn)
    observation = RecordObservation(
        "OBJ-2",
        "OBJ-2.3",
        rating=5,
        note="The US tearline to Taiwan kept only the REL TO portion; no NOFORN material left.",
    )
    demo.send("observe/obj-2.3", observation, observer)


def seed_demo(
    service: ExerciseService,
    accounts: Accounts,
    logins_file: Path,
    *,
    moves: int = 4,
    database: str = "",
) -> DemoSeed:
    """Create or finish the demo exercise, its users and its content; idempotent.

    Args:
        service: the exercise service on the demo's database.
        accounts: the accounts in the same database.
        logins_file: where the generated passwords are kept (see `logins_path`).
        moves: how many moves the bots play from the start before the demo's own content.
        database: the database as shown in the passwords file (for people reading it).

    Returns:
        The exercise id and the logins.

    Raises:
        JointExError: the exercise id is taken by an exercise that is not the demo, a username
            is taken by an account that is not the demo's, the passwords file cannot be read or
            written, or a command was rejected (e.g. the demo exercise was ended before it was
            complete).
    """
    if moves < 0:
        raise JointExError(f"moves must be 0 or more, not {moves}")
    scenario = resolve(DEMO_SCENARIO)
    exercise_id = DEMO_EXERCISE_ID
    created = False
    if service.exists(exercise_id):
        state = service.state(exercise_id)
        if state.name != DEMO_NAME or state.scenario.id != DEMO_SCENARIO:
            raise JointExError(
                f"exercise {exercise_id!r} exists and is not the demo ({state.name!r} of "
                f"{state.scenario.id!r}); run the demo on another database (--db)"
            )
        scenario = state.scenario
    else:
        creator = Actor(DEMO_USERS[0].username, DEMO_USERS[0].cell)
        service.create(scenario, DEMO_NAME, DEMO_SEED, creator, exercise_id=exercise_id)
        created = True

    # Passwords first go to the file, then to the accounts: an interrupted run never leaves an
    # account whose password nobody knows.
    passwords = _read_logins(logins_file)
    missing = {
        u.username: _new_password(u.username) for u in DEMO_USERS if u.username not in passwords
    }
    if missing:
        passwords.update(missing)
        _write_logins(logins_file, database, exercise_id, passwords)
    changed = False
    for user in DEMO_USERS:
        password, renewed = _ensure_user(accounts, exercise_id, user, passwords[user.username])
        if renewed:
            passwords[user.username] = password
            changed = True
    if changed:
        _write_logins(logins_file, database, exercise_id, passwords)
    with contextlib.suppress(OSError):
        os.chmod(logins_file, 0o600)

    _play(service, exercise_id, scenario, moves)
    _content(service, exercise_id)
    logins = tuple(
        DemoLogin(u.username, passwords[u.username], u.cell, u.nation, u.role) for u in DEMO_USERS
    )
    return DemoSeed(exercise_id, logins, created, logins_file)
