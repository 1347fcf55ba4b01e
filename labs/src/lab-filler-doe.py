"""Writes labs/lab-filler-doe.ipynb: a replicated 2^3 factorial on the simulated filler.

Run from the repository root:  .venv/bin/python labs/src/lab-filler-doe.py
"""

from __future__ import annotations

from _notebook import Pitfall, code, lab_notebook, md, swap, write

LAB_ID = "lab-filler-doe"

INTRO = r"""
# A factorial experiment on the simulated filler

**Competency:** SM.IDQ.10 · about 70 minutes.

Production wants Line 1's filler at its design speed of 120 bottles a minute; quality worries
about the spread of the fill weights. You plan and analyse the trial of module 10: a **2^3 full
factorial** in bowl level setpoint (A: 50 / 70 %), line speed (B: 100 / 120 bottles a minute)
and product temperature (C: 18 / 24 °C), replicated on two shifts (block 1, the day shift;
block 2, the afternoon shift), with two centre points (60 %, 110, 21 °C: today's standard) in
each block. The response of a run is the standard deviation $s$ of the net weights of 20
consecutive bottles.

By the end of this lab you can:

1. write the design matrix in **standard order** and a run sheet **randomised within each
   block**, and run it on the simulator;
2. compute each run's $s$, the **effects** from the contrast columns, the **replicate error**
   from the two blocks and the **standard error of an effect**, and judge the effects with $t$
   and a half-normal plot;
3. confirm them with an **ANOVA** in statsmodels with the block in the model;
4. test for **curvature** with the centre points, **predict** $s$ inside the region studied
   (and refuse to outside it), and **recommend** settings to confirm at 120 bottles a minute.

Lesson 2 (*Analysing a factorial experiment*) works the same steps on its own data; its code is
a good start, and the self-check runs your functions on that data. Your filler comes from your
own seed (`SHOPFLOOR_SEED`): which factors matter, and how, is not your neighbour's. The data
are simulated for teaching, from a model of the filler (not a run of the plcsim filler, which
has no temperature or speed effect on the fills).

Write every function for **any** run table: the hidden checks also run your functions on a
second trial of your filler, run from another randomised sheet. Run the cells in order, write
your code where it says `# YOUR CODE HERE` and delete the `raise NotImplementedError()` line.
A column named `C` cannot be used with patsy's `C(...)` in a formula: the block can stay
numeric (1 or 2), which fits the same with two blocks.
"""

SETUP = r"""
import itertools

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from scipy import stats
from statsmodels.stats.anova import anova_lm

from plcsim.filler_doe import filler_trial, standard_sheet

NAMES = {"A": "bowl", "B": "speed", "C": "temp"}
LEVELS = {"bowl": (50, 70), "speed": (100, 120), "temp": (18, 24)}  # %, bottles/min, °C
CENTRE = {"bowl": 60, "speed": 110, "temp": 21}  # today's standard
HALF = {"bowl": 10, "speed": 10, "temp": 3}  # x = (setting - centre) / half range
TERMS = ["A", "B", "C", "AB", "AC", "BC", "ABC"]
STANDARD = [(-1, -1, -1), (1, -1, -1), (-1, 1, -1), (1, 1, -1),
            (-1, -1, 1), (1, -1, 1), (-1, 1, 1), (1, 1, 1)]  # (1), a, b, ab, c, ac, bc, abc

# Lesson 2's trial (day shift, then afternoon shift, each in standard order; centre points)
LESSON = pd.DataFrame({
    "block": [1] * 8 + [2] * 8 + [1, 1, 2, 2],
    "A": [-1, 1, -1, 1, -1, 1, -1, 1] * 2 + [0] * 4,
    "B": [-1, -1, 1, 1, -1, -1, 1, 1] * 2 + [0] * 4,
    "C": [-1, -1, -1, -1, 1, 1, 1, 1] * 2 + [0] * 4,
    "s": [0.88, 0.86, 0.89, 0.64, 0.65, 0.78, 1.44, 1.60,
          0.70, 0.70, 1.09, 0.94, 0.78, 0.77, 1.85, 1.50, 1.03, 0.99, 0.93, 1.10],
})


def factorial(runs):
    # The factorial runs of a run table: no coded 0 (the centre points left out)
    return runs[(runs[["A", "B", "C"]] != 0).all(axis=1)].copy()


def design_of(sheet):
    # Each block's runs as sorted coded settings (from the real settings), run for run
    blocks = []
    for _, g in sheet.groupby("block", sort=True):
        x = zip(*(((g[f] - CENTRE[f]) / HALF[f]).round(6) for f in ("bowl", "speed", "temp")))
        blocks.append(sorted([float(v) for v in run] for run in x))
    return [[int(b) for b in sheet["block"]], blocks]


def in_standard_order(sheet):
    # For each block: are its eight corner runs in standard order?
    out = []
    for _, g in sheet.groupby("block", sort=True):
        x = [tuple(int(round((r[f] - CENTRE[f]) / HALF[f])) for f in ("bowl", "speed", "temp"))
             for _, r in g.iterrows()]
        out.append([r for r in x if r != (0, 0, 0)] == STANDARD)
    return out
"""

