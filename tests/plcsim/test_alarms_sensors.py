"""ISA-18.2 alarm states and sensor faults, alone and in the simulated line."""

from __future__ import annotations

import random
import statistics

import pytest

from plcsim.alarms import TRANSITIONS, Alarm, AlarmState, Priority
from plcsim.scenarios import scenario
from plcsim.sensors import Fault, Sensor
from plcsim.tags import Quality


def states(log):
    return [str(event.after) for event in log]


def test_alarm_lifecycle_with_delay_and_deadband():
    log = []
    alarm = Alarm("T.HI", "T", "HI", 50.0, Priority.HIGH, deadband=2.0, on_delay=3)
    for t, value in enumerate([49, 51, 51, 51, 51, 49.5, 47.9]):
        alarm.update(value, float(t), log)
    # Active only after 3 s above the setpoint; 49.5 is inside the deadband; 47.9 clears it.
    assert states(log) == ["unacknowledged", "rtn_unacknowledged"]
    assert log[0].time_s == 4.0
    alarm.acknowledge(7.0, log)
    assert alarm.state is AlarmState.NORMAL


def test_acknowledged_alarm_returns_to_normal_when_it_clears():
    log = []
    alarm = Alarm("P.LO", "P", "LO", 10.0)
    alarm.update(9.0, 0.0, log)
    alarm.acknowledge(1.0, log)
    alarm.update(11.0, 2.0, log)
    assert states(log) == ["unacknowledged", "acknowledged", "normal"]


def test_deadband_stops_chattering():
    noisy = [10.0 + (0.3 if i % 2 else -0.3) for i in range(100)]
    for deadband, expected in ((0.0, 50), (1.0, 1)):
        log = []
        alarm = Alarm("C.HI", "C", "HI", 10.0, deadband=deadband)
        for t, value in enumerate(noisy):
            alarm.update(value, float(t), log)
            alarm.acknowledge(float(t), log)
        assert states(log).count("unacknowledged") == expected


def test_shelving_hides_an_alarm_until_it_expires():
    log = []
    alarm = Alarm("L.HI", "L", "HI", 5.0)
    alarm.update(6.0, 0.0, log)
    alarm.shelve(1.0, 60.0, log)
    alarm.update(7.0, 30.0, log)  # still shelved: nothing happens
    alarm.update(7.0, 61.0, log)  # shelving over: back to normal, then active again
    assert states(log) == ["unacknowledged", "shelved", "normal", "unacknowledged"]
    with pytest.raises(ValueError):
        alarm.shelve(62.0, 0, log)


def test_bad_alarm_definitions_are_refused():
    with pytest.raises(ValueError, match="HI, HIHI, LO or LOLO"):
        Alarm("X", "X", "HIGH", 1.0)
    with pytest.raises(ValueError, match="negative"):
        Alarm("X", "X", "HI", 1.0, deadband=-1)


def test_sensor_faults():
    rng = random.Random(1)
    sensor = Sensor(
        "S",
        "degC",
        0,
        100,
        noise_sd=0.0,
        faults=[
            Fault("stuck", 10, 20),
            Fault("dropout", 30, 40),
            Fault("drift", 50, 3650, size=3.6),
        ],
    )
    assert sensor.read(42.0, 5, rng) == (pytest.approx(42.0, abs=0.01), Quality.GOOD)
    first, _ = sensor.read(42.0, 10, rng)
    assert sensor.read(77.0, 15, rng) == (first, Quality.UNCERTAIN)  # stuck at the old value
    assert sensor.read(77.0, 35, rng) == (None, Quality.BAD)
    drifted, _ = sensor.read(42.0, 50 + 1800, rng)
    assert drifted == pytest.approx(43.8, abs=0.01)  # half an hour at 3.6 per hour
    value, _ = sensor.read(150.0, 5000, rng)
    assert value == 100.0  # clamped to the range, as an analog input saturates
    with pytest.raises(ValueError):
        Fault("melt", 0, 1)


def test_line_alarm_history_follows_isa_18_2_and_sensors_show_their_faults():
    line = scenario("packaging-line", seed=9)
    line.run(8 * 3600)
    assert line.alarm_log, "an 8-hour shift raises alarms"
    last = {}
    for event in line.alarm_log:
        assert event.before == last.get(event.alarm, AlarmState.NORMAL)
        assert (event.before, event.after) in TRANSITIONS
        last[event.alarm] = event.after
    chatter = sum(1 for e in line.alarm_log if e.alarm == "Infeed.MotorCurrent.HI")
    assert chatter > 10 * sum(1 for e in line.alarm_log if e.alarm == "Filler.BowlLevel.LO")
    columns = line.sensor_log.columns
    qualities = {(tag, q) for tag, q in zip(columns["tag"], columns["quality"], strict=True)}
    assert ("Filler/BowlLevel", "uncertain") in qualities  # the stuck level sensor
    assert ("Capper/Vibration", "bad") in qualities  # the dropout
    temps = [
        v
        for tag, v in zip(columns["tag"], columns["value"], strict=True)
        if tag == "Filler/ProductTemp"
    ]
    assert max(temps) - statistics.fmean(temps) > 1.5  # the drift shows
