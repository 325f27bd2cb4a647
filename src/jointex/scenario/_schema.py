"""The scenario schema: every element of an exercise scenario as an immutable pydantic model.

The models check types and value ranges; references between elements (an inject's recipients,
a unit's base, markings, conditions) are checked by ``_checks.py`` over the raw document so that
every problem in a file is reported at once, with its position.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
)

from jointex.scenario._offset import format_offset, parse_offset

__all__ = [
    "C2",
    "FORMAT_VERSION",
    "Action",
    "ActivityParams",
    "Adjudication",
    "AircraftActivity",
    "Area",
    "BotRule",
    "Cell",
    "ClassificationLevel",
    "Criterion",
    "Delay",
    "EscalationRung",
    "Force",
    "Geography",
    "Inject",
    "Line",
    "Mobilisation",
    "Nation",
    "Objective",
    "Offset",
    "Otherwise",
    "Phase",
    "Place",
    "ResponsePolicy",
    "Scenario",
    "Sensor",
    "SortieMix",
    "SurgeActivity",
    "Surveillance",
    "Trigger",
    "Variable",
    "VesselActivity",
    "WorldState",
]

FORMAT_VERSION = 1


def _offset_in(value: Any) -> Any:
    if isinstance(value, str):
        return parse_offset(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value  # minutes, as code (not files) usually gives them
    # Without this, `time: true` would be one minute and `time: [1]` "not a whole number".
    shown = "nothing (null)" if value is None else repr(value)
    if isinstance(value, bool):
        shown = "true" if value else "false"
    raise ValueError(
        f"{shown} is not a time offset (expected e.g. 'D+1 H+06:30', 'H+3' or 'D+2 M+15')"
    )


Offset = Annotated[
    int,
    BeforeValidator(_offset_in),
    PlainSerializer(format_offset, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\s*(D\s*[+-]\s*\d+)?\s*(H\s*\+\s*\d+(:\d{2})?)?\s*(M\s*\+\s*\d+)?\s*$",
            "description": "Time after D-day H-hour, e.g. 'D+1 H+06:30', 'H+3', 'D+2 M+15'.",
        }
    ),
]
"""Minutes after D-day H-hour; written in files as ``D+1 H+06:30``."""

Identifier = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z][A-Za-z0-9_.-]*$",
        max_length=64,
        description="An id: a letter, then letters, digits, '_', '-' or '.'.",
    ),
]
Trigraph = Annotated[
    str, Field(pattern=r"^[A-Z]{3}$", description="ISO 3166-1 alpha-3 country code, e.g. TWN.")
]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]
LonLat = tuple[
    Annotated[float, Field(ge=-180.0, le=180.0)], Annotated[float, Field(ge=-90.0, le=90.0)]
]
Scalar = bool | int | float | str


def _freeze(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(value))


# Read-only mappings: a loaded scenario cannot be changed, not even inside a dict.
_as_dict = PlainSerializer(dict, return_type=dict)
Shares = Annotated[Mapping[str, Probability], AfterValidator(_freeze), _as_dict]
Changes = Annotated[Mapping[str, Scalar], AfterValidator(_freeze), _as_dict]
Numbers = Annotated[Mapping[str, float], AfterValidator(_freeze), _as_dict]


class _Element(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Nation(_Element):
    """A participating nation."""

    code: Trigraph
    name: str = Field(min_length=1)


class ClassificationLevel(_Element):
    """One rung of a custom classification scheme, lowest first."""

    name: str = Field(min_length=1, description="Banner form, e.g. SECRET.")
    abbreviation: str = Field(min_length=1, description="Portion form, e.g. S.")


class BotRule(_Element):
    """One rule of a cell's scripted policy: when the condition holds, submit the action once."""

    when: str = Field(description="Condition on world state, e.g. 'escalation >= 3'.")
    action: Identifier = Field(description="Action id from the scenario's action menu.")
    text: str = ""
    units: tuple[Identifier, ...] = ()
    marking: str = "UNCLASSIFIED"


