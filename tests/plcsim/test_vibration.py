"""plcsim.vibration: bearing formulas, seeded accelerometer records and what their spectra show.

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
import hashlib, json, sys
sys.path.insert(0, ROOT)
from dataclasses import replace

import numpy as np
from scipy import signal

from plcsim import vibration as vib


def spectrum(x, fs):
    w = np.hanning(len(x))
    return np.fft.rfftfreq(len(x), 1 / fs), 2 * np.abs(np.fft.rfft((x - x.mean()) * w)) / w.sum()


def velocity(x, fs):
    f, a = spectrum(x, fs)
    v = np.zeros_like(a)
    v[1:] = a[1:] / (2 * np.pi * f[1:]) * 1000 / np.sqrt(2)
    return f, v


def envelope(x, fs):
    sos = signal.butter(4, [2000, 5000], btype="bandpass", fs=fs, output="sos")
    return spectrum(np.abs(signal.hilbert(signal.sosfiltfilt(sos, x))), fs)


def top_peaks(f, a, k):
    band = np.flatnonzero((f >= 10) & (f <= 500))
    idx, _ = signal.find_peaks(a[band], distance=20)
    best = band[idx[np.argsort(a[band][idx])[::-1][:k]]]
    return [[float(f[i]), float(a[i])] for i in best]


def near(f, a, f0, lines=2):
    i = int(np.argmin(np.abs(f - f0)))
    return float(a[i - lines : i + lines + 1].max())


def overall(x, fs):
    f, v = velocity(x, fs)
    return float(np.sqrt(np.sum(v[(f >= 10) & (f <= 1000)] ** 2) / 1.5))


def digest(x):
    return hashlib.sha256(np.ascontiguousarray(x).tobytes()).hexdigest()


out = {
    "lesson": vib.defect_frequencies(29.5, vib.LESSON_BEARING),
    "pump": vib.defect_frequencies(1480 / 60, vib.Bearing(8, 10.0, 50.0)),
    "angular": vib.defect_frequencies(25.0, vib.Bearing(13, 8.73, 44.5, 40.0)),
}
FS, N = 12_800, 51_200
lesson = vib.Machine()
acc = vib.accelerometer(lesson, fs=FS, samples=N, seed=7)
healthy = vib.accelerometer(replace(lesson, defect=None), fs=FS, samples=N, seed=7)
out["digests"] = [digest(acc), digest(vib.accelerometer(lesson, fs=FS, samples=N, seed=7)),
                  digest(vib.accelerometer(lesson, fs=FS, samples=N, seed=8))]
f, v = velocity(acc, FS)
fe, ae = envelope(acc, FS)
out["outer"] = {
    "velocity_top": top_peaks(f, v, 3),
    "velocity_at_bpfo": near(f, v, 105.75),
    "overall": [overall(acc, FS), overall(healthy, FS)],
    "envelope_top": top_peaks(fe, ae, 4),
    "healthy_envelope_at_bpfo": near(*envelope(healthy, FS), 105.75),
}
inner = replace(lesson, defect="inner")
fe, ae = envelope(vib.accelerometer(inner, fs=FS, samples=N, seed=7), FS)
floor = float(np.median(ae[(fe >= 10) & (fe <= 500)]))
out["inner"] = {
    "floor": floor,
    "at": {name: near(fe, ae, hz) for name, hz in
           [("bpfi", 159.75), ("bpfi-1x", 130.25), ("bpfi+1x", 189.25), ("bpfo", 105.75)]},
}
surveys = []
for seed in range(1, 21):
    s = vib.survey(seed)
    now, before = s.record(), s.earlier_record()
    surveys.append({
        "rpm": s.rpm, "fs": s.fs, "samples": s.samples, "len": len(now),
        "defect": s.machine.defect, "contact_deg": s.machine.bearing.contact_deg,
        "resonance_hz": s.machine.resonance_hz, "wanted": s.wanted_resolution_hz,
        "same_again": digest(vib.survey(seed).record()) == digest(now),
        "before_differs": digest(before) != digest(now),
    })
out["surveys"] = surveys
errors = []
for bad in (dict(defect="cage"), dict(resonance_hz=6000.0)):
    try:
        vib.accelerometer(replace(lesson, **bad), fs=FS, samples=1024, seed=1)
    except ValueError as exc:
        errors.append(str(exc))
out["errors"] = errors
print(json.dumps(out))
"""


def measure(code: str) -> dict:
    """Run *code* in the lab's interpreter and return the JSON it printed."""
    done = subprocess.run(
        [str(LAB_PYTHON), "-c", f"ROOT = {str(ROOT)!r}\n{code}"],
        check=True,
        capture_output=True,
        text=True,
        timeout=180,
    )
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def measured() -> dict:
    return measure(MEASURE)


