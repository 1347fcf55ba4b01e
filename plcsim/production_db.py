"""One shift of Riverbend's Line 1 as a production database (``lab-sql-shift-report``).

``build(seed, path)`` writes a SQLite file in the schema of the industrial data course's
module 4 (``SCHEMA``: reason_codes, work_orders, lots, downtime_events, quality_results,
counter_readings) for one shift, exported ``EXPORT_DELAY_S`` after the shift's end:

- the shift is given in America/Chicago local time (``shift(seed)``): a day shift,
  06:00-14:00 on a weekday of 2026, except for seeds ending in 3 (the night shift into
  Sunday 8 March 2026, 7 h long as the clocks go forward) and in 7 (the night shift into
  Sunday 1 November 2026, 9 h long as they go back);
- ``counter_readings``: the 16-bit ``produced_count`` of the Filler, Capper and Labeler,
  read every hour on the hour (UTC) from two hours before the shift to its end; the Filler's
  counter rolls over inside every seed's shift;
- ``downtime_events`` on Filler, Capper, Labeler and ``Line`` (a line-wide changeover):
  one stop in the hours before the shift, one that began before the shift and ended in it,
  four to seven coded stops, one or two left uncoded (reason_code NULL), one still open at
  the export (end_utc NULL), and the next shift's first stop, starting exactly at the
  shift's end; at least one hour of the shift has no stop beginning in it;
- ``work_orders``: the order running at the shift's start, the one after the changeover and
  a queued one with no lot yet; ``lots`` (the last still running: no end, no quantities);
  ``quality_results``: fill weights (``fill_weight_g``, 500 ± 5 g) sampled two to five
  times per lot, at least one lot's first-pass yield not a whole percentage.

The units are close-coupled: while any of them or the line is stopped, the Filler makes
nothing; otherwise it fills 110-120 bottles a minute. The Capper and the Labeler count the
Filler's bottles less 0.1-0.4 % and 0.4-0.9 % taken out before them. A lot holds the
Filler's bottles from its start to its end. ``truth(seed)`` gives what a correct shift report
finds, computed here without SQL. A model of the line for teaching, not a run of
``plcsim.line`` (8 h of which cost seconds per kernel): it takes a few milliseconds.
Deterministic per seed. Standard library only (``sqlite3``); US
daylight-saving rules are computed here, so no time zone database is needed.
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from plcsim.us_time import summer_time_ends, summer_time_starts

SCHEMA = """
CREATE TABLE reason_codes (
  code        TEXT PRIMARY KEY,
  description TEXT NOT NULL,
  category    TEXT NOT NULL CHECK (category IN ('planned', 'unplanned'))
);
CREATE TABLE work_orders (
  wo_id       TEXT PRIMARY KEY,
  product     TEXT NOT NULL,
  qty_ordered INTEGER NOT NULL
);
CREATE TABLE lots (
  lot_id      TEXT PRIMARY KEY,
  wo_id       TEXT NOT NULL REFERENCES work_orders (wo_id),
  started_utc TEXT NOT NULL,
  ended_utc   TEXT,
  good_qty    INTEGER,
  reject_qty  INTEGER
);
CREATE TABLE downtime_events (
  event_id    INTEGER PRIMARY KEY,
  unit        TEXT NOT NULL,
  start_utc   TEXT NOT NULL,
  end_utc     TEXT,
  reason_code TEXT REFERENCES reason_codes (code)
);
CREATE TABLE quality_results (
  result_id      INTEGER PRIMARY KEY,
  lot_id         TEXT NOT NULL REFERENCES lots (lot_id),
  characteristic TEXT NOT NULL,
  sampled_utc    TEXT NOT NULL,
  value          REAL NOT NULL,
  passed         INTEGER NOT NULL
);
CREATE TABLE counter_readings (
  unit   TEXT NOT NULL,
  ts_utc TEXT NOT NULL,
  count  INTEGER NOT NULL,
  PRIMARY KEY (unit, ts_utc)
);
"""

REASON_CODES = (
    ("JAM", "Bottle jam", "unplanned"),
    ("STV", "Starved of bottles", "unplanned"),
    ("LAP", "Low air pressure", "unplanned"),
    ("ELE", "Electrical fault", "unplanned"),
    ("CHG", "Changeover", "planned"),
    ("SU", "Start-up", "planned"),
)
UNPLANNED = ("JAM", "STV", "LAP", "ELE")
UNITS = ("Filler", "Capper", "Labeler")  # the units with counters; "Line" stops them all
LINE = "Line"
PRODUCTS = ("Still water 500 mL", "Sparkling water 500 mL", "Lemon sparkling 500 mL")
TZ = "America/Chicago"
MODULUS = 2**16
PRE_S = 2 * 3600  # readings from two hours before the shift
EXPORT_DELAY_S = 15 * 60  # the file is exported 15 minutes after the shift's end
FILL_LOW, FILL_HIGH = 495.0, 505.0  # grams: 500 +- 5
ATTEMPTS = 50


# ---- time -----------------------------------------------------------------------------


def local_to_utc(local: dt.datetime) -> dt.datetime:
    """America/Chicago wall-clock time (naive) to UTC (naive), US rules since 2007: daylight
    time (UTC-5) from 02:00 on the second Sunday of March to 02:00 on the first Sunday of
    November, else UTC-6. A shift boundary never falls in the skipped or repeated hour."""
    spring = dt.datetime.combine(summer_time_starts(local.year), dt.time(2))
    autumn = dt.datetime.combine(summer_time_ends(local.year), dt.time(2))
    offset = 5 if spring <= local < autumn else 6
    return local + dt.timedelta(hours=offset)


def _text(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True)
class Shift:
    """A shift's boundaries: local wall-clock text, UTC text and its real length."""

    name: str
    start_local: str
    end_local: str
    start_utc: str
    end_utc: str

    @property
    def seconds(self) -> int:
        a, b = (dt.datetime.fromisoformat(x) for x in (self.start_utc, self.end_utc))
        return int((b - a).total_seconds())


