"""simfarm's farm: sweeps, simulation, metrics, execution, storage and reports.

Owns the contracts every other part relies on (``farm.spec``, ``farm.identity``,
``farm.result``, ``farm.schema``). May import ``autonomy`` and
``scenario_library``; never ``cli``. Heavy dependencies each have one home:
pybullet in ``farm.sim``, ray in ``farm.execution.ray*``, boto3 and
``pyarrow.fs`` in ``farm.store``, kubernetes in ``farm.k8s``.
"""

__version__ = "0.1.0"
