"""Layer 0 - foundations shared by every layer: error types and the one message template,
argument checks, interval summaries of draws, the package version. Imports nothing of bayes_mmm."""
