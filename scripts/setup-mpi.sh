#!/usr/bin/env bash
# Set up the parallel (MPI) run on a fresh Debian 12 machine from the distribution's packages
# (nothing built from source), then run the MPI test. Re-running it is harmless.
#
#   scripts/setup-mpi.sh [VENV]        (default VENV: .venv-mpi in the repository)
#
# Debian's petsc4py and mpi4py are built against Debian's numpy (1.24 on Debian 12) and its
# /usr/bin/python3 (3.11): the venv is made from that interpreter with --system-site-packages,
# and pip installs the project under a constraint that keeps Debian's numpy (a plain
# `pip install fipy` there pulls numpy 2, and petsc4py then fails to import).
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
venv="${1:-$repo/.venv-mpi}"
petsc_dir=/usr/lib/petscdir/petsc3.18/x86_64-linux-gnu-real

sudo_() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

echo "== Debian packages: PETSc with petsc4py, mpi4py, Open MPI, venv"
sudo_ apt-get update -q
sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    python3-petsc4py python3-mpi4py openmpi-bin python3-venv

echo "== venv $venv from /usr/bin/python3 ($(/usr/bin/python3 --version)), seeing Debian's packages"
[ -x "$venv/bin/python" ] || /usr/bin/python3 -m venv --system-site-packages "$venv"
site="$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')"
# Debian's petsc4py.pth looks for petsc4py under $PETSC_DIR (or /usr/lib/petsc, which only
# petsc-dev provides): this .pth, read before it, gives the venv that default.
echo "import os; os.environ.setdefault('PETSC_DIR', '$petsc_dir')" > "$site/00-petsc-dir.pth"

echo "== the project and pytest, keeping Debian's numpy"
numpy_version="$(/usr/bin/python3 -c 'import numpy; print(numpy.__version__)')"
constraints="$venv/constraints.txt"
echo "numpy==$numpy_version" > "$constraints"
# pytest-xdist: pyproject's addopts carry --dist (the fast suite's worker groups), which pytest
# refuses without the plugin
"$venv/bin/python" -m pip install -q -c "$constraints" -e "$repo" "pytest>=8" pytest-xdist
"$venv/bin/python" -c 'import numpy, petsc4py, mpi4py, fipy; from petsc4py import PETSc; print("numpy", numpy.__version__, "petsc4py", petsc4py.__version__, "mpi4py", mpi4py.__version__, "fipy", fipy.__version__, "solvers", fipy.solvers.solver_suite)'

echo "== the MPI test (mpirun -np 2 against the serial run)"
cd "$repo"
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
    "$venv/bin/python" -m pytest -p no:randomly -q -m mpi tests/phasefield/numerics/test_mpi.py
echo "== done: run in parallel with  mpirun -np 2 $venv/bin/nvp-growth run epitaxy --set backend=fipy"