def shift(seed: int) -> Shift:
    """The shift of *seed*: see the module's docstring."""
    if seed % 10 == 3:
        name, start = "night", dt.datetime(2026, 3, 7, 22)
    elif seed % 10 == 7:
        name, start = "night", dt.datetime(2026, 10, 31, 22)
    else:
        rng = random.Random(f"plcsim:{seed}:production-db-date")  # noqa: S311 - simulation
        weekdays = [
            dt.date(2026, 1, 5) + dt.timedelta(days=d)
            for d in range(350)
            if (dt.date(2026, 1, 5) + dt.timedelta(days=d)).weekday() < 5
        ]
        name, start = "day", dt.datetime.combine(rng.choice(weekdays), dt.time(6))
    end = start + dt.timedelta(hours=8)
    return Shift(
        name, _text(start), _text(end), _text(local_to_utc(start)), _text(local_to_utc(end))
    )


# ---- the model ------------------------------------------------------------------------


@dataclass
class Stop:
    unit: str
    start: int  # seconds from the shift's start (UTC)
    end: int | None  # None: still open at the export
    code: str | None  # None: not coded yet
    role: str  # before, crossing, changeover, coded, uncoded, open, at-end


@dataclass
class Lot:
    lot_id: str
    wo_id: str
    start: int
    end: int | None
    good: int | None = None
    reject: int | None = None


@dataclass
class Model:
    """Everything one seed's file holds, in seconds from the shift's start."""

    seed: int
    shift: Shift
    length: int
    stops: list[Stop]
    rate: float  # the Filler's bottles per second while the line runs
    losses: dict[str, float]  # fraction of the Filler's bottles the Capper, Labeler miss
    counts: dict[str, list[int]]  # unwrapped bottles at each minute from -PRE_S
    counter_start: dict[str, int]  # the register at -PRE_S
    work_orders: list[tuple[str, str, int]]
    lots: list[Lot]
    samples: list[tuple[str, int, float]]  # lot, seconds, grams


def _free(busy: list[tuple[int, int]], a: int, b: int, margin: int = 60) -> bool:
    return all(b + margin <= s or a >= e + margin for s, e in busy)


