"""Writes labs/lab-cusum-ewma.ipynb: CUSUM and EWMA charts on the simulated filler.

Run from the repository root:  .venv/bin/python labs/src/lab-cusum-ewma.py
"""

from __future__ import annotations

from _notebook import Pitfall, code, lab_notebook, md, swap, write

LAB_ID = "lab-cusum-ewma"

INTRO = r"""
# CUSUM and EWMA charts on the simulated filler

**Competency:** SM.IDQ.12 · about 60 minutes.

The filler's X-bar chart has been quiet, yet the quality engineer suspects the valve seats
(lesson 1's story). You have two sets of fill weights from the QC bench scale, five
consecutive bottles every 20 minutes, net fill in grams to 0.1 g:

- **phase I**: 100 subgroups from a period the team reviewed and judged in control;
- **phase II**: the 48-72 subgroups since, which may carry a shift (or may not).

You also have 2 hours of the filler's `ProductTemp` read once a second, to see why a 1 Hz
record breaks the usual limits.

By the end of this lab you can:

1. estimate $\mu_0$ and $\sigma_{\bar{x}} = \bar{R}/d_2/\sqrt{5}$ from phase I, and run the
   X-bar chart, the **tabular CUSUM** ($k$ = 0.5, $h$ = 5) and the **EWMA** ($\lambda$ = 0.1,
   $L$ = 2.7, time-varying limits) on phase II;
2. say where each chart signals, when the CUSUM says the shift began ($N^+$) and how big it
   is;
3. compare the three charts' **average run lengths** for your shift by simulation;
4. measure the **autocorrelation** of a 1 Hz record, show what it does to moving-range
   limits, and chart the residuals of an AR(1) fit instead.

Lessons 1-3 of module 12 work every step on one worn valve seat; their code is a good start,
and the conventions here are theirs. Your data come from your own seed (`SHOPFLOOR_SEED`):
your filler's mean, spread and what happened in phase II are not your neighbour's. The data
are simulated for teaching, from a model of the filler (not a run of the plcsim filler).
Run the cells in order, write your code where it says `# YOUR CODE HERE` and delete the
`raise NotImplementedError()` line.
"""

SETUP = r"""
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from plcsim.spc_shift import fill_shift

data = fill_shift(SHOPFLOOR_SEED)
phase1 = pd.DataFrame(data["phase1"])  # subgroup (1-100), bottle (1-5), weight_g
phase2 = pd.DataFrame(data["phase2"])  # subgroup (1-m, numbered again from 1), bottle, weight_g
temp = np.array(data["temp_c"])        # Filler/ProductTemp, °C, one reading a second
D2 = 2.326                             # R-bar / d2 for subgroups of five

print(f"phase I {phase1['subgroup'].nunique()} subgroups, phase II "
      f"{phase2['subgroup'].nunique()} subgroups, one every {data['interval_min']} min; "
      f"{len(temp)} temperature readings around {data['setpoint_c']} °C")
phase2.head()
"""

TASK_PHASE1 = r"""
## 1. The in-control mean and sigma, from phase I only

Make `x1` and `x2`, numpy arrays of floats of shape (subgroups, 5), one row per subgroup in
time order, for phase I and phase II, and `xbar2`, the phase II subgroup means. From
**phase I only** estimate

- `mu0`: the grand mean, in g;
- `sigma_xbar`: the standard deviation of a **mean of five bottles**, $\bar{R}/d_2/\sqrt{5}$,
  in g.

Phase II is what the chart watches; it must not move its own limits.
"""

ANSWER_PHASE1 = r"""
# x1, x2 (arrays), xbar2 (array of phase II means), mu0, sigma_xbar (floats)
### BEGIN SOLUTION
def subgroups(frame):
    ordered = frame.sort_values(["subgroup", "bottle"])
    return ordered["weight_g"].to_numpy(float).reshape(-1, 5)


x1, x2 = subgroups(phase1), subgroups(phase2)
xbar2 = x2.mean(axis=1)
reference = x1  # phase I only
mu0 = float(reference.mean())
sigma_xbar = float(np.ptp(reference, axis=1).mean() / D2 / np.sqrt(5))  # a mean of 5
### END SOLUTION
print(f"mu0 = {mu0:.3f} g, sigma of a subgroup mean = {sigma_xbar:.4f} g; "
      f"X-bar limits {mu0 - 3 * sigma_xbar:.2f} to {mu0 + 3 * sigma_xbar:.2f} g")
"""

