"""The heap reuse a run sets (phasefield.numerics.allocation): glibc's mallopt with the stated thresholds."""

from __future__ import annotations

import platform

import pytest

import phasefield
from phasefield import Disc, Grain, HalfSpace, Microstructure
from phasefield.numerics import allocation
from tests.conftest import isothermal


def test_a_run_sets_the_heap_thresholds_through_mallopt(monkeypatch):
    """run() asks glibc (mallopt parameters -3 and -1, malloc.h) for a 32 MiB mmap threshold and a 1 GiB
    trim threshold; a C library without mallopt leaves it at False, and nothing else changes."""
    calls = []

    def recording(param, value):
        calls.append((param, value))
        return 1

    monkeypatch.setattr(allocation, "_mallopt", lambda: recording)
    assert allocation.reuse_heap_memory() is True
    assert calls == [(-3, 32 * 2**20), (-1, 2**30)]
    calls.clear()
    p = isothermal(grid=16, domain_nm=(8.0, 8.0), duration_s=0.01, output_interval_s=0.01)
    phasefield.run(p, Microstructure(grains=(Grain("NH4VO3"), Grain("NH4VO3", 30.0)), shapes=(HalfSpace(1e3), Disc((4.0, 4.0), 2.0))))
    assert calls == [(-3, 32 * 2**20), (-1, 2**30)]  # the run asked for them
    monkeypatch.setattr(allocation, "_mallopt", lambda: None)
    assert allocation.reuse_heap_memory() is False


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_glibc_is_found_and_takes_the_thresholds():
    assert allocation._mallopt() is not None and allocation.reuse_heap_memory() is True
