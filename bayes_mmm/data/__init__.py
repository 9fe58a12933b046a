"""Layer 1 - data: a user's DataFrame -> validated :class:`MMMData`, lift-test tables, date windows,
bundled example data sets. Imports only :mod:`bayes_mmm.core`."""
