"""The numbers and orientation relationships the paper reports, with where it reports them.

They are compared with what the lattices give (:func:`atomistic.crystal_report`), never used
to tune anything. Text positions refer to the paper's Results section (Figs. 4, 5).
"""

from __future__ import annotations

from dataclasses import dataclass

from .crystallography import OrientationRelationship

__all__ = [
    "NAH2PO4_NVP",
    "NH4VO3_NVP",
    "PAPER_COINCIDENCE",
    "PAPER_MISFIT_PLANES",
    "PAPER_RAW_MISMATCH",
    "PAPER_SPACINGS",
    "PAPER_STRAINS",
    "PaperSpacing",
]


@dataclass(frozen=True)
class PaperSpacing:
    """A d-spacing the paper measured in an HRTEM image.

    Attributes
    ----------
    phase : str
    hkl : tuple of int
    d : float
        Å (the paper gives nm).
    where : str
        Figure and wording in the paper.
    """

    phase: str
    hkl: tuple[int, ...]
    d: float
    where: str


PAPER_SPACINGS: tuple[PaperSpacing, ...] = (
    PaperSpacing("NH4VO3", (1, 0, 0), 4.91, "Fig. 4b: 'the distance of (100) NH4VO3 conformed to 0.491 nm'"),
    PaperSpacing("NVP", (2, 0, 2), 3.57, "Fig. 4b: '(202) NVP conformed to 0.357 nm'"),
    PaperSpacing("NaH2PO4", (1, 1, 1), 4.57, "Fig. 5g: '(111) NaH2PO4 matched 0.457 nm [42]'"),
    PaperSpacing("NVP", (-1, 2, -3), 3.47, "Fig. 5g: '(-1 2 -3) NVP matched 0.347 nm [4]'"),
)

#: The planes whose spacings the paper's misfit compares: (1 2 -1) NH4VO3 (substrate) and
#: (2 -1 0) NVP (overgrowth).
PAPER_MISFIT_PLANES = (("NH4VO3", (1, 2, -1)), ("NVP", (2, -1, 0)))

#: "the lattice mismatch of (1 2 -1) NH4VO3 and (2 -1 0) NVP was about 30 %" (fraction).
PAPER_RAW_MISMATCH = 0.30

#: "a 3-to-2 epitaxial relationship ... The theoretical lattice mismatch delta ... was
#: approximately 8.1 %": (m, n, delta).
PAPER_COINCIDENCE = (3, 2, 0.081)

#: "the strain of NVP was 5 % and that of NH4VO3 was evaluated to be 6.6 %" (fractions).
PAPER_STRAINS = {"NVP": 0.05, "NH4VO3": 0.066}

#: Fig. 4 (HRTEM + FFT at 14 s): [012] NH4VO3 // [1 2 -1] NVP, (1 2 -1) NH4VO3 // (2 -1 0) NVP.
NH4VO3_NVP = OrientationRelationship((0, 1, 2), (1, 2, -1), (1, 2, -1), (2, -1, 0))

#: Fig. 5g (HRTEM + FFT at 13 s): [-3 2 1] NaH2PO4 // [2 1 0] NVP, (-1 -2 1) NaH2PO4 // (0 0 9) NVP.
NAH2PO4_NVP = OrientationRelationship((-3, 2, 1), (2, 1, 0), (-1, -2, 1), (0, 0, 9))
