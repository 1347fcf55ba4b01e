"""A seeded stop log of the Line 1 filler, with a hidden cause and a fix to judge.

Four weeks before a fix (60 shifts of 480 min: A 06-14, B 14-22, C 22-06, Monday to
Friday), then two weeks after it (30 shifts) or, in the seeds where the after data are too
few, two days (6 shifts). Every shift fills 36,000-44,000 bottles, split into runs of still
or sparkling product on bottles from supplier A or B; the exposure table gives the bottles
of each shift, product and supplier. The filler's own stops (reasons 101-107 of
``plcsim.units.STOP_REASONS``) are Poisson events: jams per bottle, the others per shift.

Each seed hides one cause: jams run 2.0-2.8 times faster on supplier B's bottles or on
sparkling runs, a stratum with 12-22 % of the bottles, so it has fewer jams than the
stratum beside it. In about half the seeds a second factor is confounded with it (the cause
stratum over-represented on one product, supplier or shift), so that factor's one-way
rates differ too. The fix (at the first shift of week 5) targets the cause stratum; the
other stratum of that factor is the control. Its outcome is one of ``OUTCOMES``: it works,
it does nothing, everything falls (a general change) or the after data are too few.

plcsim's line does not model jams by supplier: this is a standalone event model that only
borrows plcsim's reason codes. Each seed redraws until its data show what its model says,
judged as the lab judges it (rates summed over strata, the exact conditional test).
The data are simulated for teaching. Standard library only.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass

from plcsim.units import STOP_REASONS

JAM = 102
REASONS = (101, 102, 103, 104, 105, 106, 107)
FACTORS = {"shift": ("A", "B", "C"), "product": ("still", "sparkling"), "supplier": ("A", "B")}
CAUSES = (("supplier", "B"), ("product", "sparkling"))
OUTCOMES = ("works", "no effect", "general change", "too little data")
SHIFTS_BEFORE = 60
SHIFT_MINUTES = 480
FIRST_DAY = dt.datetime(2026, 9, 7, 6, 0)  # a Monday
STOP_COLUMNS = ("shift_no", "start", "shift", "product", "supplier", "code", "reason", "minutes")
EXPOSURE_COLUMNS = ("shift_no", "date", "shift", "product", "supplier", "bottles")
MINUTE_VALUES = {"sold out": 18.0, "overtime": 4.0}  # dollars per lost minute
DIRECT_COST = {  # dollars per stop
    101: 5240.0,  # a replacement servo drive at $4,800 and 8 electrician-hours at $55
    102: 0.80,  # 2 bottles scrapped at $0.40
    103: 0.0,
    104: 0.0,
    105: 2.0,  # 5 bottles at $0.40
    106: 85.0,  # 1.5 technician-hours at $50 and 25 bottles
    107: 55.0,  # an electrician-hour
}
# stops per four weeks (before the seed's scale) and mean minutes, for the reasons per shift
OTHER_STOPS = {101: (5, 70.0), 103: (96, 2.6), 104: (31, 7.2), 105: (12, 4.5), 106: (18, 9.0),
               107: (9, 14.0)}  # fmt: skip


@dataclass(frozen=True)
class StopModel:
    """The truth behind one seed's log (never shown in it)."""

    cause: tuple[str, str]  # factor and stratum with the raised jam rate
    confounder: str | None  # a second factor over-represented in the cause stratum
    base_per_10k: float  # jams per 10,000 bottles elsewhere
    multiplier: float  # the cause stratum's rate over the base
    outcome: str  # one of OUTCOMES
    after_shifts: int
    target_after: float  # the cause stratum's rate after the fix, relative to before
    control_after: float  # the control stratum's rate after the fix, relative to before
    other_scale: float  # the other reasons' rates, relative to OTHER_STOPS


