"""Plot of a ranking of candidate experiments (EVSI per candidate; duck-typed, no planning import).

``ranking`` is anything with a ``table`` (columns channel, spend_change, weeks, evsi, evsi_se,
prob_change_plan) and ``info["units"]``, i.e. what ``fit.next_experiment()`` returns.
"""

from __future__ import annotations

import numpy as np

from bayes_mmm.core.errors import SpecError, message
from bayes_mmm.viz.style import pyplot

NEEDED = {"channel", "spend_change", "weeks", "evsi", "evsi_se", "prob_change_plan"}


def experiment_bars(ranking, ax=None, top: int = 20):
    """Horizontal bars: expected value of each test's information (Monte Carlo error bars), with
    P(the test changes the recommended plan) written next to each bar; best at the top."""
    table = getattr(ranking, "table", None)
    if table is None or not set(table.columns) >= NEEDED:
        raise SpecError(
            message("experiment plot", "a ranking from fit.next_experiment()", type(ranking))
        )
    table = table.head(top).iloc[::-1]
    plt = pyplot()
    if ax is None:
        fig, ax = plt.subplots(figsize=(8, 0.4 * len(table) + 1.5))
    else:
        fig = ax.figure
    labels = [
        f"{r.channel} {r.spend_change:+,.0f}/period x {int(r.weeks)}" for r in table.itertuples()
    ]
    y = np.arange(len(table))
    ax.barh(y, table["evsi"], xerr=np.nan_to_num(table["evsi_se"].to_numpy(float)), color="C0")
    for yi, (value, p) in enumerate(zip(table["evsi"], table["prob_change_plan"])):
        ax.text(value, yi, f"  P(plan changes)={p:.2f}", va="center", fontsize=8)
    ax.set_yticks(y, labels)
    units = getattr(ranking, "info", {}).get("units", "outcome units")
    ax.set_xlabel(f"expected value of the test's information ({units}, planning horizon)")
    ax.set_title("Which experiment next? (EVSI, +-1 Monte Carlo s.e.)")
    fig.tight_layout()
    return fig
