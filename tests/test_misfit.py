"""Misfit checks: the carryover screen names a channel whose response peaks weeks after spend (and
gives the one-line fix), stays quiet on data from the model's own family; residual statistics
find what was planted; a delayed-carryover fit says so in fit.diagnostics() and its warning."""

import warnings

import numpy as np
import pytest

import bayes_mmm as bm
from bayes_mmm.inference.misfit import (
    carryover_check,
    convolve,
    kernel_sse,
    lagged_correlation,
    ljung_box,
    model_kernels,
    wider_kernels,
)
from bayes_mmm.results.misfit import lagged_spend_rows

CHANNELS = ["tv_spend", "search_spend", "social_spend"]


def planted_data(seed: int = 3, tv_kernel=None, noise: float = 0.03) -> bm.MMMData:
    """bm.simulate's spends and controls; sales rebuilt so tv's carryover follows ``tv_kernel``
    (default: the delayed form peaking 4 weeks after spend, 13-week window), the others a
    geometric decay of 0.3 within 8 weeks; Hill-type saturation, 3% noise."""
    rng = np.random.default_rng(seed)
    frame = bm.simulate(104, 3, seed=seed, noise=noise).frame.copy()
    spend = frame[CHANNELS].to_numpy()
    x = spend / spend.mean(0)
    if tv_kernel is None:
        tv_kernel = 0.6 ** ((np.arange(13) - 4.0) ** 2)
    geo = 0.3 ** np.arange(8)
    carried = np.column_stack(
        [convolve(x[:, 0], tv_kernel / tv_kernel.sum())]
        + [convolve(x[:, c], geo / geo.sum()) for c in (1, 2)]
    )
    sat = carried / (carried + 1.0)
    contrib = sat * (np.array([2.0, 1.0, 0.8]) * spend.sum(0) / sat.sum(0))
    base = 2.5 * contrib.sum(1).mean() * (1 + 0.05 * np.sin(2 * np.pi * np.arange(104) / 52.18))
    frame["sales"] = base + contrib.sum(1) + rng.normal(0, noise * base.mean(), 104)
    return bm.MMMData.from_frame(
        frame, date="date", target="sales", channels=CHANNELS, controls=["price_index", "promo"]
    )


GEOMETRIC = dict.fromkeys(CHANNELS, "geometric")


def test_carryover_screen_names_the_delayed_channel_and_the_fix():
    table = carryover_check(planted_data(), GEOMETRIC, l_max=8).set_index("channel")
    assert table["flagged"].tolist() == [True, False, False]
    tv = table.loc["tv_spend"]
    assert tv["wider_family"] == "delayed" and 3 <= tv["wider_peak"] <= 5


def test_carryover_screen_quiet_on_well_specified_data():
    for seed in range(6):
        data = bm.simulate(104, 4, seed=seed).data
        families = dict.fromkeys(data.channels, "geometric")
        assert not carryover_check(data, families, l_max=8)["flagged"].any(), seed


def test_carryover_screen_quiet_once_the_model_allows_the_delay():
    families = {**GEOMETRIC, "tv_spend": "delayed"}
    table = carryover_check(planted_data(), families, l_max=13)
    assert not table["flagged"].any()


def test_broad_delayed_peak_quiet_once_the_model_allows_it():
    """The delayed family's own kernel grid covers the broadest wider kernel (decay 0.92)."""
    broad = 0.92 ** ((np.arange(13) - 4.0) ** 2)
    families = {**GEOMETRIC, "tv_spend": "delayed"}
    for seed in (3, 4):
        data = planted_data(seed=seed, tv_kernel=broad)
        assert (
            carryover_check(data, GEOMETRIC, l_max=8)
            .set_index("channel")
            .loc["tv_spend", "flagged"]
        )
        assert not carryover_check(data, families, l_max=13)["flagged"].any()


def test_delayed_channel_with_too_short_window_gets_only_l_max():
    from bayes_mmm.inference.misfit import carryover_advice

    row = {"channel": "tv", "model_family": "delayed", "wider_family": "delayed", "wider_reach": 10}
    assert carryover_advice(row, 6) == "l_max=13"
    assert "adstock='delayed'" in carryover_advice({**row, "model_family": "geometric"}, 6)


