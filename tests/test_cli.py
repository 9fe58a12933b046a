"""Command line: fit from CSV + YAML, optimise a saved model, clear errors for bad config."""

import warnings

import pandas as pd
import pytest
import yaml

from bayes_mmm.cli import main


@pytest.fixture
def csv(sim3, tmp_path):
    path = tmp_path / "data.csv"
    sim3.frame.iloc[:60].to_csv(path, index=False)
    return path


def write(tmp_path, config):
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


CONFIG = {
    "data": {
        "date": "date",
        "target": "sales",
        "channels": ["tv_spend", "search_spend", "social_spend"],
        "controls": ["price_index", "promo"],
    },
    "model": {
        "seasonality": 1,
        "channels": {
            "tv_spend": {"effect": {"type": "ROIPrior", "median": 1.5, "interval": [0.5, 4.0]}}
        },
    },
    "fit": {"chains": 2, "draws": 60, "tune": 60, "seed": 3},
}


@pytest.mark.slow
def test_fit_then_optimize(csv, tmp_path, capsys):
    out = tmp_path / "results"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert (
            main(
                [
                    "fit",
                    str(csv),
                    "--config",
                    str(write(tmp_path, CONFIG)),
                    "--out",
                    str(out),
                    "--quiet",
                ]
            )
            == 0
        )
    for name in ("report.html", "roi.csv", "diagnostics.csv", "model.nc"):
        assert (out / name).is_file()
    roi = pd.read_csv(out / "roi.csv")
    assert list(roi["channel"]) == CONFIG["data"]["channels"]
    assert (roi["lower"] <= roi["median"]).all() and (roi["median"] <= roi["upper"]).all()
    assert {"parameter", "r_hat", "ess_bulk"} <= set(pd.read_csv(out / "diagnostics.csv").columns)
    report = (out / "report.html").read_text(encoding="utf-8")
    assert (
        "<h2>ROI</h2>" in report
        and "<h2>Diagnostics</h2>" in report
        and "data:image/png;base64," in report
    )
    assert (
        main(["optimize", str(out / "model.nc"), "--horizon", "4", "--out", str(out / "plan.csv")])
        == 0
    )
    text = capsys.readouterr().out
    assert "P(optimal beats current)" in text and (out / "plan.csv").is_file()


@pytest.mark.parametrize(
    "config, message",
    [
        (
            {**CONFIG, "modle": {}},
            r"config keys: expected some of \['data', 'fit', 'model'\], got \['modle'\]",
        ),
        (
            {**CONFIG, "data": {**CONFIG["data"], "chanels": []}},
            r"config keys in data.*\['chanels'\]",
        ),
        ({**CONFIG, "data": {"date": "date", "target": "sales"}}, r"config data.channels.*missing"),
        (
            {**CONFIG, "data": {**CONFIG["data"], "channels": ["tv_spend", "radio_spend"]}},
            r"\['radio_spend'\].*missing",
        ),
        ({**CONFIG, "model": {"adstock": "weibull"}}, r"adstock: expected one of"),
        ({**CONFIG, "fit": {"chians": 2}}, r"config keys in fit"),
    ],
)
def test_bad_config_exits_2_with_one_message(csv, tmp_path, capsys, config, message):
    assert (
        main(
            [
                "fit",
                str(csv),
                "--config",
                str(write(tmp_path, config)),
                "--out",
                str(tmp_path / "r"),
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1
    import re

    assert re.search(message, err), err


def test_missing_config_file(csv, tmp_path, capsys):
    assert main(["fit", str(csv), "--config", str(tmp_path / "none.yaml")]) == 2
    assert "an existing YAML file" in capsys.readouterr().err


def test_missing_data_file(tmp_path, capsys):
    assert main(["fit", str(tmp_path / "none.csv"), "--config", str(write(tmp_path, CONFIG))]) == 2
    assert "data: expected an existing CSV file" in capsys.readouterr().err


def test_optimize_missing_model_file(tmp_path, capsys):
    assert main(["optimize", str(tmp_path / "model.nc"), "--budget", "1000"]) == 2
    assert "expected an existing file" in capsys.readouterr().err
