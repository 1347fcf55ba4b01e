"""Writes labs/lab-fft-bearing.ipynb: bearing frequencies, spectra and envelope analysis.

Run from the repository root:  .venv/bin/python labs/src/lab-fft-bearing.py
"""

from __future__ import annotations

from _notebook import Pitfall, code, lab_notebook, md, swap, write

LAB_ID = "lab-fft-bearing"
TITLE = "Find the bearing defect in an accelerometer record"


INTRO = r"""
# Find the bearing defect in an accelerometer record

**Competency:** SM.IDQ.7 *Analyse vibration and equipment reliability data* · about 60 minutes.

On Riverbend's monthly vibration route a technician fixes an accelerometer to the drive-end
bearing housing of a motor and the data collector takes one record. The overall velocity is
about what it was three months ago. Your job is to look closer: compute what the bearing
can tell you from its geometry, build the velocity spectrum and the envelope spectrum, and
decide whether the bearing has a defect, on which race, and at what frequency.

Your record comes from your own seed (`SHOPFLOOR_SEED`): the motor's speed, its bearing, the
analyser's settings and what is wrong differ from your neighbour's. The record is
**simulated** (`plcsim.vibration`): a motor with unbalance, misalignment, electrical
vibration at twice the line frequency, broadband noise and perhaps a bearing defect. The
bearing geometries are assumed for the exercise; for a real bearing take the geometry, or
the frequencies, from its maker.

By the end of this lab you can:

1. state a record's Nyquist frequency and line spacing, and size a record for a resolution;
2. compute FTF, BSF, BPFO and BPFI from a bearing's geometry and the shaft speed;
3. write a Hann-windowed amplitude spectrum with the right scaling, turn it into velocity in
   mm/s RMS, and read 1×, 2× and the overall velocity;
4. build the envelope spectrum of the band around the housing's resonance, find the defect
   and name the race.

Run the cells in order, write your code where it says `# YOUR CODE HERE` and delete the
`raise NotImplementedError()` line. Use the lesson's conventions: they are what the checks
expect.
"""

SETUP = r"""
import matplotlib.pyplot as plt
import numpy as np
from scipy import signal

from plcsim.vibration import survey

_s = survey(SHOPFLOOR_SEED)
acc = _s.record()                    # today's record, m/s², sampled at FS
acc_before = _s.earlier_record()     # the same point three months ago, m/s²
FS = _s.fs                           # sampling rate, Hz
RPM = _s.rpm                         # shaft speed from the collector's tachometer
LINE_HZ = _s.machine.line_hz         # supply frequency
WANTED_RESOLUTION = _s.wanted_resolution_hz   # part 1: lines the reliability engineer wants
BEARING = {                          # the drive-end bearing's data sheet
    "name": _s.bearing_name,
    "balls": _s.machine.bearing.balls,
    "ball_mm": _s.machine.bearing.ball_mm,
    "pitch_mm": _s.machine.bearing.pitch_mm,
    "contact_deg": _s.machine.bearing.contact_deg,
}
BAND = (2000, 5000)                  # Hz: the band around the housing's resonance
del _s

print(f"{len(acc):,} samples at {FS:,} Hz; motor at {RPM} rpm on a {LINE_HZ} Hz supply")
print("bearing", BEARING)
t = np.arange(len(acc)) / FS
fig, ax = plt.subplots(figsize=(10, 2.6))
ax.plot(t[t < 0.25], acc[t < 0.25], lw=0.5)
ax.set_xlabel("time (s)")
ax.set_ylabel("acceleration (m/s²)")
ax.set_title("The first quarter of a second of today's record")
plt.tight_layout()
plt.show()
"""

TASK_RESOLUTION = r"""
## 1. What can this record resolve?

From `acc` and `FS` set:

- `record_s`: the length of the record in seconds;
- `nyquist`: the highest frequency the record can show, Hz;
- `delta_f`: the spacing of the spectrum's lines, Hz.

The reliability engineer asks for lines `WANTED_RESOLUTION` Hz apart at the same sampling
rate. Set `samples_needed` (an `int`) and `seconds_needed`: how many samples, and how many
seconds of steady running, one record would then take.
"""

