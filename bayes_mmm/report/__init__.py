"""Layer 7 - the self-contained HTML report of a fit (and optionally a budget plan)."""