TASK_SHEET = r"""
## 1. The design and the run sheet

Make `coded`, the 2^3 design matrix in **standard order**: a DataFrame of eight rows and the
columns `A`, `B`, `C` (−1 and +1), A changing fastest, then B, then C.

Then make `sheet`, the run sheet for two shifts, one row per run **in the order the runs are
made**: block 1's ten runs first, then block 2's. Each block holds the eight combinations once
and two centre points (0, 0, 0), in a **new random order in each block** (a numpy
`default_rng`; seed it with `SHOPFLOOR_SEED` so that your sheet stays the same when you rerun).
Columns: `block` (1 or 2), `A`, `B`, `C` (coded) and `bowl`, `speed`, `temp`, the settings in
%, bottles a minute and °C, which are what the filler is set to.
"""

ANSWER_SHEET = r"""
# coded (8 x 3, standard order); sheet (20 runs in run order)
### BEGIN SOLUTION
coded = pd.DataFrame([(a, b, c) for c, b, a in itertools.product((-1, 1), repeat=3)],
                     columns=["A", "B", "C"], index=["(1)", "a", "b", "ab", "c", "ac", "bc", "abc"])
rng = np.random.default_rng(SHOPFLOOR_SEED)
sheets = []
for block in (1, 2):  # 1 = day shift, 2 = afternoon shift: one full replicate each
    runs = pd.concat([coded, pd.DataFrame(0, index=["ctr", "ctr"], columns=["A", "B", "C"])])
    runs = runs.iloc[rng.permutation(len(runs))]  # a new random order in each block
    for factor, name in NAMES.items():
        runs[name] = CENTRE[name] + HALF[name] * runs[factor]
    sheets.append(runs.assign(block=block))
sheet = pd.concat(sheets)[["block", "A", "B", "C", "bowl", "speed", "temp"]]
### END SOLUTION
print(coded.T)
print(sheet.T)
"""

RUN = r"""
# Run the trial (run me): 20 bottles a run, in your sheet's order
trial = filler_trial(SHOPFLOOR_SEED, sheet[["block", "bowl", "speed", "temp"]])
bottles = pd.DataFrame(trial["bottles"])  # run, block, bowl, speed, temp, bottle, weight_g
GAUGE_SD = trial["gauge_sd_g"]  # g, the QC bench scale's gauge R&R standard deviation
print(f"{bottles['run'].nunique()} runs, {len(bottles)} bottles; gauge R&R sd {GAUGE_SD} g")
bottles.head()
"""

TASK_RUNS = r"""
## 2. One response per run

Write `run_table(bottles)` that returns a DataFrame with one row per run, in run order (indexed
by `run`), with the columns `block`, `bowl`, `speed`, `temp`, the coded `A`, `B`, `C`
($x_A = (\text{bowl} - 60)/10$, $x_B = (\text{speed} - 110)/10$, $x_C = (\text{temp} - 21)/3$)
and `s`, the sample standard deviation of the run's 20 weights (with $n - 1$). Set
`runs = run_table(bottles)`.
"""

