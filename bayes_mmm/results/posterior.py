"""Posterior draws as numpy arrays shaped for :mod:`bayes_mmm.components` (draw axis first)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from bayes_mmm.model.effect_priors import is_effect_kind
from bayes_mmm.model.graph import parameter_layout
from bayes_mmm.model.spec import ResolvedChannel


def stack_draws(da: xr.DataArray) -> np.ndarray:
    """``(chain, draw, ...)`` -> ``(sample, ...)`` numpy array."""
    return np.ascontiguousarray(da.stack(sample=("chain", "draw")).transpose("sample", ...).values)


@dataclass(frozen=True, eq=False)
class PosteriorParams:
    """Every parameter the math needs, one row per posterior draw."""

    transform: dict[
        str, np.ndarray
    ]  # name -> (sample, channel) or (sample, geo, channel); unused: 0.5
    beta: np.ndarray  # (sample, geo, channel), scaled units
    baseline: dict[
        str, np.ndarray
    ]  # intercept (sample, geo), trend (sample,), seasonality, control
    noise: np.ndarray  # (sample,) or (sample, geo)
    nu: np.ndarray | None = None

    @property
    def n_samples(self) -> int:
        return self.beta.shape[0]

    def take(self, rows) -> PosteriorParams:
        """The same parameters for a subset of draws (chunking and thinning)."""
        pick = lambda d: {k: v[rows] for k, v in d.items()}  # noqa: E731
        return PosteriorParams(
            pick(self.transform),
            self.beta[rows],
            pick(self.baseline),
            self.noise[rows],
            None if self.nu is None else self.nu[rows],
        )

    def channel(self, c: int) -> PosteriorParams:
        """Parameters restricted to channel ``c`` (keeps a length-1 channel axis)."""
        return PosteriorParams(
            {k: v[..., c : c + 1] for k, v in self.transform.items()},
            self.beta[..., c : c + 1],
            self.baseline,
            self.noise,
            self.nu,
        )


def gather(posterior: xr.Dataset, channels: list[ResolvedChannel]) -> PosteriorParams:
    """Collect posterior draws into :class:`PosteriorParams`."""
    names = [ch.name for ch in channels]
    index = {c: i for i, c in enumerate(names)}
    transform = {}
    for param, groups in parameter_layout(channels).items():
        if is_effect_kind(param):
            continue
        if f"{param}_geo" in posterior:  # shapes varying by region: (sample, geo, channel)
            transform[param] = stack_draws(posterior[f"{param}_geo"])
            continue
        first = stack_draws(posterior[groups[0].variable])
        full = np.full((first.shape[0], len(names)), 0.5)
        for group in groups:
            values = stack_draws(posterior[group.variable])
            full[:, [index[c] for c in group.channels]] = values
        transform[param] = full
    base = {}
    base["intercept"] = stack_draws(posterior["intercept"])
    for key, name in (
        ("trend", "trend"),
        ("trend_geo", "trend_geo"),
        ("seasonality", "seasonality"),
        ("seasonality_amp", "seasonality_amp"),
        ("control", "control_coef"),
        ("gp", "gp_baseline"),
    ):
        if name in posterior:
            base[key] = stack_draws(posterior[name])
    return PosteriorParams(
        transform=transform,
        beta=stack_draws(posterior["beta"]),
        baseline=base,
        noise=stack_draws(posterior["noise"]),
        nu=stack_draws(posterior["nu"]) if "nu" in posterior else None,
    )
