"""Crash safety: a SQLite writer killed with SIGKILL loses no acknowledged event."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from jointex.store import EventStore, NewEvent

WRITER = Path(__file__).with_name("crash_writer.py")


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sigkill_keeps_every_acknowledged_event(tmp_path: Path, seed: int) -> None:
    """After SIGKILL mid-append, every acked event is there, versions are 1..N, appends go on."""
    kill_after = random.Random(seed).randint(200, 2000)
    path = tmp_path / "crash.db"
    child = subprocess.Popen(
        [sys.executable, str(WRITER), str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    acknowledged: list[int] = []
    try:
        assert child.stdout is not None
        for line in child.stdout:
            acknowledged.append(int(line))
            if len(acknowledged) >= kill_after:
                break
    finally:
        child.send_signal(signal.SIGKILL)
        _out, err = child.communicate(timeout=30)
    assert len(acknowledged) == kill_after, err
    assert child.returncode == -signal.SIGKILL

    with EventStore.open(path) as store:
        versions = [e.version for e in store.read("exercise-crash")]
        count = len(versions)
        assert versions == list(range(1, count + 1))
        assert count >= acknowledged[-1]
        assert store.version("exercise-crash") == count
        (event,) = store.append("exercise-crash", [NewEvent("AfterCrash")], count)
        assert event.version == count + 1