def stop_model(seed: int) -> StopModel:
    """The hidden cause and the fix's outcome of *seed*."""
    rng = random.Random(f"plcsim-stop-log:{seed}")  # noqa: S311 - simulation stream
    block = list(OUTCOMES)  # every four consecutive seeds see every outcome
    random.Random(f"plcsim-stop-log:block:{(seed - 1) // 4}").shuffle(block)  # noqa: S311
    outcome = block[(seed - 1) % 4]
    cause = rng.choice(CAUSES)
    others = [f for f in FACTORS if f != cause[0]]
    confounder = rng.choice(others) if rng.random() < 0.5 else None
    target, control = {
        "works": (rng.uniform(0.3, 0.45), 1.0),
        "no effect": (1.0, 1.0),
        "general change": (rng.uniform(0.5, 0.6), rng.uniform(0.5, 0.6)),
        "too little data": (rng.uniform(0.55, 0.65), 1.0),
    }[outcome]
    return StopModel(
        cause=cause,
        confounder=confounder,
        base_per_10k=round(rng.uniform(1.0, 1.4), 3),
        multiplier=round(rng.uniform(2.0, 2.8), 3),
        outcome=outcome,
        after_shifts=6 if outcome == "too little data" else 30,
        target_after=round(target, 3),
        control_after=round(control, 3),
        other_scale=round(rng.uniform(0.8, 1.2), 3),
    )


def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _shares(model: StopModel, rng: random.Random, shift: str) -> dict[tuple[str, str], float]:
    """The share of a shift's bottles in each (product, supplier) cell."""
    cause_factor, _ = model.cause
    conf = model.confounder
    jitter = rng.uniform(0.75, 1.25)
    if cause_factor == "supplier":
        sparkling = rng.uniform(0.25, 0.45)
        if conf == "product":
            b = {"still": 0.05 * jitter, "sparkling": 0.40 * jitter}
        elif conf == "shift":
            b = dict.fromkeys(("still", "sparkling"), (0.40 if shift == "C" else 0.06) * jitter)
        else:
            b = dict.fromkeys(("still", "sparkling"), 0.17 * jitter)
    else:
        if conf == "shift":
            sparkling = (0.40 if shift == "C" else 0.06) * jitter
        elif conf == "supplier":
            sparkling = 0.17 * jitter  # B's bottles go mostly to sparkling runs
        else:
            sparkling = 0.17 * jitter
        if conf == "supplier":
            b = {"still": 0.12, "sparkling": 0.70}
        else:
            b = dict.fromkeys(("still", "sparkling"), rng.uniform(0.2, 0.35))
    out = {}
    for product, share in (("still", 1 - sparkling), ("sparkling", sparkling)):
        out[(product, "A")] = share * (1 - b[product])
        out[(product, "B")] = share * b[product]
    return out


def _draw(model: StopModel, rng: random.Random) -> tuple[list[tuple], list[tuple]]:
    """One draw of (stops, exposure) rows."""
    stops, exposure = [], []
    factor, level = model.cause
    for n in range(SHIFTS_BEFORE + model.after_shifts):
        day, k = divmod(n, 3)
        week, weekday = divmod(day, 5)
        start = FIRST_DAY + dt.timedelta(days=7 * week + weekday, hours=8 * k)
        shift = "ABC"[k]
        total = round(rng.uniform(36_000, 44_000), -2)
        after = n >= SHIFTS_BEFORE
        clock = 0.0
        for (product, supplier), share in _shares(model, rng, shift).items():
            bottles = int(round(total * share, -2))
            if bottles <= 0:
                continue
            exposure.append((n + 1, start.date().isoformat(), shift, product, supplier, bottles))
            run_minutes = SHIFT_MINUTES * bottles / total
            cell = {"product": product, "supplier": supplier}
            rate = model.base_per_10k
            if cell[factor] == level:
                rate *= model.multiplier * (model.target_after if after else 1.0)
            elif after:
                rate *= model.control_after
            jams = _poisson(rng, rate * bottles / 10_000)
            events = [(JAM, 0.5 + rng.expovariate(1 / 0.8)) for _ in range(jams)]
            for code, (per_4_weeks, mean_min) in OTHER_STOPS.items():
                mean = per_4_weeks * model.other_scale / SHIFTS_BEFORE * run_minutes / 480
                for _ in range(_poisson(rng, mean)):
                    long = code == 101 and rng.random() < 0.2  # waiting for a spare drive
                    minutes = rng.uniform(200, 260) if long else rng.expovariate(1 / mean_min)
                    events.append((code, 0.5 + minutes))
            for code, minutes in events:
                at = start + dt.timedelta(minutes=clock + rng.uniform(0, run_minutes))
                stops.append((n + 1, at.isoformat(timespec="seconds"), shift, product,
                              supplier, code, STOP_REASONS[code], round(minutes, 1)))  # fmt: skip
            clock += run_minutes
    stops.sort(key=lambda row: row[1])
    return stops, exposure