TASK_CUSUM = r"""
## 2. The X-bar chart and the tabular CUSUM

Set `xbar_signal` to the first phase II subgroup (numbered from 1) whose mean is outside
$\mu_0 \pm 3\sigma_{\bar{x}}$, or `None`.

Write `cusum(xbar, mu0, sigma, k=0.5, h=5)`, the tabular CUSUM of lesson 1 with $K = k\sigma$
and $H = h\sigma$ in grams, $C_0^+ = C_0^- = 0$,

$C_i^+ = \max(0,\ C_{i-1}^+ + \bar{x}_i - (\mu_0 + K))$ and
$C_i^- = \max(0,\ C_{i-1}^- + (\mu_0 - K) - \bar{x}_i)$,

run over **every** subgroup (do not stop at the signal). It returns a dict with

- `c_plus`, `c_minus`: lists of $C^+_i$ and $C^-_i$ for every subgroup, in g;
- `signal`: the first subgroup (from 1) where a sum is **strictly greater** than $H$, or
  `None`; `side`: `"up"` if it was $C^+$, `"down"` if $C^-$, `None` without a signal;
- `c_at_signal`: that sum at the signal; `n_run`: $N^+$ (or $N^-$), the consecutive
  subgroups up to and including the signal whose sum is above zero; `mu_hat`: the new mean,
  $\mu_0 + K + C^+/N^+$ up, $\mu_0 - K - C^-/N^-$ down (all three `None` without a signal).

Set `cus = cusum(xbar2, mu0, sigma_xbar)`. The shift began after subgroup
`cus["signal"] - cus["n_run"]`.
"""

ANSWER_CUSUM = r"""
# xbar_signal (int or None); cusum(xbar, mu0, sigma, k=0.5, h=5) -> dict; cus
### BEGIN SOLUTION
outside = np.flatnonzero(np.abs(xbar2 - mu0) > 3 * sigma_xbar)
xbar_signal = int(outside[0]) + 1 if len(outside) else None


def cusum(xbar, mu0, sigma, k=0.5, h=5):
    K, H = k * sigma, h * sigma  # k and h are in sigma units
    cp = cm = 0.0
    c_plus, c_minus = [], []
    signal = side = c_at = n_run = mu_hat = None
    for i, x in enumerate(xbar, start=1):
        cp = max(0.0, cp + x - (mu0 + K))
        cm = max(0.0, cm + (mu0 - K) - x)
        c_plus.append(cp)
        c_minus.append(cm)
        if signal is None and (cp > H or cm > H):
            signal, side = i, "up" if cp > H else "down"
            sums = c_plus if side == "up" else c_minus
            n_run = 0
            while n_run < len(sums) and sums[-1 - n_run] > 0:
                n_run += 1
            c_at = sums[-1]
            mu_hat = mu0 + K + c_at / n_run if side == "up" else mu0 - K - c_at / n_run
    return {"c_plus": c_plus, "c_minus": c_minus, "signal": signal, "side": side,
            "c_at_signal": c_at, "n_run": n_run, "mu_hat": mu_hat}


cus = cusum(xbar2, mu0, sigma_xbar)
### END SOLUTION
print(f"X-bar chart signal: {xbar_signal}; CUSUM signal: {cus['signal']} ({cus['side']})")
if cus["signal"]:
    print(f"C at the signal {cus['c_at_signal']:.2f} g, N = {cus['n_run']}: shift began after "
          f"subgroup {cus['signal'] - cus['n_run']}, new mean about {cus['mu_hat']:.2f} g")
"""

