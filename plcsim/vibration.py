"""Accelerometer records of a motor with a rolling-element bearing, for the vibration labs.

The packaging line has no vibration waveform (the capper's ``Vibration`` tag is an overall
value in mm/s), so this module stands alone. It is the one plcsim module that needs numpy,
which the lab environment has; it imports nothing else from plcsim.

The acceleration (m/s²) at the bearing housing is the sum of

- sines at 1× (unbalance) and 2× (misalignment) running speed and at twice the line
  frequency (the motor's electrical vibration), each given as a velocity in mm/s RMS, with
  random phases;
- white broadband noise;
- a bearing defect: an impact each time a rolling element passes a pit, each impact ringing
  a structural resonance of the housing (a damped sine). On the outer race the pit stands
  still in the load zone and every impact is as strong as the last; on the inner race it
  turns with the shaft, in and out of the load zone, so the impacts' strength is modulated
  at 1×. The elements slip: the impacts come a little later than the geometry says
  (``slip``) and each one is jittered in time.

The impacts carry their energy at the resonance, kilohertz above the velocity band, so the
defect shows in the envelope spectrum of a band around the resonance and hardly at all in
the plain spectrum or the overall velocity. ``Machine()``'s defaults are the example of the
lesson "The FFT for a technician" (industrial-data module 7), except the random streams.

The same seed, machine, sampling rate and length give the same record on any machine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

DEFECTS = ("outer", "inner")


@dataclass(frozen=True)
class Bearing:
    """A rolling bearing's geometry: elements, their diameter and the pitch circle (mm), and
    the contact angle in degrees."""

    balls: int
    ball_mm: float
    pitch_mm: float
    contact_deg: float = 0.0

    @property
    def ratio(self) -> float:
        """d/D · cos φ, the number every defect frequency is built from."""
        return self.ball_mm / self.pitch_mm * math.cos(math.radians(self.contact_deg))


def ftf(shaft_hz: float, bearing: Bearing) -> float:
    """Fundamental train (cage) frequency, Hz, with the outer ring still."""
    return shaft_hz / 2 * (1 - bearing.ratio)


def bsf(shaft_hz: float, bearing: Bearing) -> float:
    """Ball spin frequency, Hz (a pit on a ball strikes at twice this)."""
    return bearing.pitch_mm * shaft_hz / (2 * bearing.ball_mm) * (1 - bearing.ratio**2)


def bpfo(shaft_hz: float, bearing: Bearing) -> float:
    """Ball pass frequency of the outer race, Hz."""
    return bearing.balls * shaft_hz / 2 * (1 - bearing.ratio)


def bpfi(shaft_hz: float, bearing: Bearing) -> float:
    """Ball pass frequency of the inner race, Hz."""
    return bearing.balls * shaft_hz / 2 * (1 + bearing.ratio)


def defect_frequencies(shaft_hz: float, bearing: Bearing) -> dict[str, float]:
    """FTF, BSF, BPFO and BPFI in Hz, keyed by their lower-case names."""
    return {f.__name__: f(shaft_hz, bearing) for f in (ftf, bsf, bpfo, bpfi)}


# The lesson's filler motor bearing: geometry assumed for the example, not a maker's data.
LESSON_BEARING = Bearing(balls=9, ball_mm=7.94, pitch_mm=39.04, contact_deg=0.0)


@dataclass(frozen=True)
class Machine:
    """A motor and its bearing. Velocities in mm/s RMS, accelerations in m/s², ``defect``
    "outer", "inner" or None."""

    shaft_hz: float = 29.5
    bearing: Bearing = LESSON_BEARING
    unbalance_mm_s: float = 1.8  # at 1x
    misalignment_mm_s: float = 0.6  # at 2x
    line_hz: float = 60.0
    line_mm_s: float = 0.0  # at twice the line frequency
    noise_m_s2: float = 0.5  # RMS of the white noise
    defect: str | None = "outer"
    impact_m_s2: float = 2.0  # peak of one impact's ringing
    resonance_hz: float = 3100.0
    decay_per_s: float = 900.0  # the ringing falls as exp(-decay_per_s * t)
    slip: float = 0.0  # fraction by which the impacts come slower than the geometry says
    jitter_s: float = 2e-4  # standard deviation of each impact's time
    load_zone: float = 0.6  # inner race: share of the strength lost out of the load zone

    def impact_hz(self) -> float:
        """How many impacts a second the defect makes (slip included); 0 without a defect."""
        if self.defect is None:
            return 0.0
        rate = {"outer": bpfo, "inner": bpfi}[self.defect]
        return rate(self.shaft_hz, self.bearing) * (1 - self.slip)


def accelerometer(machine: Machine, *, fs: float, samples: int, seed: int) -> np.ndarray:
    """A record of *samples* accelerations (m/s²) sampled at *fs* Hz.

    The tones, the noise and the impacts draw from separate streams of *seed*, so the record
    of ``replace(machine, defect=None)`` with the same seed is this record less the impacts.
    Raises ValueError for a defect other than DEFECTS or a resonance above 0.4 fs.
    """
    if machine.defect not in (None, *DEFECTS):
        raise ValueError(f"defect must be one of {DEFECTS} or None, not {machine.defect!r}")
    if machine.resonance_hz > 0.4 * fs:
        raise ValueError("the resonance must lie well below the Nyquist frequency fs/2")
    tones_rng, noise_rng, impacts_rng = (
        np.random.default_rng(s) for s in np.random.SeedSequence([seed, 2031]).spawn(3)
    )
    t = np.arange(samples) / fs
    acc = np.zeros(samples)
    for f, v_rms in (
        (machine.shaft_hz, machine.unbalance_mm_s),
        (2 * machine.shaft_hz, machine.misalignment_mm_s),
        (2 * machine.line_hz, machine.line_mm_s),
    ):
        phase = tones_rng.uniform(0, 2 * np.pi)
        acc += v_rms / 1000 * math.sqrt(2) * 2 * np.pi * f * np.sin(2 * np.pi * f * t + phase)
    acc += noise_rng.normal(0.0, machine.noise_m_s2, samples)
    if machine.defect is not None:
        acc += _impacts(machine, fs, samples, impacts_rng)
    return acc


def _impacts(machine: Machine, fs: float, samples: int, rng: np.random.Generator) -> np.ndarray:
    """The defect's train of ringing impacts (m/s²)."""
    ring_s = 10 / machine.decay_per_s  # rung down to e^-10
    tau = np.arange(math.ceil(ring_s * fs)) / fs
    ring = np.exp(-machine.decay_per_s * tau) * np.sin(2 * np.pi * machine.resonance_hz * tau)
    period = 1 / machine.impact_hz()
    start = rng.uniform(0, period)
    hits = np.arange(start, samples / fs, period)
    hits = hits + rng.normal(0.0, machine.jitter_s, hits.size)
    strength = np.full(hits.size, machine.impact_m_s2)
    if machine.defect == "inner":  # the pit turns with the shaft through the load zone
        phase = rng.uniform(0, 2 * np.pi)
        swing = (1 - np.cos(2 * np.pi * machine.shaft_hz * hits + phase)) / 2
        strength *= 1 - machine.load_zone * swing
    index = np.round(hits * fs).astype(int)
    keep = (index >= 0) & (index < samples)
    pulses = np.zeros(samples)
    np.add.at(pulses, index[keep], strength[keep])
    return np.convolve(pulses, ring)[:samples]


