"""Child process for the crash test: append one event per command forever, acknowledging each.

Usage: ``python crash_writer.py STORE_PATH``. Prints each version on its own line, flushed, only
after `EventStore.append` has returned (the commit is durable), until it is killed.
"""

from __future__ import annotations

import sys

from jointex.store import EventStore, NewEvent


def main(path: str) -> None:
    """Append to ``exercise-crash`` one command at a time, printing each acknowledged version."""
    store = EventStore.open(path)
    version = store.version("exercise-crash")
    while True:
        event = NewEvent("Tick", {"n": version + 1, "pad": "x" * 64}, {"actor": "crash-test"})
        store.append("exercise-crash", [event], version, command_id=f"crash-{version + 1}")
        version += 1
        print(version, flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
