"""The finite-volume geometry of a FiPy mesh as plain arrays (:class:`FaceGeometry`).

This is the one module that reads FiPy's private mesh attributes (``_faceAreas``,
``_cellToFaceOrientations``, ``_faceCellToCellNormals``, ``_cellDistances``): the fast
backend and the coefficient assembly use only the arrays built here. The FiPy versions
it is tested against are pinned in pyproject.toml.
"""

from __future__ import annotations

from dataclasses import dataclass

import fipy as fp
import numpy as np
import scipy.sparse as sp


def grid_mesh(shape: tuple[int, ...], communicator):
    """A FiPy Grid2D or Grid3D of ``shape`` cells of size 1 (solver units) on ``communicator``:
    ``fp.serialComm`` for the whole grid on every process, ``fp.parallelComm`` for a grid
    partitioned among the MPI ranks."""
    if len(shape) == 2:
        return fp.Grid2D(nx=shape[0], ny=shape[1], dx=1.0, dy=1.0, communicator=communicator)
    return fp.Grid3D(nx=shape[0], ny=shape[1], nz=shape[2], dx=1.0, dy=1.0, dz=1.0, communicator=communicator)


def local_ids(mesh) -> tuple[np.ndarray, np.ndarray]:
    """(cells, faces) of this MPI rank's part of ``mesh`` (ghosts included), as ids in the whole
    grid: all of them, in order, on an unpartitioned mesh."""
    return np.asarray(mesh._globalOverlappingCellIDs), np.asarray(mesh._globalOverlappingFaceIDs)


@dataclass(frozen=True)
class FaceGeometry:
    """Cell/face connectivity of a FiPy mesh, as plain arrays.

    ``first``/``second`` are the two cells of each face (the same cell twice on
    the boundary), ``interior`` marks interior faces, ``weight`` is FiPy's
    geometric diffusion coefficient area/distance and ``volume`` the cell volumes.
    """

    first: np.ndarray
    second: np.ndarray
    interior: np.ndarray
    weight: np.ndarray
    volume: np.ndarray
    normals: np.ndarray
    distance: np.ndarray
    gradient: tuple  # sparse (cells x cells) per axis: FiPy's Gauss cell gradient
    face_sum: sp.csr_matrix  # (cells x faces): sum over a cell's faces with their outward orientation
    face_gradient_matrix: sp.csr_matrix  # (dim * faces x cells): FiPy's faceGrad, rows axis-major

    @classmethod
    def from_mesh(cls, mesh) -> "FaceGeometry":
        ids = mesh.faceCellIDs
        first = np.asarray(np.ma.getdata(ids[0]))
        interior = ~np.ma.getmaskarray(ids[1])
        second = np.where(interior, np.ma.getdata(ids[1]), first)
        area = np.asarray(mesh._faceAreas)
        volume = np.asarray(mesh.cellVolumes)
        n_cells, n_faces = mesh.numberOfCells, mesh.numberOfFaces
        # Gauss gradient: grad_c = sum_f orientation A_f n_f phi_f / V, phi_f the arithmetic
        # face value (the cell's own value on the boundary), as FiPy's CellVariable.grad.
        cell_faces = np.ma.getdata(mesh.cellFaceIDs)
        valid = ~np.ma.getmaskarray(mesh.cellFaceIDs)
        orient = np.ma.filled(mesh._cellToFaceOrientations, 0).astype(float)
        rows = np.broadcast_to(np.arange(n_cells), cell_faces.shape)[valid]
        face_sum = sp.csr_matrix((orient[valid], (rows, cell_faces[valid])), shape=(n_cells, n_faces))
        average = sp.csr_matrix(
            (np.full(2 * n_faces, 0.5), (np.tile(np.arange(n_faces), 2), np.concatenate([first, second]))), shape=(n_faces, n_cells)
        )
        face_normals = np.asarray(mesh.faceNormals)
        gradient = tuple((sp.diags(1.0 / volume) @ face_sum @ sp.diags(area * face_normals[k]) @ average).tocsr() for k in range(mesh.dim))
        # faceGrad: the mean of the two cells' Gauss gradients, its component along the
        # cell-to-cell normal replaced by the two-point difference (zero on the boundary)
        normals = np.asarray(mesh._faceCellToCellNormals)
        distance = np.asarray(mesh._cellDistances)
        inner = np.flatnonzero(interior)
        two_point = sp.csr_matrix(
            (np.concatenate([-1.0 / distance[inner], 1.0 / distance[inner]]), (np.tile(inner, 2), np.concatenate([first[inner], second[inner]]))),
            shape=(n_faces, n_cells),
        )
        mean = [average @ G for G in gradient]
        rows = []
        for k in range(mesh.dim):
            tangential = sum(sp.diags((k == j) - normals[k] * normals[j]) @ mean[j] for j in range(mesh.dim))
            rows.append(tangential + sp.diags(normals[k]) @ two_point)
        face_gradient_matrix = sp.vstack(rows).tocsr()
        return cls(
            first=first,
            second=second,
            interior=interior,
            weight=np.asarray(area / mesh._cellDistances),
            volume=volume,
            normals=np.asarray(mesh._faceCellToCellNormals),
            distance=np.asarray(mesh._cellDistances),
            gradient=gradient,
            face_sum=face_sum,
            face_gradient_matrix=face_gradient_matrix,
        )

    def flux_divergence(self, phi: np.ndarray, face_coeff: np.ndarray) -> np.ndarray:
        """V div(c grad phi) per cell with FiPy's two-point face flux (no flux through the boundary)."""
        f = self.interior
        a, b = self.first[f], self.second[f]
        flux = face_coeff[f] * self.weight[f] * (phi[b] - phi[a])
        return np.bincount(a, flux, phi.size) - np.bincount(b, flux, phi.size)

    def face_gradient(self, phi: np.ndarray) -> np.ndarray:
        """Gradient at faces, (dim, faces): the two-cell difference along the face normal,
        the mean of the cells' Gauss gradients across it (FiPy's ``faceGrad`` construction)."""
        return (self.face_gradient_matrix @ phi).reshape(self.normals.shape)

    def face_gradient_transpose(self, vectors: np.ndarray) -> np.ndarray:
        """G^T v for face vectors (dim, faces): the derivative of sum_f v_f . grad_f phi with respect to phi."""
        return self.face_gradient_matrix.T @ vectors.reshape(-1)

    def cell_share(self, face_values: np.ndarray) -> np.ndarray:
        """Half of each interior face's value to each of its two cells, summed per cell."""
        f = self.interior
        n = self.volume.size
        return 0.5 * (np.bincount(self.first[f], face_values[f], n) + np.bincount(self.second[f], face_values[f], n))

    def arithmetic(self, cell_values: np.ndarray) -> np.ndarray:
        """Arithmetic face mean (FiPy's ``arithmeticFaceValue`` on a uniform grid)."""
        return 0.5 * (cell_values[..., self.first] + cell_values[..., self.second])

    def harmonic(self, cell_values: np.ndarray) -> np.ndarray:
        """Harmonic face mean; zero where either cell is zero (no flux into the surroundings)."""
        a, b = cell_values[..., self.first], cell_values[..., self.second]
        s = a + b
        return np.where(s > 0, 2.0 * a * b / np.where(s > 0, s, 1.0), 0.0)