ANSWER_RUNS = r"""
# run_table(bottles) -> DataFrame; runs
### BEGIN SOLUTION
def run_table(bottles):
    g = bottles.groupby("run")
    table = g[["block", "bowl", "speed", "temp"]].first()
    for factor, name in NAMES.items():
        table[factor] = (table[name] - CENTRE[name]) / HALF[name]
    table["s"] = g["weight_g"].std(ddof=1)  # the sample standard deviation, n - 1
    return table


runs = run_table(bottles)
### END SOLUTION
runs.round(3)
"""

TASK_EFFECTS = r"""
## 3. Effects, replicate error, standard error

Write, for a run table like `runs` (the factorial runs are those with no coded 0, which the
given `factorial(runs)` returns; the centre points are left out of everything in this part):

- `effects(runs)`: a pandas Series indexed by `TERMS` (A, B, C, AB, AC, BC, ABC) of the
  **effects**, $\sum(\text{column} \times s)/(N/2)$ with $N$ the factorial runs (a regression
  gives the same if you double its coefficients);
- `replicate_error(runs)`: a dict with `s_e`, the replicate error from the two blocks'
  differences $d$ of each setting with the block difference removed,
  $s_e^2 = \sum(d - \bar d)^2 / (2(8 - 1))$; `df`, its degrees of freedom; and `se`, the
  standard error of an effect, $2 s_e/\sqrt{N}$.

The cell prints each effect's $t$ = effect / SE.
"""

ANSWER_EFFECTS = r"""
# effects(runs) -> Series indexed by TERMS; replicate_error(runs) -> dict s_e, df, se
### BEGIN SOLUTION
def effects(runs):
    f = factorial(runs)
    n = len(f)
    out = {}
    for t in TERMS:
        column = np.prod([f[letter] for letter in t], axis=0)  # the contrast column
        out[t] = float((column * f["s"]).sum() / (n / 2))
    return pd.Series(out)


def replicate_error(runs):
    f = factorial(runs)
    pairs = f.pivot_table(index=["A", "B", "C"], columns="block", values="s")
    d = (pairs[2] - pairs[1]).to_numpy()  # afternoon minus day, setting by setting
    s_e = float(np.sqrt(((d - d.mean()) ** 2).sum() / (2 * (len(d) - 1))))
    se = 2 * s_e / np.sqrt(len(f))
    return {"s_e": s_e, "df": len(d) - 1, "se": float(se)}
### END SOLUTION
fx, err = effects(runs), replicate_error(runs)
print(pd.DataFrame({"effect": fx, "t": fx / err["se"]}).round(3))
print(f"s_e {err['s_e']:.4f} g ({err['df']} df); SE(effect) {err['se']:.4f} g; "
      f"t(0.975, {err['df']}) = {stats.t.ppf(0.975, err['df']):.3f}")
"""

PLOT_HALF_NORMAL = r"""
# Half-normal plot and Lenth's pseudo standard error (run me)
absolute = fx.abs().sort_values()
m = len(absolute)
q = stats.norm.ppf(0.5 + 0.5 * (np.arange(1, m + 1) - 0.5) / m)
s0 = 1.5 * absolute.median()
pse = 1.5 * absolute[absolute < 2.5 * s0].median()
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(q, absolute.to_numpy(), "o")
for x, (name, y) in zip(q, absolute.items()):
    ax.annotate(name, (x, y), textcoords="offset points", xytext=(5, -3))
ax.plot([0, q[-1]], [0, q[-1] * pse], "--", color="grey")
ax.axhline(stats.t.ppf(0.975, err["df"]) * err["se"], ls=":", color="k")
ax.set_xlabel("half-normal quantile")
ax.set_ylabel("|effect| (g)")
ax.set_title(f"Lenth's PSE {pse:.3f} g; replicate SE {err['se']:.3f} g")
plt.show()
"""

TASK_ANOVA = r"""
## 4. The same in an ANOVA

Write `anova(runs)` that fits `s ~ block + A * B * C` by OLS to the **factorial** runs and
returns statsmodels' `anova_lm` table. Its residual mean square is $s_e^2$ and $F = t^2$.
"""

