"""A seeded factorial trial on the Riverbend filler: the spread of fill weights against the bowl
level setpoint, the line speed and the product temperature.

The learner writes a run sheet (a list of runs, each with its shift block and its settings, in
the order the runs are made) and ``filler_trial(seed, sheet)`` returns 20 consecutive net fill
weights of every run, in 0.1 g, in the sheet's order. The factors, their levels and the centre
are module 10's (lesson 1):

- A: bowl level setpoint (LIC-101) 50 / 60 / 70 %;
- B: line speed 100 / 110 / 120 bottles a minute;
- C: product temperature setpoint 18 / 21 / 24 degC;

coded x_A = (bowl - 60)/10, x_B = (speed - 110)/10, x_C = (temp - 21)/3. Settings outside the
box are refused: they were never approved for the trial.

Each seed draws its own filler (``trial_model``). The true standard deviation of a run's fills
is a sum of

- the filler's base spread and the seed's effects (``effects_g``, effects on the fill sd from
  low to high): speed (B) in every seed, with bowl level (A), temperature (C) or both, and one
  interaction (BC or AB) in most seeds, each 0.32-0.50 g; the other terms are zero;
- a curvature (``curvature_g``, 0.28-0.36 g of fill sd at the centre, zero at the corners) in
  about one seed in four: the spread bends between the levels;
- a shift offset (``shift_g``, 0-0.15 g) added to every run of block 2;
- a slow drift over the runs of a shift (``drift_g``, 0.22-0.30 g from the first run of a block
  to its last: the valve seals warm up), so that a sheet run in standard order reports part of
  the drift as the effect of temperature, the factor that changes last;
- a run-to-run component (``run_sd_g``, a standard deviation of 0.08-0.11 g): what changes when
  the same settings are set again. Bottles of one run share it, so splitting a run's 20
  bottles into two "replicates" understates the noise that replicates show.

Each reading adds the QC bench scale's gauge R&R (``gauge_sd_g``, 0.20-0.40 g, given to the
learner) to the bottle's fill. The random numbers of a run depend on the seed, the block and
the settings (and how many times the block has run them), not on the run's place in the sheet:
two sheets with the same runs in different orders share their noise and differ only by the
drift.

A grader's second sheet (``second_sheet``, randomised within blocks) is checked for every seed:
the seed's draw is chosen so that the reference analysis of that sheet (``analyse``) finds the
seed's model (every active term significant at 5 % with 7 degrees of freedom and every other
term not, with margins; curvature significant exactly in the seeds that have it), that its
pseudo-replicates understate the standard error of an effect (``pseudo_se``). The drift biases the
standard-order sheet's (``standard_sheet``) temperature effect by about 4/9 of ``drift_g`` in
every seed (``drift_bias``).

This is a model for teaching, not a run of ``plcsim.machines``' filler (which has no
temperature or speed effect on the fills). Standard library only, so the same seed gives the
same trial in the app's and in the lab's Python.
"""

from __future__ import annotations

import dataclasses
import math
import random
from dataclasses import dataclass, field

FACTORS = ("bowl", "speed", "temp")  # A, B, C
LETTERS = ("A", "B", "C")
LEVELS = {"bowl": (50.0, 70.0), "speed": (100.0, 120.0), "temp": (18.0, 24.0)}
CENTRE = {"bowl": 60.0, "speed": 110.0, "temp": 21.0}
HALF_RANGE = {"bowl": 10.0, "speed": 10.0, "temp": 3.0}
UNITS = {"bowl": "%", "speed": "bottles/min", "temp": "degC"}
TERMS = ("A", "B", "C", "AB", "AC", "BC", "ABC")
BLOCKS = (1, 2)  # 1 = day shift, 2 = afternoon shift
MAX_RUNS_PER_BLOCK = 12  # what one shift has time for
BOTTLES = 20
RESOLUTION = 0.1  # g, the bench scale's display step
T_975_7 = 2.3646242510102993  # Student's t, 0.975, 7 degrees of freedom
STANDARD_ORDER = tuple((a, b, c) for c in (-1, 1) for b in (-1, 1) for a in (-1, 1))
RUN_NAMES = ("(1)", "a", "b", "ab", "c", "ac", "bc", "abc")
COLUMNS = ("run", "block", "bowl", "speed", "temp", "bottle", "weight_g")
T_MARGIN = 0.3  # how far every term's t keeps from the critical value in the second sheet
ATTEMPTS = 2000


