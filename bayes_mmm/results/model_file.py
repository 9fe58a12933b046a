"""Model files: one netCDF-4 (HDF5) file, read without pickle or eval.

Layout (docs/model_file.md):

* root attributes: ``bayes_mmm_format`` ("bayes_mmm-model"), ``format_version`` (1), ``spec``
  (the MMM spec as JSON), ``fit_info`` (sampler settings as JSON), ``package_version``;
* groups ``posterior``, ``sample_stats``, ``observed_data`` (and ``prior``,
  ``posterior_predictive`` when present): the ArviZ DataTree;
* group ``mmm_data``: the full input data (spend, media, target, controls) with named dims;
* group ``lift_tests`` (optional): the experiments used for calibration.

Loading checks the signature, parses JSON only, rejects object/bytes payloads and unknown
transforms, then rebuilds the fit: ROI tables are identical to the original's.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import xarray as xr

from bayes_mmm.core.atomic import atomic_path
from bayes_mmm.core.errors import BayesMMMError, ModelFileError, message
from bayes_mmm.core.version import __version__
from bayes_mmm.data.mmm_data import MMMData
from bayes_mmm.model.spec import ModelSpec

FORMAT = "bayes_mmm-model"
VERSION = 1
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
TREE_GROUPS = (
    "posterior",
    "sample_stats",
    "observed_data",
    "prior",
    "prior_predictive",
    "posterior_predictive",
    "log_likelihood",
)


def save(fit, path) -> None:
    """Write ``fit`` (spec, data, DataTree, lift tests) to one netCDF-4 file at ``path``."""
    path = Path(path)
    groups = {
        f"/{name}": fit.tree[name].to_dataset() for name in TREE_GROUPS if name in fit.tree.children
    }
    groups["/mmm_data"] = fit.data.to_dataset()
    if fit.lift_tests is not None:
        groups["/lift_tests"] = xr.Dataset.from_dataframe(
            fit.lift_tests.assign(geo=fit.lift_tests["geo"].astype(str))
        )
    tree = xr.DataTree.from_dict(groups)
    tree.attrs = {
        "bayes_mmm_format": FORMAT,
        "format_version": VERSION,
        "package_version": __version__,
        "spec": json.dumps(fit.spec.to_dict(), sort_keys=True),
        "fit_info": json.dumps(fit.fit_info, sort_keys=True),
    }
    with atomic_path(path, "model file") as temporary:  # a failed save keeps the old file
        try:
            tree.to_netcdf(temporary, engine="h5netcdf")
        except (TypeError, ValueError) as exc:
            raise ModelFileError(
                message(
                    f"model file '{path}'",
                    "values netCDF can store (numbers, text)",
                    f"error {exc!r}",
                    "Keep only numeric or text columns in the lift-test table; "
                    "any existing file was left unchanged.",
                )
            ) from exc


def _spec(text: str, spec_type: type[ModelSpec]) -> ModelSpec:
    """The spec from its JSON; files written before the ``carryover`` setting existed were fitted
    as specified, so they load with ``carryover="as_specified"`` (a refit then fits the same)."""
    d = json.loads(text)
    if isinstance(d, dict):
        d.setdefault("carryover", "as_specified")
    return spec_type.from_dict(d)


def read(path, spec_type: type[ModelSpec] = ModelSpec, data_type: type[MMMData] = MMMData) -> dict:
    """Open a model file written by ``fit.save``; never unpickles or evaluates code.

    Returns the parts of a fit result: ``spec`` (a ``spec_type``), ``data`` (a ``data_type``),
    ``groups``, ``fit_info`` and ``lift_tests``; ``bm.load`` wraps them in an ``MMMFit``.
    """

    path = Path(path)
    if not path.is_file():
        raise ModelFileError(message("model file", "an existing file", str(path)))
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head != HDF5_SIGNATURE:
        kind = "a pickle" if head[:1] == b"\x80" else "not a netCDF-4/HDF5 file"
        raise ModelFileError(
            message(
                f"model file '{path}'",
                "a bayes_mmm netCDF-4 model file",
                kind,
                "Only files written by fit.save() can be loaded; pickles are never opened.",
            )
        )
    try:
        with xr.open_datatree(path, engine="h5netcdf") as tree:
            tree = tree.load()
    except Exception as exc:
        raise ModelFileError(
            message(f"model file '{path}'", "a readable netCDF-4 file", f"error {exc}")
        ) from exc
    attrs = dict(tree.attrs)
    if attrs.get("bayes_mmm_format") != FORMAT:
        raise ModelFileError(
            message(
                f"model file '{path}'",
                f"attribute bayes_mmm_format='{FORMAT}'",
                repr(attrs.get("bayes_mmm_format")),
            )
        )
    if int(attrs.get("format_version", -1)) > VERSION:
        raise ModelFileError(
            message(
                "format_version",
                f"<= {VERSION}",
                attrs.get("format_version"),
                "Upgrade bayes_mmm to read this file.",
            )
        )
    _check_payloads(tree)
    try:
        spec = _spec(attrs["spec"], spec_type)
        fit_info = json.loads(attrs["fit_info"])
        data = data_type.from_dataset(tree["mmm_data"].to_dataset())
        spec.resolve(data.channels)  # e.g. a prior edited outside its parameter's domain
    except BayesMMMError as exc:
        raise ModelFileError(f"model file '{path}' has an invalid spec: {exc}") from exc
    except (KeyError, ValueError, TypeError) as exc:
        raise ModelFileError(
            message(f"model file '{path}'", "a spec, fit_info and mmm_data group", f"error {exc!r}")
        ) from exc
    lift = None
    if "lift_tests" in tree.children:
        lift = tree["lift_tests"].to_dataset().to_dataframe().reset_index(drop=True)
        lift["geo"] = lift["geo"].replace({"None": None, "nan": None})
    groups = {f"/{name}": tree[name].to_dataset() for name in TREE_GROUPS if name in tree.children}
    _check_draws(path, groups)
    return {"spec": spec, "data": data, "groups": groups, "fit_info": fit_info, "lift_tests": lift}


def _check_payloads(tree) -> None:
    """No variable or attribute anywhere in the tree may hold an opaque (non-text) object."""
    for node in tree.subtree:
        for name, var in node.dataset.variables.items():
            if var.dtype.kind in "OSV" and not _is_text(var.values):
                raise ModelFileError(
                    message(
                        f"model file variable '{node.path}/{name}'",
                        "numeric or text data",
                        "an opaque object payload",
                        "The file was tampered with; it is not loaded.",
                    )
                )
            _check_attrs(f"{node.path}/{name}", var.attrs)
        _check_attrs(node.path, node.attrs)


def _check_draws(path, groups: dict) -> None:
    """Posterior draws must exist and be finite: a NaN edited into a file would give NaN ROI."""
    if "/posterior" not in groups:
        raise ModelFileError(message(f"model file '{path}'", "a posterior group", "none"))
    for name, var in groups["/posterior"].data_vars.items():
        if var.dtype.kind == "f" and not np.isfinite(var.values).all():
            raise ModelFileError(
                message(
                    f"model file variable '/posterior/{name}'",
                    "finite draws",
                    f"{int((~np.isfinite(var.values)).sum())} NaN/inf values",
                    "The file was edited or corrupted; re-fit and save again.",
                )
            )


def _check_attrs(where: str, attrs: dict) -> None:
    for key, value in attrs.items():
        if isinstance(value, (bytes, bytearray, np.bytes_, np.void)) or (
            isinstance(value, np.ndarray) and value.dtype.kind in "OSV" and not _is_text(value)
        ):
            raise ModelFileError(
                message(
                    f"model file attribute '{where}:{key}'",
                    "numbers or text",
                    "an opaque binary payload",
                    "The file was tampered with; it is not loaded.",
                )
            )


def _is_text(values: np.ndarray) -> bool:
    return all(isinstance(v, str) for v in np.asarray(values).ravel())


__all__ = ["read", "save"]