ANSWER_RESOLUTION = r"""
# record_s, nyquist, delta_f; samples_needed, seconds_needed for WANTED_RESOLUTION
### BEGIN SOLUTION
n = len(acc)
record_s = n / FS
nyquist = FS / 2
delta_f = FS / n
samples_needed = round(FS / WANTED_RESOLUTION)
seconds_needed = 1 / WANTED_RESOLUTION
### END SOLUTION
print(f"{record_s:.2f} s, Nyquist {nyquist:,.0f} Hz, lines {delta_f:.4f} Hz apart")
print(f"for {WANTED_RESOLUTION} Hz lines: {samples_needed:,} samples, {seconds_needed:g} s")
"""

TASK_BEARING = r"""
## 2. The bearing's frequencies

With the shaft turning at $f_r$ (Hz) and $\rho = \frac{d}{D}\cos\varphi$, the lesson's four
frequencies are

$$\text{FTF} = \frac{f_r}{2}(1 - \rho) \qquad \text{BSF} = \frac{D\,f_r}{2d}(1 - \rho^2)
\qquad \text{BPFO} = \frac{n\,f_r}{2}(1 - \rho) \qquad \text{BPFI} = \frac{n\,f_r}{2}(1 + \rho)$$

Set `fr`, `ftf`, `bsf`, `bpfo` and `bpfi` in Hz from `RPM` and `BEARING`. The data sheet
gives the contact angle in **degrees**; numpy's trigonometric functions take radians. The
cell prints each frequency in orders too: none is a whole order, which is how bearings give
themselves away.
"""

ANSWER_BEARING = r"""
# fr, ftf, bsf, bpfo, bpfi in Hz
### BEGIN SOLUTION
fr = RPM / 60
rho = BEARING["ball_mm"] / BEARING["pitch_mm"] * np.cos(np.radians(BEARING["contact_deg"]))
ftf = fr / 2 * (1 - rho)
bsf = BEARING["pitch_mm"] * fr / (2 * BEARING["ball_mm"]) * (1 - rho**2)
bpfo = BEARING["balls"] * fr / 2 * (1 - rho)
bpfi = BEARING["balls"] * fr / 2 * (1 + rho)
### END SOLUTION
for name, value in [("1x", fr), ("FTF", ftf), ("BSF", bsf), ("2 x BSF", 2 * bsf),
                    ("BPFO", bpfo), ("BPFI", bpfi)]:
    print(f"{name:8s} {value:8.2f} Hz  {value / fr:6.3f} x")
"""

TASK_SPECTRUM = r"""
## 3. Spectrum and velocity

Write three functions, as in the lesson:

- `spectrum(x, fs)`: the single-sided **peak-amplitude** spectrum of `x` with a Hann window
  (`np.hanning`): remove the mean, multiply by the window, take `np.fft.rfft`, and scale by
  $2/\sum w$ so that a sine of amplitude $A$ on a line reads $A$. Return the frequencies
  (`np.fft.rfftfreq`) and the amplitudes.
- `velocity(x, fs)`: the velocity spectrum in **mm/s RMS** from an acceleration record in
  m/s². Integrate in the frequency domain: divide each acceleration line by $2\pi f$ (leave
  the 0 Hz line at 0), then convert m/s to mm/s and peak to RMS.
- `band_rms(f, v, low, high)`: the RMS of the lines of `v` from `low` to `high` Hz
  (inclusive): $\sqrt{\sum v^2 / 1.5}$, where 1.5 is the Hann window's noise bandwidth in
  lines. A Hann peak spreads over several lines, so this also reads a single component well
  from the lines around it, wherever it falls between two lines.
"""

ANSWER_SPECTRUM = r"""
def spectrum(x, fs):
    # (frequencies Hz, peak amplitudes) with a Hann window
    ### BEGIN SOLUTION
    w = np.hanning(len(x))
    amp = 2 * np.abs(np.fft.rfft((x - np.mean(x)) * w)) / w.sum()
    return np.fft.rfftfreq(len(x), 1 / fs), amp
    ### END SOLUTION


def velocity(x, fs):
    # (frequencies Hz, velocity lines in mm/s RMS) from acceleration in m/s²
    ### BEGIN SOLUTION
    f, a = spectrum(x, fs)
    v = np.zeros_like(a)
    v[1:] = a[1:] / (2 * np.pi * f[1:]) * 1000 / np.sqrt(2)
    return f, v
    ### END SOLUTION


def band_rms(f, v, low, high):
    # RMS of the lines from low to high Hz, Hann-corrected
    ### BEGIN SOLUTION
    inside = (f >= low) & (f <= high)
    return float(np.sqrt(np.sum(v[inside] ** 2) / 1.5))
    ### END SOLUTION
"""

