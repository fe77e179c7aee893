"""Real-run logs: reading (CSV or Parquet, pyarrow), strict validation, canonical content, inputs in the store.

Owns the real-run log format (docs/real-run-logs.md): the runs table, the optional
trajectory and lanes tables, every validation limit (``limits``), the canonical
content of one real run and its hash, uploading it to ``inputs/<hash>`` and fetching
it back as a ``scenario_library.recorded.RecordedLog`` (``inputs``), and promoting a
real run into a sweep's frozen regression set (``promote``). Bad logs raise
``farm.errors.InputError``: one line naming the file, the row and column, the reason.

Imports farm's contracts, ``farm.store`` (inputs), ``farm.sweep`` (promote checks the
edited sweep) and ``scenario_library``; pyarrow for the tables. Nothing here runs a rollout.
"""

from farm.reallog.log import RealRunLog, read_log
from farm.reallog.runs import RealRun

__all__ = ["RealRun", "RealRunLog", "read_log"]