TEST_CUSUM = r"""
# Self-check: lesson 1's worn valve seat (mu0 500.9 g, sigma of the mean 0.44 g)
rng = np.random.default_rng(45)
lesson_mean = np.where(np.arange(1, 49) >= 25, 500.9 + 0.44, 500.9)
lesson_xbar = np.round(rng.normal(lesson_mean[:, None], 0.985, (48, 5)), 1).mean(axis=1)
lesson = cusum(lesson_xbar, 500.9, 0.44)
assert lesson["signal"] == 31 and lesson["side"] == "up", lesson["signal"]
assert np.allclose(lesson["c_plus"][20:31],
                   [0.16, 0, 0, 0, 0.36, 0.12, 0.48, 1.32, 1.82, 2.12, 2.30], atol=0.006)
assert lesson["n_run"] == 7 and abs(lesson["mu_hat"] - 501.45) < 0.006
assert len(lesson["c_plus"]) == 48, "run the sums over every subgroup"
print("Your CUSUM reproduces lesson 1: signal at 31, N+ = 7, new mean 501.45 g.")
"""

TASK_EWMA = r"""
## 3. The EWMA chart

Write `ewma(xbar, mu0, sigma, lam=0.1, L=2.7)`: start at the target, $z_0 = \mu_0$, then
$z_t = \lambda\bar{x}_t + (1 - \lambda)z_{t-1}$, with the **time-varying** limits
$\mu_0 \pm L\sigma\sqrt{\lambda/(2 - \lambda)\,[1 - (1 - \lambda)^{2t}]}$, $t$ from 1. Run it
over every subgroup; return a dict with `z` (list of $z_t$), `half` (list of the half-widths
of the limits, in g) and `signal` (the first $t$ with $|z_t - \mu_0|$ above the half-width,
or `None`). Set `ew = ewma(xbar2, mu0, sigma_xbar)`.
"""

ANSWER_EWMA = r"""
# ewma(xbar, mu0, sigma, lam=0.1, L=2.7) -> dict; ew
### BEGIN SOLUTION
def ewma(xbar, mu0, sigma, lam=0.1, L=2.7):
    z = mu0  # start at the target
    zs, halves, signal = [], [], None
    for t, x in enumerate(xbar, start=1):
        z = lam * x + (1 - lam) * z
        half = L * sigma * np.sqrt(lam / (2 - lam) * (1 - (1 - lam) ** (2 * t)))
        zs.append(float(z))
        halves.append(float(half))
        if signal is None and abs(z - mu0) > half:
            signal = t
    return {"z": zs, "half": halves, "signal": signal}


ew = ewma(xbar2, mu0, sigma_xbar)
### END SOLUTION
print(f"EWMA signal: {ew['signal']}")
"""

TEST_EWMA = r"""
# Self-check: lesson 2's EWMA of the worn seat signals at 31 (z = 501.176 g, limit 501.172 g)
lesson_ew = ewma(lesson_xbar, 500.9, 0.44)
assert lesson_ew["signal"] == 31, lesson_ew["signal"]
assert abs(lesson_ew["z"][0] - 500.894) < 0.0006 and abs(lesson_ew["z"][30] - 501.176) < 0.0006
assert abs(lesson_ew["half"][0] - 0.119) < 0.0006, "time-varying limits, t from 1"
print("Your EWMA reproduces lesson 2.")
"""

PLOT = r"""
fig, axes = plt.subplots(3, 1, figsize=(9, 8), sharex=True)
t = np.arange(1, len(xbar2) + 1)
axes[0].plot(t, xbar2, "o-", ms=3)
for y in (mu0 - 3 * sigma_xbar, mu0, mu0 + 3 * sigma_xbar):
    axes[0].axhline(y, color="grey", lw=0.8)
axes[0].set_ylabel("X-bar (g)")
axes[1].plot(t, cus["c_plus"], label="C+")
axes[1].plot(t, cus["c_minus"], label="C-")
axes[1].axhline(5 * sigma_xbar, color="r", lw=0.8)
axes[1].set_ylabel("CUSUM (g)")
axes[1].legend()
axes[2].plot(t, ew["z"], "o-", ms=3)
axes[2].plot(t, mu0 + np.array(ew["half"]), "r", lw=0.8)
axes[2].plot(t, mu0 - np.array(ew["half"]), "r", lw=0.8)
axes[2].set_ylabel("EWMA (g)")
axes[2].set_xlabel("phase II subgroup")
plt.show()
"""