TASK_VELOCITY = r"""
Now read the record like the route software does:

- `v1x` and `v2x`: the velocity at 1× and 2× in mm/s RMS, each the `band_rms` of the lines
  within $\pm 3\,\Delta f$ of `fr` and of `2 * fr`;
- `overall` and `overall_before`: the overall velocity from 10 to 1,000 Hz in mm/s RMS,
  today and three months ago;
- `hf` and `hf_before`: the RMS **acceleration** in `BAND` (m/s²), today and before. The
  spectrum's lines are peak amplitudes: turn them into RMS before `band_rms`.
"""

ANSWER_VELOCITY = r"""
# v1x, v2x, overall, overall_before (mm/s RMS); hf, hf_before (m/s² RMS in BAND)
### BEGIN SOLUTION
f, v = velocity(acc, FS)
v1x = band_rms(f, v, fr - 3 * delta_f, fr + 3 * delta_f)
v2x = band_rms(f, v, 2 * fr - 3 * delta_f, 2 * fr + 3 * delta_f)
overall = band_rms(f, v, 10, 1000)
overall_before = band_rms(*velocity(acc_before, FS), 10, 1000)
fa, a = spectrum(acc, FS)
hf = band_rms(fa, a / np.sqrt(2), *BAND)
fb, ab = spectrum(acc_before, FS)
hf_before = band_rms(fb, ab / np.sqrt(2), *BAND)
### END SOLUTION
print(f"1x {v1x:.2f} mm/s, 2x {v2x:.2f} mm/s RMS")
print(f"overall 10-1,000 Hz: {overall:.2f} mm/s RMS today, {overall_before:.2f} three months ago")
print(f"acceleration {BAND[0]:,}-{BAND[1]:,} Hz: {hf:.3f} m/s² RMS today, {hf_before:.3f} before")
"""

TASK_ENVELOPE = r"""
## 4. The envelope spectrum

Write `envelope_spectrum(x, fs, band=BAND)`: band-pass `x` with a 4th-order Butterworth
filter (`signal.butter(4, band, btype="bandpass", fs=fs, output="sos")`, applied with
`signal.sosfiltfilt`), take the magnitude of `signal.hilbert` of the result, and return the
`spectrum` of that envelope.

Then write `peak_near(f, a, f0)`: the frequency and amplitude of the highest line of `a`
within ±2 % of `f0` (bearings slip, so search a band, not a line).

Compute the envelope spectrum `fe, ae` of `acc`, look near BPFO and near BPFI, and set:

- `defect`: `"outer"` or `"inner"`, the race whose band holds the higher peak;
- `defect_hz`, `defect_amp`: that peak's frequency (Hz) and envelope amplitude (m/s²);
- `defect_amp_before`: the highest line of the earlier record's envelope spectrum within
  ±2 % of `defect_hz`.
"""

ANSWER_ENVELOPE = r"""
def envelope_spectrum(x, fs, band=BAND):
    # the spectrum of the envelope of x band-passed to *band*
    ### BEGIN SOLUTION
    sos = signal.butter(4, band, btype="bandpass", fs=fs, output="sos")
    envelope = np.abs(signal.hilbert(signal.sosfiltfilt(sos, x)))
    return spectrum(envelope, fs)
    ### END SOLUTION


def peak_near(f, a, f0):
    # (frequency, amplitude) of the highest line within 2 % of f0
    ### BEGIN SOLUTION
    inside = np.flatnonzero(np.abs(f - f0) <= 0.02 * f0)
    best = inside[np.argmax(a[inside])]
    return float(f[best]), float(a[best])
    ### END SOLUTION


# defect ("outer" or "inner"), defect_hz, defect_amp, defect_amp_before
### BEGIN SOLUTION
fe, ae = envelope_spectrum(acc, FS)
found = {"outer": peak_near(fe, ae, bpfo), "inner": peak_near(fe, ae, bpfi)}
defect = max(found, key=lambda race: found[race][1])
defect_hz, defect_amp = found[defect]
defect_amp_before = peak_near(*envelope_spectrum(acc_before, FS), defect_hz)[1]
### END SOLUTION
print(f"{defect} race: {defect_hz:.2f} Hz ({defect_hz / fr:.3f} x), {defect_amp:.3f} m/s², "
      f"{defect_amp_before:.3f} three months ago")
"""

