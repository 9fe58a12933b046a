"""Bundled example data sets: shipped inside the package, so examples and tests never read
outside the repository (``bm.datasets.load_advertising()``).

Sources:

* ``files/advertising.csv`` - the "Advertising" data set from *An Introduction to Statistical
  Learning* (James, Witten, Hastie & Tibshirani, https://www.statlearning.com/resources-first-edition):
  200 markets, TV / radio / newspaper budgets (thousands of dollars) and sales (thousands of
  units). Cross-sectional, not a time series. OLS on it gives intercept 2.939, TV 0.0458,
  radio 0.1885, newspaper -0.0010.
"""

from __future__ import annotations

from importlib.resources import files

import pandas as pd

ADVERTISING_CHANNELS = ("TV", "radio", "newspaper")


def load_advertising(with_dates: bool = False) -> pd.DataFrame:
    """The ISLR Advertising data: columns market, TV, radio, newspaper ($k), sales (k units).

    ``with_dates=True`` adds a fake weekly ``date`` column (one week per market, starting
    2020-01-06) so the table can go straight into :meth:`MMMData.from_frame`; with adstock, trend
    and seasonality switched off the dates play no role in the model.
    """
    with files("bayes_mmm.data").joinpath("files/advertising.csv").open("r") as handle:
        frame = pd.read_csv(handle)
    if with_dates:
        frame.insert(1, "date", pd.date_range("2020-01-06", periods=len(frame), freq="W-MON"))
    return frame


__all__ = ["ADVERTISING_CHANNELS", "load_advertising"]
