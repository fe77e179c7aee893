"""Scenario families as data (YAML) + builders that map parameters to a pure-data ``SceneSpec``.

Owns the family and ODD file formats, their validation, the catalogue, the
builders and the shipped sweep files. May import ``autonomy.types`` and
``autonomy.geometry`` (pure value types and geometry) only.
"""
