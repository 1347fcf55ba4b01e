"""Writes labs/lab-sql-shift-report.ipynb: a shift report in SQL on a SQLite production file.

Run from the repository root:  .venv/bin/python labs/src/lab-sql-shift-report.py
"""

# ruff: noqa: E501 - markdown tables in the notebook text are one line per row

from __future__ import annotations

from _notebook import Pitfall, code, lab_notebook, md, swap, write

LAB_ID = "lab-sql-shift-report"


INTRO = r"""
# A shift report in SQL

**Competency:** SM.IDQ.4 · about 70 minutes.

The MES at Riverbend exports each shift of Line 1 as a SQLite file, in the schema of the
lesson *A production schema and the shift report*: `reason_codes`, `work_orders`, `lots`,
`downtime_events`, `quality_results` and `counter_readings`. Times are stored as UTC text,
`YYYY-MM-DD HH:MM:SS`. Your file is one shift, exported 15 minutes after it ended:

- the shift is given on the plant's clock, America/Chicago, in `SHIFT_START_LOCAL` and
  `SHIFT_END_LOCAL` (a day shift 06:00-14:00, or for some of you a night shift 22:00-06:00,
  which may cross a clock change);
- `counter_readings` holds the 16-bit `produced_count` of the Filler, Capper and Labeler,
  read every hour on the hour (UTC), from two hours before the shift to its end;
- `downtime_events` holds the stops of those units and of the whole `Line`, a few of them
  awkward: one began before the shift, one or two are not coded yet, one was still open at
  the export, and the next shift's first stop is in the file too;
- the work orders of the shift (one queued, with no lot yet), their lots (the last still
  running) and fill-weight samples (`fill_weight_g`, 500 ± 5 g) from the QC bench.

You write the shift supervisor's report as SQL queries, each a Python string that the
notebook runs on the file with `sqlite3` (foreign keys on). Use the named parameters
`:start` and `:end` for the shift's boundaries in UTC: the notebook passes them from
`BOUNDS`. Your queries are also run, unseen, on **another shift's file**, so nothing about
your own data may be typed into them. Give the columns each task names, in its order; the
rows are compared in any order, numbers within 0.01, so do not round.

By the end of this lab you can:

1. turn the shift's local times into UTC boundaries, daylight saving and all;
2. report production per work order and first-pass quality per lot without double counting;
3. report downtime by reason **clipped to the shift**, with the uncoded and open stops;
4. list the stops with the time since each unit's previous stop, and count stops per hour
   with the empty hours shown;
5. compute counter deltas across the rollover with `LAG`, and a running total.

The module's three lessons show every query you need; the last one, *Time buckets and the
traps*, shows the mistakes this lab is about. Your file comes from your own seed
(`SHOPFLOOR_SEED`). Run the cells in order, write your code where it says
`# YOUR CODE HERE` and delete the `raise NotImplementedError()` line.
"""

SETUP = r"""
import sqlite3
import zoneinfo
from datetime import datetime, timezone

from plcsim.production_db import build, shift

DB = build(SHOPFLOOR_SEED, f"shift-{SHOPFLOOR_SEED}.db")   # a new SQLite file in your home
con = sqlite3.connect(DB)
con.execute("PRAGMA foreign_keys = ON")                   # SQLite checks them only when asked
SHIFT_START_LOCAL = shift(SHOPFLOOR_SEED).start_local     # America/Chicago wall clock
SHIFT_END_LOCAL = shift(SHOPFLOOR_SEED).end_local
TZ = "America/Chicago"


def run(sql, bounds=None, connection=None):
    # Runs sql with :start and :end from bounds (BOUNDS by default); returns the rows as lists.
    cursor = (connection or con).execute(sql, BOUNDS if bounds is None else bounds)
    return [list(row) for row in cursor.fetchall()]


def show(sql, limit=40):
    # Prints the result of sql as a small table.
    cursor = con.execute(sql, BOUNDS)
    names = [c[0] for c in cursor.description]
    rows = cursor.fetchall()
    widths = [max([len(n)] + [len(str(r[i])) for r in rows[:limit]]) for i, n in enumerate(names)]
    print("  ".join(n.ljust(w) for n, w in zip(names, widths)))
    print("  ".join("-" * w for w in widths))
    for r in rows[:limit]:
        print("  ".join(("" if v is None else str(v)).ljust(w) for v, w in zip(r, widths)))
    print(f"({len(rows)} rows)")


def report_rows(rows):
    # What the grader compares: the rows sorted, floats to 6 decimals.
    rows = [[round(v, 6) if isinstance(v, float) else v for v in row] for row in rows]
    return sorted(rows, key=repr)


print(f"Shift (America/Chicago): {SHIFT_START_LOCAL} to {SHIFT_END_LOCAL}")
for table in ("reason_codes", "work_orders", "lots", "downtime_events", "quality_results", "counter_readings"):
    print(f"{table:17} {con.execute(f'SELECT COUNT(*) FROM {table}').fetchone()[0]:3} rows")
con.execute("SELECT * FROM downtime_events ORDER BY start_utc").fetchall()
"""

