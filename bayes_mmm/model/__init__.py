"""Layer 2 - the model: specification, priors, transforms, likelihood families, the math shared by
numpy and pytensor, and the PyMC graph built from them. Imports core and data."""
