"""Layer 4 - results: the immutable fit result, posterior draws as arrays, the counterfactual engine
(ROI, mROI, curves, contributions), model files and the pooling comparison. Imports layers 0-3."""