TASK_SHIFT = r"""
## 1. The shift in UTC

The file stores UTC; the shift is given on the plant's clock. SQLite has no time zone
database: its `'localtime'` and `'utc'` modifiers use the time zone of the computer that
runs the query, which is not Riverbend's. Convert in Python with `zoneinfo`, as lesson 3
says.

Write `shift_utc(start_local, end_local)`: two local America/Chicago times as text
(`"2026-11-16 06:00:00"`) to a tuple of the two UTC times as text in the file's format
(`("2026-11-16 12:00:00", "2026-11-16 20:00:00")`). Then set

- `BOUNDS`: `{"start": ..., "end": ...}`, your shift's boundaries in UTC (every query below
  receives them as `:start` and `:end`);
- `shift_hours`: the shift's real length in hours, from the UTC boundaries.
"""

ANSWER_SHIFT = r"""
# shift_utc(start_local, end_local) -> (start_utc, end_utc); BOUNDS; shift_hours
### BEGIN SOLUTION
CHICAGO = zoneinfo.ZoneInfo(TZ)


def shift_utc(start_local, end_local):
    out = []
    for text in (start_local, end_local):
        local = datetime.fromisoformat(text).replace(tzinfo=CHICAGO)
        out.append(local.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S"))
    return tuple(out)


BOUNDS = dict(zip(("start", "end"), shift_utc(SHIFT_START_LOCAL, SHIFT_END_LOCAL)))
shift_hours = (
    datetime.fromisoformat(BOUNDS["end"]) - datetime.fromisoformat(BOUNDS["start"])
).total_seconds() / 3600
### END SOLUTION
print(f"{SHIFT_START_LOCAL} to {SHIFT_END_LOCAL} in Chicago is {BOUNDS['start']} to "
      f"{BOUNDS['end']} UTC: {shift_hours:g} h")
"""

TEST_SHIFT = r"""
# Self-check: lesson 3's two shifts, one in winter and the night shift into 8 March 2026.
assert shift_utc("2026-11-16 06:00:00", "2026-11-16 14:00:00") == ("2026-11-16 12:00:00", "2026-11-16 20:00:00")
assert shift_utc("2026-03-07 22:00:00", "2026-03-08 06:00:00") == ("2026-03-08 04:00:00", "2026-03-08 11:00:00"), \
    "the clocks go forward at 02:00 on 8 March 2026: that night shift lasts 7 h"
assert shift_utc("2026-07-15 06:00:00", "2026-07-15 14:00:00")[0] == "2026-07-15 11:00:00", "summer is UTC-5"
print("Your conversion follows Chicago's clock changes.")
"""

TASK_WO = r"""
## 2. Production per work order

Write `Q_WORK_ORDERS`, one row per work order (the queued one too), with the columns

`wo_id`, `qty_ordered`, `lots` (number of its lots), `good` (the sum of its lots'
`good_qty`: NULL when none has finished), `pct_done` (good as a percentage of
`qty_ordered`, NULL with it) and `samples` (number of quality results of its lots).

The lots and the quality results are both "many" sides: join them in one go and each lot's
quantity is counted once per sample. Aggregate the samples per lot first (lesson 3).
This query needs no shift boundaries: the file holds the shift's work orders.
"""

