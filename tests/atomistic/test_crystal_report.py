"""The crystal report: the paper's numbers beside the lattices', with sources and verdicts."""

from __future__ import annotations

import logging

import ase.io
import pytest

import atomistic


@pytest.fixture(scope="module")
def report():
    return atomistic.crystal_report()


def test_report_prints_the_papers_numbers_beside_the_lattices(report):
    for text in (
        "d(1 0 0) NH4VO3", "4.9200", "d(2 0 2) NVP", "3.5749", "d(1 1 1) NaH2PO4", "4.5736",
        "d(-1 2 -3) NVP", "3.7482", "-37.8 %", "27.4 %", "3:2", "8.16%", "4:3",
    ):
        assert text in report


def test_report_says_where_the_lattice_disagrees_with_the_paper(report):
    line = next(l for l in report.splitlines() if l.startswith("d(-1 2 -3) NVP"))
    assert "DISAGREES" in line and "8.0%" in line
    assert "d(2 0 2) NVP" in report and "agrees" in next(l for l in report.splitlines() if l.startswith("d(2 0 2)"))


def test_report_checks_the_zone_law_of_both_relationships(report):
    assert report.count("h u + k v + l w = 0 (holds") == 4
    assert "(0 0 9) is systematically absent" in report


def test_report_names_the_cif_the_v_overlap_needs_and_the_status_of_every_input(report):
    assert "needs an NH4VO3 CIF" in report and "--cif NH4VO3=" in report
    assert "NaH2PO4 lattice points / NVP V" in report
    for status in ("not re-read", "read", "MODEL", "NOT checked against source"):
        assert status in report


def test_report_uses_a_users_cif(tmp_path, caplog):
    # a stand-in file (the NVP model written as CIF), only to exercise the CIF path
    path = tmp_path / "standin.cif"
    ase.io.write(path, atomistic.bulk("NVP"), format="cif")
    with caplog.at_level(logging.WARNING, logger="atomistic.crystals"):
        text = atomistic.crystal_report({"NH4VO3": path})
    assert "different setting or phase" in caplog.text  # its cell is not NH4VO3's
    assert "NH4VO3 V / NVP V (3D):" in text and "user CIF" in text
    assert "needs an NH4VO3 CIF" not in text
