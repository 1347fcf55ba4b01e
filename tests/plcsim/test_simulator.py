"""The simulated line: deterministic, PackML-valid, with counters that roll over."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from plcsim import Command, Counter, Mode, State, StateMachine
from plcsim.alarms import Alarm
from plcsim.machining import machining_cell
from plcsim.packml import IllegalCommand, is_legal
from plcsim.scenarios import scenario
from plcsim.sensors import Fault, Sensor

ROOT = Path(__file__).resolve().parents[2]
LAB_PYTHON = ROOT / ".venv-lab" / "bin" / "python"
SHIFT = 8 * 3600
NAN = float("nan")


def run_in_process(python: Path, seed: int, tmp_path: Path, name: str) -> str:
    """Simulate an hour in a separate interpreter and return the CSV's sha256."""
    out = tmp_path / f"{name}.csv"
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
        "from plcsim.scenarios import scenario\n"
        f"line = scenario('packaging-line', seed={seed})\n"
        f"line.run(3600).to_csv({str(out)!r})\n"
    )
    subprocess.run([str(python), "-c", code], check=True, timeout=120)
    return hashlib.sha256(out.read_bytes()).hexdigest()


def test_same_seed_same_data_across_processes_and_interpreters(tmp_path):
    first = run_in_process(Path(sys.executable), 11, tmp_path, "a")
    second = run_in_process(LAB_PYTHON, 11, tmp_path, "b")  # another venv, another process
    other = run_in_process(Path(sys.executable), 12, tmp_path, "c")
    assert first == second
    assert first != other


def test_every_recorded_state_change_is_a_packml_transition():
    line = scenario("packaging-line", seed=3)
    history = line.run(SHIFT).columns
    previous: dict[str, int] = {}
    changes = 0
    for unit, state in zip(history["unit"], history["state"], strict=True):
        before = previous.get(unit)
        if before is not None and before != state:
            changes += 1
            assert is_legal(State(before), State(state)), (unit, State(before), State(state))
        previous[unit] = state
    assert changes > 50  # start-up, micro-stops and faults all happened


def test_shift_produces_plausible_numbers():
    line = scenario("packaging-line", seed=5)
    line.run(SHIFT)
    filler = line.units["Filler"]
    assert 0.7 * 120 * 480 < filler.produced.total < 120 * 480  # below design speed, not far
    assert 0 < filler.defective.total < 0.03 * filler.produced.total
    tags = line.tags()
    kwh = tags["Riverbend/Packaging/Line1/Filler/Energy/kWh"].value
    co2 = tags["Riverbend/Packaging/Line1/Filler/Energy/CO2e"].value
    assert 20 < kwh < 7.5 * 8 and co2 == pytest.approx(kwh * 0.4, rel=1e-6)


def test_counters_roll_over_like_a_plc():
    counter = Counter(bits=16)
    counter.add(65_530)
    counter.add(10)
    assert (counter.count, counter.total) == (4, 65_540)
    assert Counter.delta(65_530, 4) == 10
    line = scenario("packaging-line", seed=1)
    line.run(SHIFT)
    infeed = line.units["Infeed"]
    assert infeed.produced.total > 0
    assert infeed.produced.count == infeed.produced.total % 65_536


def test_state_machine_rules():
    machine = StateMachine()
    with pytest.raises(IllegalCommand, match="START does nothing in STOPPED"):
        machine.command(Command.START)
    machine.command(Command.RESET)
    assert machine.state_complete() is State.IDLE
    machine.command(Command.START)
    machine.state_complete()
    machine.mode = Mode.MAINTENANCE
    with pytest.raises(IllegalCommand, match="maintenance"):
        machine.command(Command.SUSPEND)
    assert machine.command(Command.ABORT) is State.ABORTING
    with pytest.raises(IllegalCommand):
        machine.command(Command.STOP)  # nothing stops an abort


@pytest.mark.parametrize(
    "call,message",
    [
        (lambda: scenario("bottling-plant", seed=1), "unknown scenario 'bottling-plant'"),
        (lambda: scenario("packaging-line", seed=1).run(-5), "cannot be negative"),
        (lambda: scenario("packaging-line", seed=1, resolution=0), "resolution"),
        (
            lambda: scenario("packaging-line", seed=1).schedule(5, "Robot", Command.STOP),
            "unknown unit",
        ),
        (lambda: scenario("packaging-line", seed=1).schedule(-1, "Filler", Command.STOP), "before"),
        (lambda: scenario("packaging-line", seed=1, grid_kg_per_kwh=-1), "cannot be negative"),
        (lambda: scenario("packaging-line", seed="forty-two"), "seed must be an integer"),
        # NaN passes every "< 0" check: each of these used to be accepted, and run nothing.
        (lambda: scenario("packaging-line", seed=1).run(NAN), "cannot be negative or NaN"),
        (lambda: scenario("packaging-line", seed=1, resolution=NAN), "resolution"),
        (
            lambda: scenario("packaging-line", seed=1).schedule(NAN, "Filler", Command.STOP),
            "before the start",
        ),
        (lambda: scenario("packaging-line", seed=1).fault(60, "Filler", 101, NAN), "repair"),
        (
            lambda: scenario("packaging-line", seed=1).changeover(60, "Filler", NAN, product="x"),
            "positive number of minutes",
        ),
        (lambda: scenario("packaging-line", seed=1).shift_pattern([(NAN, 60)]), "shift must"),
        (lambda: Sensor("T", "degC", 0.0, NAN), "impossible range"),
        (lambda: Fault("drift", 10.0, NAN), "must end after"),
        (lambda: Alarm("A", "T", "HI", 50.0, on_delay=NAN), "cannot be negative"),
        (lambda: machining_cell(1, cycles=NAN), "cycles must be"),
    ],
)
def test_bad_input_is_a_clear_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_historian_exports_a_dataframe_in_the_lab_environment(tmp_path):
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
        "from plcsim.scenarios import scenario\n"
        "import pandas as pd\n"
        "from plcsim.historian import Historian\n"
        "historian = scenario('packaging-line', seed=2).run(600)\n"
        "frame = historian.to_dataframe()\n"
        "print(len(frame), sorted(set(frame.state_name)), list(frame.columns)[:3])\n"
        "# the typed export must equal what pandas infers from the lists\n"
        "pd.testing.assert_frame_equal(frame.drop(columns='state_name'), "
        "pd.DataFrame(historian.columns))\n"
        "empty = Historian().to_dataframe()\n"
        "assert empty.dtypes.drop('state_name').equals(frame.dtypes.drop('state_name'))\n"
        "print('same frame')\n"
    )
    out = subprocess.run(
        [str(LAB_PYTHON), "-c", code], check=True, capture_output=True, text=True, timeout=120
    ).stdout
    assert out.startswith("3000 ") and "'EXECUTE'" in out and "['time_s', 'unit', 'state']" in out
    assert out.endswith("same frame\n")