ANSWER_WO = r'''
# Q_WORK_ORDERS: wo_id, qty_ordered, lots, good, pct_done, samples
### BEGIN SOLUTION
Q_WORK_ORDERS = """
WITH lot_samples AS (
  SELECT lot_id, COUNT(*) AS samples
  FROM quality_results
  GROUP BY lot_id
)
SELECT w.wo_id, w.qty_ordered,
       COUNT(l.lot_id) AS lots,
       SUM(l.good_qty) AS good,
       100.0 * SUM(l.good_qty) / w.qty_ordered AS pct_done,
       COALESCE(SUM(s.samples), 0) AS samples
FROM work_orders AS w
LEFT JOIN lots AS l ON l.wo_id = w.wo_id
LEFT JOIN lot_samples AS s ON s.lot_id = l.lot_id
GROUP BY w.wo_id, w.qty_ordered
ORDER BY w.wo_id
"""
### END SOLUTION
show(Q_WORK_ORDERS)
'''

TEST_WO = r"""
# Self-check: every work order once, and the bottles add up to the lots' own sum.
result = run(Q_WORK_ORDERS)
assert len(result) == con.execute("SELECT COUNT(*) FROM work_orders").fetchone()[0], "one row per work order"
assert sum(r[3] or 0 for r in result) == con.execute("SELECT SUM(good_qty) FROM lots").fetchone()[0], \
    "the good bottles of the work orders must add up to SUM(good_qty) of the lots"
print("One row per work order, and no bottle counted twice.")
"""

TASK_LOTS = r"""
## 3. First-pass quality per lot

Write `Q_LOTS`, one row per lot, with the columns

`lot_id`, `wo_id`, `good_qty`, `reject_qty`, `fpy_pct` (first-pass yield: good bottles as a
percentage of the bottles the lot made, good + rejects; NULL for the running lot),
`samples` (its fill-weight results) and `passed` (how many of them passed).

Mind the division: `good_qty` and `reject_qty` are integers.
"""

ANSWER_LOTS = r'''
# Q_LOTS: lot_id, wo_id, good_qty, reject_qty, fpy_pct, samples, passed
### BEGIN SOLUTION
Q_LOTS = """
SELECT l.lot_id, l.wo_id, l.good_qty, l.reject_qty,
       100.0 * l.good_qty / (l.good_qty + l.reject_qty) AS fpy_pct,
       COUNT(q.result_id) AS samples,
       SUM(q.passed) AS passed
FROM lots AS l
LEFT JOIN quality_results AS q ON q.lot_id = l.lot_id
GROUP BY l.lot_id, l.wo_id, l.good_qty, l.reject_qty
ORDER BY l.lot_id
"""
### END SOLUTION
show(Q_LOTS)
'''

TEST_LOTS = r"""
# Self-check: every lot once, every sample once.
result = run(Q_LOTS)
assert len(result) == con.execute("SELECT COUNT(*) FROM lots").fetchone()[0]
assert sum(r[5] for r in result) == con.execute("SELECT COUNT(*) FROM quality_results").fetchone()[0]
assert all(r[4] is None or 90 < r[4] <= 100 for r in result), "a yield is a percentage, near 100 here"
print("Every lot and every sample is in the table.")
"""

TASK_DOWN = r"""
## 4. Downtime by reason, clipped to the shift

Write `Q_DOWNTIME`, one row per reason, with the columns

`reason` (the reason code, or `'UNCODED'` for a stop nobody has coded), `category`
(`planned` or `unplanned` from `reason_codes`, `'uncoded'` for those), `stops` (how many)
and `minutes` (their minutes **within the shift**).

Count every stop that **overlaps** the shift: one that began before the shift counts from
`:start`, one still open at the export runs to `:end`, none counts past `:end`. SQLite's
two-argument `max()` and `min()` clip; `unixepoch()` gives seconds. Keep the uncoded stops:
the report must not forget them.
"""

