"""Pure analytic models of the theatre simulation, vectorised over replications and events.

Each model is a set of frozen, validated parameter objects and pure functions over NumPy arrays;
every sampler takes a ``numpy.random.Generator``. Equations and references: ``docs/models.md``.

- adversary activity: ``_activity`` (daily sorties and vessels; see ``docs/models-activity.md``)
- surveillance and reconnaissance: ``_detection`` (Koopman random search, glimpse model)
- command and control: ``_c2`` (report, decision and coalition sharing delays)
- rapid response: ``_response`` (alert pairs as a FCFS queue, GBAD tracking, policy, Erlang C)
- mobilisation: ``_mobilisation`` (staged call-up, processing queue, unit readiness)
- engagement: ``_engagement`` (Hughes salvo model, Lanchester laws)
- shared delay distribution: ``_distributions`` (``Delay``)
"""

from __future__ import annotations

from jointex.model._activity import (
    ActivityState,
    AircraftParams,
    DailyCounts,
    SortieProfile,
    Sorties,
    SurgeParams,
    VesselParams,
    aircraft_stationary_variance,
    sample_sorties,
    simulate_daily_counts,
    vessels_stationary_mean,
    weekday_factors_array,
)
from jointex.model._c2 import (
    C2Delays,
    C2Sample,
    ShareAfter,
    sample_c2,
)
from jointex.model._calibration import (
    ActivityFit,
    ActivitySeries,
    CheckStat,
    activity_statistics,
    check_fit,
    fit_activity,
)
from jointex.model._detection import (
    DetectionSample,
    GlimpseSensor,
    RandomSearchSensor,
    Sensor,
    combined_detection_probability,
    glimpse_detection_probability,
    random_search_probability,
    sample_detection,
    sector_detection_probability,
)
from jointex.model._distributions import (
    Delay,
    sample_delays,
)
from jointex.model._engagement import (
    Lanchester,
    LanchesterLaw,
    LanchesterTrajectory,
    SalvoSide,
    SalvoTrajectory,
    hughes_salvo,
    lanchester,
    lanchester_euler,
    salvo_losses,
    sample_lanchester,
    sample_salvo,
)
from jointex.model._mobilisation import (
    CallUp,
    processing_makespan_hours,
    readiness_by_day,
    sample_mobilisation,
)
from jointex.model._response import (
    AirDefence,
    AlertBase,
    ErlangC,
    PolicyKind,
    ResponseOutcome,
    ResponsePolicy,
    ResponsePosture,
    erlang_c,
    simulate_response,
)

__all__ = [
    "ActivityFit",
    "ActivitySeries",
    "ActivityState",
    "AirDefence",
    "AircraftParams",
    "AlertBase",
    "C2Delays",
    "C2Sample",
    "CallUp",
    "CheckStat",
    "DailyCounts",
    "Delay",
    "DetectionSample",
    "ErlangC",
    "GlimpseSensor",
    "Lanchester",
    "LanchesterLaw",
    "LanchesterTrajectory",
    "PolicyKind",
    "RandomSearchSensor",
    "ResponseOutcome",
    "ResponsePolicy",
    "ResponsePosture",
    "SalvoSide",
    "SalvoTrajectory",
    "Sensor",
    "ShareAfter",
    "SortieProfile",
    "Sorties",
    "SurgeParams",
    "VesselParams",
    "activity_statistics",
    "aircraft_stationary_variance",
    "check_fit",
    "combined_detection_probability",
    "erlang_c",
    "fit_activity",
    "glimpse_detection_probability",
    "hughes_salvo",
    "lanchester",
    "lanchester_euler",
    "processing_makespan_hours",
    "random_search_probability",
    "readiness_by_day",
    "salvo_losses",
    "sample_c2",
    "sample_delays",
    "sample_detection",
    "sample_lanchester",
    "sample_mobilisation",
    "sample_salvo",
    "sample_sorties",
    "sector_detection_probability",
    "simulate_daily_counts",
    "simulate_response",
    "vessels_stationary_mean",
    "weekday_factors_array",
]