ANSWER_ANOVA = r"""
# anova(runs) -> the anova_lm table of the factorial runs, with the block
### BEGIN SOLUTION
def anova(runs):
    fit = smf.ols("s ~ block + A * B * C", data=factorial(runs)).fit()
    return anova_lm(fit)
### END SOLUTION
table = anova(runs)
table.round(4)
"""

TEST = r"""
# Self-check: run me. Your functions on lesson 2's trial.
assert coded.to_numpy().tolist() == [list(x) for x in STANDARD], "standard order: A fastest"
assert design_of(sheet)[0] == [1] * 10 + [2] * 10, "block 1's ten runs, then block 2's"
lesson_fx, lesson_err = effects(LESSON), replicate_error(LESSON)
assert np.allclose(lesson_fx[TERMS], [-0.061, 0.479, 0.334, -0.086, 0.044, 0.374, 0.009],
                   atol=0.0006), "the lesson's effects"
assert np.allclose([lesson_err["s_e"], lesson_err["se"]], [0.1557, 0.0779], atol=0.0001)
assert lesson_err["df"] == 7
lesson_table = anova(LESSON)
assert lesson_table.loc["Residual", "df"] == 7
assert abs(lesson_table.loc["Residual", "mean_sq"] - lesson_err["s_e"] ** 2) < 1e-9
print("Your effects, replicate error and ANOVA reproduce lesson 2.")
"""

TASK_CURVATURE = r"""
## 5. Curvature

Write `curvature(runs)` returning a dict with `curvature`, $\bar y_F - \bar y_C$ (the mean $s$
of the factorial runs minus that of the centre points), its standard error `se`,
$s_e\sqrt{1/n_F + 1/n_C}$, and `t`.
"""

ANSWER_CURVATURE = r"""
# curvature(runs) -> dict curvature, se, t
### BEGIN SOLUTION
def curvature(runs):
    f = factorial(runs)
    centre = runs[(runs[["A", "B", "C"]] == 0).all(axis=1)]
    n_f, n_c = len(f), len(centre)
    value = float(f["s"].mean() - centre["s"].mean())
    se = replicate_error(runs)["s_e"] * np.sqrt(1 / n_f + 1 / n_c)
    return {"curvature": value, "se": float(se), "t": float(value / se)}
### END SOLUTION
curv = curvature(runs)
print(f"curvature {curv['curvature']:+.4f} g, SE {curv['se']:.4f} g, t {curv['t']:.2f}")
"""

TASK_MODEL = r"""
## 6. The model, predictions and a recommendation

Write

- `model_terms(runs)`: the list of terms to keep, in the order of `TERMS`: every term whose
  $|t|$ is above $t_{0.975}$ with the replicate error's degrees of freedom, and the main
  effects of every kept interaction;
- `predict(runs, bowl, speed, temp)`: the model's $s$ at that setting, in coded units
  $\hat s = \bar y_F + \sum_{\text{kept}} (\text{effect}/2)\,x$ (the coefficient of a term is
  half its effect; $\bar y_F$, the mean of the factorial runs, averages the two shifts). The
  model knows nothing outside the region the trial studied: return `None` if any setting is
  outside 50-70 %, 100-120 bottles a minute or 18-24 °C;
- `recommend(runs)`: at 120 bottles a minute, the settings to confirm: a dict with `bowl`,
  `speed`, `temp` and `s_hat`, the predicted $s$. A factor in the model goes to the level
  (low or high) with the smaller predicted $s$, **reading the model with its interactions**;
  a factor not in the model stays at today's centre (bowl 60 %, 21 °C).

The cells below draw the interaction plots of your trial and run the convenient order.
"""

