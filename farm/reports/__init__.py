"""Reports: single-rollout views now; summary, coverage, compare/gate, sim2real and trends build here.

May import farm's contracts and the store; renders with rich (terminal), JSON and HTML.
"""
