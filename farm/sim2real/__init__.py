"""Sim-to-real: re-simulate real runs through the normal sweep machinery and pair them explicitly.

Owns ``simfarm sim2real``: reading a real-run log (``farm.reallog``), planning the
re-simulation sweep — every real run K times with different seeds, from its family's
parameters or as a ``log_replay`` of its trajectories (``plan``) — running it with
``farm.driver.submit`` (resumable by sweep id), or pairing with an existing sweep
(``from_sweep``), computing real metrics from trajectories with ``farm.metrics``
(``real_metrics``), and storing the pairing map and real values beside the sweep
(``farm.reports.sim2real_store``), whose report ``farm.reports.sim2real`` builds.

The top layer of farm: may import ``farm.driver`` and everything below it; only ``cli``
imports it.
"""