def coded(setting: dict) -> tuple[float, float, float]:
    """The coded levels (x_A, x_B, x_C) of a setting in real units."""
    return tuple((float(setting[f]) - CENTRE[f]) / HALF_RANGE[f] for f in FACTORS)


def real(x: tuple[float, float, float]) -> dict:
    """The setting in real units of coded levels *x*."""
    return {f: CENTRE[f] + HALF_RANGE[f] * v for f, v in zip(FACTORS, x, strict=True)}


def term_value(term: str, x: tuple[float, float, float]) -> float:
    """The contrast column's value of *term* (e.g. "BC") at coded levels *x*."""
    value = 1.0
    for letter in term:
        value *= x[LETTERS.index(letter)]
    return value


def inside(setting: dict) -> bool:
    """Is *setting* (real units) inside the region the trial studied?"""
    return all(LEVELS[f][0] <= float(setting[f]) <= LEVELS[f][1] for f in FACTORS)


@dataclass(frozen=True)
class TrialModel:
    """The truth behind one seed's trial (only the gauge's standard deviation is shown)."""

    mean_g: float  # mean net fill, g
    base_sd_g: float  # fill sd averaged over the corners, before drift and shift
    effects_g: dict = field(hash=False)  # term -> effect on the fill sd (low to high), g
    curvature_g: float  # extra fill sd at the centre, 0 at the corners
    shift_g: float  # added to the fill sd of every run of block 2
    drift_g: float  # rise of the fill sd from a block's first run to its last
    run_sd_g: float  # run-to-run standard deviation of the fill sd
    gauge_sd_g: float  # the bench scale's gauge R&R standard deviation

    @property
    def active(self) -> tuple[str, ...]:
        return tuple(t for t in TERMS if self.effects_g.get(t, 0.0))

    def fill_sd(self, x: tuple[float, float, float]) -> float:
        """The fills' true standard deviation at coded *x*, averaged over the shifts' drift and
        offset (no run-to-run component)."""
        sd = self.base_sd_g + self.shift_g / 2
        sd += sum(e / 2 * term_value(t, x) for t, e in self.effects_g.items())
        sd += self.curvature_g * (1 - sum(v * v for v in x) / 3)
        return sd

    def expected_s(self, x: tuple[float, float, float]) -> float:
        """About what the readings' s shows at *x*: fills and scale together."""
        return math.hypot(self.fill_sd(x), self.gauge_sd_g)


