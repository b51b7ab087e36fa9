"""The MPI ranks of a run (``mpirun -np N``): who is rank 0, and what the ranks agree on.

A parallel run keeps every field replicated: each rank holds the same global arrays and
computes the same coefficients, step sizes and nuclei (the same code on the same inputs);
only the linear solves of the ``fipy`` backend are distributed, through FiPy's PETSc
solvers (:mod:`phasefield.numerics.fipy_backend`). So the ranks agree on everything by
construction, and this module checks it (:meth:`Ranks.require_identical`), lets rank 0
alone write, and makes a failure on rank 0 (a locked or existing file, a full disk) the
failure of every rank (:meth:`Ranks.agree`) instead of leaving the others waiting in a solve.

Without mpi4py, or launched without ``mpirun``, it is one rank and every call is trivial.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from ..model.values import ParameterError
from .guards import SimulationError

T = TypeVar("T")

# What the MPI launchers tell each process about the size of its job (Open MPI, MPICH/PMI, PMIx).
_LAUNCHER_SIZE = ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE")


class RanksDiverged(SimulationError):
    """The ranks' replicated fields differ: a rank computed something the others did not."""


@dataclass(frozen=True)
class Ranks:
    """The processes of this run: an mpi4py communicator, or None for a serial run."""

    comm: Any = None

    @property
    def size(self) -> int:
        return 1 if self.comm is None else int(self.comm.Get_size())

    @property
    def rank(self) -> int:
        return 0 if self.comm is None else int(self.comm.Get_rank())

    @property
    def is_root(self) -> bool:
        """Rank 0: the one that writes files and reports."""
        return self.rank == 0

    @property
    def parallel(self) -> bool:
        return self.size > 1

    def barrier(self) -> None:
        if self.parallel:
            self.comm.Barrier()

    def max(self, value: float) -> float:
        """The largest ``value`` of all ranks."""
        if not self.parallel:
            return value
        from mpi4py import MPI

        return self.comm.allreduce(value, op=MPI.MAX)

    def agree(self, action: Callable[[], T]) -> T | None:
        """Run ``action`` on rank 0 only; its exception, if any, is raised on every rank.

        Returns its result on rank 0 and None elsewhere. For what only rank 0 does (take
        the lock, write a frame): without this, the other ranks would go on into the next
        solve and wait there for rank 0 forever.
        """
        if not self.parallel:
            return action()
        result, error = None, None
        if self.is_root:
            try:
                result = action()
            except BaseException as err:  # noqa: BLE001 -- handed to every rank, raised below
                error = err
        error = self.comm.bcast(_picklable(error), root=0)
        if error is not None:
            raise error
        return result

    def release_solvers(self) -> None:
        """Destroy the PETSc objects no longer referenced, on every rank at once (collective).

        petsc4py destroys a parallel object only in a collective garbage cleanup; objects that the
        Python garbage collector freed at different moments on different ranks (FiPy's solvers hold
        reference cycles) otherwise reach PETSc's cleanup at exit unequal, and there one rank
        duplicated a communicator while the other waited in an all-reduce: the run hung after its
        last frame (seen with petsc4py 3.18, Debian 12). Called when a run has finished."""
        if not self.parallel:
            return
        import gc

        from petsc4py import PETSc

        gc.collect()
        self.comm.Barrier()
        PETSc.garbage_cleanup(PETSc.COMM_WORLD)
        PETSc.garbage_cleanup(PETSc.COMM_SELF)

    def require_identical(self, what: str, *arrays: np.ndarray) -> None:
        """Raise :class:`RanksDiverged` on every rank unless ``arrays`` are bit for bit the same on all."""
        if not self.parallel:
            return
        digest = hashlib.blake2b(digest_size=16)
        for a in arrays:
            digest.update(np.ascontiguousarray(a).tobytes())
        digests = self.comm.allgather(digest.hexdigest())
        if len(set(digests)) > 1:
            differ = [r for r, d in enumerate(digests) if d != digests[0]]
            raise RanksDiverged(f"the MPI ranks' {what} differ (ranks {differ} from rank 0): the replicated state diverged")


def _picklable(error: BaseException | None) -> BaseException | None:
    """``error`` if it survives pickling (mpi4py's bcast), else a RuntimeError with its message."""
    import pickle

    if error is None:
        return None
    try:
        pickle.loads(pickle.dumps(error))
        return error
    except Exception:  # noqa: BLE001 -- any pickling failure: keep the message
        return RuntimeError(f"{type(error).__name__}: {error}")


def launched_size() -> int:
    """The number of processes an MPI launcher started for this job (1 without one)."""
    for name in _LAUNCHER_SIZE:
        if name in os.environ:
            return int(os.environ[name])
    return 1


def ranks() -> Ranks:
    """The ranks of this run (MPI's world communicator), one rank without MPI.

    Raises
    ------
    ParameterError
        Launched by ``mpirun`` on more than one process without mpi4py: each process would
        run the whole run alone and write the same file.
    """
    try:
        from mpi4py import MPI
    except ImportError:
        if launched_size() > 1:
            raise ParameterError(
                f"mpirun started {launched_size()} processes but mpi4py is not installed; allowed: install it "
                "(scripts/setup-mpi.sh), or run without mpirun"
            ) from None
        return Ranks()
    world = MPI.COMM_WORLD
    return Ranks(world if world.Get_size() > 1 else None)


_LAUNCHER_RANK = ("OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK")


def launched_rank() -> int:
    """This process's rank as the MPI launcher told it (0 without one); known before MPI starts,
    so that a command line refused before any work is reported by rank 0 alone."""
    for name in _LAUNCHER_RANK:
        if name in os.environ:
            return int(os.environ[name])
    return 0


def refuse_in_parallel(what: str, allowed: str) -> None:
    """Raise :class:`ParameterError` naming ``what`` when launched on more than one MPI process."""
    if launched_size() > 1:
        raise ParameterError(f"{what} is not allowed on {launched_size()} MPI ranks; allowed: {allowed}")
