"""Access decisions per second: JointEx's `can_read` / `readable_mask` against a naive check.

Run with ``python benchmarks/bench_access.py [--pairs N] [--seed S]``.

Peer: a naive per-object check, written below, that does what an ad hoc implementation does on
every read: take the banner string stored with the object, parse it with plain Python (split on
``//``, look up the level, expand FVEY) and apply the same rule. JointEx parses each marking once
into a `Marking` with its rank and releasable nations precomputed, so a decision is two
comparisons. Both run over the same (reader, marking) pairs in one run, their answers are checked
to agree, and the ratio is printed.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from jointex.markings import Marking, Reader, can_read, parse_marking, readable_mask

NATIONS = ("USA", "TWN", "JPN", "GBR", "AUS", "CAN", "NZL", "FRA", "KOR", "PHL")
LEVELS = ("UNCLASSIFIED", "CONFIDENTIAL", "SECRET", "TOP SECRET")
ABBREVIATIONS = ("U", "C", "S", "TS")

# ------------------------------------------------------------------------------------------------
# The peer: a naive check that parses the banner on every decision.
# ------------------------------------------------------------------------------------------------

NAIVE_RANKS = {
    "UNCLASSIFIED": 0,
    "U": 0,
    "CONFIDENTIAL": 1,
    "C": 1,
    "SECRET": 2,
    "S": 2,
    "TOP SECRET": 3,
    "TS": 3,
}
NAIVE_FVEY = ("AUS", "CAN", "GBR", "NZL", "USA")


def naive_can_read(nation: str, clearance: str, banner: str) -> bool:
    """The same rule as `can_read`, parsing the banner string each time."""
    text = banner.strip().upper()
    if text.startswith("("):
        text = text[1:-1]
    blocks = [block.strip() for block in text.split("//")]
    owner = None
    if blocks[0] == "":
        owner, classification = blocks[1].split(" ", 1)
        blocks = blocks[2:]
    else:
        classification = blocks[0]
        blocks = blocks[1:]
    rank = NAIVE_RANKS[classification]
    if NAIVE_RANKS[clearance] < rank:
        return False
    noforn = False
    releasable: set[str] | None = None
    for block in blocks:
        if block in ("NOFORN", "NF"):
            noforn = True
        elif block.startswith("REL TO "):
            releasable = set()
            for item in block[len("REL TO ") :].split(","):
                code = item.strip()
                releasable.update(NAIVE_FVEY if code == "FVEY" else (code,))
    if releasable is not None:
        return nation in releasable
    if noforn or rank > 0:
        return owner is not None and nation == owner
    return True


# ------------------------------------------------------------------------------------------------
# Workload
# ------------------------------------------------------------------------------------------------


def random_banners(rng: np.random.Generator, count: int) -> list[str]:
    """Distinct-ish banners and portion marks in the forms exercises use."""
    banners: list[str] = []
    for _ in range(count):
        rank = int(rng.integers(len(LEVELS)))
        portion = bool(rng.random() < 0.5)
        level = ABBREVIATIONS[rank] if portion else LEVELS[rank]
        owner = str(rng.choice(NATIONS)) if rng.random() < 0.4 else None
        head = f"//{owner} {level}" if owner else level
        kind = rng.random()
        if kind < 0.25:
            body = head
        elif kind < 0.45:
            body = f"{head}//{'NF' if portion else 'NOFORN'}"
        else:
            size = int(rng.integers(1, 5))
            listed = {str(code) for code in rng.choice(NATIONS, size=size, replace=False)}
            if rng.random() < 0.2:
                listed.add("FVEY")
            if owner:
                listed.add(owner)
            body = f"{head}//REL TO {', '.join(sorted(listed))}"
        if rng.random() < 0.2:
            body += "//TLP:AMBER"
        banners.append(f"({body})" if portion else body)
    return banners


def timed(run: Callable[[], list[bool]], repeats: int) -> tuple[float, list[bool]]:
    """Best wall time of ``repeats`` runs, and the decisions of the last run."""
    best = float("inf")
    result: list[bool] = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    """Time both implementations over the same pairs and print decisions/s and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=1_000_000)
    parser.add_argument("--readers", type=int, default=100)
    parser.add_argument("--markings", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20240101)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)

    banners = random_banners(rng, args.markings)
    marks = [parse_marking(banner) for banner in banners]
    people = [
        (str(rng.choice(NATIONS)), LEVELS[int(rng.integers(len(LEVELS)))])
        for _ in range(args.readers)
    ]
    readers = [Reader(nation, clearance) for nation, clearance in people]
    # Pairs ordered by reader, as a page of results for one user is.
    reader_index = np.sort(rng.integers(args.readers, size=args.pairs))
    marking_index = rng.integers(args.markings, size=args.pairs)

    index_pairs = list(zip(reader_index.tolist(), marking_index.tolist(), strict=True))
    pair_objects = [(readers[r], marks[m]) for r, m in index_pairs]
    pair_strings = [(people[r][0], people[r][1], banners[m]) for r, m in index_pairs]
    pages: list[tuple[Reader, list[Marking]]] = []
    for r in range(args.readers):
        chosen = marking_index[reader_index == r].tolist()
        pages.append((readers[r], [marks[m] for m in chosen]))

    def jointex_pairs() -> list[bool]:
        return [can_read(reader, marking) for reader, marking in pair_objects]

    def jointex_pages() -> list[bool]:
        decisions: list[bool] = []
        for reader, page in pages:
            decisions.extend(readable_mask(reader, page))
        return decisions

    def naive_pairs() -> list[bool]:
        return [naive_can_read(n, c, b) for n, c, b in pair_strings]

    naive_time, naive = timed(naive_pairs, args.repeats)
    pairs_time, by_pair = timed(jointex_pairs, args.repeats)
    pages_time, by_page = timed(jointex_pages, args.repeats)
    if naive != by_pair or by_pair != by_page:
        raise SystemExit("implementations disagree: the benchmark is invalid")

    n = args.pairs
    readable = sum(by_pair) / n
    print(
        f"{n:,} (reader, marking) pairs; {args.readers} readers, "
        f"{args.markings} distinct markings; {readable:.1%} readable; best of {args.repeats}"
    )
    rows = [
        ("naive per-object check (parse banner each time)", naive_time),
        ("jointex can_read, one call per pair", pairs_time),
        ("jointex readable_mask, one call per reader", pages_time),
    ]
    for label, seconds in rows:
        print(f"  {label:<48} {n / seconds:>13,.0f} decisions/s")
    print(f"  ratio can_read / naive:      {naive_time / pairs_time:6.1f}x")
    print(f"  ratio readable_mask / naive: {naive_time / pages_time:6.1f}x")


if __name__ == "__main__":
    main()