def trial_model(seed: int) -> TrialModel:
    """The filler and the scale of *seed*."""
    rng = random.Random(f"plcsim-filler-doe:{seed}")  # noqa: S311 - simulation stream
    mains = rng.choice((("B", "C"), ("A", "B"), ("A", "B", "C"), ("B", "C"), ("A", "B", "C")))
    if "A" in mains and "C" in mains:
        interaction = rng.choice(("BC", "AB", "BC", None))
    elif "C" in mains:
        interaction = rng.choice(("BC", "BC", None))
    else:
        interaction = rng.choice(("AB", "AB", None))
    for _ in range(10_000):
        effects = {}
        for term in (*mains, interaction):
            if term is None:
                continue
            size = round(rng.uniform(0.32, 0.50), 3)
            sign = rng.choice((-1, 1)) if term in ("A", "AB") else 1  # speed, heat: worse
            effects[term] = sign * size
        curvature = round(rng.uniform(0.28, 0.36), 3) if rng.random() < 0.25 else 0.0
        base = round(rng.uniform(0.80, 1.00), 3)
        gauge = round(rng.uniform(0.20, 0.40), 3)
        shift = round(rng.uniform(0.0, 0.15), 3)
        model = TrialModel(
            mean_g=round(rng.uniform(500.3, 501.3), 2),
            base_sd_g=base,
            effects_g=effects,
            curvature_g=curvature,
            shift_g=shift,
            drift_g=round(rng.uniform(0.22, 0.30), 3),
            run_sd_g=round(rng.uniform(0.08, 0.11), 3),
            gauge_sd_g=gauge,
        )
        corners = [model.fill_sd(x) - shift / 2 - model.drift_g / 2 for x in STANDARD_ORDER]
        centre = model.expected_s((0, 0, 0))
        if min(corners) >= 0.35 and 0.80 <= centre <= 1.10 + curvature:
            return model
    raise RuntimeError(f"seed {seed}: no filler fits")  # pragma: no cover


def _runs_of(sheet) -> list[dict]:
    """The sheet as a list of runs {block, bowl, speed, temp}, validated."""
    if hasattr(sheet, "to_dict"):  # a pandas DataFrame
        sheet = sheet.to_dict("records")
    runs = []
    for i, run in enumerate(sheet, start=1):
        try:
            block = int(run["block"])
            setting = {f: float(run[f]) for f in FACTORS}
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"run {i}: needs block, bowl, speed and temp ({exc})") from None
        if block not in BLOCKS:
            raise ValueError(f"run {i}: block {block}; the trial has blocks 1 and 2")
        if not all(math.isfinite(v) for v in setting.values()) or not inside(setting):
            raise ValueError(
                f"run {i}: {setting} is outside the approved ranges "
                + ", ".join(f"{f} {lo:g}-{hi:g} {UNITS[f]}" for f, (lo, hi) in LEVELS.items())
            )
        runs.append({"block": block, **setting})
    for block in BLOCKS:
        count = sum(1 for r in runs if r["block"] == block)
        if count > MAX_RUNS_PER_BLOCK:
            raise ValueError(f"block {block} has {count} runs; a shift has time for 12")
    return runs


def _key(x: tuple[float, float, float]) -> str:
    return ",".join(f"{v:+.6f}" for v in x)


def simulate(model: TrialModel, seed: int, attempt: int, sheet) -> list[dict]:
    """Every run of *sheet* under *model*: {block, position, bowl, speed, temp, weights}."""
    runs = _runs_of(sheet)
    sizes = {b: sum(1 for r in runs if r["block"] == b) for b in BLOCKS}
    position = dict.fromkeys(BLOCKS, 0)
    seen: dict[tuple, int] = {}
    out = []
    for run in runs:
        block = run["block"]
        position[block] += 1
        x = coded(run)
        key = (block, _key(x))
        seen[key] = seen.get(key, 0) + 1
        rng = random.Random(  # noqa: S311 - simulation stream
            f"plcsim-filler-doe:{seed}:{attempt}:{block}:{key[1]}:{seen[key]}"
        )
        along = (position[block] - 1) / (sizes[block] - 1) - 0.5 if sizes[block] > 1 else 0.0
        sd = (
            model.fill_sd(x)
            - model.shift_g / 2
            + (model.shift_g if block == 2 else 0.0)
            + model.drift_g * along
            + rng.gauss(0.0, model.run_sd_g)
        )
        sd = max(sd, 0.05)
        weights = []
        for _ in range(BOTTLES):
            value = model.mean_g + rng.gauss(0.0, sd) + rng.gauss(0.0, model.gauge_sd_g)
            weights.append(round(round(value / RESOLUTION) * RESOLUTION, 1))
        out.append({**run, "position": position[block], "weights": weights})
    return out


