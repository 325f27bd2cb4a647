"""The ``jointex exercise`` commands: output, --json shapes and exit codes."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.conftest import Result

Cli = Callable[..., Result]

COMMANDS = ("create", "list", "show", "start", "run", "advance", "replay", "export", "import")


def created(cli: Cli, scenario: str = "tutorial", *extra: str) -> str:
    """Create an exercise and return its id."""
    result = cli("exercise", "create", scenario, *extra)
    assert result.code == 0, result.stderr
    return result.stdout.strip()


def test_help_has_examples(cli: Cli) -> None:
    """Every exercise command's --help shows an example."""
    for command in COMMANDS:
        result = cli("exercise", command, "--help")
        assert result.code == 0, command
        assert "Example: jointex exercise" in result.stdout, command


def test_create_prints_the_id(cli: Cli) -> None:
    """create prints the new id; --json gives id, name, scenario, seed and status."""
    exercise = created(cli)
    assert exercise.startswith("exercise-")
    result = cli("exercise", "create", "tutorial", "--name", "Rehearsal", "--seed", "7", "--json")
    assert result.code == 0
    doc = result.json()
    assert set(doc) == {"exercise_id", "name", "scenario", "seed", "status"}
    assert (doc["name"], doc["scenario"], doc["seed"], doc["status"]) == (
        "Rehearsal",
        "tutorial",
        7,
        "draft",
    )
    bad = cli("exercise", "create", "tutorial", "--as", "twn")
    assert bad.code == 1
    assert bad.stderr.strip() == (
        "jointex: error: cell 'twn' may not create the exercise: only the control cell can"
    )
    missing = cli("exercise", "create", "no-such-scenario")
    assert missing.code == 2
    assert len(missing.stderr.strip().splitlines()) == 1


def test_list(cli: Cli) -> None:
    """list is empty at first, then has one row per exercise."""
    empty = cli("exercise", "list", "--json")
    assert (empty.code, empty.json()) == (0, [])
    assert "no exercises yet" in cli("exercise", "list").stderr
    exercise = created(cli, "tutorial", "--name", "Listed")
    rows = cli("exercise", "list", "--json").json()
    assert [(r["exercise_id"], r["name"], r["status"], r["clock"]) for r in rows] == [
        (exercise, "Listed", "draft", "D+0 H+00:00")
    ]
    assert set(rows[0]) == {
        "exercise_id",
        "name",
        "scenario",
        "status",
        "minute",
        "clock",
        "events",
        "created",
    }
    table = cli("exercise", "list")
    assert exercise in table.stdout
    assert "Listed" in table.stdout


def test_start_advance_show(cli: Cli) -> None:
    """start and advance append events and print them; show summarises the exercise."""
    exercise = created(cli)
    early = cli("exercise", "advance", exercise, "--as", "white")
    assert early.code == 1
    assert "has not started" in early.stderr
    started = cli("exercise", "start", exercise, "--json")
    assert started.code == 0
    assert [e["type"] for e in started.json()["events"]] == ["ExerciseStarted", "PhaseEntered"]
    result = cli("exercise", "advance", exercise, "--to", "D+1", "--as", "white", "--json")
    assert result.code == 0, result.stderr
    doc = result.json()
    assert (doc["status"], doc["minute"], doc["clock"]) == ("running", 1440, "D+1 H+00:00")
    delivered = [e for e in doc["events"] if e["type"] == "InjectDelivered"]
    assert [e["data"]["inject_id"] for e in delivered] == ["T-001", "T-002"]
    assert set(doc["events"][0]) == {"version", "type", "summary", "actor", "cell", "data"}
    step = cli("exercise", "advance", exercise, "--minutes", "30", "--as", "white")
    assert step.code == 0
    assert "clock D+1 H+00:30" in step.stdout

    refused = cli("exercise", "advance", exercise, "--as", "twn")
    assert refused.code == 1
    assert refused.stderr.strip() == (
        "jointex: error: cell 'twn' may not advance the clock: only the control cell can"
    )
    both = cli("exercise", "advance", exercise, "--minutes", "5", "--to", "D+2", "--as", "white")
    assert both.code == 1
    assert "not both" in both.stderr
    late = cli("exercise", "advance", exercise, "--to", "D+9", "--as", "white")
    assert late.code == 1
    assert "after the end of the scenario" in late.stderr

    shown = cli("exercise", "show", exercise, "--json").json()
    assert (shown["status"], shown["clock"], shown["phase"]) == ("running", "D+1 H+00:30", "surge")
    assert shown["escalation"] == {"level": 1, "name": "Heightened"}
    assert shown["injects"] == {
        "delivered": 3,
        "scheduled": 1,
        "fallback": 1,
        "expired": 0,
        "cancelled": 0,
    }
    assert shown["variables"] == {"surge_detected": True, "alert_pairs_airborne": 0}
    assert [e["type"] for e in shown["last_events"][-3:]] == [
        "ClockAdvanced",
        "InjectDelivered",
        "WorldStateChanged",
    ]
    assert [e["version"] for e in shown["last_events"]] == list(range(2, 12))
    text = cli("exercise", "show", exercise)
    assert "escalation 1 Heightened" in text.stdout
    assert "surge_detected" in text.stdout