ANSWER_DOWN = r'''
# Q_DOWNTIME: reason, category, stops, minutes
### BEGIN SOLUTION
Q_DOWNTIME = """
SELECT COALESCE(d.reason_code, 'UNCODED') AS reason,
       COALESCE(r.category, 'uncoded') AS category,
       COUNT(*) AS stops,
       SUM(unixepoch(min(COALESCE(d.end_utc, :end), :end))
           - unixepoch(max(d.start_utc, :start))) / 60.0 AS minutes
FROM downtime_events AS d
LEFT JOIN reason_codes AS r ON r.code = d.reason_code
WHERE d.start_utc < :end
  AND COALESCE(d.end_utc, :end) > :start
GROUP BY reason, category
ORDER BY minutes DESC
"""
### END SOLUTION
show(Q_DOWNTIME)
'''

TEST_DOWN = r"""
# Self-check: the stops that overlap the shift, counted in Python from the raw rows.
events = con.execute("SELECT start_utc, end_utc FROM downtime_events").fetchall()
overlapping = [e for e in events if e[0] < BOUNDS["end"] and (e[1] or BOUNDS["end"]) > BOUNDS["start"]]
result = run(Q_DOWNTIME)
assert sum(r[2] for r in result) == len(overlapping), f"{len(overlapping)} stops overlap the shift"
assert all(r[3] is not None and 0 < r[3] <= 60 * shift_hours for r in result), "every reason has minutes in the shift"
print(f"All {len(overlapping)} stops that overlap the shift are in the report.")
"""

TASK_STOPS = r"""
## 5. The stops of the shift, and the time between them

Write `Q_STOPS`, one row per stop that **began in the shift** (at or after `:start`, before
`:end`: a stop at exactly `:end` is the next shift's), with the columns

`event_id`, `unit`, `start_utc`, `reason` (`'UNCODED'` when not coded) and
`minutes_since_prev`: minutes from the end of the **same unit's** previous stop in the file
(which may have begun before the shift) to this stop's start; NULL for a unit's first stop
in the file.

A window function is computed after `WHERE`: compute the gaps over all the stops in a `WITH`
query, then keep the shift's.
"""

ANSWER_STOPS = r'''
# Q_STOPS: event_id, unit, start_utc, reason, minutes_since_prev
### BEGIN SOLUTION
Q_STOPS = """
WITH gaps AS (
  SELECT event_id, unit, start_utc,
         COALESCE(reason_code, 'UNCODED') AS reason,
         (unixepoch(start_utc)
          - unixepoch(LAG(end_utc) OVER (PARTITION BY unit ORDER BY start_utc))) / 60.0
           AS minutes_since_prev
  FROM downtime_events
)
SELECT event_id, unit, start_utc, reason, minutes_since_prev
FROM gaps
WHERE start_utc >= :start AND start_utc < :end
ORDER BY start_utc, event_id
"""
### END SOLUTION
show(Q_STOPS)
'''

TASK_HOURLY = r"""
## 6. Stops per hour, the empty hours too

Write `Q_HOURLY`, one row for **every** hour of the shift in UTC, in order, with the
columns `hour_utc` (the hour's start, in the file's format, e.g. `2026-11-16 12:00:00`) and
`stops` (stops that began in that hour). A shift of 7 or 9 hours has 7 or 9 rows. Build the
hours with a recursive `WITH` from `:start`, then join the stops to them (lesson 3).
"""

ANSWER_HOURLY = r'''
# Q_HOURLY: hour_utc, stops
### BEGIN SOLUTION
Q_HOURLY = """
WITH RECURSIVE hours (h) AS (
  SELECT :start
  UNION ALL
  SELECT datetime(h, '+1 hour') FROM hours WHERE datetime(h, '+1 hour') < :end
)
SELECT h AS hour_utc, COUNT(d.event_id) AS stops
FROM hours
LEFT JOIN downtime_events AS d
  ON d.start_utc >= h AND d.start_utc < datetime(h, '+1 hour')
GROUP BY h
ORDER BY h
"""
### END SOLUTION
show(Q_HOURLY)
'''

