"""The discretization: solver units, mesh geometry, per-step coefficients, the two backends, stepping."""
