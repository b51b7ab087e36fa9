"""The run file passes the IOOS compliance checker's CF suite (no high-priority failure).

The checker asks for units only where a standard_name tells it a variable is
dimensional, and no CF standard name fits most of these fields (the table is
made for earth science), so :func:`problems` adds the project's own rule:
``units`` and ``long_name`` on every variable. Stripping either, or the time
coordinate's ``standard_name``, makes the file fail (tested below).
"""

from __future__ import annotations

import shutil

import netCDF4
import pytest

pytest.importorskip("compliance_checker")
from compliance_checker.runner import CheckSuite  # noqa: E402

from scenarios.wetting import WettingParameters, run  # noqa: E402

# loading every checker warns that the IOOS SOS one is deprecated
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:compliance_checker")

SUITE = "cf:1.11"  # the newest CF suite of compliance-checker 6.1; the files say Conventions = CF-1.11
HIGH = 3  # the checker's weight of a high-priority check (BaseCheck.HIGH)

# The one deviation, by check name and exact message: ``time`` is the elapsed time since the
# start of the run in s (README, Output). CF 4.4 wants "seconds since <epoch>" on a time
# coordinate, but a simulation has no calendar epoch, and xarray would decode such a unit to
# dates instead of the seconds every reader of these files uses. 3.1 repeats that complaint for
# the standard_name "time" (whose canonical unit, s, the coordinate does have).
ALLOWED = {
    ("§4.4 Time Coordinate", "time does not have correct time units"),
    ("§3.1 Units", "time must be in a valid units format <unit> since <epoch> not s"),
}


@pytest.fixture(scope="module")
def run_file(tmp_path_factory):
    """A small wetting run (32 x 24 cells, two frames after the first) with its scenario outputs."""
    path = tmp_path_factory.mktemp("cf") / "wetting.nc"
    p = WettingParameters(
        grid=32, domain_nm=(32.0, 24.0), particle_radius_nm=6.0, substrate_height_nm=6.0, duration_s=0.5, output_interval_s=0.25, time_tolerance=0.5
    )
    run(p, path)
    return path


def problems(path) -> list[str]:
    """High-priority failures of the CF suite (less ``ALLOWED``) and variables without units or long_name."""
    suite = CheckSuite()
    suite.load_all_available_checkers()
    assert SUITE in suite.checkers, f"compliance-checker has no {SUITE} suite; it has {sorted(suite.checkers)}"
    results = suite.run_all(suite.load_dataset(str(path)), [SUITE], skip_checks=[])[SUITE][0]
    found = [
        f"{r.name}: {msg}"
        for r in results
        if r.weight == HIGH and r.value[0] < r.value[1]
        for msg in r.msgs
        if (r.name, msg) not in ALLOWED
    ]
    with netCDF4.Dataset(path) as nc:
        for name, var in nc.variables.items():
            found += [f"{name} has no {attr}" for attr in ("units", "long_name") if attr not in var.ncattrs()]
    return found


def test_the_cf_suite_finds_no_high_priority_failure(run_file):
    assert problems(run_file) == []


@pytest.mark.parametrize(("variable", "attribute"), [("T", "units"), ("eta", "units"), ("x", "units"), ("time", "units"), ("time", "standard_name"), ("c", "long_name")])
def test_stripping_units_or_standard_names_fails(run_file, tmp_path, variable, attribute):
    """The check has teeth: a copy without one of these attributes is not compliant."""
    copy = tmp_path / "stripped.nc"
    shutil.copy(run_file, copy)
    with netCDF4.Dataset(copy, "a") as nc:
        nc.variables[variable].delncattr(attribute)
    assert problems(copy) != []
