"""Layer 3 - inference: NUTS sampling (nutpie, PyMC, NumPyro), prior draws, convergence
diagnostics with advice. Imports core, data and model."""