class Cell(_Element):
    """A team in the exercise: control (white), a blue nation, red, or observers."""

    id: Identifier
    name: str = Field(min_length=1)
    role: Literal["control", "blue", "red", "observer"]
    nation: Trigraph | None = Field(None, description="Required for blue and red cells.")
    clearance: str = Field("UNCLASSIFIED", description="Highest classification members hold.")
    bot: tuple[BotRule, ...] = Field((), description="Scripted policy for solo play and tests.")


class Area(_Element):
    """A named area, a closed lon/lat polygon (first point repeated last)."""

    id: Identifier
    name: str = Field(min_length=1)
    kind: Literal["adiz", "adiz-sector", "exercise-area", "territorial-sea", "zone"] = "zone"
    polygon: tuple[LonLat, ...] = Field(min_length=4)


class Line(_Element):
    """A named line such as the median line."""

    id: Identifier
    name: str = Field(min_length=1)
    points: tuple[LonLat, ...] = Field(min_length=2)


class Place(_Element):
    """A named point: an air base, port, radar site, city."""

    id: Identifier
    name: str = Field(min_length=1)
    kind: Literal["airbase", "naval-base", "port", "radar", "city", "army-base", "point"] = "point"
    position: LonLat


class Geography(_Element):
    """Areas, lines and points of the theatre."""

    areas: tuple[Area, ...] = ()
    lines: tuple[Line, ...] = ()
    points: tuple[Place, ...] = ()


class Force(_Element):
    """A unit or group of platforms."""

    id: Identifier
    name: str = Field(min_length=1)
    side: Literal["blue", "red", "neutral"]
    nation: Trigraph
    type: Literal[
        "fighter",
        "bomber",
        "isr",
        "helicopter",
        "drone",
        "transport",
        "surface-ship",
        "submarine",
        "coast-guard",
        "sam",
        "radar",
        "missile",
        "ground",
        "reserve",
    ]
    base: Identifier = Field(description="Id of a point in geography.points.")
    count: int = Field(ge=0)
    readiness: Probability = 1.0
    capabilities: tuple[str, ...] = ()
    sidc: str = Field(description="MIL-STD-2525D symbol identification code, 20 digits.")
    alert_pairs: int = Field(0, ge=0, description="Pairs held on quick-reaction alert.")


class EscalationRung(_Element):
    """One rung of the escalation ladder."""

    level: int = Field(ge=0)
    name: str = Field(min_length=1)
    description: str = ""


class Variable(_Element):
    """A named world-state variable that injects and adjudications read and write."""

    name: Identifier
    type: Literal["bool", "int", "float", "text"]
    initial: Scalar
    min: float | None = None
    max: float | None = None
    description: str = ""


class WorldState(_Element):
    """The escalation ladder and named variables."""

    escalation: tuple[EscalationRung, ...] = Field(min_length=1)
    initial_escalation: int = Field(0, ge=0)
    variables: tuple[Variable, ...] = ()


class AircraftActivity(_Element):
    """Aircraft per day: negative binomial with one-day self-excitation (NB-INARCH(1))."""

    omega: float = Field(gt=0, description="Baseline intensity (aircraft/day).")
    alpha: float = Field(0.0, ge=0, lt=1, description="Self-excitation from yesterday's count.")
    size: float = Field(gt=0, description="Negative binomial size r (smaller = burstier).")


class VesselActivity(_Element):
    """Vessels per day: Poisson INAR(1) by binomial thinning."""

    innovation: float = Field(ge=0, description="New vessels per day (Poisson mean).")
    persistence: Probability = Field(description="Chance a vessel stays another day.")
    coupling: float = Field(0.0, ge=0, description="Extra vessels per aircraft that day.")


class SurgeActivity(_Element):
    """Random exercise surges within a phase."""

    rate_per_day: Probability
    min_days: int = Field(1, ge=1)
    max_days: int = Field(3, ge=1)
    aircraft_low: int = Field(50, ge=0)
    aircraft_high: int = Field(150, ge=0)