def standard_sheet() -> list[dict]:
    """Each block in standard order, then its two centre points (the convenient order)."""
    sheet = []
    for block in BLOCKS:
        for x in (*STANDARD_ORDER, (0, 0, 0), (0, 0, 0)):
            sheet.append({"block": block, **real(x)})
    return sheet


def second_sheet(seed: int) -> list[dict]:
    """A run sheet of *seed* randomised within each block (8 corners and 2 centre points per
    block, the corners never in standard order): the sheet a grader runs beside yours."""
    rng = random.Random(f"plcsim-filler-doe:{seed}:sheet")  # noqa: S311 - simulation stream
    sheet = []
    for block in BLOCKS:
        while True:
            xs = [*STANDARD_ORDER, (0, 0, 0), (0, 0, 0)]
            rng.shuffle(xs)
            if [x for x in xs if x != (0, 0, 0)] != list(STANDARD_ORDER):
                break
        sheet.extend({"block": block, **real(x)} for x in xs)
    return sheet


def sample_sd(values: list[float]) -> float:
    mean = sum(values) / len(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


def analyse(runs: list[dict]) -> dict:
    """The lessons' analysis of a trial (runs with block, bowl, speed, temp and s, or weights):
    effects, replicate error from the block pairs, SE, t, curvature, the kept terms (|t| above
    t(0.975, 7), with the main effects of a kept interaction) and the model's intercept."""
    rows = []
    for run in runs:
        s = run["s"] if "s" in run else sample_sd(run["weights"])
        rows.append((int(run["block"]), coded(run), s))
    factorial = [r for r in rows if all(abs(v) == 1 for v in r[1])]
    centre = [r for r in rows if all(v == 0 for v in r[1])]
    n = len(factorial)
    effects = {t: sum(term_value(t, x) * s for _, x, s in factorial) / (n / 2) for t in TERMS}
    by = {(b, x): s for b, x, s in factorial}
    d = [by[(2, x)] - by[(1, x)] for x in STANDARD_ORDER]
    d_bar = sum(d) / len(d)
    s_e = math.sqrt(sum((v - d_bar) ** 2 for v in d) / (2 * (len(d) - 1)))
    se = 2 * s_e / math.sqrt(n)
    t = {k: v / se for k, v in effects.items()}
    mean_f = sum(s for *_, s in factorial) / n
    mean_c = sum(s for *_, s in centre) / len(centre)
    curv_se = s_e * math.sqrt(1 / n + 1 / len(centre))
    kept = {k for k in TERMS if abs(t[k]) > T_975_7}
    for k in list(kept):
        kept |= set(k)  # the main effects (letters) of a kept interaction
    kept_terms = tuple(k for k in TERMS if k in kept)
    return {
        "effects": effects,
        "mean": mean_f,
        "block_diff": d_bar,
        "s_e": s_e,
        "df": len(d) - 1,
        "se": se,
        "t": t,
        "curvature": mean_f - mean_c,
        "curvature_se": curv_se,
        "curvature_t": (mean_f - mean_c) / curv_se,
        "terms": kept_terms,
    }


def predict(result: dict, setting: dict, terms: tuple[str, ...] | None = None) -> float | None:
    """The model's s at *setting* (real units), or None outside the region studied."""
    if not inside(setting):
        return None
    x = coded(setting)
    terms = result["terms"] if terms is None else terms
    return result["mean"] + sum(result["effects"][k] / 2 * term_value(k, x) for k in terms)


def recommend(result: dict, terms: tuple[str, ...] | None = None) -> dict:
    """At 120 bottles a minute, the bowl level and product temperature with the smallest
    predicted s: a factor in the model at its better level, a factor not in it at today's
    centre."""
    terms = result["terms"] if terms is None else terms
    options = {}
    for f, letter in (("bowl", "A"), ("temp", "C")):
        in_model = any(letter in k for k in terms)
        options[f] = LEVELS[f] if in_model else (CENTRE[f],)
    best = None
    for bowl in options["bowl"]:
        for temp in options["temp"]:
            setting = {"bowl": bowl, "speed": LEVELS["speed"][1], "temp": temp}
            value = predict(result, setting, terms)
            if best is None or value < best[1]:
                best = (setting, value)
    return {**best[0], "s_hat": best[1]}


def pseudo_se(runs: list[dict]) -> float:
    """The SE of an effect an analyst would report who split each factorial run's 20 bottles
    into two sets of 10 and took them as two replicates (32 half-runs, the noise from the
    halves' differences)."""
    diffs = []
    for run in runs:
        if all(abs(v) == 1 for v in coded(run)):
            w = run["weights"]
            diffs.append(sample_sd(w[: len(w) // 2]) - sample_sd(w[len(w) // 2 :]))
    s_e = math.sqrt(sum(v * v for v in diffs) / (2 * len(diffs)))
    return 2 * s_e / math.sqrt(2 * len(diffs))


def _fits(model: TrialModel, runs: list[dict]) -> bool:
    """Does the second sheet's analysis find *model*, with the margins the lab needs?"""
    result = analyse(runs)
    for term in TERMS:
        t = abs(result["t"][term])
        if term in model.active and t < T_975_7 + T_MARGIN:
            return False
        if term not in model.active and t > T_975_7 - T_MARGIN:
            return False
    ct = result["curvature_t"]
    if model.curvature_g and ct > -(T_975_7 + 0.2):
        return False
    if not model.curvature_g and abs(ct) > T_975_7 - 0.2:
        return False
    centre = [sample_sd(r["weights"]) for r in runs if coded(r) == (0, 0, 0)]
    if not 0.75 <= sum(centre) / len(centre) <= 1.15 + model.curvature_g:
        return False
    return pseudo_se(runs) < 0.95 * result["se"]  # splitting bottles understates the noise


def drift_bias(model: TrialModel, seed: int, attempt: int) -> float:
    """How much the standard-order sheet's temperature effect owes to the drift: its C effect
    less the C effect of the same draw without drift."""
    still = dataclasses.replace(model, drift_g=0.0)
    with_drift = analyse(simulate(model, seed, attempt, standard_sheet()))
    without = analyse(simulate(still, seed, attempt, standard_sheet()))
    return with_drift["effects"]["C"] - without["effects"]["C"]


def attempt(seed: int) -> int:
    """The draw of *seed* whose second sheet shows its model (see the module's docstring)."""
    model = trial_model(seed)
    sheet = second_sheet(seed)
    for k in range(ATTEMPTS):
        if _fits(model, simulate(model, seed, k, sheet)):
            return k
    raise RuntimeError(f"seed {seed}: no draw fits its model")  # pragma: no cover


_ATTEMPTS: dict[int, int] = {}


def filler_trial(seed: int, sheet) -> dict:
    """The trial of *seed* run from *sheet* (a list of runs, or a DataFrame, with the columns
    block, bowl, speed and temp, in the order the runs are made; block 1 is the day shift).

    Returns ``bottles``, the readings as columns (see COLUMNS: run 1, 2, ... in the sheet's
    order, 20 bottles each, weight_g in 0.1 g), and ``gauge_sd_g``, the bench scale's gauge R&R
    standard deviation."""
    if seed not in _ATTEMPTS:
        _ATTEMPTS[seed] = attempt(seed)
    runs = simulate(trial_model(seed), seed, _ATTEMPTS[seed], sheet)
    rows = []
    for i, run in enumerate(runs, start=1):
        for b, w in enumerate(run["weights"], start=1):
            rows.append((i, run["block"], run["bowl"], run["speed"], run["temp"], b, w))
    return {
        "bottles": {name: [row[i] for row in rows] for i, name in enumerate(COLUMNS)},
        "gauge_sd_g": trial_model(seed).gauge_sd_g,
    }
