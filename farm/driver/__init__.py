"""The sweep driver: submit a sweep, drive one session over it, watch, stop and log it.

Owns what happens between ``simfarm submit`` and the store: ``submit`` (create
or resume a sweep, detach, Ray-job submission), ``session`` (one driver session
over a stored sweep: lease, dispatch, streaming results out, the report and its
exit code), ``control`` (status, logs, cancel, signals, stale leases), ``log``
(the driver log in the store and a detached driver's local file), ``progress``
(the progress bar/lines and per-family counts), ``kube`` and ``kube_control``
(a sweep as a KubeRay RayJob through ``farm.k8s``: submit and follow; status,
logs, cancel) and ``__main__`` (``python -m farm.driver run``, the entry point
of every driver outside ``simfarm submit``).

May import ``farm.execution``, ``farm.k8s``, ``farm.store``, ``farm.sweep`` and farm's
contracts (``farm.spec``, ``farm.result``, ``farm.errors``, ``farm.fingerprint``);
only ``cli`` and ``farm.sim2real`` import it. Ray is reached through ``farm.execution`` only.
"""

from __future__ import annotations

from farm.driver.control import break_stale_lease, cancel_sweep, sweep_logs, sweep_status
from farm.driver.progress import ProgressReporter, family_counts, pass_rate, summary_table
from farm.driver.session import DriverReport, run_sweep, sweep_exit_code
from farm.driver.submit import driver_command, is_local_store, resolve_options, submit

__all__ = ["DriverReport", "ProgressReporter", "break_stale_lease", "cancel_sweep", "driver_command",
           "family_counts", "is_local_store", "pass_rate", "resolve_options", "run_sweep", "submit",
           "summary_table", "sweep_exit_code", "sweep_logs", "sweep_status"]