def test_defect_frequencies_match_the_lessons_worked_table(measured):
    # 9 balls of 7.94 mm on 39.04 mm, 0 degrees, 29.5 Hz: the lesson's table.
    lesson = measured["lesson"]
    assert lesson["ftf"] == pytest.approx(11.75, abs=0.01)
    assert lesson["bsf"] == pytest.approx(69.52, abs=0.01)
    assert lesson["bpfo"] == pytest.approx(105.75, abs=0.01)
    assert lesson["bpfi"] == pytest.approx(159.75, abs=0.01)
    assert lesson["bpfo"] + lesson["bpfi"] == pytest.approx(9 * 29.5)


def test_defect_frequencies_by_hand(measured):
    """The quiz's pump bearing (8 balls, d/D = 0.2, 1,480 rpm), worked out with a calculator."""
    pump = measured["pump"]
    # fr = 24.667 Hz; BPFO = 4 x 24.667 x 0.8, BPFI = 4 x 24.667 x 1.2
    assert pump["bpfo"] == pytest.approx(78.93, abs=0.01)
    assert pump["bpfi"] == pytest.approx(118.40, abs=0.01)
    assert pump["ftf"] == pytest.approx(9.87, abs=0.01)  # 12.333 x 0.8
    assert pump["bsf"] == pytest.approx(59.20, abs=0.01)  # 2.5 x 24.667 x 0.96


def test_the_contact_angle_is_in_degrees(measured):
    # d/D cos 40 deg = 0.19618 x 0.76604 = 0.15028 at 25 Hz with 13 balls.
    angular = measured["angular"]
    assert angular["bpfo"] == pytest.approx(6.5 * 25 * (1 - 0.15028), abs=0.01)  # 138.08
    assert angular["bpfi"] == pytest.approx(6.5 * 25 * (1 + 0.15028), abs=0.01)  # 186.92


def test_records_are_deterministic_per_seed(measured):
    first, again, other = measured["digests"]
    assert first == again and first != other
    assert all(s["same_again"] for s in measured["surveys"])


def test_outer_race_defect_shows_in_the_envelope_and_not_in_the_velocity_spectrum(measured):
    outer = measured["outer"]
    top_hz, top_amp = outer["envelope_top"][0]
    assert top_hz == pytest.approx(105.75, rel=0.005)  # BPFO leads the envelope spectrum
    harmonics = sorted(hz for hz, _ in outer["envelope_top"])
    assert harmonics == pytest.approx([105.75, 211.5, 317.25, 423.0], rel=0.005)
    assert top_amp > 10 * outer["healthy_envelope_at_bpfo"]
    # The velocity spectrum's highest peaks are 1x and 2x; BPFO is not among them.
    velocity_top = outer["velocity_top"]
    assert [round(hz, 2) for hz, _ in velocity_top[:2]] == [29.5, 59.0]
    assert velocity_top[0][1] == pytest.approx(1.8, abs=0.05)
    assert all(abs(hz - 105.75) > 2 for hz, _ in velocity_top)
    assert outer["velocity_at_bpfo"] < 0.03 * velocity_top[0][1]
    with_impacts, without = outer["overall"]
    assert with_impacts == pytest.approx(without, abs=0.02)  # the overall value misses it


def test_inner_race_defect_carries_sidebands_at_shaft_speed(measured):
    inner = measured["inner"]
    at, floor = inner["at"], inner["floor"]
    assert at["bpfi"] > 20 * floor
    assert at["bpfi-1x"] > 5 * floor and at["bpfi+1x"] > 5 * floor
    assert at["bpfo"] < 3 * floor


def test_survey_varies_the_record_within_the_labs_limits(measured):
    surveys = measured["surveys"]
    assert {s["defect"] for s in surveys} == {"outer", "inner"}
    assert len({(s["fs"], s["samples"]) for s in surveys}) > 1
    assert len({s["wanted"] for s in surveys}) > 1
    for s in surveys:
        assert 1448 <= s["rpm"] <= 1782
        assert s["len"] == s["samples"] <= 2**16
        assert s["resonance_hz"] < 5000 < s["fs"] / 2  # the band lies below Nyquist
        assert s["contact_deg"] > 0  # so the degrees-as-radians mistake always shows
        assert s["before_differs"]


def test_unknown_defects_and_aliased_resonances_are_refused(measured):
    cage, resonance = measured["errors"]
    assert "defect must be one of" in cage
    assert "Nyquist" in resonance