TASK_ARL = r"""
## 4. How long would each chart take? Simulated ARL

In standard units (a point is one subgroup mean, in $\sigma_{\bar{x}}$ from $\mu_0$), your
shift is `delta = abs(cus["mu_hat"] - mu0) / sigma_xbar` rounded to 2 decimals, or
`delta = 1.0` if the CUSUM did not signal. Simulate **2,000** charts of standard normal
points plus `delta` for each of the Shewhart chart (a point beyond ±3), the CUSUM
($k$ = 0.5, $h$ = 5) and the EWMA ($\lambda$ = 0.1, $L$ = 2.7, time-varying limits), each
from the zero state with its own `np.random.default_rng(2026)`, drawing
`rng.standard_normal(2000)` once per subgroup for all 2,000 charts together (lesson 2's
`run_lengths`). Set `arl`, a dict with keys `"shewhart"`, `"cusum"` and `"ewma"`: the mean
run length of each, in subgroups. (With 2,000 runs an ARL is good to a few per cent.)
"""

ANSWER_ARL = r"""
# delta (float); arl (dict)
### BEGIN SOLUTION
delta = round(abs(cus["mu_hat"] - mu0) / sigma_xbar, 2) if cus["signal"] else 1.0


def run_lengths(chart, shift, runs=2000, seed=2026, max_len=20_000):
    rng = np.random.default_rng(seed)
    state, length = None, np.zeros(runs, dtype=int)
    alive = np.ones(runs, dtype=bool)
    for t in range(1, max_len + 1):
        state, signal = chart(state, rng.standard_normal(runs) + shift, t)
        length[signal & alive] = t
        alive &= ~signal
        if not alive.any():
            return length
    raise RuntimeError("some runs never signalled")


def shewhart_chart(state, x, t):
    return None, np.abs(x) > 3


def cusum_chart(state, x, t, k=0.5, h=5):
    cp, cm = state if state is not None else (0.0, 0.0)
    cp, cm = np.maximum(0, cp + x - k), np.maximum(0, cm - x - k)
    return (cp, cm), (cp > h) | (cm > h)


def ewma_chart(state, x, t, lam=0.1, L=2.7):
    z = state if state is not None else 0.0
    z = lam * x + (1 - lam) * z
    return z, np.abs(z) > L * np.sqrt(lam / (2 - lam) * (1 - (1 - lam) ** (2 * t)))


arl = {name: float(run_lengths(chart, delta).mean())
       for name, chart in (("shewhart", shewhart_chart), ("cusum", cusum_chart),
                           ("ewma", ewma_chart))}
### END SOLUTION
print(f"shift {delta} sigma: ARL " + ", ".join(f"{k} {v:.1f}" for k, v in arl.items()))
"""

TASK_ACF = r"""
## 5. A 1 Hz record: autocorrelation and the residual chart

`temp` is `ProductTemp` once a second. Compute

- `acf_1_5`: the autocorrelation at lags 1-5,
  $r_k = \sum(x_t - \bar{x})(x_{t-k} - \bar{x}) / \sum(x_t - \bar{x})^2$ (centred on the
  mean);
- `sigma_mr`: $\overline{MR}/1.128$ of the record, `s`: its sample standard deviation
  (`ddof=1`), and `share_outside`: the percentage of readings outside the I-chart limits
  $\bar{x} \pm 3\,\overline{MR}/1.128$;
- `phi_hat`: the AR(1) coefficient by least squares through the origin on the deviations
  `dev = temp - temp.mean()`, $\hat\phi = \sum d_t d_{t-1} / \sum d_{t-1}^2$;
- `resid_share_outside`: the percentage of the residuals $e_t = d_t - \hat\phi d_{t-1}$
  outside **their own** I-chart limits (their mean $\pm 3\,\overline{MR}/1.128$ of the
  residuals).
"""