class SortieMix(_Element):
    """How each sortie is drawn: type, sector, median-line crossing, ADIZ entry."""

    types: Shares = Field(
        default_factory=lambda: {
            "fighter": 0.6,
            "isr": 0.15,
            "bomber": 0.05,
            "drone": 0.15,
            "helicopter": 0.05,
        }
    )
    sectors: Shares = Field(
        default_factory=dict, description="Area id -> share of sorties (shares sum to 1)."
    )
    median_line_fraction: Probability = 0.45
    adiz_entry_fraction: Probability = 0.7
    group_size: float = Field(2.0, ge=1, description="Mean aircraft per incursion group.")
    dwell_minutes: float = Field(
        60,
        gt=0,
        description="Time a group spends inside the ADIZ (the window to detect and meet it).",
    )
    hourly_weights: tuple[float, ...] | None = Field(
        None, min_length=24, max_length=24, description="24 relative rates, 00-01 first."
    )


class ActivityParams(_Element):
    """Adversary activity of a phase."""

    aircraft: AircraftActivity
    vessels: VesselActivity
    weekday_factors: tuple[float, ...] = Field(
        (1.0,) * 7, min_length=7, max_length=7, description="Monday first; mean 1."
    )
    surge: SurgeActivity | None = None
    sorties: SortieMix = Field(default_factory=SortieMix)


class Phase(_Element):
    """A phase of the exercise with its adversary activity."""

    id: Identifier
    name: str = Field(min_length=1)
    start: Offset
    end: Offset
    escalation: int | None = Field(None, ge=0, description="Escalation level on entering.")
    description: str = ""
    activity: ActivityParams


class Delay(_Element):
    """A random delay: gamma distributed with this mean and coefficient of variation."""

    mean_minutes: float = Field(ge=0)
    cv: float = Field(0.5, ge=0)


class ResponsePolicy(_Element):
    """The defender's rapid-response policy."""

    policy: Literal["scramble-all", "threshold", "track-only"] = "scramble-all"
    threshold_aircraft: int = Field(4, ge=1, description="For 'threshold': group size to scramble.")
    scramble: Delay = Field(default_factory=lambda: Delay(mean_minutes=8, cv=0.3))
    transit_speed_kts: float = Field(480, gt=0)
    on_station_minutes: float = Field(30, ge=0)
    turnaround: Delay = Field(default_factory=lambda: Delay(mean_minutes=90, cv=0.3))
    max_wait_minutes: float = Field(
        45, ge=0, description="An incursion not met within this is unanswered."
    )
    gbad_range_km: float = Field(
        250, ge=0, description="Ground-based air defence tracks sectors whose centre is this close."
    )


class Sensor(_Element):
    """A sensor covering areas: random search (Koopman) or glimpse model."""

    id: Identifier
    name: str = ""
    nation: Trigraph
    model: Literal["random-search", "glimpse"] = "glimpse"
    covers: tuple[Identifier, ...] = Field(min_length=1, description="Area ids covered.")
    sweep_width_km: float = Field(40, gt=0)
    speed_kmh: float = Field(600, gt=0)
    area_km2: float = Field(50000, gt=0)
    glimpse_probability: Probability = 0.3
    scan_interval_minutes: float = Field(5, gt=0)


class Surveillance(_Element):
    """Sensors and their reporting."""

    sensors: tuple[Sensor, ...] = ()


class C2(_Element):
    """Command and control delays, including coalition sharing between partners."""

    report: Delay = Field(default_factory=lambda: Delay(mean_minutes=3, cv=0.5))
    decision: Delay = Field(default_factory=lambda: Delay(mean_minutes=5, cv=0.5))
    sharing: Delay = Field(default_factory=lambda: Delay(mean_minutes=30, cv=0.5))


class Mobilisation(_Element):
    """Staged reserve call-up after escalation."""

    trigger_escalation: int = Field(3, ge=0)
    reservists: int = Field(0, ge=0)
    notify: Delay = Field(default_factory=lambda: Delay(mean_minutes=360, cv=0.5))
    travel: Delay = Field(default_factory=lambda: Delay(mean_minutes=480, cv=0.5))
    process_stations: int = Field(1, ge=1)
    process: Delay = Field(default_factory=lambda: Delay(mean_minutes=10, cv=0.3))
    equip: Delay = Field(default_factory=lambda: Delay(mean_minutes=720, cv=0.5))


