"""Model files are safe to open: no pickle, no eval, tampered files rejected with clear errors."""

import json
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import bayes_mmm as bm
from bayes_mmm.posterior import stack_draws


@pytest.fixture(scope="module")
def saved(mock_fit, tmp_path_factory):
    path = tmp_path_factory.mktemp("files") / "model.nc"
    mock_fit.save(path)
    return path


def _rewrite(saved, tmp_path, change):
    with xr.open_datatree(saved, engine="h5netcdf") as tree:
        tree = tree.load()
    change(tree)
    out = tmp_path / "tampered.nc"
    tree.to_netcdf(out, engine="h5netcdf")
    return out


def test_round_trip_reproduces_tables(saved, mock_fit):
    loaded = bm.load(saved)
    pd.testing.assert_frame_equal(loaded.roi(), mock_fit.roi())
    pd.testing.assert_frame_equal(loaded.contributions(), mock_fit.contributions())


def test_pickle_is_never_opened(tmp_path):
    path = tmp_path / "model.nc"
    path.write_bytes(pickle.dumps({"exploit": "payload"}))
    with pytest.raises(bm.ModelFileError, match=r"a pickle.*pickles are never opened"):
        bm.load(path)


def test_random_bytes_rejected(tmp_path):
    path = tmp_path / "model.nc"
    path.write_bytes(b"not a model at all")
    with pytest.raises(bm.ModelFileError, match="not a netCDF-4/HDF5 file"):
        bm.load(path)


def test_injected_object_payload_rejected(saved, tmp_path):
    def inject(tree):
        tree["posterior"].attrs["payload"] = np.void(pickle.dumps(print))

    path = _rewrite(saved, tmp_path, inject)
    with pytest.raises(bm.ModelFileError, match=r"attribute '/posterior:payload'.*opaque binary payload"):
        bm.load(path)


def test_unknown_transform_in_spec_rejected(saved, tmp_path):
    def tamper(tree):
        spec = json.loads(tree.attrs["spec"])
        spec["adstock"] = "os.system('rm -rf /')"
        tree.attrs["spec"] = json.dumps(spec)

    path = _rewrite(saved, tmp_path, tamper)
    with pytest.raises(bm.ModelFileError, match=r"invalid spec.*adstock: expected one of"):
        bm.load(path)


def test_foreign_netcdf_rejected(tmp_path):
    path = tmp_path / "other.nc"
    xr.Dataset({"x": ("t", [1.0, 2.0])}).to_netcdf(path, engine="h5netcdf")
    with pytest.raises(bm.ModelFileError, match="bayes_mmm_format"):
        bm.load(path)


def test_missing_file(tmp_path):
    with pytest.raises(bm.ModelFileError, match="an existing file"):
        bm.load(tmp_path / "nope.nc")


@pytest.mark.slow
def test_pymc_sampler_reproducible_with_itself(sim3):
    data = sim3.data.subset_dates(0, 50)
    spec = bm.MMM(seasonality=0, l_max=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a, b = (spec.fit(data, sampler="pymc", chains=2, draws=30, tune=30, seed=5, progress=False) for _ in range(2))
    np.testing.assert_array_equal(stack_draws(a.posterior["roi"]), stack_draws(b.posterior["roi"]))
    pd.testing.assert_frame_equal(a.roi(), b.roi())


@pytest.mark.slow
def test_bad_fit_warns_once_and_keeps_samples(sim3):
    data = sim3.data.subset_dates(0, 50)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = bm.MMM(seasonality=0).fit(data, chains=2, draws=20, tune=5, seed=1, progress=False)
    ours = [w for w in caught if "bayes_mmm fit needs attention" in str(w.message)]
    assert len(ours) == 1
    assert "ESS <" in str(ours[0].message) or "R-hat" in str(ours[0].message)
    diag = fit.diagnostics()
    assert (diag["problem"] != "").any() and diag.attrs["advice"]
    assert np.isfinite(fit.roi()["mean"]).all()  # samples are kept and usable