def test_run_a_scenario_to_the_end(cli: Cli) -> None:
    """run creates an exercise from a scenario and plays it headless; the summary adds up."""
    result = cli(
        "exercise", "run", "grey-zone-surge", "--seed", "11", "--adjudication-runs", "100", "--json"
    )
    assert result.code == 0, result.stderr
    doc = result.json()
    assert set(doc) == {
        "exercise_id",
        "scenario",
        "seed",
        "status",
        "minute",
        "clock",
        "events",
        "new_events",
        "injects_delivered",
        "actions",
        "adjudications",
        "escalation",
    }
    assert (doc["scenario"], doc["seed"], doc["status"], doc["clock"]) == (
        "grey-zone-surge",
        11,
        "ended",
        "D+10 H+00:00",
    )
    assert doc["new_events"] == doc["events"] - 1  # all but ExerciseCreated
    assert doc["injects_delivered"] > 0
    assert doc["actions"] > 0
    assert doc["adjudications"] == {"accepted": 2, "overridden": 0, "open": 0}
    again = cli(
        "exercise", "run", "grey-zone-surge", "--seed", "11", "--adjudication-runs", "100", "--json"
    ).json()
    assert {k: v for k, v in again.items() if k != "exercise_id"} == {
        k: v for k, v in doc.items() if k != "exercise_id"
    }
    text = cli("exercise", "run", "tutorial", "--adjudication-runs", "50")
    assert text.code == 0
    assert "ended at D+2 H+00:00" in text.stdout
    assert "injects delivered" in text.stdout


def test_run_an_exercise_in_moves(cli: Cli) -> None:
    """run ID --moves N plays N moves; running it again finishes it; ended runs change nothing."""
    exercise = created(cli, "grey-zone-surge")
    first = cli("exercise", "run", exercise, "--moves", "2", "--bots", "white,twn", "--json")
    assert first.code == 0, first.stderr
    assert (first.json()["status"], first.json()["clock"]) == ("running", "D+0 H+12:00")
    rest = cli("exercise", "run", exercise, "--adjudication-runs", "100", "--json").json()
    assert rest["status"] == "ended"
    assert rest["exercise_id"] == exercise
    done = cli("exercise", "run", exercise, "--json").json()
    assert done["new_events"] == 0


def test_run_errors_are_one_line(cli: Cli) -> None:
    """Unknown targets, cells and counts are refused with one line."""
    unknown = cli("exercise", "run", "exercise-nope")
    assert unknown.code == 2
    assert "not an exercise in" in unknown.stderr
    assert len(unknown.stderr.strip().splitlines()) == 1
    for args, message in (
        (("--bots", "nobody"), "no cell 'nobody'"),
        (("--bots", ","), "--bots"),
        (("--adjudication-runs", "0"), "--adjudication-runs"),
        (("--moves", "-1"), "moves must be 0 or more"),
    ):
        result = cli("exercise", "run", "tutorial", *args)
        assert result.code == 1, args
        assert message in result.stderr, args
        assert len(result.stderr.strip().splitlines()) == 1


