"""Nothing lost: atomic saves, the CLI writes the model first, sampler panics become errors."""

import dataclasses
import os
import warnings

import pandas as pd
import pytest
import yaml

import bayes_mmm as bm
from bayes_mmm.cli import main
from bayes_mmm.core.atomic import atomic_path, write_text


def test_failed_save_keeps_the_existing_model_file(mock_fit, tmp_path):
    path = tmp_path / "m.nc"
    mock_fit.save(path)
    before = path.read_bytes()
    lift = pd.DataFrame(
        {"channel": ["tv_spend"], "geo": [None], "lift": [1.0], "extra": [{"a": 1}]}
    )
    broken = dataclasses.replace(mock_fit, lift_tests=lift)
    with pytest.raises(bm.ModelFileError, match=r"model file '.*m.nc'.*existing file was left"):
        broken.save(path)
    assert path.read_bytes() == before
    assert bm.load(path).roi()["mean"].notna().all()
    assert [p.name for p in tmp_path.iterdir()] == ["m.nc"]  # no temporary file left behind


def test_atomic_path_leaves_no_partial_file_on_failure(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as temporary:
        temporary.write_text("half of the new")
        raise RuntimeError("disk full")
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["out.txt"]
    write_text(target, "new")
    assert target.read_text() == "new"


def test_output_path_that_is_a_folder_is_a_clear_error(tmp_path):
    with pytest.raises(bm.OutputError, match=r"report file: expected a writable file path.*"):
        write_text(tmp_path, "x", "report file")


def test_report_written_atomically(mock_fit, tmp_path, monkeypatch):
    path = tmp_path / "r.html"
    path.write_text("previous report")

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("bayes_mmm.core.atomic.os.replace", broken)
    with pytest.raises(bm.OutputError, match=r"report file.*No space left"):
        mock_fit.report(path)
    assert path.read_text() == "previous report" and os.listdir(tmp_path) == ["r.html"]


@pytest.fixture
def cli_setup(sim3, mock_fit, tmp_path, monkeypatch):
    """CLI fit where sampling is replaced by the prior-draw mock fit (no NUTS)."""
    csv = tmp_path / "data.csv"
    sim3.frame.to_csv(csv, index=False)
    config = tmp_path / "spec.yaml"
    data = {"date": "date", "target": "sales", "channels": list(sim3.data.channels)}
    data["controls"] = list(sim3.data.control_names)
    config.write_text(yaml.safe_dump({"data": data, "fit": {"chains": 2, "draws": 50}}))
    monkeypatch.setattr(bm.MMM, "fit", lambda self, data, **kw: mock_fit)
    return csv, config


def test_cli_failure_after_sampling_keeps_the_model(cli_setup, tmp_path, monkeypatch, capsys):
    csv, config = cli_setup
    out = tmp_path / "res"

    def locked(path, table, what="CSV output"):
        raise bm.OutputError(f"{what}: expected a writable file path, got '{path}' (locked).")

    monkeypatch.setattr("bayes_mmm.cli.write_csv", locked)
    assert main(["fit", str(csv), "--config", str(config), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "roi.csv" in err and "The fit itself was saved to" in err
    assert bm.load(out / "model.nc").roi()["mean"].notna().all()


def test_cli_unwritable_model_path_rescues_the_draws(cli_setup, tmp_path, capsys):
    csv, config = cli_setup
    out = tmp_path / "res"
    (out / "model.nc").mkdir(parents=True)  # a folder where the model file should go
    assert main(["fit", str(csv), "--config", str(config), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    rescued = err.split("The fit was saved to ")[1].split(" instead")[0]
    assert bm.load(rescued).data.channels == bm.simulate(104, 3, seed=1).data.channels


def test_cli_out_is_a_file(cli_setup, tmp_path, capsys):
    csv, config = cli_setup
    out = tmp_path / "taken"
    out.write_text("not a folder")
    assert main(["fit", str(csv), "--config", str(config), "--out", str(out), "--quiet"]) == 2
    assert "--out: expected a folder this process can write" in capsys.readouterr().err
    assert out.read_text() == "not a folder"


def test_cli_writes_every_output(cli_setup, tmp_path):
    csv, config = cli_setup
    out = tmp_path / "res"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["fit", str(csv), "--config", str(config), "--out", str(out), "--quiet"]) == 0
    assert sorted(os.listdir(out)) == ["diagnostics.csv", "model.nc", "report.html", "roi.csv"]


@pytest.mark.parametrize("tune", [0, -1, True, 2.5])
def test_tune_must_be_a_positive_integer(sim3, tune):
    with pytest.raises(bm.SpecError, match=r"tune: expected an integer >= 1.*tune >= 200"):
        bm.MMM().fit(sim3.data, chains=1, draws=20, tune=tune, progress=False)


def test_sampler_panic_becomes_a_clear_error(monkeypatch):
    from bayes_mmm.inference.sampling import sampler_panics_as_errors

    class PanicException(BaseException):  # what pyo3 raises for a Rust panic
        pass

    panic = r"sampler='nutpie'.*internal panic.*PanicException"
    with pytest.raises(bm.SpecError, match=panic), sampler_panics_as_errors():
        raise PanicException("index out of bounds")
    with pytest.raises(KeyboardInterrupt), sampler_panics_as_errors():
        raise KeyboardInterrupt