ANSWER_ACF = r"""
# acf_1_5 (list of 5 floats); sigma_mr, s, share_outside, phi_hat, resid_share_outside
### BEGIN SOLUTION
def acf(x, lag):
    x = x - x.mean()  # centre on the mean
    return float(np.sum(x[lag:] * x[:-lag]) / np.sum(x * x))


def i_chart(x):
    sigma = np.mean(np.abs(np.diff(x))) / 1.128
    return float(sigma), float(100 * np.mean(np.abs(x - x.mean()) > 3 * sigma))


acf_1_5 = [acf(temp, k) for k in range(1, 6)]
sigma_mr, share_outside = i_chart(temp)
s = float(temp.std(ddof=1))
dev = temp - temp.mean()
phi_hat = float(np.sum(dev[1:] * dev[:-1]) / np.sum(dev[:-1] ** 2))
resid = dev[1:] - phi_hat * dev[:-1]
_, resid_share_outside = i_chart(resid)
### END SOLUTION
print("ACF lags 1-5:", [round(r, 3) for r in acf_1_5])
print(f"s = {s:.4f} °C, MR-bar/1.128 = {sigma_mr:.4f} °C: {share_outside:.1f} % outside; "
      f"phi = {phi_hat:.3f}, residuals {resid_share_outside:.1f} % outside")
"""

WRAP = r"""
## Wrap-up

- **Phase I sets the chart, phase II is watched.** $\mu_0$ and $\sigma_{\bar{x}}$ come from
  the reviewed in-control data only; a shift folded into them hides itself.
- **The plotted point is a mean of five**: $\sigma_{\bar{x}} = \bar{R}/d_2/\sqrt{5}$, and $k$
  and $h$ are multiples of it, not grams.
- **The floor at zero** is what makes a CUSUM forget the past in-control run; $N^+$ dates
  the start and $\mu_0 + K + C^+/N^+$ sizes the shift, both as estimates.
- **EWMA starts at the target** and its limits widen to the asymptote over the first
  subgroups.
- **A 1 Hz record is autocorrelated**: $\overline{MR}/1.128$ measures only the
  second-to-second noise, so its limits flag a quarter to a half of the readings (more the
  nearer $\phi$ is to 1). Chart residuals,
  sample less often, or take limits from the real spread, and write down which.
"""


def _signal(expr: str) -> str:
    return f"(-1 if {expr} is None else int({expr}))"


def _num(expr: str, digits: int = 4) -> str:
    return f"(-1.0 if {expr} is None else round(float({expr}), {digits}))"


