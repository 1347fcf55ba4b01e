"""A CNC machining cell whose process and failures resemble the AI4I 2020 data set.

AI4I 2020 (Matzka, UCI data set 601, CC BY 4.0) is synthetic data published with the rules
that made it; this scenario follows the same rules with its own random streams, so learners
get a per-seed data set of the same character. The five failure modes:

- TWF tool wear failure: the tool is changed at a random wear of 200-240 min; some fail.
- HDF heat dissipation: air-process temperature difference < 8.6 K and speed < 1380 rpm.
- PWF power failure: mechanical power outside 3500-9000 W.
- OSF overstrain: tool wear x torque above 11,000 / 12,000 / 13,000 min·Nm (L/M/H).
- RNF random failure: 0.1 % of cycles.

Two relations were fitted to the public file, the rest follows its documented rules: the
mean spindle speed at each torque (SPEED_CURVE, the file's averages over 5 Nm bands, with
N(0, 50) rpm scatter), and the temperature rise of the process over the air, which falls as
the air warms (correlation -0.70).
"""

from __future__ import annotations

import math
import random
import statistics

TYPES = (("L", 0.6, 2, 11_000), ("M", 0.3, 3, 12_000), ("H", 0.1, 5, 13_000))
# (torque Nm, mean speed rpm): averages of the AI4I 2020 file over 5 Nm bands.
SPEED_CURVE = (
    (8.3, 2750), (13.3, 2505), (17.9, 2120), (22.8, 1880), (27.8, 1721), (32.5, 1619),
    (37.5, 1534), (42.4, 1471), (47.3, 1424), (52.2, 1383), (57.1, 1352), (61.8, 1319),
    (67.2, 1291), (71.7, 1284),
)  # fmt: skip
COLUMNS = (
    "cycle",
    "product_type",
    "air_temp_k",
    "process_temp_k",
    "speed_rpm",
    "torque_nm",
    "tool_wear_min",
    "machine_failure",
    "twf",
    "hdf",
    "pwf",
    "osf",
    "rnf",
)


def machining_cell(seed: int, cycles: int = 10_000) -> dict[str, list]:
    """Generate *cycles* machining cycles as columns (see COLUMNS)."""
    if not 2 <= cycles <= 2_000_000:
        raise ValueError("cycles must be between 2 and 2,000,000")
    rng = random.Random(f"plcsim-machining:{seed}")  # noqa: S311 - simulation stream
    air = _normalised_walk(rng, cycles, mean=300.0, sd=2.0)
    own = _orthogonal(_normalised_walk(rng, cycles, mean=0.0, sd=1.0), air)
    # The rise over air temperature: SD 1 K around 10 K, correlated -0.70 with the air.
    delta = [
        10.0 - 0.70 * (a - 300.0) / 2.0 + math.sqrt(1 - 0.49) * o
        for a, o in zip(air, own, strict=True)
    ]
    delta = _rank_normal(delta, 10.0, 1.0)  # the rise itself: normal, mean 10 K, SD 1 K
    out: dict[str, list] = {name: [] for name in COLUMNS}
    wear, change_at = 0, rng.uniform(200, 240)
    for cycle in range(cycles):
        kind, _, wear_step, osf_limit = _pick_type(rng)
        torque = _torque(rng)
        speed = round(_mean_speed(torque) + rng.gauss(0.0, 50.0))
        process = air[cycle] + delta[cycle]
        twf = 0
        if wear + wear_step > change_at:
            twf = int(rng.random() < 0.39)  # about 46 of 119 tool changes end in a failure
            wear, change_at = 0, rng.uniform(200, 240)
        wear += wear_step
        power = torque * speed * 2 * math.pi / 60
        hdf = int(process - air[cycle] < 8.6 and speed < 1380)
        pwf = int(power < 3500 or power > 9000)
        osf = int(wear * torque > osf_limit)
        rnf = int(rng.random() < 0.001)
        values = (
            cycle + 1,
            kind,
            round(air[cycle], 1),
            round(process, 1),
            speed,
            round(torque, 1),
            wear,
            int(bool(twf or hdf or pwf or osf or rnf)),
            twf,
            hdf,
            pwf,
            osf,
            rnf,
        )
        for name, value in zip(COLUMNS, values, strict=True):
            out[name].append(value)
    return out


def _pick_type(rng: random.Random):
    draw = rng.random()
    for entry in TYPES:
        if draw < entry[1]:
            return entry
        draw -= entry[1]
    return TYPES[-1]


def _mean_speed(torque: float) -> float:
    """Linear interpolation in SPEED_CURVE, flat beyond its ends."""
    points = SPEED_CURVE
    if torque <= points[0][0]:
        return points[0][1]
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        if torque <= x1:
            return y0 + (y1 - y0) * (torque - x0) / (x1 - x0)
    return points[-1][1]


def _torque(rng: random.Random) -> float:
    while True:
        torque = rng.gauss(40.0, 10.0)
        if torque >= 3.8:  # no negative or near-zero torques, as in the data set
            return torque


def _normalised_walk(rng: random.Random, n: int, *, mean: float, sd: float) -> list[float]:
    """A random walk mapped onto a normal distribution with the wanted mean and SD.

    A walk drifts slowly, as temperatures do, but one walk's values can be spread in any
    shape; mapping its ranks onto normal quantiles keeps the slow drift and gives every
    seed data of the same character (and the data set's tail rates).
    """
    walk, value = [], 0.0
    for _ in range(n):
        value += rng.gauss(0.0, 1.0)
        walk.append(value)
    return _rank_normal(walk, mean, sd)


def _rank_normal(values: list[float], mean: float, sd: float) -> list[float]:
    """Replace each value by the normal quantile of its rank: same order, normal spread."""
    normal = statistics.NormalDist(mean, sd)
    n = len(values)
    out = [0.0] * n
    for rank, index in enumerate(sorted(range(n), key=values.__getitem__)):
        out[index] = normal.inv_cdf((rank + 0.5) / n)
    return out


def _orthogonal(values: list[float], other: list[float]) -> list[float]:
    """*values* (mean 0, SD 1) with its sample correlation to *other* removed, SD kept at 1.

    Two random walks are often strongly correlated by chance; this keeps the designed
    correlation between air and process temperature exact.
    """
    centre = statistics.fmean(other)
    spread = statistics.pstdev(other) or 1.0
    z = [(o - centre) / spread for o in other]
    overlap = statistics.fmean(v * w for v, w in zip(values, z, strict=True))
    rest = [v - overlap * w for v, w in zip(values, z, strict=True)]
    scale = statistics.pstdev(rest) or 1.0
    return [r / scale for r in rest]


def to_dataframe(columns: dict[str, list]):
    import pandas as pd  # only here, so the simulator runs without pandas

    return pd.DataFrame(columns)
