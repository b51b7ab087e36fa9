"""The physical model: phases, parameters, free energy, anisotropy, nucleation, constraints, grains.

Nothing here knows about meshes or solvers (:mod:`phasefield.numerics`) or files
(:mod:`phasefield.io`).
"""
