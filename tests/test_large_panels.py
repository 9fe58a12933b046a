"""Large panels: simulation options, chunked post-processing (same numbers, bounded memory) and
the bad inputs that appear at scale (a channel never bought, a region without target data,
hundreds of regions with one row each) - each one clear error before sampling."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

import bayes_mmm as bm
from bayes_mmm.core.errors import DataError
from bayes_mmm.results.components import ComponentDraws
from bayes_mmm.results.counterfactual import chunk_rows
from bayes_mmm.testing import prior_fit


@pytest.fixture(scope="module")
def geo_mock():
    sim = bm.simulate(40, 3, geos=3, seed=4, dark_channels=["search"], local_channels={"tv": 2})
    return sim, prior_fit(bm.MMM(), sim.data, draws=25, chains=2, seed=2)


def test_dark_and_local_channels_switch_spend_off_and_leave_the_rest_unchanged():
    plain = bm.simulate(60, 3, geos=4, seed=9)
    gaps = bm.simulate(60, 3, geos=4, seed=9, dark_channels=["search"], local_channels={"tv": 2})
    tv, search, social = (gaps.data.spend[..., c] for c in range(3))
    assert ((tv.sum(axis=0) > 0).sum()) == 2  # tv bought in exactly 2 of 4 regions
    dark_weeks = np.flatnonzero((search == 0).all(axis=1))
    assert len(dark_weeks) >= 8 and np.all(np.diff(dark_weeks)[:7] == 1)  # a run of >= 8 weeks
    np.testing.assert_array_equal(social, plain.data.spend[..., 2])  # same random stream
    assert np.isfinite(gaps.contributions).all() and np.isfinite(gaps.frame["sales"]).all()
    assert (gaps.contributions[..., 0].sum(axis=0) > 0).sum() == 2  # no tv effect where unbought


def test_chunked_engine_gives_exactly_the_unchunked_numbers(geo_mock):
    """On the reference path and on the fast paths (whose response curves equal the reference
    definition to float tolerance: tests/test_fast_paths.py)."""
    _, fit = geo_mock
    for fast in (False, True):
        whole = dataclasses.replace(fit.engine, fast=fast)
        chunked = dataclasses.replace(whole, chunk=7)
        assert len(chunked.chunks()) == 8 and len(whole.chunks()) == 1  # 50 draws: 7 x 7 + 1
        same = np.testing.assert_array_equal
        window = fit.window()
        for c in range(3):
            for a, b in zip(whole.roi_draws(c, window), chunked.roi_draws(c, window)):
                same(a, b)
            same(whole.mroi_draws(c, window)[0], chunked.mroi_draws(c, window)[0])
            same(
                whole.response_draws(c, window, [0.5, 1.5]),
                chunked.response_draws(c, window, [0.5, 1.5]),
            )
            same(whole.channel_contribution(c), chunked.channel_contribution(c))
            zero = whole.window_multiplier(window, 0.0)
            one_by_one = [
                whole.incremental(c, whole.window_multiplier(window, m), base=zero).sum(axis=-1)
                for m in (0.5, 1.5)
            ]  # the definition: each multiplier against zero spend, separately
            np.testing.assert_allclose(
                whole.response_draws(c, window, [0.5, 1.5]),
                np.stack(one_by_one, axis=-1),
                rtol=0 if not fast else 1e-12,
            )


def test_chunk_size_follows_the_memory_budget():
    per_draw = 215 * 50  # dates + padding x regions of the large workload
    rows = chunk_rows(per_draw, budget=64 * 2**20)
    assert 6 * 8 * per_draw * rows <= 64 * 2**20 < 6 * 8 * per_draw * (rows + 1)
    assert chunk_rows(10, budget=2**40) == 1000 and chunk_rows(10**12) == 1


def test_components_without_cache_equal_cached_and_sum_to_the_prediction(geo_mock):
    _, fit = geo_mock
    cached = fit.component_draws
    uncached = ComponentDraws(fit, cache_bytes=0)
    assert list(cached) == list(uncached)
    assert list(cached)[-3:] == list(fit.data.channels)
    for name in cached:
        np.testing.assert_array_equal(cached[name], uncached[name])
    assert not uncached._cache  # nothing held
    total = sum(np.asarray(uncached[name]) for name in uncached)
    np.testing.assert_array_equal(fit.predict_draws(), total)
    assert fit.predict_draws().shape == (50, 40, 3)


def test_total_adds_uncached_channels_chunk_by_chunk_with_the_same_numbers(geo_mock):
    """``total()`` adds channels a chunk of draws at a time (no full array per channel); the
    expected outcome and each channel's region sums equal the one-component-at-a-time numbers
    exactly, also for a channel bought in only some regions (tv: 2 of 3)."""
    _, fit = geo_mock
    comps = ComponentDraws(fit, cache_bytes=0)
    total = comps.total()
    assert not comps._cache and set(fit.data.channels) <= set(comps._summed)
    reference = ComponentDraws(fit, cache_bytes=0)
    expected = sum(np.asarray(reference[name]) for name in reference)
    np.testing.assert_array_equal(total, expected)
    for ch in fit.data.channels:
        np.testing.assert_array_equal(comps.summed(ch), reference[ch].sum(axis=-1))
    tv = list(fit.data.channels).index("tv_spend")
    assert (fit.data.spend[..., tv].sum(axis=0) > 0).sum() == 2  # the local channel is covered


def test_predict_tables_and_replicates_are_computed_once_per_fit(geo_mock, monkeypatch):
    _, base = geo_mock
    fit = dataclasses.replace(base)  # a fresh fit: nothing cached
    calls = []
    replicate = fit.replicate_draws.__func__

    def counting(self, seed=None):
        calls.append(seed)
        return replicate(self, seed)

    first = fit.predict()
    first.loc[:, "mean"] = np.nan  # callers get copies: editing one leaves the cache intact
    again = fit.predict()
    assert again["mean"].notna().all()
    pd.testing.assert_frame_equal(again, dataclasses.replace(base).predict())
    monkeypatch.setattr(type(fit), "replicate_draws", counting)
    fit.fit_metrics(), fit.predict(level=0.9)
    assert calls == []  # the misfit, fit-metrics and report calls share the first table
    _, y_rep = fit.replicate_draws(seed=3)
    assert not y_rep.flags.writeable
    assert np.array_equal(fit.replicate_draws(seed=3)[1], y_rep)
    assert not np.array_equal(fit.replicate_draws(seed=4)[1], y_rep)
    narrow = fit.predict(level=0.5)
    assert (narrow["upper"] - narrow["lower"] < again["upper"] - again["lower"]).all()


def test_roi_then_mroi_equals_mroi_then_roi_and_a_repeated_mroi_is_kept(geo_mock):
    """The report asks for mROI first (x 1 and x 1.01 in one pass); the tables do not depend on
    the order, and the mROI outcomes are kept per engine."""
    _, base = geo_mock
    a, b = dataclasses.replace(base), dataclasses.replace(base)
    roi_a, mroi_a = a.roi(), a.mroi()
    mroi_b, roi_b = b.mroi(), b.roi()
    pd.testing.assert_frame_equal(roi_a, roi_b, check_exact=True)
    pd.testing.assert_frame_equal(mroi_a, mroi_b, check_exact=True)
    assert any(key[-1] == 1.01 for key in b.engine.cache)
    n_cached = len(b.engine.cache)
    pd.testing.assert_frame_equal(b.mroi(), mroi_b, check_exact=True)
    assert len(b.engine.cache) == n_cached


def _panel():
    return bm.simulate(30, 3, geos=4, seed=1).frame


def _data(frame, **kw):
    channels = ["tv_spend", "search_spend", "social_spend"]
    return bm.MMMData.from_frame(
        frame, date="date", target="sales", geo="geo", channels=channels, **kw
    )


def test_a_channel_bought_in_no_region_is_one_error():
    frame = _panel().assign(social_spend=0.0)
    with pytest.raises(DataError, match=r"social_spend.*all zeros.*Drop the channel"):
        _data(frame)


def test_a_region_without_target_data_is_one_error_naming_the_column():
    frame = _panel()
    frame.loc[frame.geo == "region_02", "sales"] = np.nan
    with pytest.raises(DataError, match=r"target column 'sales'.*NaN"):
        _data(frame, fill_missing=True)


def test_a_region_with_only_a_few_rows_is_not_interpolated_into_a_series():
    frame = _panel()
    sparse = frame[frame.geo == "region_04"].iloc[:3]
    frame = pd.concat([frame[frame.geo != "region_04"], sparse])
    with pytest.raises(DataError, match=r"observed on few dates.*region_04 \(3 of 30\)"):
        _data(frame, fill_missing=True)


def test_two_hundred_regions_with_one_row_each_is_one_error():
    frame = _panel()
    one_row = frame.iloc[:1]
    tiny = pd.concat([one_row.assign(geo=f"dma_{i:03d}") for i in range(200)])
    with pytest.raises(DataError, match=r"at least 3 distinct periods"):
        _data(tiny)
    with pytest.raises(DataError, match=r"observed on few dates.*dma_000 \(1 of 30\)"):
        _data(pd.concat([frame, tiny]), fill_missing=True)
    with pytest.raises(DataError, match=r"5800 missing \(region, date\) pairs"):
        _data(pd.concat([frame, tiny]))


def test_expected_outcome_equals_the_reference_engine_sum_of_components(geo_mock):
    """``predict_draws()`` (chunk by chunk, channel work hoisted out of the chunks) equals the
    baseline parts plus each channel's outcome from the reference engine (``fast=False``: the
    model's definition on the whole panel) to 1e-9, local channel included; the replicates are
    the expected outcome plus the family's noise drawn from the fit's seed."""
    _, base = geo_mock
    fit = dataclasses.replace(base)  # fresh: nothing cached
    reference = dataclasses.replace(fit.engine, fast=False)
    comps = ComponentDraws(fit, cache_bytes=0)
    channels = list(fit.data.channels)
    expected = sum(np.asarray(comps[n]) for n in comps if n not in channels)
    expected = expected + sum(reference.channel_contribution(c) for c in range(len(channels)))
    mu = fit.predict_draws()
    np.testing.assert_allclose(mu, expected, rtol=1e-9, atol=1e-9 * np.abs(expected).max())
    for c, ch in enumerate(channels):
        summed = reference.channel_contribution(c).sum(axis=-1)
        np.testing.assert_allclose(fit.component_draws.summed(ch), summed, rtol=1e-9, atol=1e-6)
    _, y_rep = fit.replicate_draws(seed=3)
    rng = np.random.default_rng(3)
    assert fit.spec.likelihood == "normal" and fit.params.noise.ndim == 1
    eps = rng.standard_normal(mu.shape)
    noise = fit.params.noise[:, None, None] * fit.scales.target
    np.testing.assert_allclose(y_rep, mu + eps * noise, rtol=1e-12)


def test_asking_whether_a_component_exists_computes_nothing(geo_mock, monkeypatch):
    """``name in fit.component_draws`` (the decomposition plot asks for each baseline part) is a
    name check: Mapping's default would compute the whole (draw, date, geo) component."""
    _, fit = geo_mock
    comps = ComponentDraws(fit)
    monkeypatch.setattr(ComponentDraws, "_compute", lambda self, name: pytest.fail(name))
    assert "intercept" in comps and fit.data.channels[0] in comps and "nope" not in comps
