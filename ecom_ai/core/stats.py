"""Experiment statistics (pure numpy): Beta-Binomial posteriors for rates, Welch/normal for means.

Rates (CTR, conversion): each arm's rate has a Beta(1 + successes, 1 + failures) posterior (uniform
prior). The 95 % interval is the posterior's 2.5 %/97.5 % quantiles and P(variant beats control)
is the share of Monte Carlo draws in which the variant's rate exceeds the control's; draws use a
fixed seed so a page shows the same figures on every load.

Means (revenue per visitor): normal approximation of the sample mean with each arm's own variance
(Welch): interval mean ± 1.96·SE and P(variant beats control) = Φ((m_v − m_c) / √(SE_v² + SE_c²)).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

DRAWS = 200_000
SEED = 20240607
Z95 = 1.959963984540054


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its 95 % interval and P(beats control) (None for the control)."""

    value: float
    low: float
    high: float
    p_beats_control: float | None = None


def _rng(salt: int = 0) -> np.random.Generator:
    return np.random.default_rng(SEED + salt)


def beta_draws(successes: int, trials: int, draws: int = DRAWS, salt: int = 0) -> np.ndarray:
    """Posterior draws of a rate under a uniform prior."""
    successes = max(0, min(int(successes), int(trials)))
    return _rng(salt).beta(1 + successes, 1 + int(trials) - successes, size=draws)


def rate_estimates(arms: list[tuple[int, int]], draws: int = DRAWS) -> list[Estimate]:
    """(successes, trials) per arm, control first -> rate estimates with P(beats control)."""
    samples = [beta_draws(s, n, draws, salt=i) for i, (s, n) in enumerate(arms)]
    results = []
    for i, ((s, n), sample) in enumerate(zip(arms, samples, strict=True)):
        low, high = np.quantile(sample, [0.025, 0.975])
        p = None if i == 0 else float(np.mean(sample > samples[0]))
        results.append(
            Estimate(value=(s / n) if n else 0.0, low=float(low), high=float(high), p_beats_control=p)
        )
    return results


def normal_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def mean_and_se(n: int, total: float, total_sq: float) -> tuple[float, float]:
    """Sample mean and its standard error from the count, sum and sum of squares."""
    if n <= 0:
        return 0.0, 0.0
    mean = total / n
    if n < 2:
        return mean, 0.0
    variance = max(0.0, (total_sq - n * mean * mean) / (n - 1))
    return mean, math.sqrt(variance / n)


def mean_estimates(arms: list[tuple[int, float, float]]) -> list[Estimate]:
    """(n, sum, sum of squares) per arm, control first -> mean estimates (Welch normal)."""
    stats = [mean_and_se(*arm) for arm in arms]
    control_mean, control_se = stats[0]
    results = []
    for i, (mean, se) in enumerate(stats):
        p = None
        if i:
            spread = math.sqrt(se * se + control_se * control_se)
            p = (
                (0.5 if mean == control_mean else float(mean > control_mean))
                if spread == 0
                else (normal_cdf((mean - control_mean) / spread))
            )
        results.append(Estimate(value=mean, low=mean - Z95 * se, high=mean + Z95 * se, p_beats_control=p))
    return results