PLOT = r"""
# Both spectra to 500 Hz, with your frequencies marked (run me, nothing to write).
show_v = (f >= 2) & (f <= 500)      # below 2 Hz, integration magnifies the noise
show_e = fe <= 500
fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 6.5), sharex=True)
top.plot(f[show_v], v[show_v], lw=0.7)
marks = [(fr, "1x"), (2 * fr, "2x"), (2 * LINE_HZ, "2 x LF"), (bpfo, "BPFO"), (bpfi, "BPFI")]
for x, label in marks:
    top.axvline(x, color="0.6", ls=":", lw=1)
    top.text(x, top.get_ylim()[1] * 0.92, label, fontsize=8, rotation=90, va="top")
top.set_ylabel("velocity (mm/s RMS)")
top.set_title("Velocity spectrum")
bottom.plot(fe[show_e], ae[show_e], lw=0.7, color="tab:red")
for k in (1, 2, 3):
    bottom.axvline(k * bpfo, color="tab:blue", ls=":", lw=1)
    bottom.axvline(k * bpfi, color="tab:green", ls=":", lw=1)
bottom.set_ylabel("envelope (m/s²)")
bottom.set_xlabel("frequency (Hz)")
bottom.set_title(f"Envelope spectrum of {BAND[0]:,}-{BAND[1]:,} Hz "
                 "(blue: BPFO and harmonics, green: BPFI and harmonics)")
bottom.set_xlim(0, 500)
plt.tight_layout()
plt.show()
"""

TEST = r"""
# Self-check: run me. These asserts check the shape of your answers, not your values.
assert abs(delta_f * len(acc) - FS) < 1e-6 and isinstance(samples_needed, int)
assert 0 < ftf < fr < bpfo < bpfi and abs(bpfo + bpfi - BEARING["balls"] * fr) < 1e-9
_t = np.arange(1000) / 1000
_f, _a = spectrum(3.0 + np.sin(2 * np.pi * 50 * _t), 1000)
assert len(_f) == 501 and abs(_f[50] - 50) < 1e-9, "rfftfreq: lines 1 Hz apart here"
assert abs(_a[50] - 1.0) < 0.01, "a sine of amplitude 1 on a line must read 1: scale by 2 / sum(w)"
assert _a[0] < 0.1, "remove the mean first"
_f, _v = velocity(np.sin(2 * np.pi * 50 * _t), 1000)
assert abs(_v[50] - 1000 / (2 * np.pi * 50) / np.sqrt(2)) < 0.05, "mm/s RMS from m/s² peak"
assert 0 < v2x and 0 < overall and 0 < hf
assert defect in ("outer", "inner") and 0 < defect_amp
print("The shapes look right.")
"""

HIDDEN = r"""
__t = np.arange(4000) / 2000.0
__x = 0.7 + 2.0 * np.sin(2 * np.pi * 125.0 * __t + 0.3) + 0.5 * np.sin(2 * np.pi * 310.25 * __t)
__f, __a = spectrum(__x, 2000.0)
__spectrum_case = [round(float(__f[1] - __f[0]), 6), round(float(__f[-1]), 6),
                   round(float(__a[250]), 4), round(float(__a[600:640].max()), 4)]
__t = np.arange(16384) / 12800.0
__am = (1 + 0.5 * np.cos(2 * np.pi * 87.5 * __t)) * np.sin(2 * np.pi * 3300 * __t)
__fe, __ae = envelope_spectrum(__am, 12800.0)
__envelope_case = [round(float(__fe[np.argmax(__ae[1:]) + 1]), 4), round(float(__ae[1:].max()), 4)]
"""

