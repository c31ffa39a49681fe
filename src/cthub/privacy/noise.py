"""Noise mechanisms, all from OpenDP's samplers (never `numpy.random`).

Each function states what it spends: a Gaussian mechanism with L2 sensitivity `s` and scale `sigma` spends
rho = s^2 / (2 sigma^2) in zero-concentrated DP; a Laplace one with L1 sensitivity `s` and scale `b` spends
epsilon = s / b in pure DP. Callers compute sensitivity; these functions only add noise.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import opendp.domains as dpd
import opendp.measurements as dpm
import opendp.measures as dpms
import opendp.metrics as dpt
from opendp.mod import enable_features

# opendp.prelude would also import opendp.extras (scikit-learn and more), seconds of start-up for every command.
enable_features("contrib")


@lru_cache(maxsize=256)
def _vector_mechanism(kind: str, scale: float, integer: bool):  # noqa: ANN202 - an OpenDP measurement
    atom = dpd.atom_domain(T=int) if integer else dpd.atom_domain(T=float, nan=False)
    domain = dpd.vector_domain(atom)
    if kind == "gaussian":
        metric = dpt.l2_distance(T=int if integer else float)
        return dpm.make_gaussian(domain, metric, scale=float(scale))
    metric = dpt.l1_distance(T=int if integer else float)
    return dpm.make_laplace(domain, metric, scale=float(scale))


def _check_scale(scale: float) -> None:
    if not (scale > 0 and np.isfinite(scale)):
        raise ValueError(f"noise scale must be a positive finite number, got {scale!r}")


def discrete_gaussian(counts: np.ndarray, sigma: float) -> np.ndarray:
    """Integer counts plus discrete Gaussian noise of scale `sigma`. Spends rho = sensitivity^2 / (2 sigma^2)."""
    _check_scale(sigma)
    values = np.asarray(counts, dtype=np.int64).ravel()
    if values.size == 0:
        return values.reshape(np.shape(counts))
    noisy = _vector_mechanism("gaussian", float(sigma), True)(values.tolist())
    return np.asarray(noisy, dtype=np.int64).reshape(np.shape(counts))


def gaussian(values: np.ndarray, sigma: float) -> np.ndarray:
    """Real values plus (floating-point-safe) Gaussian noise of scale `sigma`."""
    _check_scale(sigma)
    arr = np.asarray(values, dtype=np.float64).ravel()
    if arr.size == 0:
        return arr.reshape(np.shape(values))
    noisy = _vector_mechanism("gaussian", float(sigma), False)(arr.tolist())
    return np.asarray(noisy, dtype=np.float64).reshape(np.shape(values))


def discrete_laplace(counts: np.ndarray, scale: float) -> np.ndarray:
    """Integer counts plus discrete Laplace (geometric) noise. Spends epsilon = L1 sensitivity / scale."""
    _check_scale(scale)
    values = np.asarray(counts, dtype=np.int64).ravel()
    if values.size == 0:
        return values.reshape(np.shape(counts))
    noisy = _vector_mechanism("laplace", float(scale), True)(values.tolist())
    return np.asarray(noisy, dtype=np.int64).reshape(np.shape(counts))


def noisy_argmax(scores: np.ndarray, scale: float) -> int:
    """Index of the best score under Gumbel noise (the exponential mechanism, via OpenDP's report-noisy-max).

    Its zCDP cost for scores of L-infinity sensitivity `s` (each moves by at most s when one record changes) is
    what OpenDP's privacy map states; `noisy_argmax_rho(s, scale)` asks it rather than restating the formula.
    """
    _check_scale(scale)
    arr = np.asarray(scores, dtype=np.float64).ravel()
    if arr.size == 0:
        raise ValueError("noisy_argmax needs at least one score")
    return int(_noisy_max(float(scale))(arr.tolist()))


@lru_cache(maxsize=64)
def _noisy_max(scale: float):  # noqa: ANN202 - an OpenDP measurement
    return dpm.make_noisy_max(
        dpd.vector_domain(dpd.atom_domain(T=float, nan=False)),
        dpt.linf_distance(T=float),
        dpms.zero_concentrated_divergence(),
        scale=scale,
    )


def noisy_argmax_rho(sensitivity: float, scale: float) -> float:
    """The zCDP cost (rho) of one `noisy_argmax` call on scores of this L-infinity sensitivity, as OpenDP states it."""
    return float(_noisy_max(float(scale)).map(float(sensitivity)))
