"""The simulator: the ONLY importer of pybullet.

Owns the world builder (SceneSpec -> pybullet DIRECT world), vehicle dynamics
(dynamic and kinematic ego), actor behaviours, sensor models and the closed
loop (``farm.sim.rollout``). May import ``autonomy``, ``scenario_library``
and farm's contracts. Importing this package does not import pybullet; the
modules that need it do.
"""