class Trigger(_Element):
    """When a conditional inject fires."""

    when: str = Field(description="Condition, e.g. \"escalation >= 3 and decided('usa', 'x')\".")
    wait_until: Offset | None = Field(None, description="Give up at this time and go 'otherwise'.")


class Otherwise(_Element):
    """What happens when a trigger's condition never holds before ``wait_until``."""

    inject: Identifier | None = Field(None, description="Deliver this inject instead.")
    set: Changes = Field(default_factory=dict, description="World-state changes.")
    note: str = ""


class Inject(_Element):
    """One row of the master scenario events list (MSEL)."""

    id: Identifier
    time: Offset
    title: str = Field(min_length=1)
    to: tuple[Identifier, ...] = Field(min_length=1, description="Recipient cell ids.")
    sender: str = "WHITE CELL"
    channel: Literal["message", "intelligence", "media", "phone", "tasking"] = "message"
    marking: str = "UNCLASSIFIED"
    content: str = ""
    expected_actions: tuple[str, ...] = ()
    trigger: Trigger | None = None
    otherwise: Otherwise | None = None
    set: Changes = Field(default_factory=dict, description="World-state changes.")
    escalate_to: int | None = Field(None, ge=0)


class Adjudication(_Element):
    """How an action's uncertain outcome is adjudicated by the simulation."""

    model: Literal["salvo", "lanchester-square", "lanchester-linear", "response", "detection"]
    parameters: Numbers = Field(default_factory=dict)


class Action(_Element):
    """An entry in the action menu that cells choose from."""

    id: Identifier
    name: str = Field(min_length=1)
    roles: tuple[Literal["control", "blue", "red", "observer"], ...] = ("blue",)
    description: str = ""
    adjudication: Adjudication | None = None
    set: Changes = Field(default_factory=dict)


class Criterion(_Element):
    """An evaluation criterion observers rate (HSEEP-style)."""

    id: Identifier
    text: str = Field(min_length=1)
    measure: str = ""
    target: str = ""


class Objective(_Element):
    """An exercise objective with its evaluation criteria."""

    id: Identifier
    title: str = Field(min_length=1)
    cells: tuple[Identifier, ...] = ()
    description: str = ""
    criteria: tuple[Criterion, ...] = Field(min_length=1)


class Scenario(_Element):
    """A complete exercise scenario, as loaded from a YAML file. Immutable."""

    format: Literal[1] = Field(description="Scenario format version.")
    id: Identifier
    title: str = Field(min_length=1)
    description: str = ""
    marking: str = Field(description="The document's own classification banner.")
    start: datetime | None = Field(None, description="Calendar time of D-day H-hour (ISO 8601).")
    duration: Offset = Field(description="Length of the exercise, e.g. 'D+8'.")
    move_minutes: int = Field(360, gt=0, description="Length of one move (turn).")
    classification_levels: tuple[ClassificationLevel, ...] | None = None
    nations: tuple[Nation, ...] = Field(min_length=1)
    cells: tuple[Cell, ...] = Field(min_length=1)
    geography: Geography = Field(default_factory=Geography)
    forces: tuple[Force, ...] = ()
    world: WorldState
    phases: tuple[Phase, ...] = Field(min_length=1)
    surveillance: Surveillance = Field(default_factory=Surveillance)
    c2: C2 = Field(default_factory=C2)
    response: ResponsePolicy = Field(default_factory=ResponsePolicy)
    mobilisation: Mobilisation = Field(default_factory=Mobilisation)
    actions: tuple[Action, ...] = ()
    msel: tuple[Inject, ...] = ()
    objectives: tuple[Objective, ...] = ()

    def cell(self, cell_id: str) -> Cell:
        """The cell with this id.

        Raises:
            KeyError: no such cell.
        """
        for cell in self.cells:
            if cell.id == cell_id:
                return cell
        raise KeyError(cell_id)

    def phase_at(self, minute: int) -> Phase:
        """The phase in force at a time (the last phase that has started)."""
        current = self.phases[0]
        for phase in self.phases:
            if phase.start <= minute:
                current = phase
        return current
