"""``jointex demo``: the main job on the embedded default."""

from __future__ import annotations

from jointex.cli._common import err, options, out
from jointex.cli._scenario import render_summary
from jointex.scenario import builtin_text, check, resolve
from jointex.scenario._summary import summarise

__all__ = ["demo"]

FLAGSHIP = "grey-zone-surge"


def demo() -> None:
    """Validate the flagship scenario and show what it contains.

    Example: jointex demo
    """
    problems = check(builtin_text(FLAGSHIP), f"<built-in {FLAGSHIP}>")
    for problem in problems:
        err.print(str(problem), markup=False)
    scenario = resolve(FLAGSHIP)
    out.print(f"[green]valid[/green]: built-in scenario {FLAGSHIP!r}; database {options.db_url}")
    render_summary(summarise(scenario))
