"""nutpie's settings by model size (inference/sampling.py): low-rank mass matrix for small and
mid-size models, diagonal for large panels; the choice is recorded in ``fit_info``."""

import numpy as np
import pytest
import xarray as xr

from bayes_mmm.inference import sampling


def test_mass_matrix_is_low_rank_up_to_the_threshold_and_diagonal_above():
    limit = sampling.LOW_RANK_MAX_PARAMETERS
    assert sampling.nuts_settings(1) == {"adaptation": "low_rank"}
    assert sampling.nuts_settings(limit) == {"adaptation": "low_rank"}
    assert sampling.nuts_settings(limit + 1) == {"adaptation": "diag"}
    assert sampling.nuts_settings(1716) == {"adaptation": "diag"}  # the large benchmark panel


class _Compiled:
    def __init__(self, n_dim: int):
        self.n_dim = n_dim


@pytest.mark.parametrize("n_dim, expected", [(30, "low_rank"), (2258, "diag")])
def test_sample_posterior_passes_the_size_rule_to_nutpie_and_records_it(
    monkeypatch, n_dim, expected
):
    import nutpie

    seen = {}

    def fake_sample(compiled, **kwargs):
        seen.update(kwargs)
        draws = np.zeros((kwargs["chains"], kwargs["draws"]))
        return xr.DataTree.from_dict(
            {
                "/posterior": xr.Dataset({"mu": (("chain", "draw"), draws)}),
                "/sample_stats": xr.Dataset({"diverging": (("chain", "draw"), draws > 0)}),
            }
        )

    monkeypatch.setattr(sampling, "compile_nutpie", lambda model: _Compiled(n_dim))
    monkeypatch.setattr(nutpie, "sample", fake_sample)
    tree = sampling.sample_posterior(
        object(),
        sampler="nutpie",
        chains=2,
        draws=10,
        tune=10,
        seed=1,
        progress=False,
        target_accept=0.9,
    )
    assert seen["adaptation"] == expected
    assert tree.attrs["mass_matrix"] == expected


def test_a_real_fit_records_its_mass_matrix(small_fit):
    assert small_fit.fit_info["mass_matrix"] == "low_rank"


def test_the_report_names_the_mass_matrix(small_fit, tmp_path):
    from bayes_mmm.report.html_report import write_report

    text = write_report(small_fit, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "nutpie (low-rank mass matrix), 2 chains x 500 draws" in text
