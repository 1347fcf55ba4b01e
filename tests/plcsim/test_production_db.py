"""One shift as a production database (lab-sql-shift-report): the module's schema, the
awkward rows every seed must hold for the lab's pitfalls to bite, and a shift report in SQL
that agrees with the generator's own truth."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import time
from pathlib import Path

import pytest

from plcsim import production_db as pdb

SEEDS = list(range(1, 21)) + [1001, 1003, 1007, 1012]  # the lab's seeds and hidden ones
LESSON = (
    Path(__file__).resolve().parents[2]
    / "curricula/industrial-data/04-sql-production/01-schema-and-shift-reports.md"
)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("shifts")
    return {seed: pdb.build(seed, folder / f"shift-{seed}.db") for seed in SEEDS}


def connect(path) -> sqlite3.Connection:
    con = sqlite3.connect(path)
    con.execute("PRAGMA foreign_keys = ON")
    return con


def bounds(seed: int) -> dict[str, str]:
    sh = pdb.shift(seed)
    return {"start": sh.start_utc, "end": sh.end_utc}


def test_the_schema_is_the_lessons():
    block = re.search(r"```sql\n(CREATE TABLE.*?)```", LESSON.read_text(), re.S).group(1)
    assert " ".join(block.split()) == " ".join(pdb.SCHEMA.split())


def test_the_same_seed_gives_the_same_file_and_seeds_differ(tmp_path):
    assert pdb.tables(5) == pdb.tables(5)
    assert pdb.tables(5)["downtime_events"] != pdb.tables(6)["downtime_events"]
    a, b = pdb.build(5, tmp_path / "a.db"), pdb.build(5, tmp_path / "b.db")
    dump = [list(connect(p).iterdump()) for p in (a, b)]
    assert dump[0] == dump[1]
    pdb.build(6, a)  # replaces the file, never appends to it
    assert list(connect(a).iterdump()) == list(connect(pdb.build(6, tmp_path / "c.db")).iterdump())


def test_building_a_file_takes_well_under_a_second(tmp_path):
    started = time.perf_counter()
    for seed in range(1, 6):
        pdb.build(seed, tmp_path / f"{seed}.db")
    assert (time.perf_counter() - started) / 5 < 1.0  # about 0.01 s on an idle machine


def test_the_file_keeps_its_keys(files):
    for path in files.values():
        con = connect(path)
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        with pytest.raises(sqlite3.IntegrityError):
            con.execute(
                "INSERT INTO lots VALUES ('L-X', 'WO-9999', '2026-01-01', NULL, NULL, NULL)"
            )
        with pytest.raises(sqlite3.IntegrityError):
            con.execute(
                "INSERT INTO downtime_events VALUES (999, 'Filler', '2026-01-01', NULL, 'JAMM')"
            )


def test_shifts_follow_chicagos_clock_and_two_cross_a_clock_change():
    zoneinfo = pytest.importorskip("zoneinfo")
    try:
        chicago = zoneinfo.ZoneInfo("America/Chicago")
    except zoneinfo.ZoneInfoNotFoundError:  # pragma: no cover - no time zone data here
        pytest.skip("no time zone database")
    hours = {}
    for seed in range(1, 41):
        sh = pdb.shift(seed)
        for local, utc in ((sh.start_local, sh.start_utc), (sh.end_local, sh.end_utc)):
            aware = dt.datetime.fromisoformat(local).replace(tzinfo=chicago)
            assert aware.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S") == utc
        hours[seed] = sh.seconds / 3600
    assert hours[3] == 7 and pdb.shift(3).start_local == "2026-03-07 22:00:00"
    assert hours[7] == 9 and pdb.shift(7).start_local == "2026-10-31 22:00:00"
    assert {hours[s] for s in hours if s % 10 not in (3, 7)} == {8}
    offsets = {pdb.shift(s).start_utc[11:13] for s in hours if s % 10 not in (3, 7)}
    assert offsets == {"11", "12"}, "day shifts in summer and in winter"


@pytest.mark.parametrize("seed", SEEDS)
def test_every_seed_holds_the_rows_each_pitfall_needs(files, seed):
    con = connect(files[seed])
    b = bounds(seed)
    stops = con.execute(
        "SELECT unit, start_utc, end_utc, reason_code FROM downtime_events"
    ).fetchall()
    crossing = [s for s in stops if s[1] < b["start"] < (s[2] or "9")]
    assert len(crossing) == 1 and crossing[0][2] is not None
    assert [s for s in stops if s[1] == b["end"]], "the next shift's stop at exactly the end"
    in_shift = [s for s in stops if b["start"] <= s[1] < b["end"]]
    assert 1 <= sum(s[3] is None for s in in_shift) <= 2, "one or two uncoded stops"
    open_stops = [s for s in stops if s[2] is None]
    assert len(open_stops) == 1 and b["start"] <= open_stops[0][1] < b["end"]
    assert all(s[2] is None or s[2] > s[1] for s in stops)
    # No stop of a unit overlaps another of the same unit, nor a line stop.
    for unit in pdb.UNITS:
        spans = sorted((s[1], s[2] or "9") for s in stops if s[0] in (unit, pdb.LINE))
        assert all(a[1] <= b_[0] for a, b_ in zip(spans, spans[1:], strict=False))
    hours = pdb.shift(seed).seconds // 3600
    started = {
        int(
            (
                dt.datetime.fromisoformat(s[1]) - dt.datetime.fromisoformat(b["start"])
            ).total_seconds()
            // 3600
        )
        for s in in_shift
    }
    assert len(started) < hours, "at least one hour without a stop"

    filler = [c for (c,) in con.execute(
        "SELECT count FROM counter_readings WHERE unit = 'Filler'"
        " AND ts_utc BETWEEN :start AND :end ORDER BY ts_utc", b
    )]  # fmt: skip
    assert len(filler) == hours + 1
    assert sum(b_ < a for a, b_ in zip(filler, filler[1:], strict=False)) == 1, "one rollover"
    readings = con.execute(
        "SELECT unit, MIN(count), MAX(count) FROM counter_readings GROUP BY unit"
    ).fetchall()
    assert len({r[1] for r in readings}) == 3, "the units' counters stand apart"

    lots = con.execute("SELECT lot_id, wo_id, ended_utc, good_qty, reject_qty FROM lots").fetchall()
    assert [lot for lot in lots if lot[2] is None] == [lots[-1]] and lots[-1][3] is None
    samples = dict(con.execute("SELECT lot_id, COUNT(*) FROM quality_results GROUP BY lot_id"))
    assert all(samples.get(lot[0], 0) >= 2 for lot in lots), "several samples per lot"
    assert any(0.02 < (100 * g / (g + r)) % 1 < 0.98 for _, _, e, g, r in lots if e), (
        "integer division shows"
    )
    queued = con.execute(
        "SELECT COUNT(*) FROM work_orders WHERE wo_id NOT IN (SELECT wo_id FROM lots)"
    ).fetchone()[0]
    assert queued == 1
    assert con.execute("SELECT COUNT(*) FROM quality_results WHERE passed = 0").fetchone()[0] >= 1


@pytest.mark.parametrize("seed", SEEDS)
def test_a_shift_report_in_sql_agrees_with_the_generators_truth(files, seed):
    con = connect(files[seed])
    b = bounds(seed)
    truth = pdb.truth(seed)
    assert (truth["start_utc"], truth["end_utc"]) == (b["start"], b["end"])
    assert truth["rollover"]

    produced = dict(con.execute(
        """
        WITH d AS (
          SELECT unit,
                 (count - LAG(count) OVER (PARTITION BY unit ORDER BY ts_utc) + 65536) % 65536 AS n
          FROM counter_readings WHERE ts_utc >= :start AND ts_utc <= :end)
        SELECT unit, SUM(n) FROM d GROUP BY unit
        """, b,
    ))  # fmt: skip
    assert produced == truth["produced"]
    assert produced["Filler"] >= produced["Capper"] >= produced["Labeler"] > 20_000

    rows = con.execute(
        """
        SELECT d.reason_code, COUNT(*),
               SUM(unixepoch(min(COALESCE(d.end_utc, :end), :end))
                   - unixepoch(max(d.start_utc, :start))) / 60.0
        FROM downtime_events AS d LEFT JOIN reason_codes AS r ON r.code = d.reason_code
        WHERE d.start_utc < :end AND COALESCE(d.end_utc, :end) > :start
        GROUP BY d.reason_code
        """, b,
    ).fetchall()  # fmt: skip
    assert {code: n for code, n, _ in rows} == truth["downtime_stops"]
    assert {code: pytest.approx(m) for code, _, m in rows} == truth["downtime_minutes"]

    hours = con.execute(
        """
        WITH RECURSIVE hours (h) AS (
          SELECT :start UNION ALL
          SELECT datetime(h, '+1 hour') FROM hours WHERE datetime(h, '+1 hour') < :end)
        SELECT COUNT(d.event_id) FROM hours LEFT JOIN downtime_events AS d
          ON d.start_utc >= h AND d.start_utc < datetime(h, '+1 hour')
        GROUP BY h ORDER BY h
        """, b,
    ).fetchall()  # fmt: skip
    assert [i for i, (n,) in enumerate(hours) if n == 0] == truth["empty_hours"]

    orders = con.execute(
        """
        WITH s AS (SELECT lot_id, COUNT(*) AS n FROM quality_results GROUP BY lot_id)
        SELECT w.wo_id, w.qty_ordered, COUNT(l.lot_id), SUM(l.good_qty), COALESCE(SUM(s.n), 0)
        FROM work_orders AS w LEFT JOIN lots AS l ON l.wo_id = w.wo_id
        LEFT JOIN s ON s.lot_id = l.lot_id
        GROUP BY w.wo_id, w.qty_ordered
        """
    ).fetchall()  # fmt: skip
    assert {
        wo: {"qty_ordered": q, "lots": n, "good": g, "samples": s} for wo, q, n, g, s in orders
    } == truth["work_orders"]
    # The Filler's lots hold what it counted from the first lot's start to the last closed end.
    made = con.execute("SELECT SUM(good_qty + reject_qty) FROM lots").fetchone()[0]
    assert 0 < made < produced["Filler"] + 20_000