def test_replay_and_show_at(cli: Cli) -> None:
    """replay --at shows the state at that time; show --at is the same; bad times are refused."""
    exercise = cli("exercise", "run", "grey-zone-surge", "--adjudication-runs", "50", "--json")
    exercise_id = exercise.json()["exercise_id"]
    replayed = cli("exercise", "replay", exercise_id, "--at", "D+2 H+06:00", "--json")
    assert replayed.code == 0, replayed.stderr
    doc = replayed.json()
    assert (doc["status"], doc["clock"]) == ("running", "D+2 H+06:00")
    assert doc["version"] < exercise.json()["events"]
    assert doc["last_events"][-1]["version"] == doc["version"]
    shown = cli("exercise", "show", exercise_id, "--at", "D+2 H+06:00", "--json")
    assert shown.json() == doc
    text = cli("exercise", "replay", exercise_id, "--at", "D+2 H+06:00")
    assert "clock D+2 H+06:00 of D+10 H+00:00" in text.stdout
    bad = cli("exercise", "replay", exercise_id, "--at", "tomorrow")
    assert bad.code == 1
    assert "is not a time" in bad.stderr
    missing = cli("exercise", "show", "exercise-nope")
    assert missing.code == 1
    assert "no exercise 'exercise-nope'" in missing.stderr


def test_import_from_standard_input(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """import - reads the export from standard input."""
    exercise = created(cli)
    text = cli("exercise", "export", exercise).stdout
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    result = cli("exercise", "import", "-", "--id", "exercise-piped")
    assert (result.code, result.stdout.strip()) == (0, "exercise-piped")


def test_export_import(cli: Cli, tmp_path: Path) -> None:
    """export writes JSON Lines; import refuses the same id, takes a new one, refuses bad lines."""
    exercise = created(cli)
    assert cli("exercise", "start", exercise).code == 0
    printed = cli("exercise", "export", exercise)
    assert printed.code == 0
    lines = printed.stdout.splitlines()
    assert json.loads(lines[0])["exercise_id"] == exercise
    assert [json.loads(line)["version"] for line in lines[1:]] == [1, 2, 3]

    target = tmp_path / "out" / "exercise.jsonl"
    written = cli("exercise", "export", exercise, "--out", str(target))
    assert written.code == 0
    assert "(3 events)" in written.stderr
    assert target.read_text().splitlines() == lines

    again = cli("exercise", "import", str(target))
    assert again.code == 1
    assert "already exists" in again.stderr
    imported = cli("exercise", "import", str(target), "--id", "exercise-copy", "--json")
    assert imported.code == 0, imported.stderr
    assert imported.json() == {
        "exercise_id": "exercise-copy",
        "events": 3,
        "status": "running",
        "clock": "D+0 H+00:00",
    }
    original = cli("exercise", "show", exercise, "--json").json()
    copy = cli("exercise", "show", "exercise-copy", "--json").json()
    assert {k: v for k, v in copy.items() if k != "exercise_id"} == {
        k: v for k, v in original.items() if k != "exercise_id"
    }

    broken = tmp_path / "broken.jsonl"
    broken.write_text("\n".join([lines[0], lines[1], "{not json", lines[3]]) + "\n")
    refused = cli("exercise", "import", str(broken), "--id", "exercise-broken")
    assert refused.code == 1
    assert f"{broken} line 3: not JSON" in refused.stderr
    assert "nothing was imported" in refused.stderr
    listed = [r["exercise_id"] for r in cli("exercise", "list", "--json").json()]
    assert "exercise-broken" not in listed
    absent = cli("exercise", "import", str(tmp_path / "absent.jsonl"))
    assert absent.code == 1
    assert "cannot read" in absent.stderr
    bad_id = cli("exercise", "import", str(target), "--id", "bad id")
    assert bad_id.code == 1
    assert "exercise id 'bad id'" in bad_id.stderr
    assert cli("exercise", "export", "exercise-nope").code == 1
