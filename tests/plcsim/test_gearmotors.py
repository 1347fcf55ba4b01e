"""plcsim.gearmotors: lesson 1's gearmotor generator without pandas, and the lab's per-seed
export with its sensor change and the columns that leak.

The module needs numpy, which only the lab environment has, so each test reads what one run
of the lab's interpreter measured (the same interpreter the labs' kernels use).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAB_PYTHON = ROOT / ".venv-lab" / "bin" / "python"

MEASURE = r"""
import json, sys
sys.path.insert(0, ROOT)
from dataclasses import replace

import numpy as np

from plcsim import gearmotors as gm

out = {}
daily, orders = gm.simulate(8)
out["lesson"] = {"rows": len(daily["motor"]), "failures": int((orders["type"] == "CM").sum()),
                 "columns": list(daily), "motors": len(set(daily["motor"].tolist()))}
days = gm.running_days()
out["days"] = [str(days[0]), str(days[-1]), len(days), bool(np.is_busday(days).all())]
changes = []
for seed in range(1, 21):
    change = gm.sensor_change(seed)
    changes.append({"line": change.line, "date": str(change.date), "gain": change.gain})
out["changes"] = changes
gain = []
for seed in (1, 2):
    change = gm.sensor_change(seed)
    moved, _ = gm.simulate(seed, change)
    still, _ = gm.simulate(seed, replace(change, line="none"))
    ratio = moved["vib_mm_s"] / still["vib_mm_s"]
    after = (moved["line"] == change.line) & (moved["date"] >= change.date)
    gain.append([change.gain, float(ratio[after].min()), float(ratio[after].max()),
                 float(np.abs(ratio[~after] - 1).max()), int(after.sum())])
out["gain"] = gain
a, b, c = gm.gearmotor_export(3), gm.gearmotor_export(3), gm.gearmotor_export(4)
out["same"] = bool(np.array_equal(a["daily"]["vib_mm_s"], b["daily"]["vib_mm_s"]))
out["differs"] = len(a["daily"]["motor"]) != len(c["daily"]["motor"]) or not np.array_equal(
    a["daily"]["vib_mm_s"], c["daily"]["vib_mm_s"])
failed = a["work_orders"]["type"] == "CM"
out["leaks"] = {
    "failures": int(failed.sum()),
    "repairs_to_date": int(a["asset_register"]["repairs_to_date"].sum()),
    "report": int(a["monthly_report"]["bearing_failures"].sum()),
    "exported": sorted(set(a["asset_register"]["exported"].astype(str).tolist())),
}
first = a["daily"]["motor"] == "GM-01"
vib, centred = a["daily"]["vib_mm_s"][first], a["daily"]["vib_7d_mm_s"][first]
out["centred"] = [float(centred[10]), float(vib[7:14].mean()), float(vib[4:11].mean())]
change = gm.sensor_change(3)
line = set(a["daily"]["motor"][a["daily"]["line"] == change.line].tolist())
out["sensor_changes"] = [set(a["sensor_changes"]["motor"].tolist()) == line,
                         bool((a["sensor_changes"]["date"] == change.date).all())]
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def measured() -> dict:
    done = subprocess.run(
        [str(LAB_PYTHON), "-c", f"ROOT = {str(ROOT)!r}\n{MEASURE}"],
        check=True,
        capture_output=True,
        text=True,
        timeout=180,
    )
    return json.loads(done.stdout)


def test_seed_8_gives_the_lessons_fleet(measured):
    """Does simulate(8) give lesson 1's 22,688 daily rows and 55 bearing failures?"""
    lesson = measured["lesson"]
    assert (lesson["rows"], lesson["failures"], lesson["motors"]) == (22_688, 55, 48)
    assert lesson["columns"] == [
        "motor", "line", "date", "ambient_c", "vib_mm_s", "bearing_c", "current_a"
    ]  # fmt: skip


def test_running_days_are_the_weekdays_of_the_record(measured):
    assert measured["days"] == ["2025-01-06", "2026-10-30", 475, True]


def test_same_seed_same_export_and_seeds_differ(measured):
    assert measured["same"] and measured["differs"]


def test_sensor_changes_vary_by_seed_in_the_first_live_week(measured):
    changes = measured["changes"]
    assert {c["line"] for c in changes} == {"Line 1", "Line 2"}
    assert all("2026-10-05" <= c["date"] <= "2026-10-09" for c in changes)
    assert all(1.3 <= c["gain"] <= 1.45 for c in changes)


def test_the_changed_line_reads_higher_from_its_change_date_only(measured):
    for gain, low, high, elsewhere, rows in measured["gain"]:
        assert rows > 0
        assert low == pytest.approx(gain, abs=0.02) and high == pytest.approx(gain, abs=0.02)
        assert elsewhere < 0.01  # the other rows are those of a fleet without the change


def test_the_planted_columns_carry_the_future(measured):
    leaks = measured["leaks"]
    # the register and the report count every failure up to the export, 30 October 2026
    assert leaks["repairs_to_date"] == leaks["report"] == leaks["failures"] > 0
    assert leaks["exported"] == ["2026-10-30"]
    centred, ahead, behind = measured["centred"]
    assert centred == pytest.approx(ahead, abs=1e-3)  # days 7-13 for day 10: 3 days ahead
    assert centred != pytest.approx(behind, abs=1e-3)


def test_sensor_changes_name_every_motor_of_the_changed_line(measured):
    assert measured["sensor_changes"] == [True, True]