ANSWER_MODEL = r"""
# model_terms(runs) -> list; predict(runs, bowl, speed, temp) -> float or None; recommend(runs)
### BEGIN SOLUTION
def model_terms(runs):
    fx, err = effects(runs), replicate_error(runs)
    t_crit = stats.t.ppf(0.975, err["df"])
    kept = [t for t in TERMS if abs(fx[t] / err["se"]) > t_crit]
    letters = {letter for t in kept for letter in t}  # main effects of kept interactions
    return [t for t in TERMS if t in kept or t in letters]


def predict(runs, bowl, speed, temp):
    setting = {"bowl": bowl, "speed": speed, "temp": temp}
    if any(not LEVELS[f][0] <= v <= LEVELS[f][1] for f, v in setting.items()):
        return None  # outside the box: extrapolation, not a prediction
    x = {k: (setting[f] - CENTRE[f]) / HALF[f] for k, f in NAMES.items()}
    fx = effects(runs)
    s_hat = factorial(runs)["s"].mean()
    for t in model_terms(runs):
        s_hat += fx[t] / 2 * np.prod([x[letter] for letter in t])
    return float(s_hat)


def recommend(runs):
    terms = model_terms(runs)
    options = {f: LEVELS[f] if any(k in t for t in terms) else (CENTRE[f],)
               for k, f in NAMES.items() if f != "speed"}
    best = min(((predict(runs, b, 120, c), b, c)
                for b in options["bowl"] for c in options["temp"]))
    return {"bowl": best[1], "speed": 120, "temp": best[2], "s_hat": best[0]}
### END SOLUTION
print("kept:", model_terms(runs))
print("at 115 bottles/min, 65 %, 20 °C:", predict(runs, 65, 115, 20))
print("at 130 bottles/min:", predict(runs, 60, 130, 21))
print("to confirm:", recommend(runs))
"""

PLOT_INTERACTIONS = r"""
# Interaction plots of your trial: speed with temperature, speed with bowl level (run me)
f = factorial(runs)
fig, axes = plt.subplots(1, 2, figsize=(9, 3.5), sharey=True)
for ax, (other, name, unit) in zip(axes, [("C", "temp", "°C"), ("A", "bowl", "%")]):
    means = f.groupby([other, "B"])["s"].mean()
    for level in (-1, 1):
        ax.plot([100, 120], [means[(level, -1)], means[(level, 1)]], "o-",
                label=f"{name} {CENTRE[name] + HALF[name] * level} {unit}")
    ax.set_xlabel("speed (bottles/min)")
    ax.legend()
axes[0].set_ylabel("mean s (g)")
plt.show()
"""

CONVENIENT = r"""
# What the convenient order would have said (run me): the same trial in standard order,
# each block's corners (1), a, ..., abc and then its centre points. The plant cannot run a
# trial twice; the simulator can.
std_runs = run_table(pd.DataFrame(filler_trial(SHOPFLOOR_SEED, standard_sheet())["bottles"]))
print(pd.DataFrame({"your sheet": effects(runs), "standard order": effects(std_runs)}).round(3))
print(f"curvature: your sheet {curvature(runs)['curvature']:+.3f} g, "
      f"standard order {curvature(std_runs)['curvature']:+.3f} g")
"""