CHECKS = [
    {
        "id": "phase1",
        "points": 2,
        "description": "mu0 and sigma of a subgroup mean from phase I, in g",
        "observe": "[round(float(mu0), 4), round(float(sigma_xbar), 4)]",
        "compare": "close",
        "tolerance": 0.005,
        "hint": "Phase I only; sigma of a mean of five is R-bar/d2/sqrt(5).",
    },
    {
        "id": "xbar-signal",
        "points": 1,
        "visible": False,
        "description": "the first phase II subgroup outside the X-bar limits (-1: none)",
        "observe": _signal("xbar_signal"),
        "compare": "equal",
        "hint": "Limits mu0 ± 3 sigma of the mean; subgroups numbered from 1.",
    },
    {
        "id": "cusum-sums",
        "points": 2,
        "visible": False,
        "description": "C+ and C- for every phase II subgroup, in g",
        "observe": "[[round(float(v), 4) for v in cus['c_plus']], "
        "[round(float(v), 4) for v in cus['c_minus']]]",
        "compare": "close",
        "tolerance": 0.01,
        "hint": "K = 0.5 sigma and H = 5 sigma of the mean; each sum is floored at zero.",
    },
    {
        "id": "cusum-signal",
        "points": 2,
        "visible": False,
        "description": "where the CUSUM signals and on which side (-1 and None: no signal)",
        "observe": "[" + _signal("cus['signal']") + ", cus['side']]",
        "compare": "equal",
        "hint": "A signal is a sum strictly greater than H; count subgroups from 1.",
    },
    {
        "id": "cusum-estimates",
        "points": 2,
        "visible": False,
        "description": "C at the signal, N+ (or N-) and the estimated new mean (-1: none)",
        "observe": "["
        + ", ".join(_num(f"cus['{k}']") for k in ("c_at_signal", "n_run", "mu_hat"))
        + "]",
        "compare": "close",
        "tolerance": 0.01,
        "hint": "N counts the consecutive subgroups with the sum above zero, the signal "
        "included; mu-hat = mu0 + K + C+/N+.",
    },
    {
        "id": "ewma",
        "points": 2,
        "visible": False,
        "description": "the EWMA z_t and the half-widths of its limits, in g",
        "observe": "[[round(float(v), 4) for v in ew['z']], "
        "[round(float(v), 4) for v in ew['half']]]",
        "compare": "close",
        "tolerance": 0.005,
        "hint": "Start at z0 = mu0; the limits widen with t from 1.",
    },
    {
        "id": "ewma-signal",
        "points": 1,
        "visible": False,
        "description": "where the EWMA signals (-1: none)",
        "observe": _signal("ew['signal']"),
        "compare": "equal",
        "hint": "Compare |z_t - mu0| with the time-varying half-width.",
    },
    {
        "id": "arl",
        "points": 1,
        "visible": False,
        "description": "the natural logarithms of the simulated ARLs (Shewhart, CUSUM, EWMA)",
        "observe": "[round(float(np.log(arl[k])), 3) for k in ('shewhart', 'cusum', 'ewma')]",
        "compare": "close",
        "tolerance": 0.1,
        "hint": "Simulate in standard units at the CUSUM's estimated shift (1.0 without a "
        "signal), 2,000 runs, default_rng(2026).",
    },
    {
        "id": "acf",
        "points": 2,
        "description": "the autocorrelation of the temperature at lags 1-5",
        "observe": "[round(float(v), 4) for v in acf_1_5]",
        "compare": "close",
        "tolerance": 0.01,
        "hint": "Centre the record on its mean before multiplying.",
    },
    {
        "id": "i-chart-sigmas",
        "points": 1,
        "visible": False,
        "description": "MR-bar/1.128 and s of the 1 Hz record, in °C",
        "observe": "[round(float(sigma_mr), 5), round(float(s), 5)]",
        "compare": "close",
        "tolerance": 0.001,
        "hint": "The moving range is the absolute difference of neighbouring readings.",
    },
    {
        "id": "phi",
        "points": 1,
        "visible": False,
        "description": "the AR(1) coefficient",
        "observe": "round(float(phi_hat), 4)",
        "compare": "close",
        "tolerance": 0.01,
        "hint": "Least squares through the origin on the deviations from the mean.",
    },
    {
        "id": "shares-outside",
        "points": 2,
        "visible": False,
        "description": "the percentages outside the I-chart limits: the record, the residuals",
        "observe": "[round(float(share_outside), 3), round(float(resid_share_outside), 3)]",
        "compare": "close",
        "tolerance": 0.5,
        "hint": "In per cent; the residuals get limits from their own moving range.",
    },
]

