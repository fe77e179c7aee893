"""The values ``assess`` hands back: one rule's ``Outcome`` and the row-ready ``Preventability``."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """What the reference driver achieved under one rule.

    ``impact_speed_mps``: its speed at first contact (0 without contact; None when
    the rule is geometric and simulates no impact); ``min_gap_m``: its least
    footprint gap to the actor of interest (None when there is none);
    ``policy``: the manoeuvre that gave this outcome; ``perception_t_s``: when
    the hazard became perceivable (None: never, or not modelled).
    """

    preventable: bool | None
    impact_speed_mps: float | None
    min_gap_m: float | None
    policy: str | None = None
    perception_t_s: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Preventability:
    """Would a careful and competent driver (UN R157 Annex 4 Appendix 3) have avoided the harm?

    The verdict columns are ``preventable`` (True: the reference avoids contact
    with more than the rule's margin; False: even it collides, or the rule says
    unpreventable; None: no rule), ``rule`` (``name@version``),
    ``ref_impact_speed_mps`` and ``ref_min_gap_m``. Everything after them is an
    extra column that never enters the verdict: the reference's policy and
    perception time, RSS (Shalev-Shwartz et al. 2017) and the JRC fuzzy safety
    model (Mattas et al. 2020) at t = 0 against the nearest road user ahead in the ego's lane.
    """

    preventable: bool | None
    rule: str | None
    ref_impact_speed_mps: float | None
    ref_min_gap_m: float | None
    ref_policy: str | None = None
    ref_perception_t_s: float | None = None
    rss_min_safe_gap_m: float | None = None
    rss_gap_m: float | None = None
    rss_violated_t0: bool | None = None
    jrc_fsm_pfs_t0: float | None = None
    jrc_fsm_cfs_t0: float | None = None

    def as_row(self) -> dict[str, Any]:
        """The columns as a dict: ``preventable``, ``preventable_rule``, ``ref_...``, ``rss_...``, ``jrc_fsm_...``."""
        row = asdict(self)
        row["preventable_rule"] = row.pop("rule")
        return row
