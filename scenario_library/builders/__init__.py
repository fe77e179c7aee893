"""Family builders: one module per family, each a ``build(*, <declared parameters>) -> SceneSpec``.

A family file names its builder as ``module:function`` inside this package.
Builders are pure functions of their parameters (no randomness, no I/O) and use
``autonomy.geometry`` for polylines; ``common`` holds the shared road pieces.
"""
