"""Scenarios of the paper, their registry and the ``nvp-growth`` command line."""

from .registry import Scenario, get, load_file, scenarios

__all__ = ["Scenario", "get", "load_file", "scenarios"]