TEST_HOURLY = r"""
# Self-check: one row per hour of the shift, and the stops that began in it.
result = run(Q_HOURLY)
assert len(result) == round(shift_hours), f"the shift has {shift_hours:g} hours"
assert result[0][0] == BOUNDS["start"], "the first hour starts at the shift's start"
assert sum(r[1] for r in result) == len(run(Q_STOPS)), "as many stops as Q_STOPS lists"
print("Every hour is there, the quiet ones too.")
"""

TASK_COUNTS = r"""
## 7. Counter deltas across the rollover, and a running total

Write `Q_COUNTS`, with the columns `unit`, `ts_utc`, `bottles` (counted since the unit's
previous reading) and `running_total` (the unit's bottles since the shift's start), one row
per unit and reading of the shift **after its first**: the readings from `:start` to `:end`,
both included (the one at `:start` is the baseline, so it has no row). The counters are
16-bit: the Filler's rolls over from 65,535 to 0 in every shift. Three units share the table.
"""

ANSWER_COUNTS = r'''
# Q_COUNTS: unit, ts_utc, bottles, running_total
### BEGIN SOLUTION
Q_COUNTS = """
WITH deltas AS (
  SELECT unit, ts_utc,
         (count - LAG(count) OVER (PARTITION BY unit ORDER BY ts_utc) + 65536) % 65536 AS bottles
  FROM counter_readings
  WHERE ts_utc >= :start AND ts_utc <= :end
)
SELECT unit, ts_utc, bottles,
       SUM(bottles) OVER (PARTITION BY unit ORDER BY ts_utc) AS running_total
FROM deltas
WHERE bottles IS NOT NULL
ORDER BY unit, ts_utc
"""
### END SOLUTION
show(Q_COUNTS)
'''

TEST_COUNTS = r"""
# Self-check: no negative hour, no impossible hour, one row per unit and hour.
result = run(Q_COUNTS)
units = con.execute("SELECT COUNT(DISTINCT unit) FROM counter_readings").fetchone()[0]
assert len(result) == units * round(shift_hours), "one row per unit and hour of the shift"
assert all(0 <= r[2] <= 60 * 150 for r in result), "no unit makes a negative hour or more than 150 a minute"
totals = {r[0]: r[3] for r in result}  # the last running total of each unit
print("Bottles in the shift:", totals)
"""

HIDDEN = r"""
# The same queries on another shift's file.
__other = shift(SHOPFLOOR_SEED + 1000)
__con2 = sqlite3.connect(build(SHOPFLOOR_SEED + 1000, "other-shift.db"))
__con2.execute("PRAGMA foreign_keys = ON")
__hidden = {}
try:
    __b2 = dict(zip(("start", "end"), shift_utc(__other.start_local, __other.end_local)))
except Exception:
    __b2 = None
for __name in ("Q_WORK_ORDERS", "Q_LOTS", "Q_DOWNTIME", "Q_STOPS", "Q_HOURLY", "Q_COUNTS"):
    try:
        __hidden[__name] = report_rows(run(globals()[__name], __b2, __con2))
    except Exception:
        __hidden[__name] = None
"""

WRAP = r"""
## Wrap-up

- Store UTC, cut shifts on the plant's clock with a time zone database: a night shift into
  a spring-forward Sunday lasts 7 hours, one into the autumn change 9. SQLite's
  `'localtime'` is the server's clock, not the plant's.
- A shift is half-open: `>= :start AND < :end`. `BETWEEN` gives a stop at exactly the
  boundary to two shifts.
- Downtime in a window is every stop that overlaps it, clipped at both ends, an open stop
  running to the window's end: a start-time filter, an inner join on the reason or a `SUM`
  over a NULL end each loses minutes without an error.
- Counter deltas need `PARTITION BY unit` and the modulo of the counter's range.
- Aggregate each "many" table per key before joining it, and write `100.0` in a ratio of
  integers.
- Check a total against a source you trust: the lots' own sum, the stops counted in Python,
  the counter's last running total.

When every self-check passes, submit the notebook for grading.
"""


def _rows(name: str) -> str:
    return f"report_rows(run({name}))"