# -- the lab's own judgements, in the standard library ------------------------------------


def _log_pmf(k: int, n: int, p: float) -> float:
    return (
        math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
        + k * math.log(p) + (n - k) * math.log1p(-p)
    )  # fmt: skip


def binom_cdf(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p), 0 < p < 1."""
    return min(1.0, sum(math.exp(_log_pmf(i, n, p)) for i in range(k + 1)))


def fix_test(before: tuple[int, int], after: tuple[int, int]) -> tuple[float, float, float]:
    """(one-sided p, low, high) of the rate ratio after/before: the exact conditional test
    of two Poisson rates, the interval from the Clopper-Pearson interval of the share."""
    (x0, e0), (x1, e1) = before, after
    n, share = x0 + x1, e1 / (e0 + e1)
    p = binom_cdf(x1, n, share)

    def solve(f) -> float:  # f rises from < 0 to > 0 on (0, 1)
        lo, hi = 1e-12, 1 - 1e-12
        for _ in range(80):
            mid = (lo + hi) / 2
            lo, hi = (lo, mid) if f(mid) > 0 else (mid, hi)
        return (lo + hi) / 2

    q_low = 0.0 if x1 == 0 else solve(lambda q: 1 - binom_cdf(x1 - 1, n, q) - 0.025)
    q_high = 1.0 if x1 == n else solve(lambda q: 0.025 - binom_cdf(x1, n, q))
    ratio = [q / (1 - q) * e0 / e1 if q < 1 else math.inf for q in (q_low, q_high)]
    return p, ratio[0], ratio[1]


def _aggregate(stops, exposure) -> dict[tuple, list[int]]:
    """[jams, bottles] by (period, shift, product, supplier)."""
    agg: dict[tuple, list[int]] = {}
    for row in exposure:
        key = ("after" if row[0] > SHIFTS_BEFORE else "before", *row[2:5])
        agg.setdefault(key, [0, 0])[1] += row[5]
    for row in stops:
        if row[5] == JAM:
            agg[("after" if row[0] > SHIFTS_BEFORE else "before", *row[2:5])][0] += 1
    return agg


def _totals(agg, period: str, **where) -> tuple[int, int]:
    """Jams and bottles of *period* ("before" or "after" the fix) in the strata matching
    *where* (factor=stratum); ``cause=(factor, stratum, inside)`` picks a side of the cause."""
    jams = bottles = 0
    for (p, shift, product, supplier), (j, b) in agg.items():
        values = {"shift": shift, "product": product, "supplier": supplier}
        cause = where.get("cause")
        if p != period or (cause and (values[cause[0]] == cause[1]) != cause[2]):
            continue
        if all(values[f] == v for f, v in where.items() if f != "cause"):
            jams, bottles = jams + j, bottles + b
    return jams, bottles


def _rate(agg, **where) -> float:
    jams, bottles = _totals(agg, "before", **where)
    return 10_000 * jams / bottles if bottles else math.nan


def _spread(rates: list[float]) -> float:
    return max(rates) / min(rates) if min(rates) > 0 else math.inf


def judge(model: StopModel, stops, exposure) -> dict:
    """What the lab's reference finds in one draw, by the lesson's rules."""
    agg = _aggregate(stops, exposure)
    spread = {}  # each factor's smallest max/min rate ratio within another factor's strata
    for f in FACTORS:
        spread[f] = min(
            _spread([_rate(agg, **{f: lv, g: gl}) for lv in FACTORS[f]])
            for g in FACTORS
            if g != f
            for gl in FACTORS[g]
        )
    one_way = {f: _spread([_rate(agg, **{f: lv}) for lv in FACTORS[f]]) for f in FACTORS}
    factor, level = model.cause
    sides = {
        (inside, period): _totals(agg, period, cause=(factor, level, inside))
        for inside in (True, False)
        for period in ("before", "after")
    }
    target = fix_test(sides[(True, "before")], sides[(True, "after")])
    control = fix_test(sides[(False, "before")], sides[(False, "after")])
    (j0, b0), (j1, b1) = sides[(False, "before")], sides[(False, "after")]
    if control[0] < 0.05:
        verdict = "general change"
    elif target[0] < 0.05:
        verdict = "works"
    elif target[1] > 0.5:
        verdict = "no effect"
    else:
        verdict = "too little data"
    return {
        "spread": spread,
        "one_way": one_way,
        "jams": {lv: _totals(agg, "before", **{factor: lv})[0] for lv in FACTORS[factor]},
        "target": target,
        "control": control,
        "control_ratio": (j1 / b1) / (j0 / b0),
        "verdict": verdict,
    }


def _fits(model: StopModel, stops, exposure) -> bool:
    """Does this draw show what the model says, with margins the lab's checks need?"""
    factor, level = model.cause
    found = judge(model, stops, exposure)
    spread, one, jams = found["spread"], found["one_way"], found["jams"]
    others = [f for f in FACTORS if f != factor]
    counts = {
        code: sum(1 for r in stops if r[5] == code and r[0] <= SHIFTS_BEFORE) for code in REASONS
    }
    return (
        spread[factor] > 1.6
        and all(spread[f] < 1.35 for f in others)
        and jams[level] < 0.9 * max(v for lv, v in jams.items() if lv != level)
        and all((one[f] > 1.28) if f == model.confounder else (one[f] < 1.14) for f in others)
        and counts[101] >= 2
        and min(counts.values()) >= 1
        and abs(found["control_ratio"] - 1) > 0.02
        and found["verdict"] == model.outcome
        and all(abs(p - 0.05) > 0.01 for p in (found["target"][0], found["control"][0]))
        and abs(found["target"][1] - 0.5) > 0.05
    )


def stop_log(seed: int) -> dict:
    """The log of *seed*: ``stops`` and ``exposure`` as columns (see STOP_COLUMNS and
    EXPOSURE_COLUMNS), the cost sheet ``costs`` and the ``fix`` (its first shift and start)."""
    model = stop_model(seed)
    for attempt in range(200):
        rng = random.Random(f"plcsim-stop-log:{seed}:draw:{attempt}")  # noqa: S311
        stops, exposure = _draw(model, rng)
        if _fits(model, stops, exposure):
            break
    else:  # pragma: no cover - the tests run seeds 1-20
        raise RuntimeError(f"no draw fits seed {seed}")
    fix_start = FIRST_DAY + dt.timedelta(days=28)
    return {
        "stops": {name: [row[i] for row in stops] for i, name in enumerate(STOP_COLUMNS)},
        "exposure": {name: [row[i] for row in exposure] for i, name in enumerate(EXPOSURE_COLUMNS)},
        "costs": {"minute_values": dict(MINUTE_VALUES), "direct_per_stop": dict(DIRECT_COST)},
        "fix": {
            "shift_no": SHIFTS_BEFORE + 1,
            "start": fix_start.isoformat(timespec="minutes"),
            "after_shifts": model.after_shifts,
        },
    }
