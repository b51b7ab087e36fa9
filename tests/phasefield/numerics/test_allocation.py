"""The heap reuse a run sets (phasefield.numerics.allocation): glibc's mallopt with the stated thresholds."""

from __future__ import annotations

import platform

import pytest

from phasefield.numerics import allocation


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
    monkeypatch.setattr(allocation, "_mallopt", lambda: None)
    assert allocation.reuse_heap_memory() is False


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_glibc_is_found_and_takes_the_thresholds():
    assert allocation._mallopt() is not None and allocation.reuse_heap_memory() is True
