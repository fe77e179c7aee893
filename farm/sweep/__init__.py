"""Sweeps: sweep files (``model``), parameter spaces, designs (``samplers``, ``twise``) and ``expand``.

Owns SweepSpec -> RolloutSpec[]. Imports ``farm.spec``/``farm.identity``/
``farm.stacks``/``farm.errors``, and from ``scenario_library`` the Family
values and (lazily, as the default family lookup) its catalogue. No heavy
dependencies beyond numpy/scipy; nothing here runs a rollout.
"""

from farm.sweep.expand import expand, expansion_summary, plan, supports_confidence_intervals
from farm.sweep.model import (
    FamilyEntry,
    ParamOverride,
    Resources,
    SweepSpec,
    load_sweep,
    parse_sweep,
    resolve_sweep_file,
)

__all__ = [
    "FamilyEntry", "ParamOverride", "Resources", "SweepSpec", "expand", "expansion_summary", "load_sweep",
    "parse_sweep", "plan", "resolve_sweep_file", "supports_confidence_intervals",
]