WRAP = r"""
## Wrap-up

- **Why did the overall not change?** Each impact rings the housing at a few kilohertz.
  Integrated to velocity, a line at 3 kHz is divided by $2\pi f$, about a hundred times
  more than a line at 30 Hz, and the 10 to 1,000 Hz band leaves it out anyway. Compare `hf`
  with `hf_before`: the energy went up where the overall velocity does not look.
- The envelope turns that ringing back into its **repetition rate**. The peak sat at or a
  little below the computed frequency: the elements slip, which is why you searched a band.
- An **inner-race** defect turns with the shaft, in and out of the load zone, so its
  envelope peaks carry sidebands at ±1× (look at `defect_hz ± fr` in the plot). An outer-race
  defect stands still in the load zone: no sidebands.
- The velocity spectrum still did its own job: 1× and 2× at the levels the route software
  reads, and twice line frequency where the motor's electrical vibration belongs.
- What comes next is the P-F decision of the lesson: put an alert on the bearing, trend
  the envelope amplitude at every route, and plan the replacement for a stop before the
  velocity rises.
"""

CHECKS = [
    {
        "id": "resolution",
        "points": 1,
        "description": "record length, Nyquist frequency and line spacing of your record",
        "observe": "[round(float(v), 6) for v in (record_s, nyquist, delta_f)]",
        "compare": "close",
        "tolerance": 1e-6,
        "hint": "T = N / fs; the lines go up to fs / 2 and are fs / N = 1 / T apart.",
    },
    {
        "id": "record-size",
        "points": 1,
        "description": "samples and seconds one record needs for WANTED_RESOLUTION",
        "observe": "[int(samples_needed), round(float(seconds_needed), 6)]",
        "compare": "close",
        "tolerance": 1e-6,
        "hint": "delta_f = fs / N, so N = fs / delta_f and T = 1 / delta_f.",
    },
    {
        "id": "bearing-frequencies",
        "points": 2,
        "description": "fr, FTF, BSF, BPFO and BPFI of your bearing (Hz)",
        "observe": "[round(float(v), 4) for v in (fr, ftf, bsf, bpfo, bpfi)]",
        "compare": "close",
        "tolerance": 0.01,
        "hint": "fr = RPM / 60; the contact angle is in degrees (np.radians); "
        "d/D is the ball diameter over the pitch diameter.",
    },
    {
        "id": "spectrum-function",
        "points": 2,
        "visible": False,
        "description": "spectrum() on a test signal: line spacing, last line and two amplitudes",
        "observe": "__spectrum_case",
        "compare": "close",
        "tolerance": 0.01,
        "hint": "Remove the mean, multiply by np.hanning(len(x)), take np.fft.rfft and scale "
        "by 2 / sum(window); frequencies from np.fft.rfftfreq(len(x), 1 / fs).",
    },
    {
        "id": "velocity-orders",
        "points": 2,
        "description": "1x and 2x velocity in mm/s RMS",
        "observe": "[round(float(v1x), 4), round(float(v2x), 4)]",
        "compare": "close",
        "tolerance": 0.04,
        "hint": "Velocity lines: acceleration lines / (2 pi f), x 1000 for mm/s, / sqrt(2) for "
        "RMS; then band_rms over fr +/- 3 delta_f and 2 fr +/- 3 delta_f.",
    },
    {
        "id": "overall",
        "points": 2,
        "description": "overall velocity 10-1,000 Hz today and before (mm/s RMS), and the "
        "RMS acceleration in BAND today and before (m/s²)",
        "observe": "[round(float(x), 4) for x in (overall, overall_before, hf, hf_before)]",
        "compare": "close",
        "tolerance": 0.04,
        "hint": "band_rms of the velocity lines from 10 to 1,000 Hz; for the band, the "
        "acceleration lines divided by sqrt(2).",
    },
    {
        "id": "envelope-function",
        "points": 1,
        "visible": False,
        "description": "envelope_spectrum() on an amplitude-modulated test signal",
        "observe": "__envelope_case",
        "compare": "close",
        "tolerance": 0.02,
        "hint": "Butterworth band-pass of order 4 with sosfiltfilt, np.abs(signal.hilbert(...)), "
        "then your spectrum().",
    },
    {
        "id": "defect-race",
        "points": 1,
        "description": "the race with the defect",
        "observe": "str(defect)",
        "compare": "equal",
        "hint": "Compare the envelope spectrum's highest lines near BPFO and near BPFI.",
    },
    {
        "id": "defect-peak",
        "points": 2,
        "visible": False,
        "description": "frequency of the defect's envelope peak (Hz)",
        "observe": "round(float(defect_hz), 3)",
        "compare": "close",
        "tolerance": 0.5,
        "hint": "The highest envelope line within 2 % of the defect frequency you computed.",
    },
    {
        "id": "defect-amplitude",
        "points": 2,
        "visible": False,
        "description": "envelope amplitude at the defect today and three months ago (m/s²)",
        "observe": "[round(float(defect_amp), 4), round(float(defect_amp_before), 4)]",
        "compare": "close",
        "tolerance": 0.02,
        "hint": "Read both from envelope spectra (band-pass, Hilbert, Hann spectrum), not from "
        "the spectrum of the raw record.",
    },
]