PITFALLS = [
    Pitfall(
        "sigma-of-single-bottles",
        "Uses R-bar/d2, the standard deviation of single bottles, as the sigma of the "
        "plotted mean (no √5), so every limit and the CUSUM's K and H are √5 too wide.",
        {
            "answer-phase1": swap(
                ANSWER_PHASE1,
                "sigma_xbar = float(np.ptp(reference, axis=1).mean() / D2 / np.sqrt(5))",
                "sigma_xbar = float(np.ptp(reference, axis=1).mean() / D2)",
            )
        },
    ),
    Pitfall(
        "k-h-in-grams",
        "Uses k = 0.5 and h = 5 as grams instead of multiples of sigma of the mean.",
        {
            "answer-cusum": swap(
                ANSWER_CUSUM,
                "K, H = k * sigma, h * sigma  # k and h are in sigma units",
                "K, H = k, h",
            )
        },
    ),
    Pitfall(
        "sums-not-floored",
        "Leaves out the max(0, ...) of the tabular CUSUM, so the sums carry the in-control "
        "run's negative drift and the signal comes late or never.",
        {
            "answer-cusum": swap(
                swap(
                    ANSWER_CUSUM,
                    "cp = max(0.0, cp + x - (mu0 + K))",
                    "cp = cp + x - (mu0 + K)",
                ),
                "cm = max(0.0, cm + (mu0 - K) - x)",
                "cm = cm + (mu0 - K) - x",
            )
        },
    ),
    Pitfall(
        "ewma-started-at-first-point",
        "Starts the EWMA at the first subgroup mean instead of the target mu0.",
        {
            "answer-ewma": swap(
                ANSWER_EWMA,
                "z = mu0  # start at the target",
                "z = xbar[0]",
            )
        },
    ),
    Pitfall(
        "ewma-asymptotic-limits",
        "Draws the EWMA with its asymptotic limits from the first subgroup, where the "
        "time-varying ones are asked for, so the early limits are too wide.",
        {
            "answer-ewma": swap(
                ANSWER_EWMA,
                "half = L * sigma * np.sqrt(lam / (2 - lam) * (1 - (1 - lam) ** (2 * t)))",
                "half = L * sigma * np.sqrt(lam / (2 - lam))",
            )
        },
    ),
    Pitfall(
        "phase-one-with-shifted-data",
        "Estimates mu0 and sigma from phase I and phase II together, so the shift moves "
        "the chart's own centre and limits.",
        {
            "answer-phase1": swap(
                ANSWER_PHASE1,
                "reference = x1  # phase I only",
                "reference = np.vstack([x1, x2])",
            )
        },
    ),
    Pitfall(
        "acf-not-centred",
        "Computes the autocorrelation of the temperature without subtracting its mean, so "
        "every lag comes out near 1.",
        {
            "answer-acf": swap(
                ANSWER_ACF,
                "    x = x - x.mean()  # centre on the mean\n",
                "",
            )
        },
    ),
    Pitfall(
        "moving-range-limits-kept",
        "Keeps the moving-range limits on the 1 Hz record and reports its share outside "
        "as the chart's, instead of charting the AR(1) residuals.",
        {
            "answer-acf": swap(
                ANSWER_ACF,
                "_, resid_share_outside = i_chart(resid)",
                "resid_share_outside = share_outside  # the record's own I-chart",
            )
        },
    ),
]


def build():
    return lab_notebook(
        LAB_ID,
        title="CUSUM and EWMA charts on the simulated filler",
        competencies=["SM.IDQ.12"],
        minutes=60,
        cells=[
            md("intro", INTRO),
            code("setup", "readonly", SETUP),
            md("task-phase1", TASK_PHASE1),
            code("answer-phase1", "answer", ANSWER_PHASE1),
            md("task-cusum", TASK_CUSUM),
            code("answer-cusum", "answer", ANSWER_CUSUM),
            code("test-cusum", "test", TEST_CUSUM),
            md("task-ewma", TASK_EWMA),
            code("answer-ewma", "answer", ANSWER_EWMA),
            code("test-ewma", "test", TEST_EWMA),
            code("plot-charts", "readonly", PLOT),
            md("task-arl", TASK_ARL),
            code("answer-arl", "answer", ANSWER_ARL),
            md("task-acf", TASK_ACF),
            code("answer-acf", "answer", ANSWER_ACF),
            md("wrap-up", WRAP),
        ],
        checks=CHECKS,
        pitfalls=PITFALLS,
    )


if __name__ == "__main__":
    write(build(), PITFALLS)