def _place(rng, busy, unit, lo, hi, dur_lo, dur_hi):
    """A stop on *unit* starting in [lo, hi] (10 s steps) that overlaps none of the unit's
    or the line's stops (*busy*), or None."""
    for _ in range(200):
        start = rng.randrange(lo // 10, hi // 10 + 1) * 10
        end = start + rng.randrange(dur_lo // 10, dur_hi // 10 + 1) * 10
        others = busy[unit] + busy[LINE] if unit != LINE else [i for v in busy.values() for i in v]
        if _free(others, start, end):
            busy[unit].append((start, end))
            return start, end
    return None


def _stops(rng: random.Random, length: int) -> list[Stop] | None:
    busy: dict[str, list[tuple[int, int]]] = {u: [] for u in (*UNITS, LINE)}
    stops: list[Stop] = []
    m = 60

    def add(unit, lo, hi, dur_lo, dur_hi, code, role):
        placed = _place(rng, busy, unit, lo, hi, dur_lo, dur_hi)
        if placed is None:
            return False
        stops.append(Stop(unit, placed[0], placed[1], code, role))
        return True

    # The line's changeover between the two work orders.
    if not add(LINE, int(0.35 * length), int(0.6 * length), 18 * m, 35 * m, "CHG", "changeover"):
        return None
    # The open stop and the next shift's first stop (on another unit), near the end.
    open_unit, end_unit = rng.sample(UNITS, 2)
    open_start = rng.randrange((length - 40 * m) // 10, (length - 8 * m) // 10 + 1) * 10
    if not _free(busy[LINE], open_start, length):
        return None
    busy[open_unit].append((open_start, length + EXPORT_DELAY_S))
    stops.append(Stop(open_unit, open_start, None, rng.choice(UNPLANNED), "open"))
    at_end = length + rng.randrange(18, 55) * 10
    busy[end_unit].append((length, at_end))
    stops.append(Stop(end_unit, length, at_end, rng.choice(("JAM", "SU")), "at-end"))
    # Before the shift, and across its start.
    if not add(
        rng.choice(UNITS), -110 * m, -50 * m, 3 * m, 12 * m, rng.choice(UNPLANNED), "before"
    ):
        return None
    unit = rng.choice(UNITS)
    cross = (-rng.randrange(18, 121) * 10, rng.randrange(18, 109) * 10)
    if not _free(busy[unit] + busy[LINE], *cross):
        return None
    busy[unit].append(cross)
    stops.append(Stop(unit, *cross, rng.choice(("JAM", "STV", "LAP")), "crossing"))
    # Coded and uncoded stops within the shift.
    for _ in range(rng.randint(4, 7)):
        if not add(
            rng.choice(UNITS),
            20 * m,
            length - 50 * m,
            2 * m,
            14 * m,
            rng.choice(UNPLANNED),
            "coded",
        ):
            return None
    for _ in range(rng.randint(1, 2)):
        if not add(rng.choice(UNITS), 20 * m, length - 50 * m, 2 * m, 8 * m, None, "uncoded"):
            return None
    stops.sort(key=lambda s: (s.start, s.unit))
    # At least one hour of the shift in which no stop begins.
    starts = {s.start // 3600 for s in stops if 0 <= s.start < length}
    if len(starts) == length // 3600:
        return None
    return stops


def _merged(stops: list[Stop], length: int) -> list[tuple[int, int]]:
    """The times when some unit or the line is stopped, as disjoint intervals."""
    spans = sorted(
        (s.start, s.end if s.end is not None else length + EXPORT_DELAY_S) for s in stops
    )
    out: list[list[int]] = []
    for a, b in spans:
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def _counts(rng, stops, length, rate, losses) -> dict[str, list[int]]:
    """Bottles counted by each unit, unwrapped, at each minute from -PRE_S to the end.

    The units are close-coupled: a stop of any of them (or of the line) stops the Filler
    too, at once. The Capper and the Labeler count the Filler's bottles less the few
    (*losses*, a fraction) taken out before them."""
    down_spans = _merged(stops, length)
    minutes = (PRE_S + length) // 60
    total, filler = 0.0, [0]
    for k in range(minutes):
        a = -PRE_S + 60 * k
        down = sum(max(0, min(e, a + 60) - max(s, a)) for s, e in down_spans)
        total += rate * (60 - down) * rng.uniform(0.97, 1.03)
        filler.append(int(total))
    out = {"Filler": filler}
    for unit, loss in losses.items():
        out[unit] = [int(n * (1 - loss)) for n in filler]
    return out


def _at(model_counts: list[int], t: int) -> int:
    return model_counts[(t + PRE_S) // 60]


def _lots(rng, seed, stops, length, counts):
    change = next(s for s in stops if s.role == "changeover")
    first_wo = 1040 + (seed * 7) % 50
    wos = [f"WO-{first_wo + i}" for i in range(3)]
    products = rng.sample(PRODUCTS, 3)
    lot_no = 100 + (seed * 13) % 800
    edges = [
        rng.randrange(-110, -70) * 60,
        rng.randrange(int(0.1 * length), int(0.3 * length)) // 60 * 60,
    ]
    lots = [
        Lot(f"L-{lot_no}", wos[0], edges[0], edges[1]),
        Lot(f"L-{lot_no + 1}", wos[0], edges[1], change.start),
    ]
    after = change.end
    if rng.random() < 0.6 and after + 40 * 60 < length - 45 * 60:
        mid = rng.randrange((after + 40 * 60) // 60, (length - 45 * 60) // 60) * 60
        lots.append(Lot(f"L-{lot_no + 2}", wos[1], after, mid))
        lots.append(Lot(f"L-{lot_no + 3}", wos[1], mid, None))
    else:
        lots.append(Lot(f"L-{lot_no + 2}", wos[1], after, None))
    filler = counts["Filler"]
    for lot in lots:
        if lot.end is None:
            continue
        made = _at(filler, lot.end) - _at(filler, lot.start)
        lot.reject = max(1, round(made * rng.uniform(0.004, 0.02)))
        lot.good = made - lot.reject
    closed = [lot for lot in lots if lot.end is not None]
    # Integer division must show: one closed lot's yield is not a whole percentage.
    lot = closed[0]
    while not 0.05 <= (100 * lot.good / (lot.good + lot.reject)) % 1 <= 0.95:
        lot.good -= 1
        lot.reject += 1
    good_a = sum(x.good for x in lots if x.wo_id == wos[0])
    qty_a = round(good_a / rng.uniform(0.93, 1.0) / 500) * 500
    made_b = _at(filler, length) - _at(filler, after)
    qty_b = round(made_b * rng.uniform(1.4, 2.6) / 1000) * 1000
    qty_c = rng.choice((12000, 18000, 24000, 30000))
    work_orders = [
        (wos[0], products[0], qty_a),
        (wos[1], products[1], qty_b),
        (wos[2], products[2], qty_c),
    ]
    return work_orders, lots


def _samples(rng, lots, length):
    samples = []
    for lot in lots:
        a, b = max(lot.start, -PRE_S + 300), lot.end if lot.end is not None else length
        n = min(5, max(2, (b - a) // 4500 + 1))
        mean = rng.uniform(500.3, 501.6)
        for i in range(n):
            t = a + (b - a) * (i + rng.uniform(0.2, 0.8)) // n // 60 * 60
            samples.append([lot.lot_id, int(t), round(rng.gauss(mean, 1.2), 1)])
    # One low fill a quality engineer will look at.
    worst = rng.choice(samples)
    worst[2] = round(rng.uniform(492.5, 494.8), 1)
    samples.sort(key=lambda s: (s[1], s[0]))
    return [tuple(s) for s in samples]


def model(seed: int) -> Model:
    """The truth behind *seed*'s file."""
    sh = shift(seed)
    length = sh.seconds
    for attempt in range(ATTEMPTS):
        rng = random.Random(f"plcsim:{seed}:production-db:{attempt}")  # noqa: S311 - simulation
        stops = _stops(rng, length)
        if stops is None:
            continue
        rate = rng.uniform(110, 120) / 60
        losses = {"Capper": rng.uniform(0.001, 0.004), "Labeler": rng.uniform(0.004, 0.009)}
        counts = _counts(rng, stops, length, rate, losses)
        made = _at(counts["Filler"], length) - _at(counts["Filler"], 0)
        at_start = MODULUS - rng.randrange(2000, made - 2000)  # rolls over in the shift
        start = {
            "Filler": (at_start - _at(counts["Filler"], 0)) % MODULUS,
            "Capper": rng.randrange(MODULUS),
            "Labeler": rng.randrange(MODULUS),
        }
        work_orders, lots = _lots(rng, seed, stops, length, counts)
        samples = _samples(rng, lots, length)
        return Model(
            seed, sh, length, stops, rate, losses, counts, start, work_orders, lots, samples
        )
    raise RuntimeError(f"seed {seed}: no fit shift in {ATTEMPTS} attempts")  # pragma: no cover


# ---- the file -------------------------------------------------------------------------


def tables(seed: int) -> dict[str, list[tuple]]:
    """The rows of each table of *seed*'s file, as ``build`` inserts them."""
    m = model(seed)
    t0 = dt.datetime.fromisoformat(m.shift.start_utc)

    def ts(seconds: int | None) -> str | None:
        return None if seconds is None else _text(t0 + dt.timedelta(seconds=seconds))

    readings = []
    for unit in UNITS:
        for h in range(-PRE_S, m.length + 1, 3600):
            count = (m.counter_start[unit] + _at(m.counts[unit], h)) % MODULUS
            readings.append((unit, ts(h), count))
    return {
        "reason_codes": list(REASON_CODES),
        "work_orders": list(m.work_orders),
        "lots": [(x.lot_id, x.wo_id, ts(x.start), ts(x.end), x.good, x.reject) for x in m.lots],
        "downtime_events": [
            (i, s.unit, ts(s.start), ts(s.end), s.code) for i, s in enumerate(m.stops, start=1)
        ],
        "quality_results": [
            (i, lot, "fill_weight_g", ts(t), v, int(FILL_LOW <= v <= FILL_HIGH))
            for i, (lot, t, v) in enumerate(m.samples, start=1)
        ],
        "counter_readings": readings,
    }


def build(seed: int, path: str | Path) -> Path:
    """Write *seed*'s shift to a new SQLite file at *path* (replacing one there) and return
    the path. Foreign keys are checked while it is written."""
    path = Path(path)
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA foreign_keys = ON")
        con.executescript(SCHEMA)
        with con:
            for name, rows in tables(seed).items():
                if rows:
                    marks = ", ".join("?" * len(rows[0]))
                    con.executemany(f"INSERT INTO {name} VALUES ({marks})", rows)  # noqa: S608
    finally:
        con.close()
    return path


# ---- what a correct report finds ------------------------------------------------------


def truth(seed: int) -> dict:
    """What a correct shift report of *seed* finds, computed from the model without SQL:
    the shift in UTC, bottles per unit in the shift, minutes and stops by reason code
    (None: uncoded) clipped to the shift with open stops running to its end, hours with no
    stop beginning, and bottles and samples per work order."""
    m = model(seed)
    minutes: dict[str | None, float] = {}
    stops: dict[str | None, int] = {}
    for s in m.stops:
        end = m.length if s.end is None else min(s.end, m.length)
        if s.start < m.length and end > 0:
            minutes[s.code] = minutes.get(s.code, 0.0) + (end - max(s.start, 0)) / 60
            stops[s.code] = stops.get(s.code, 0) + 1
    began = {s.start // 3600 for s in m.stops if 0 <= s.start < m.length}
    by_lot = {}
    for lot, _, _ in m.samples:
        by_lot[lot] = by_lot.get(lot, 0) + 1
    work_orders = {}
    for wo, _, qty in m.work_orders:
        mine = [x for x in m.lots if x.wo_id == wo]
        goods = [x.good for x in mine if x.good is not None]
        work_orders[wo] = {
            "qty_ordered": qty,
            "lots": len(mine),
            "good": sum(goods) if goods else None,
            "samples": sum(by_lot.get(x.lot_id, 0) for x in mine),
        }
    return {
        "start_utc": m.shift.start_utc,
        "end_utc": m.shift.end_utc,
        "hours": m.length / 3600,
        "produced": {u: _at(m.counts[u], m.length) - _at(m.counts[u], 0) for u in UNITS},
        "downtime_minutes": minutes,
        "downtime_stops": stops,
        "empty_hours": sorted(set(range(m.length // 3600)) - began),
        "work_orders": work_orders,
        "rollover": (m.counter_start["Filler"] + _at(m.counts["Filler"], 0)) // MODULUS
        != (m.counter_start["Filler"] + _at(m.counts["Filler"], m.length)) // MODULUS,
    }
