"""simfarm's farm: sweeps, simulation, metrics, execution, storage and reports.

Owns the contracts every other part relies on (``farm.spec``, ``farm.identity``,
``farm.result``, ``farm.schema``). May import ``autonomy`` and
``scenario_library``; never ``cli``. Inside farm, a layer imports only the
layers below it (import-linter contracts in pyproject.toml): ``driver`` ->
``replay``, ``conformance`` -> ``execution``, ``reports``, ``k8s`` -> ``sim``,
``store``, ``sweep``, ``metrics`` -> the contracts (``spec``, ``identity``,
``result``, ``schema``, ``errors``, ``fingerprint``, ``stacks``); no package has
an import cycle between its modules. Heavy dependencies each have one home:
pybullet in ``farm.sim``, ray in ``farm.execution.ray*``, boto3 and
``pyarrow.fs`` in ``farm.store``, kubernetes in ``farm.k8s``.
"""

__version__ = "0.1.0"