CHECKS = [
    {
        "id": "shift-utc",
        "points": 2,
        "description": "your shift's boundaries in UTC and its real length in hours",
        "observe": "[BOUNDS['start'], BOUNDS['end'], float(shift_hours)]",
        "compare": "close",
        "tolerance": 1e-6,
        "hint": "Attach ZoneInfo('America/Chicago') to each local time and convert it with "
        "astimezone(timezone.utc); SQLite's 'localtime' and 'utc' use the server's clock.",
    },
    {
        "id": "work-orders",
        "points": 2,
        "description": "production per work order",
        "observe": _rows("Q_WORK_ORDERS"),
        "compare": "close",
        "tolerance": 0.01,
        "hint": "Left-join the lots to every work order; count the samples per lot before "
        "joining them, or each lot's bottles are summed once per sample.",
    },
    {
        "id": "work-orders-other-shift",
        "points": 1,
        "visible": False,
        "description": "production per work order on another shift's file",
        "observe": "__hidden['Q_WORK_ORDERS']",
        "compare": "close",
        "tolerance": 0.01,
        "hint": "Your query must work on any shift's file: nothing of your own data typed in.",
    },
    {
        "id": "lots",
        "points": 2,
        "description": "first-pass yield and samples per lot",
        "observe": _rows("Q_LOTS"),
        "compare": "close",
        "tolerance": 0.01,
        "hint": "100.0 * good / (good + rejects): with two integers SQLite divides as "
        "integers. Left-join the samples so that every lot appears.",
    },
    {
        "id": "lots-other-shift",
        "points": 1,
        "visible": False,
        "description": "first-pass yield per lot on another shift's file",
        "observe": "__hidden['Q_LOTS']",
        "compare": "close",
        "tolerance": 0.01,
        "hint": "Your query must work on any shift's file.",
    },
    {
        "id": "downtime",
        "points": 3,
        "description": "downtime by reason, clipped to the shift",
        "observe": _rows("Q_DOWNTIME"),
        "compare": "close",
        "tolerance": 0.01,
        "hint": "Take every stop that overlaps the shift (starts before :end, ends or is "
        "still open after :start), clip both ends, run an open stop to :end, and keep the "
        "uncoded stops with a LEFT JOIN and COALESCE.",
    },
    {
        "id": "downtime-other-shift",
        "points": 2,
        "visible": False,
        "description": "downtime by reason on another shift's file",
        "observe": "__hidden['Q_DOWNTIME']",
        "compare": "close",
        "tolerance": 0.01,
        "hint": "Every shift has a stop across its start, an uncoded stop and an open one.",
    },
    {
        "id": "stops",
        "points": 2,
        "description": "the stops that began in the shift, with the minutes since each unit's previous stop",
        "observe": _rows("Q_STOPS"),
        "compare": "close",
        "tolerance": 0.01,
        "hint": "Half-open: start_utc >= :start AND start_utc < :end. Compute LAG over all the "
        "stops, partitioned by unit, before keeping the shift's.",
    },
    {
        "id": "stops-other-shift",
        "points": 1,
        "visible": False,
        "description": "the stops and the time between them on another shift's file",
        "observe": "__hidden['Q_STOPS']",
        "compare": "close",
        "tolerance": 0.01,
        "hint": "Your query must work on any shift's file.",
    },
    {
        "id": "hourly",
        "points": 1,
        "description": "stops begun in each hour of the shift, empty hours included",
        "observe": _rows("Q_HOURLY"),
        "compare": "close",
        "tolerance": 0.01,
        "hint": "GROUP BY makes groups only from rows that exist: build the hours first and "
        "left-join the stops, counting d.event_id.",
    },
    {
        "id": "hourly-other-shift",
        "points": 1,
        "visible": False,
        "description": "stops per hour on another shift's file",
        "observe": "__hidden['Q_HOURLY']",
        "compare": "close",
        "tolerance": 0.01,
        "hint": "Your query must work on any shift's file, whatever its length.",
    },
    {
        "id": "counts",
        "points": 2,
        "description": "counter deltas and running totals of each unit",
        "observe": _rows("Q_COUNTS"),
        "compare": "close",
        "tolerance": 0.01,
        "hint": "(count - LAG(count) OVER (PARTITION BY unit ORDER BY ts_utc) + 65536) % 65536, "
        "over the readings from :start to :end.",
    },
    {
        "id": "counts-other-shift",
        "points": 2,
        "visible": False,
        "description": "counter deltas and running totals on another shift's file",
        "observe": "__hidden['Q_COUNTS']",
        "compare": "close",
        "tolerance": 0.01,
        "hint": "Your query must work on any shift's file.",
    },
]

