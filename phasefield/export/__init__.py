"""Exports of a run's Dataset to other representations (after :mod:`phasefield.analysis`).

:mod:`.atoms`: a snapshot's grains filled with their crystals, as ``ase.Atoms``. The one layer
of ``phasefield`` that imports :mod:`atomistic`: it turns a finished run back into atoms.
"""