PITFALLS = [
    Pitfall(
        "resolution-half",
        "Takes the line spacing as fs / 2N, as if the N samples made N lines from 0 to "
        "Nyquist: the rfft gives N / 2 + 1 lines, fs / N apart.",
        {
            "answer-resolution": swap(
                ANSWER_RESOLUTION, "delta_f = FS / n", "delta_f = FS / (2 * n)"
            )
        },
    ),
    Pitfall(
        "hann-not-corrected",
        "Applies the Hann window but scales by 2 / N instead of 2 / sum(w), so every "
        "amplitude reads half its value.",
        {
            "answer-spectrum": swap(
                ANSWER_SPECTRUM,
                "amp = 2 * np.abs(np.fft.rfft((x - np.mean(x)) * w)) / w.sum()",
                "amp = 2 * np.abs(np.fft.rfft((x - np.mean(x)) * w)) / len(x)",
            )
        },
    ),
    Pitfall(
        "contact-angle-in-radians",
        "Passes the data sheet's contact angle in degrees to np.cos, which takes radians.",
        {
            "answer-bearing": swap(
                ANSWER_BEARING,
                'np.cos(np.radians(BEARING["contact_deg"]))',
                'np.cos(BEARING["contact_deg"])',
            )
        },
    ),
    Pitfall(
        "defect-in-raw-spectrum",
        "Looks for the defect in the spectrum of the raw record instead of the envelope "
        "spectrum: the impacts' energy is at the resonance, so almost nothing shows there.",
        {
            "answer-envelope": swap(
                ANSWER_ENVELOPE, "fe, ae = envelope_spectrum(acc, FS)", "fe, ae = spectrum(acc, FS)"
            )
        },
    ),
    Pitfall(
        "velocity-peak-not-rms",
        "Reports velocity as peak instead of RMS (leaves out the division by the square "
        "root of 2): 41 % high against every RMS limit and trend.",
        {
            "answer-spectrum": swap(
                ANSWER_SPECTRUM,
                "v[1:] = a[1:] / (2 * np.pi * f[1:]) * 1000 / np.sqrt(2)",
                "v[1:] = a[1:] / (2 * np.pi * f[1:]) * 1000",
            )
        },
    ),
]


def build():
    return lab_notebook(
        LAB_ID,
        title=TITLE,
        competencies=["SM.IDQ.7"],
        minutes=60,
        cells=[
            md("intro", INTRO),
            code("setup", "readonly", SETUP),
            md("task-resolution", TASK_RESOLUTION),
            code("answer-resolution", "answer", ANSWER_RESOLUTION),
            md("task-bearing", TASK_BEARING),
            code("answer-bearing", "answer", ANSWER_BEARING),
            md("task-spectrum", TASK_SPECTRUM),
            code("answer-spectrum", "answer", ANSWER_SPECTRUM),
            md("task-velocity", TASK_VELOCITY),
            code("answer-velocity", "answer", ANSWER_VELOCITY),
            md("task-envelope", TASK_ENVELOPE),
            code("answer-envelope", "answer", ANSWER_ENVELOPE),
            code("plot-spectra", "readonly", PLOT),
            code("test-shapes", "test", TEST),
            code("hidden-cases", "hidden-test", HIDDEN),
            md("wrap-up", WRAP),
        ],
        checks=CHECKS,
        pitfalls=PITFALLS,
    )


if __name__ == "__main__":
    write(build(), PITFALLS)