PITFALLS = [
    Pitfall(
        "sqlite-localtime",
        "Converts the local shift times to UTC with SQLite's 'utc' modifier (the inverse of "
        "'localtime'): it uses the time zone of the computer running the query (UTC in the "
        "sandbox), so the shift is taken 5 or 6 hours off.",
        {
            "answer-shift": swap(
                ANSWER_SHIFT,
                """    out = []
    for text in (start_local, end_local):
        local = datetime.fromisoformat(text).replace(tzinfo=CHICAGO)
        out.append(local.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S"))
    return tuple(out)""",
                """    query = "SELECT datetime(?, 'utc'), datetime(?, 'utc')"
    return tuple(con.execute(query, (start_local, end_local)).fetchone())""",
            )
        },
    ),
    Pitfall(
        "double-count-lots",
        "Joins the lots and their quality results in one go and sums good_qty: each lot's "
        "bottles are counted once per sample.",
        {
            "answer-wo": swap(
                ANSWER_WO,
                """WITH lot_samples AS (
  SELECT lot_id, COUNT(*) AS samples
  FROM quality_results
  GROUP BY lot_id
)
SELECT w.wo_id, w.qty_ordered,
       COUNT(l.lot_id) AS lots,
       SUM(l.good_qty) AS good,
       100.0 * SUM(l.good_qty) / w.qty_ordered AS pct_done,
       COALESCE(SUM(s.samples), 0) AS samples
FROM work_orders AS w
LEFT JOIN lots AS l ON l.wo_id = w.wo_id
LEFT JOIN lot_samples AS s ON s.lot_id = l.lot_id""",
                """SELECT w.wo_id, w.qty_ordered,
       COUNT(DISTINCT l.lot_id) AS lots,
       SUM(l.good_qty) AS good,
       100.0 * SUM(l.good_qty) / w.qty_ordered AS pct_done,
       COUNT(q.result_id) AS samples
FROM work_orders AS w
LEFT JOIN lots AS l ON l.wo_id = w.wo_id
LEFT JOIN quality_results AS q ON q.lot_id = l.lot_id""",
            )
        },
    ),
    Pitfall(
        "integer-division",
        "Writes the first-pass yield as 100 * good_qty / (good_qty + reject_qty): SQLite "
        "divides two integers as integers and cuts off the fraction.",
        {
            "answer-lots": swap(
                ANSWER_LOTS,
                "100.0 * l.good_qty / (l.good_qty + l.reject_qty)",
                "100 * l.good_qty / (l.good_qty + l.reject_qty)",
            )
        },
    ),
    Pitfall(
        "inner-join-uncoded",
        "Joins the stops to reason_codes with an inner join: the stops nobody has coded "
        "vanish from the downtime report.",
        {
            "answer-down": swap(
                ANSWER_DOWN,
                "LEFT JOIN reason_codes AS r ON r.code = d.reason_code",
                "JOIN reason_codes AS r ON r.code = d.reason_code",
            )
        },
    ),
    Pitfall(
        "sum-skips-open-stop",
        "Clips with the stop's end_utc as it is: the open stop's end is NULL, its minutes "
        "are NULL, and SUM leaves them out without a word.",
        {
            "answer-down": swap(
                ANSWER_DOWN,
                "SUM(unixepoch(min(COALESCE(d.end_utc, :end), :end))",
                "SUM(unixepoch(min(d.end_utc, :end))",
            )
        },
    ),
    Pitfall(
        "start-time-filter",
        "Selects the stops that started in the shift instead of those that overlap it: the "
        "stop that began before the shift and ran into it is lost.",
        {
            "answer-down": swap(
                ANSWER_DOWN,
                """WHERE d.start_utc < :end
  AND COALESCE(d.end_utc, :end) > :start""",
                """WHERE d.start_utc >= :start
  AND d.start_utc < :end""",
            )
        },
    ),
    Pitfall(
        "between-shift-end",
        "Selects the shift's stops with BETWEEN :start AND :end: the next shift's stop at "
        "exactly the shift's end is counted in this shift too.",
        {
            "answer-stops": swap(
                ANSWER_STOPS,
                "WHERE start_utc >= :start AND start_utc < :end",
                "WHERE start_utc BETWEEN :start AND :end",
            )
        },
    ),
    Pitfall(
        "no-empty-hours",
        "Groups the stops by strftime('%Y-%m-%d %H:00:00', start_utc): hours without a stop "
        "are missing instead of showing 0.",
        {
            "answer-hourly": swap(
                ANSWER_HOURLY,
                """WITH RECURSIVE hours (h) AS (
  SELECT :start
  UNION ALL
  SELECT datetime(h, '+1 hour') FROM hours WHERE datetime(h, '+1 hour') < :end
)
SELECT h AS hour_utc, COUNT(d.event_id) AS stops
FROM hours
LEFT JOIN downtime_events AS d
  ON d.start_utc >= h AND d.start_utc < datetime(h, '+1 hour')
GROUP BY h
ORDER BY h""",
                """SELECT strftime('%Y-%m-%d %H:00:00', start_utc) AS hour_utc, COUNT(*) AS stops
FROM downtime_events
WHERE start_utc >= :start AND start_utc < :end
GROUP BY hour_utc
ORDER BY hour_utc""",
            )
        },
    ),
    Pitfall(
        "negative-counter-delta",
        "Takes count - LAG(count) without the modulo: the Filler's hour with the rollover "
        "comes out about 65,536 bottles negative.",
        {
            "answer-counts": swap(
                ANSWER_COUNTS,
                "(count - LAG(count) OVER (PARTITION BY unit ORDER BY ts_utc) + 65536) % 65536 AS bottles",
                "count - LAG(count) OVER (PARTITION BY unit ORDER BY ts_utc) AS bottles",
            )
        },
    ),
    Pitfall(
        "no-partition-by-unit",
        "Leaves PARTITION BY unit out of LAG: readings of the three units are interleaved and "
        "each is subtracted from another unit's reading.",
        {
            "answer-counts": swap(
                ANSWER_COUNTS,
                "LAG(count) OVER (PARTITION BY unit ORDER BY ts_utc)",
                "LAG(count) OVER (ORDER BY ts_utc)",
            )
        },
    ),
]


