"""``bm.MMMData``: the validated model input of :mod:`bayes_mmm.data.mmm_data` plus ``plot()``.

Plots live in the ``viz`` layer, above ``data``; as with ``bm.MMM`` and ``bm.MMMFit``
(:mod:`bayes_mmm.workflow`), a top-level subclass adds the method that reaches upward, so
``data.plot()`` works before any fit while the data layer stays free of matplotlib.
"""

from __future__ import annotations

from bayes_mmm.data.mmm_data import MMMData as BaseMMMData
from bayes_mmm.viz.input_plots import inputs


class MMMData(BaseMMMData):
    """Validated model input (see :class:`bayes_mmm.data.mmm_data.MMMData`) with ``plot()``."""

    def plot(self, figsize=(13, 4.5)):
        """Spend per period per channel and the correlation heatmap of spend and controls
        (before fitting: look for channels that always move together)."""
        return inputs(self, figsize=figsize)


__all__ = ["MMMData"]