HIDDEN = r"""
from plcsim.filler_doe import second_sheet as __second_sheet


def __call(name, *args):
    try:
        return globals()[name](*args)
    except Exception:
        return None


def __num(value, digits=5):
    try:
        return round(float(value), digits)
    except Exception:
        return None


__bottles2 = pd.DataFrame(filler_trial(SHOPFLOOR_SEED, __second_sheet(SHOPFLOOR_SEED))["bottles"])
__runs = __call("run_table", __bottles2)
__s = None
try:
    __s = [__num(v) for v in __runs.sort_index()["s"]]
except Exception:
    pass
__fx = __call("effects", __runs)
__err = __call("replicate_error", __runs)
__effects = __t_largest = __error = None
try:
    __effects = [__num(__fx[t]) for t in TERMS]
    __error = [__num(__err["s_e"]), int(__err["df"]), __num(__err["se"])]
    __big = max(TERMS, key=lambda t: abs(float(__fx[t])))
    __t_largest = __num(float(__fx[__big]) / float(__err["se"]), 4)
except Exception:
    pass
__anova = None
try:
    __table = __call("anova", __runs)
    __anova = [int(__table.loc["Residual", "df"]), __num(__table.loc["Residual", "mean_sq"], 6),
               __num(__table.loc["B", "F"], 3)]
except Exception:
    pass
__curv = None
try:
    __c = __call("curvature", __runs)
    __curv = [__num(__c["curvature"]), __num(__c["se"]), __num(__c["t"], 3)]
except Exception:
    pass
__terms = None
try:
    __terms = [sorted(__call("model_terms", r), key=TERMS.index) for r in (__runs, LESSON)]
except Exception:
    pass
__inside = None
try:
    __inside = [__num(__call("predict", __runs, 65, 115, 20), 4),
                __num(__call("predict", __runs, 55, 120, 18), 4),
                __num(__call("predict", LESSON, 60, 115, 20), 4)]
except Exception:
    pass
__outside = None
try:
    __outside = [__call("predict", r, *x) is None for r in (__runs, LESSON)
                 for x in ((60, 130, 21), (60, 120, 15), (40, 110, 21))]
    __outside.append(isinstance(__call("predict", __runs, 70, 120, 18), (int, float)))
except Exception:
    pass
__recommended = None
try:
    __recommended = []
    for r in (__runs, LESSON):
        __rec = __call("recommend", r)
        __recommended.append([__num(__rec[k], 4) for k in ("bowl", "speed", "temp", "s_hat")])
except Exception:
    __recommended = None
"""

WRAP = r"""
## Wrap-up

- **Standard order is for writing, not for running.** In the convenient order temperature is
  low for the first four runs of a shift and high for the last four, so the drift of the
  shift is reported as the effect of temperature (and the centre points, run last, show a
  curvature that is partly the drift). Randomise within each block.
- **Effects, not coefficients.** An effect spans −1 to +1, two coded units; a regression
  coefficient is half of it. Say which one a report gives.
- **Replicates, not more bottles.** Only a run set up again shows the run-to-run noise; 20
  bottles of one run split into two tens would make the noise look smaller than it is. The
  block takes the shifts' difference out of it: leave it out of the ANOVA and the error has
  8 degrees of freedom and holds the shift difference too.
- **SE of an effect = 2 s_e / √N**, and the curvature's SE needs both $1/n_F$ and $1/n_C$.
- **Interactions first.** With an interaction in the model, a main effect is an average over
  different situations; read the model with its interactions before choosing settings.
- **Inside the box only.** No prediction outside the levels run; confirm the recommended
  settings with new runs and a prediction interval before they become the standard (lesson 3).
"""

