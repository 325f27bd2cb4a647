"""A scenario's summary: what `jointex scenario show` and the demo print."""

from __future__ import annotations

from collections import Counter
from typing import Any

from jointex.scenario._offset import format_offset
from jointex.scenario._schema import Scenario

__all__ = ["summarise"]


def summarise(scenario: Scenario) -> dict[str, Any]:
    """A JSON-ready summary of a scenario: cells, forces, phases, MSEL and objectives.

    Args:
        scenario: the loaded scenario.

    Returns:
        A dict with keys ``id``, ``title``, ``marking``, ``duration``, ``nations``, ``cells``,
        ``forces``, ``phases``, ``msel`` and ``objectives``.
    """
    msel = scenario.msel
    return {
        "id": scenario.id,
        "title": scenario.title,
        "description": scenario.description.strip(),
        "marking": scenario.marking,
        "duration": format_offset(scenario.duration),
        "nations": [n.code for n in scenario.nations],
        "cells": [
            {
                "id": c.id,
                "name": c.name,
                "role": c.role,
                "nation": c.nation,
                "clearance": c.clearance,
                "bot_rules": len(c.bot),
            }
            for c in scenario.cells
        ],
        "forces": [
            {
                "id": f.id,
                "name": f.name,
                "side": f.side,
                "nation": f.nation,
                "type": f.type,
                "base": f.base,
                "count": f.count,
                "alert_pairs": f.alert_pairs,
            }
            for f in scenario.forces
        ],
        "phases": [
            {
                "id": p.id,
                "name": p.name,
                "start": format_offset(p.start),
                "end": format_offset(p.end),
                "escalation": p.escalation,
                "aircraft_per_day": round(
                    _stationary_mean(p.activity.aircraft.omega, p.activity.aircraft.alpha), 1
                ),
            }
            for p in scenario.phases
        ],
        "msel": {
            "injects": len(msel),
            "conditional": sum(1 for i in msel if i.trigger is not None),
            "by_channel": dict(sorted(Counter(i.channel for i in msel).items())),
            "by_marking": dict(sorted(Counter(i.marking for i in msel).items())),
            "first": format_offset(min(i.time for i in msel)) if msel else None,
            "last": format_offset(max(i.time for i in msel)) if msel else None,
        },
        "objectives": [
            {"id": o.id, "title": o.title, "criteria": len(o.criteria)} for o in scenario.objectives
        ],
    }


def _stationary_mean(omega: float, alpha: float) -> float:
    return omega / (1.0 - alpha)
