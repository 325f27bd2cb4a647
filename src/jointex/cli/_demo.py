"""``jointex demo``: the main job on the embedded default."""

from __future__ import annotations

from jointex.cli._common import err, options, out
from jointex.cli._scenario import render_summary
from jointex.cli._simulate import summary_table
from jointex.scenario import builtin_text, check, resolve
from jointex.scenario._summary import summarise
from jointex.sim import simulate

__all__ = ["demo"]

FLAGSHIP = "grey-zone-surge"
DEMO_RUNS = 2000


def demo() -> None:
    """Validate the flagship scenario, show what it contains and simulate it 2,000 times.

    Example: jointex demo
    """
    problems = check(builtin_text(FLAGSHIP), f"<built-in {FLAGSHIP}>")
    for problem in problems:
        err.print(str(problem), markup=False)
    scenario = resolve(FLAGSHIP)
    out.print(f"[green]valid[/green]: built-in scenario {FLAGSHIP!r} (database {options.db_url})")
    render_summary(summarise(scenario))
    result = simulate(scenario, DEMO_RUNS, seed=0)
    out.print(summary_table(result))
    out.print(
        "Next: jointex simulate grey-zone-surge --runs 10000 --plot out/   "
        "|   jointex sweep grey-zone-surge --vary response.policy=scramble-all,threshold"
    )
