"""Panel checks for many-region data: regions observed on too few dates to be filled in.

``fill_missing=True`` interpolates the target of missing (region, date) rows. That is fine for
a few gaps; for a region seen on one or two dates it invents a whole time series. Every region
must be observed on at least ``MIN_OBSERVED_SHARE`` of the panel's dates.
"""

from __future__ import annotations

import numpy as np

from bayes_mmm.core.errors import DataError, describe_rows, message

MIN_OBSERVED_SHARE = 0.5


def check_sparse_regions(geo: str, geos, geo_values, n_dates: int) -> None:
    """Raise one :class:`DataError` naming every region observed on too few dates."""
    labels, counts = np.unique(np.asarray(geo_values, dtype=str), return_counts=True)
    seen = dict(zip(labels, counts))
    need = int(np.ceil(MIN_OBSERVED_SHARE * n_dates))
    sparse = [f"{g} ({seen.get(str(g), 0)} of {n_dates} dates)" for g in geos]
    sparse = [s for g, s in zip(geos, sparse) if seen.get(str(g), 0) < need]
    if sparse:
        raise DataError(
            message(
                f"geo column '{geo}'",
                f"every region observed on at least {need} of the {n_dates} dates "
                "(fill_missing=True interpolates gaps, not whole series)",
                f"{len(sparse)} sparse region(s): {describe_rows(sparse)}",
                "Drop those regions, merge them into a larger region, or load their history.",
            )
        )
