"""docs/architecture.md's recipes, each proved without touching the package: a new saturation, a new
likelihood, a new effect-prior kind and a new plot are registered from this test module and work
end to end (build, prior-draw fit, tables)."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

import bayes_mmm as bm
from bayes_mmm.model import effect_priors, likelihoods, transforms
from bayes_mmm.model.priors import PRIOR_TYPES, Prior, QuantilePrior
from bayes_mmm.testing import prior_fit
from bayes_mmm.viz.fit_plots import FitPlots


def tanh_saturation(x, cap):
    """A toy saturation: ``tanh(x / cap)``; works on numpy arrays and pytensor tensors alike."""
    xp = transforms.backend(x, cap)
    return xp.tanh(x / cap)


def test_recipe_add_a_saturation(monkeypatch, sim3):
    toy = transforms.Transform(
        "tanh", tanh_saturation, ("cap",), {"cap": Prior("LogNormal", mu=0.0, sigma=0.5)}, "toy"
    )
    monkeypatch.setitem(transforms.SATURATIONS, "tanh", toy)
    spec = bm.MMM(saturation="tanh")
    model = spec.build_model(sim3.data)
    assert "cap" in model.named_vars
    fit = prior_fit(spec, sim3.data, draws=30)
    roi = fit.roi()
    assert np.isfinite(roi[["mean", "lower", "upper"]].to_numpy()).all()
    # the numpy post-processing uses the same function as the graph: ROI from the model's own
    # Deterministic equals the counterfactual engine's (window = all training data)
    model_roi = fit.posterior["roi"].mean(("chain", "draw")).to_numpy()
    np.testing.assert_allclose(roi["mean"].to_numpy(), model_roi, rtol=1e-6)


def test_recipe_add_a_likelihood(monkeypatch, sim3):
    def observe(mu, sigma, observed, dims):
        import pymc as pm

        return pm.Laplace("y", mu=mu, b=sigma, observed=observed, dims=dims)

    def replicate(rng, mu, sigma, scale, extra):
        return mu + rng.laplace(size=mu.shape) * sigma * scale

    laplace = likelihoods.Likelihood("laplace", "Laplace noise", observe, replicate)
    monkeypatch.setitem(likelihoods.LIKELIHOODS, "laplace", laplace)
    spec = bm.MMM(likelihood="laplace")
    model = spec.build_model(sim3.data)
    assert type(model["y"].owner.op).__name__ == "LaplaceRV"
    pred = prior_fit(spec, sim3.data, draws=30).predict()
    assert (pred["upper"] > pred["lower"]).all()
    with pytest.raises(bm.SpecError, match="likelihood"):
        bm.MMM(likelihood="cauchy")


def test_recipe_add_an_effect_prior_kind(monkeypatch, sim3):
    """A prior on each channel's total incremental outcome over the data (target units)."""
    monkeypatch.setitem(
        effect_priors.QUANTITY_KINDS,
        "total_effect",
        effect_priors.QuantityKind(
            "total_effect", lambda data, idx: np.ones((data.n_geos, len(idx))), per_spend=False
        ),
    )

    class TotalEffectPrior(QuantilePrior):
        kind = "total_effect"

    monkeypatch.setitem(PRIOR_TYPES, "TotalEffectPrior", TotalEffectPrior)
    tv = sim3.data.channels[0]
    prior = TotalEffectPrior(50_000.0, (20_000.0, 120_000.0))
    spec = bm.MMM(channels={tv: bm.ChannelSpec(effect=prior)})
    fit = prior_fit(spec, sim3.data, draws=400, seed=4)
    total = fit.component_draws[tv].sum(axis=(1, 2))  # each draw's total outcome of the channel
    assert abs(np.median(total) / 50_000.0 - 1) < 0.1
    lo, hi = np.quantile(total, [0.05, 0.95])
    assert 15_000 < lo < 26_000 and 95_000 < hi < 150_000
    assert bm.MMM.from_dict(spec.to_dict()) == spec  # serialisable by class name


def test_recipe_add_a_plot(monkeypatch, mock_fit):
    def roi_bars(self, level: float = 0.9, ax=None):
        """ROI mean per channel as bars (draws only from fit.roi())."""
        import matplotlib.pyplot as plt

        table = self.fit.roi(level=level)
        fig, ax = (ax.figure, ax) if ax is not None else plt.subplots()
        ax.bar(table["channel"], table["mean"])
        ax.set_title("ROI")
        return fig

    monkeypatch.setattr(FitPlots, "roi_bars", roi_bars, raising=False)
    fig = mock_fit.plot.roi_bars()
    assert isinstance(fig, Figure) and len(fig.axes[0].patches) == mock_fit.data.n_channels