# The lab's bearings: angular-contact geometries assumed for the exercise, not makers' data.
# Their BPFO and BPFI orders stay clear of whole orders and of twice the line frequency.
BEARINGS = {
    "B-12": Bearing(balls=12, ball_mm=9.525, pitch_mm=46.5, contact_deg=15.0),
    "B-11": Bearing(balls=11, ball_mm=11.1, pitch_mm=52.0, contact_deg=25.0),
    "B-13": Bearing(balls=13, ball_mm=8.73, pitch_mm=44.5, contact_deg=40.0),
    "B-08": Bearing(balls=8, ball_mm=12.7, pitch_mm=52.0, contact_deg=40.0),
}
SURVEY_SETUPS = ((12_800, 32_768), (12_800, 65_536), (25_600, 65_536))  # (fs Hz, samples)
RESOLUTIONS = (0.125, 0.25, 0.5)  # Hz: line spacings a survey may ask for


@dataclass(frozen=True)
class Survey:
    """One seeded route measurement: the data sheet, the analyser's settings, the machine."""

    seed: int
    rpm: int
    bearing_name: str
    fs: int
    samples: int
    wanted_resolution_hz: float
    machine: Machine

    def record(self) -> np.ndarray:
        """Today's accelerometer record, m/s²."""
        return accelerometer(self.machine, fs=self.fs, samples=self.samples, seed=self.seed)

    def earlier_record(self) -> np.ndarray:
        """The record of the same point three months ago, before the defect, m/s²."""
        healthy = replace(self.machine, defect=None)
        return accelerometer(healthy, fs=self.fs, samples=self.samples, seed=self.seed + 10**6)


def survey(seed: int) -> Survey:
    """The lab's measurement for *seed* (a non-negative integer).

    A four-pole motor on 50 or 60 Hz at 1 to 3.5 % slip (1,448 to 1,782 rpm), a bearing from
    BEARINGS, an outer-race defect in two seeds of three and an inner-race one otherwise.
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, 2030]))
    line_hz = int(rng.choice([50, 60]))
    rpm = round(line_hz * 60 / 2 * (1 - rng.uniform(0.01, 0.035)))
    bearing_name = str(rng.choice(sorted(BEARINGS)))
    fs, samples = SURVEY_SETUPS[int(rng.integers(len(SURVEY_SETUPS)))]
    defect = "inner" if rng.uniform() < 1 / 3 else "outer"
    machine = Machine(
        shaft_hz=rpm / 60,
        bearing=BEARINGS[bearing_name],
        unbalance_mm_s=round(float(rng.uniform(1.2, 3.0)), 2),
        misalignment_mm_s=round(float(rng.uniform(0.4, 1.2)), 2),
        line_hz=line_hz,
        line_mm_s=round(float(rng.uniform(0.15, 0.4)), 2),
        noise_m_s2=float(rng.uniform(0.35, 0.55)),
        defect=defect,
        impact_m_s2=float(rng.uniform(1.5, 2.5)),
        resonance_hz=float(rng.uniform(2_700, 3_700)),
        decay_per_s=float(rng.uniform(800, 1_100)),
        slip=float(rng.uniform(0.004, 0.012)),
        load_zone=float(rng.uniform(0.5, 0.7)),
    )
    return Survey(
        seed=seed,
        rpm=rpm,
        bearing_name=bearing_name,
        fs=fs,
        samples=samples,
        wanted_resolution_hz=float(rng.choice(RESOLUTIONS)),
        machine=machine,
    )
