"""Layer 6 - planning: budget plans and horizons, constraints, the whole-posterior optimiser and
what-if scenarios. Imports layers 0-5 (plan results draw themselves through viz)."""
