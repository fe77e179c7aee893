"""Reference oracle: a frozen copy of ``farm.preventable`` as of aae485f (per-step replay, exact gaps on every step).

Only the modules the fast path rewrote are copied (replay, contact, footprint, perception, the
rules, assess); the R157 driver, the surrogates and the verdict values are farm.preventable's own.
Kept only to check the fast implementation against (``test_fast_matches_oracle.py``,
``benchmarks/bench_preventable.py``).
Do not optimise it.

Preventable or not: what a reference careful and competent driver achieves in a scenario.

Owns the UN R157 reference driver (``driver``), a pybullet-free replay of the
scripted actor motion (``replay``), footprint gaps and lines of sight
(``footprint``), one rule per family (``rules_*``), RSS / fuzzy-safety extras
(``surrogate``) and the entry point ``assess``. Pure numpy. May import
``scenario_library`` (family model, SceneSpec), ``autonomy.geometry`` and
``autonomy.types`` (the ego's limits), and ``farm.errors``; never ``farm.sim``,
the stack or the store. Independent of seed, stack and fidelity.
"""

from farm.preventable.verdict import Preventability
from tests.farm.preventable.oracle.assess import RULES, assess

__all__ = ["RULES", "Preventability", "assess"]