def test_carryover_longer_than_l_max_suggests_l_max():
    from bayes_mmm.inference.misfit import carryover_advice

    data = planted_data(tv_kernel=0.9 ** np.arange(26))
    table = carryover_check(data, GEOMETRIC, l_max=3).set_index("channel")
    tv = table.loc["tv_spend"]
    assert tv["flagged"] and tv["wider_reach"] > 3
    assert "l_max=" in carryover_advice({**tv.to_dict(), "channel": "tv_spend"}, 3)


def test_lagged_correlation_finds_the_planted_lag():
    rng = np.random.default_rng(0)
    x = rng.lognormal(0, 0.5, 200)
    residual = np.r_[np.zeros(3), x[:-3]] + rng.normal(0, 0.3, 200)
    corr = lagged_correlation(residual, x, 8)
    assert np.nanargmax(corr) == 3 and corr[3] > 0.7
    rows = lagged_spend_rows(residual, x[:, None], ["tv"], l_max=8)
    assert rows[0]["flagged"] and "3 weeks back" in rows[0]["problem"]
    quiet = lagged_spend_rows(rng.normal(size=200), x[:, None], ["tv"], l_max=8)
    assert not quiet[0]["flagged"]


def test_ljung_box_separates_ar1_from_white_noise():
    rng = np.random.default_rng(1)
    white = rng.normal(size=104)
    ar = np.zeros(104)
    for t in range(1, 104):
        ar[t] = 0.7 * ar[t - 1] + white[t]
    acf_ar, p_ar = ljung_box(ar)
    acf_w, p_w = ljung_box(white)
    assert acf_ar[0] > 0.5 and p_ar < 1e-6
    assert abs(acf_w[0]) < 0.2 and p_w > 0.05


@pytest.fixture(scope="module")
def delayed_fit():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # warn-only mode: the default (carryover="auto") would fit tv with the delayed adstock
        fit = bm.MMM(carryover="as_specified").fit(
            planted_data(), chains=2, draws=300, tune=300, seed=1, progress=False
        )
    return fit, [str(w.message) for w in caught if issubclass(w.category, UserWarning)]


@pytest.mark.slow
def test_delayed_fit_says_which_channel_and_the_fix(delayed_fit):
    fit, messages = delayed_fit
    diag = fit.diagnostics()
    rows = diag[diag["parameter"].isin(["carryover[tv_spend]"])]
    assert len(rows) == 1 and "ChannelSpec(adstock='delayed')" in rows["advice"].iloc[0]
    assert not diag["parameter"].isin(["carryover[search_spend]", "carryover[social_spend]"]).any()
    text = "\n".join(messages)
    assert "carryover of 'tv_spend'" in text and "ChannelSpec(adstock='delayed')" in text
    misfit = fit.misfit().set_index(["check", "subject"])
    assert misfit.loc[("residual_vs_lagged_spend", "tv_spend"), "flagged"]


@pytest.mark.slow
def test_well_specified_fit_has_no_misfit_flags(small_fit):
    table = small_fit.misfit()
    assert set(table["check"]) == {
        "carryover",
        "carryover_window",
        "carryover_mixing",
        "residual_vs_lagged_spend",
        "residual_autocorrelation",
        "predictive_coverage",
    }
    assert not table["flagged"].any(), table[table["flagged"]]
    assert not small_fit.diagnostics().attrs["misfit"]


def test_check_carryover_before_sampling_gives_the_fix():
    table = bm.MMM().check_carryover(planted_data()).set_index("channel")
    assert table["flagged"].tolist() == [True, False, False]
    assert "carryover of 'tv_spend'" in table.loc["tv_spend", "problem"]
    assert "ChannelSpec(adstock='delayed')" in table.loc["tv_spend", "advice"]
    assert table.loc["search_spend", "advice"] == ""
    spec = bm.MMM(channels={"tv_spend": bm.ChannelSpec(adstock="delayed")}, l_max=13)
    assert not spec.check_carryover(planted_data())["flagged"].any()