CHECKS = [
    {
        "id": "standard-order",
        "points": 1,
        "description": "the design matrix in standard order",
        "observe": "coded[['A', 'B', 'C']].astype(int).to_numpy().tolist()",
        "expected": "[[-1, -1, -1], [1, -1, -1], [-1, 1, -1], [1, 1, -1], "
        "[-1, -1, 1], [1, -1, 1], [-1, 1, 1], [1, 1, 1]]",
        "compare": "equal",
        "hint": "A changes every run, B every two runs, C every four.",
    },
    {
        "id": "run-sheet",
        "points": 1,
        "description": "the sheet's blocks in run order, and each block's runs: the eight "
        "combinations and two centre points",
        "observe": "design_of(sheet)",
        "compare": "equal",
        "hint": "Ten runs a block, block 1 first; bowl, speed and temp are the real settings.",
    },
    {
        "id": "randomised",
        "points": 2,
        "description": "each block in a random order (its combinations not in standard order)",
        "observe": "in_standard_order(sheet)",
        "expected": "[False, False]",
        "compare": "equal",
        "hint": "Standard order is for writing the design; shuffle each block's runs.",
    },
    {
        "id": "effects-lesson",
        "points": 1,
        "description": "your effects on lesson 2's trial",
        "observe": "[round(float(effects(LESSON)[t]), 5) for t in TERMS]",
        "compare": "close",
        "tolerance": 5e-4,
        "hint": "Sum of column × s over the factorial runs, divided by N/2.",
    },
    {
        "id": "s-values",
        "points": 2,
        "visible": False,
        "description": "s of every run of a second trial of your filler",
        "observe": "__s",
        "compare": "close",
        "tolerance": 1e-4,
        "hint": "The sample standard deviation of each run's 20 weights, with n - 1.",
    },
    {
        "id": "effects",
        "points": 3,
        "visible": False,
        "description": "the seven effects of the second trial",
        "observe": "__effects",
        "compare": "close",
        "tolerance": 0.005,
        "hint": "An effect is the mean at the high level minus the mean at the low level: "
        "twice a regression coefficient.",
    },
    {
        "id": "replicate-error",
        "points": 2,
        "visible": False,
        "description": "s_e, its degrees of freedom and the SE of an effect (second trial)",
        "observe": "__error",
        "compare": "close",
        "tolerance": 1e-4,
        "hint": "s_e from the block-paired differences, 7 degrees of freedom; SE = 2 s_e / √N.",
    },
    {
        "id": "t-largest",
        "points": 1,
        "visible": False,
        "description": "t of the largest effect (second trial)",
        "observe": "__t_largest",
        "compare": "close",
        "tolerance": 0.01,
        "hint": "t = effect / SE(effect).",
    },
    {
        "id": "anova",
        "points": 2,
        "visible": False,
        "description": "residual degrees of freedom, residual mean square and F of speed "
        "(second trial)",
        "observe": "__anova",
        "compare": "close",
        "tolerance": 1e-3,
        "hint": "s ~ block + A * B * C on the 16 factorial runs: 7 residual degrees of freedom.",
    },
    {
        "id": "curvature",
        "points": 2,
        "visible": False,
        "description": "curvature, its SE and t (second trial)",
        "observe": "__curv",
        "compare": "close",
        "tolerance": 1e-3,
        "hint": "SE = s_e √(1/n_F + 1/n_C).",
    },
    {
        "id": "model-terms",
        "points": 2,
        "visible": False,
        "description": "the terms kept, for the second trial and lesson 2's",
        "observe": "__terms",
        "compare": "equal",
        "hint": "Keep every term whose |t| is above t(0.975, 7), interactions too, and the "
        "main effects of a kept interaction.",
    },
    {
        "id": "prediction-inside",
        "points": 2,
        "visible": False,
        "description": "predictions inside the region studied (second trial, lesson 2's)",
        "observe": "__inside",
        "compare": "close",
        "tolerance": 0.01,
        "hint": "The factorial mean plus half of each kept effect times its coded column.",
    },
    {
        "id": "prediction-outside",
        "points": 1,
        "visible": False,
        "description": "no prediction outside the region studied",
        "observe": "__outside",
        "compare": "equal",
        "hint": "Outside the levels run, the model is extrapolation: return None.",
    },
    {
        "id": "recommendation",
        "points": 2,
        "visible": False,
        "description": "the settings to confirm at 120 bottles a minute and their predicted s "
        "(second trial, lesson 2's)",
        "observe": "__recommended",
        "compare": "close",
        "tolerance": 0.01,
        "hint": "Read the model with its interactions: the best level of one factor can "
        "depend on another.",
    },
]

