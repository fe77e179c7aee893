"""The autonomy stack under test: pure numpy, no pybullet, no project imports.

Owns the stack interface (``autonomy.types``: sensor messages, commands, the
``Stack`` protocol), shared planar geometry, and simfarm's reference stack
(perception, localization, tracking, prediction, planning, control, safety
monitor, seeded latency model), built by ``autonomy.reference:build_stack``.
Imports nothing from ``farm``, ``scenario_library`` or ``cli``.
"""