def test_carryover_window_flags_a_decay_pressing_on_l_max():
    from types import SimpleNamespace

    from bayes_mmm.results.misfit import window_rows

    spec = bm.MMM(l_max=8)
    channels = spec.resolve(("tv", "search"))
    draws = np.column_stack([np.full(50, 0.85), np.full(50, 0.5)])  # (sample, channel)
    fit = SimpleNamespace(
        params=SimpleNamespace(transform={"alpha": draws}), spec=spec, channels=channels
    )
    rows = {r["subject"]: r for r in window_rows(fit)}
    assert rows["tv"]["flagged"] and not rows["search"]["flagged"]
    assert rows["tv"]["statistic"] == pytest.approx(0.85**7)
    assert "l_max=" in rows["tv"]["advice"] and "adstock='delayed'" in rows["tv"]["advice"]
    delayed = bm.MMM(channels={"tv": bm.ChannelSpec(adstock="delayed")}, l_max=8)
    fit = SimpleNamespace(
        params=fit.params, spec=delayed, channels=delayed.resolve(("tv", "search"))
    )
    assert [r["subject"] for r in window_rows(fit)] == ["search"]


def test_kernel_sse_equals_one_least_squares_fit_per_kernel():
    """The carryover check's batched regressions give lstsq's residual sums of squares, also
    with a rank-deficient baseline and a kernel column inside the baseline's span."""
    rng = np.random.default_rng(0)
    n = 120
    fixed = np.column_stack([np.ones(n), np.arange(n) / n, rng.normal(size=(n, 12))])
    x = rng.gamma(2.0, 1.0, n)
    x[40:55] = 0.0
    kernels = model_kernels("geometric", 6) + wider_kernels()
    fixed = np.column_stack([fixed, fixed[:, 2] + fixed[:, 3], convolve(x, kernels[0].weights)])
    y = fixed[:, :6] @ rng.normal(size=6) + convolve(x, np.array([0.2, 0.5, 0.3]))
    y = y + rng.normal(size=n)
    got = kernel_sse(y, fixed, x, kernels)
    want = []
    for k in kernels:
        design = np.column_stack([fixed, convolve(x, k.weights)])
        coef = np.linalg.lstsq(design, y, rcond=None)[0]
        want.append(np.sum((y - design @ coef) ** 2))
    np.testing.assert_allclose(got, want, rtol=1e-10)
    assert np.argmin(got) == np.argmin(want)


def _tree(rng, stuck: dict[str, float], channels=("tv", "search"), chains=4, draws=300):
    """A posterior whose ``alpha``/``roi`` of each channel in ``stuck`` has chain means offset
    by that many sds (chains disagree); the others are independent standard normals."""
    import xarray as xr

    coords = {"chain": np.arange(chains), "draw": np.arange(draws), "channel": list(channels)}
    data = {}
    for name in ("alpha", "roi", "half"):
        values = rng.standard_normal((chains, draws, len(channels)))
        for c, ch in enumerate(channels):
            if ch in stuck and name != "half":
                values[:, :, c] += stuck[ch] * np.arange(chains)[:, None]
        data[name] = xr.DataArray(values, dims=("chain", "draw", "channel"), coords=coords)
    return xr.DataTree.from_dict({"posterior": xr.Dataset(data)})


def _posterior_fit(tree, spec):
    """What mixing_rows reads from a fit: its parameter table, spec and resolved channels."""
    from types import SimpleNamespace

    from bayes_mmm.inference.diagnostics import parameter_table

    return SimpleNamespace(
        parameter_summary=parameter_table(tree), spec=spec, channels=spec.resolve(("tv", "search"))
    )


def test_carryover_mixing_flags_a_channel_whose_decay_and_effect_stall_together():
    from bayes_mmm.results.misfit import mixing_rows

    rng = np.random.default_rng(0)
    spec = bm.MMM()
    stuck = _tree(rng, {"tv": 1.0})
    rows = {r["subject"]: r for r in mixing_rows(_posterior_fit(stuck, spec))}
    assert rows["tv"]["flagged"] and not rows["search"]["flagged"]
    assert rows["tv"]["statistic"] > 1.01
    assert "adstock='delayed'" in rows["tv"]["advice"] and "l_max=13" in rows["tv"]["advice"]
    # only one of the two stalled (here: neither, chains agree) -> no flag
    healthy = _posterior_fit(_tree(rng, {}), spec)
    assert not any(r["flagged"] for r in mixing_rows(healthy))
    # a channel already on the delayed adstock gets prior advice, not the same switch again
    delayed = bm.MMM(channels={"tv": bm.ChannelSpec(adstock="delayed")})
    advice = {r["subject"]: r["advice"] for r in mixing_rows(_posterior_fit(stuck, delayed))}["tv"]
    assert "prior on its carryover" in advice and "adstock='delayed'" not in advice