def build():
    return lab_notebook(
        LAB_ID,
        title="A shift report in SQL",
        competencies=["SM.IDQ.4"],
        minutes=70,
        cells=[
            md("intro", INTRO),
            code("setup", "readonly", SETUP),
            md("task-shift", TASK_SHIFT),
            code("answer-shift", "answer", ANSWER_SHIFT),
            code("test-shift", "test", TEST_SHIFT),
            md("task-wo", TASK_WO),
            code("answer-wo", "answer", ANSWER_WO),
            code("test-wo", "test", TEST_WO),
            md("task-lots", TASK_LOTS),
            code("answer-lots", "answer", ANSWER_LOTS),
            code("test-lots", "test", TEST_LOTS),
            md("task-down", TASK_DOWN),
            code("answer-down", "answer", ANSWER_DOWN),
            code("test-down", "test", TEST_DOWN),
            md("task-stops", TASK_STOPS),
            code("answer-stops", "answer", ANSWER_STOPS),
            md("task-hourly", TASK_HOURLY),
            code("answer-hourly", "answer", ANSWER_HOURLY),
            code("test-hourly", "test", TEST_HOURLY),
            md("task-counts", TASK_COUNTS),
            code("answer-counts", "answer", ANSWER_COUNTS),
            code("test-counts", "test", TEST_COUNTS),
            code("hidden-other-shift", "hidden-test", HIDDEN),
            md("wrap-up", WRAP),
        ],
        checks=CHECKS,
        pitfalls=PITFALLS,
    )


if __name__ == "__main__":
    write(build(), PITFALLS)