PITFALLS = [
    Pitfall(
        "standard-run-order",
        "Runs each block in standard order (the convenient order, centre points last), so the "
        "shift's drift is reported as the effect of temperature.",
        {
            "answer-sheet": swap(
                ANSWER_SHEET,
                "    runs = runs.iloc[rng.permutation(len(runs))]  # a new random order in each "
                "block\n",
                "",
            )
        },
    ),
    Pitfall(
        "std-ddof-0",
        "Takes each run's s with numpy's default ddof=0 (dividing by n, not n - 1).",
        {
            "answer-runs": swap(
                ANSWER_RUNS,
                'table["s"] = g["weight_g"].std(ddof=1)  # the sample standard deviation, n - 1',
                'table["s"] = g["weight_g"].apply(lambda w: np.std(w.to_numpy()))',
            )
        },
    ),
    Pitfall(
        "coefficients-as-effects",
        "Reports the regression's coded coefficients as the effects: half of each effect.",
        {
            "answer-effects": swap(
                ANSWER_EFFECTS,
                """    n = len(f)
    out = {}
    for t in TERMS:
        column = np.prod([f[letter] for letter in t], axis=0)  # the contrast column
        out[t] = float((column * f["s"]).sum() / (n / 2))
    return pd.Series(out)""",
                """    fit = smf.ols("s ~ A * B * C", data=f).fit()
    return pd.Series({t: float(fit.params[":".join(t)]) for t in TERMS})""",
            )
        },
    ),
    Pitfall(
        "se-without-2",
        "Takes the standard error of an effect as s_e/√N, the standard error of one mean, "
        "instead of 2 s_e/√N, the standard error of a difference of two means of N/2 runs.",
        {
            "answer-effects": swap(
                ANSWER_EFFECTS,
                "se = 2 * s_e / np.sqrt(len(f))",
                "se = s_e / np.sqrt(len(f))",
            )
        },
    ),
    Pitfall(
        "block-left-out",
        "Fits the ANOVA without the block, so the shifts' difference stays in the residual "
        "(8 degrees of freedom, a larger mean square).",
        {
            "answer-anova": swap(
                ANSWER_ANOVA,
                'fit = smf.ols("s ~ block + A * B * C", data=factorial(runs)).fit()',
                'fit = smf.ols("s ~ A * B * C", data=factorial(runs)).fit()',
            )
        },
    ),
    Pitfall(
        "curvature-se-without-centre",
        "Takes the curvature's standard error as s_e √(1/n_F), leaving out the centre "
        "points' 1/n_C.",
        {
            "answer-curvature": swap(
                ANSWER_CURVATURE,
                "np.sqrt(1 / n_f + 1 / n_c)",
                "np.sqrt(1 / n_f)",
            )
        },
    ),
    Pitfall(
        "extrapolated-prediction",
        "Predicts from the model outside the region studied (130 bottles a minute, 15 °C) "
        "instead of saying the model cannot.",
        {
            "answer-model": swap(
                ANSWER_MODEL,
                """    if any(not LEVELS[f][0] <= v <= LEVELS[f][1] for f, v in setting.items()):
        return None  # outside the box: extrapolation, not a prediction
""",
                "",
            )
        },
    ),
    Pitfall(
        "main-effects-only",
        "Builds the model and the recommendation from the main effects only, ignoring a "
        "significant interaction.",
        {
            "answer-model": swap(
                ANSWER_MODEL,
                'kept = [t for t in TERMS if abs(fx[t] / err["se"]) > t_crit]',
                'kept = [t for t in "ABC" if abs(fx[t] / err["se"]) > t_crit]',
            )
        },
    ),
]


def build():
    return lab_notebook(
        LAB_ID,
        title="A factorial experiment on the simulated filler",
        competencies=["SM.IDQ.10"],
        minutes=70,
        cells=[
            md("intro", INTRO),
            code("setup", "readonly", SETUP),
            md("task-sheet", TASK_SHEET),
            code("answer-sheet", "answer", ANSWER_SHEET),
            code("run-trial", "readonly", RUN),
            md("task-runs", TASK_RUNS),
            code("answer-runs", "answer", ANSWER_RUNS),
            md("task-effects", TASK_EFFECTS),
            code("answer-effects", "answer", ANSWER_EFFECTS),
            code("plot-half-normal", "readonly", PLOT_HALF_NORMAL),
            md("task-anova", TASK_ANOVA),
            code("answer-anova", "answer", ANSWER_ANOVA),
            code("test-lesson", "test", TEST),
            md("task-curvature", TASK_CURVATURE),
            code("answer-curvature", "answer", ANSWER_CURVATURE),
            md("task-model", TASK_MODEL),
            code("answer-model", "answer", ANSWER_MODEL),
            code("plot-interactions", "readonly", PLOT_INTERACTIONS),
            code("convenient-order", "readonly", CONVENIENT),
            code("hidden-second-trial", "hidden-test", HIDDEN),
            md("wrap-up", WRAP),
        ],
        checks=CHECKS,
        pitfalls=PITFALLS,
    )


if __name__ == "__main__":
    write(build(), PITFALLS)
