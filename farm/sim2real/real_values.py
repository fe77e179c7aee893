"""The real side of each paired real run, as rows of the stored ``real`` table.

- A run with trajectories: every ``TRAJECTORY_METRICS`` value computed from them
  (``farm.sim2real.real_metrics``, on the ``log_replay`` scene it is re-simulated in), with the
  runs file's own measurement beside it as ``file_value`` where the file has that metric; its
  ``passed`` is ``log_replay``'s criteria over the computed metrics (the verdict the simulated
  repeats get). Outcomes the trajectories cannot give (``safety_triggers``, ``fallbacks``) come
  from the file.
- A run without: the measured outcomes of the file; ``passed`` is the family's criteria over
  them (``farm.reallog``), absent when a criterion's metric was not measured.

Booleans become 1/0; text outcomes (``collision_kind``, ``collision_class``) are not compared.
"""

from __future__ import annotations

import math
from typing import Any

from farm.reallog import RealRunLog
from farm.sim2real.plan import REPLAY_FAMILY, PlannedRun
from farm.sim2real.real_metrics import trajectory_metrics
from farm.spec import SimSettings
from scenario_library.catalog import load_family

VERDICT = "passed"


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, str):
        return None
    number = float(value)
    return None if math.isnan(number) else number


def real_rows(log: RealRunLog, planned: PlannedRun, *, sim: SimSettings | None = None) -> list[dict[str, Any]]:
    """The ``real`` rows of one planned real run (one per metric it has)."""
    run = log.run(planned.real_run_id)
    head = {"real_run_id": run.real_run_id, "unit": planned.unit, "group": planned.group}
    measured = {name: v for name, value in run.outcomes.items() if (v := _number(value)) is not None}
    rows: list[dict[str, Any]] = []
    if planned.how == "replay" and planned.content_hash is not None:
        family = load_family(REPLAY_FAMILY)
        recorded = log.recorded(run.real_run_id)
        scene = family.build(planned.params, inputs={planned.content_hash: recorded})
        computed, passed = trajectory_metrics(recorded, scene, family.criteria, sim=sim)
        for name, value in computed.items():
            number = _number(value)
            if number is not None:
                rows.append({**head, "metric": name, "value": number, "source": "trajectories",
                             "file_value": measured.get(name)})
        rows += [{**head, "metric": name, "value": value, "source": "file", "file_value": None}
                 for name, value in measured.items() if name not in computed]
        rows.append({**head, "metric": VERDICT, "value": 1.0 if passed else 0.0, "source": "trajectories",
                     "file_value": None})
        return rows
    rows += [{**head, "metric": name, "value": value, "source": "file", "file_value": None}
             for name, value in measured.items()]
    if run.passed is not None:
        rows.append({**head, "metric": VERDICT, "value": 1.0 if run.passed else 0.0, "source": "file",
                     "file_value": None})
    return rows
