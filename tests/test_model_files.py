"""Model files are safe to open: no pickle, no eval, tampered files rejected with clear errors."""

import json
import pickle

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import bayes_mmm as bm


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


@pytest.mark.slow
def test_round_trip_of_a_real_fit_reproduces_tables(small_fit, tmp_path):
    path = tmp_path / "model.nc"
    small_fit.save(path)
    loaded = bm.load(path)
    pd.testing.assert_frame_equal(loaded.roi(), small_fit.roi())
    pd.testing.assert_frame_equal(loaded.mroi(), small_fit.mroi())
    pd.testing.assert_frame_equal(loaded.contributions(), small_fit.contributions())
    pd.testing.assert_frame_equal(loaded.diagnostics(), small_fit.diagnostics())
    xr.testing.assert_equal(loaded.posterior, small_fit.posterior)
    assert loaded.spec == small_fit.spec and loaded.fit_info == small_fit.fit_info


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
    with pytest.raises(
        bm.ModelFileError, match=r"attribute '/posterior:payload'.*opaque binary payload"
    ):
        bm.load(path)


PAYLOADS = {
    "bytes": np.array([pickle.dumps(print)]),  # fixed-width bytes (|S)
    "object": np.array([b"cos\nsystem\n(S'echo pwned'\ntR."], dtype=object),
}  # object array of bytes


@pytest.mark.parametrize("kind", sorted(PAYLOADS))
def test_injected_payload_variable_rejected(saved, tmp_path, kind):
    def inject(tree):
        ds = tree["posterior"].to_dataset()
        ds["payload"] = ("blob", PAYLOADS[kind])
        tree["posterior"] = xr.DataTree(ds)

    path = _rewrite(saved, tmp_path, inject)
    with pytest.raises(
        bm.ModelFileError, match=r"variable '/posterior/payload'.*opaque object payload.*not loaded"
    ):
        bm.load(path)


def test_unknown_prior_distribution_in_spec_rejected(saved, tmp_path):
    def tamper(tree):
        spec = json.loads(tree.attrs["spec"])
        spec["priors"] = {
            "noise": {"type": "Prior", "distribution": "__import__('os').system", "params": {}}
        }
        tree.attrs["spec"] = json.dumps(spec)

    path = _rewrite(saved, tmp_path, tamper)
    with pytest.raises(
        bm.ModelFileError, match=r"invalid spec.*Prior distribution: expected one of"
    ):
        bm.load(path)


def test_spec_that_is_not_json_rejected(saved, tmp_path):
    path = _rewrite(
        saved, tmp_path, lambda tree: tree.attrs.update(spec="MMM(adstock='geometric')")
    )
    with pytest.raises(
        bm.ModelFileError, match=r"a spec, fit_info and mmm_data group.*JSONDecodeError"
    ):
        bm.load(path)


def test_newer_format_version_rejected(saved, tmp_path):
    path = _rewrite(saved, tmp_path, lambda tree: tree.attrs.update(format_version=99))
    with pytest.raises(
        bm.ModelFileError, match=r"format_version: expected <= 1, got 99. Upgrade bayes_mmm"
    ):
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
