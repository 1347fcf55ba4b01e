"""Alarms with the ISA-18.2 state model: active, acknowledged, returned to normal, shelved.

Each alarm watches one value with a setpoint, a deadband (so it does not chatter on noise)
and on/off delays, and records every state change in an alarm log a historian would keep.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum

from plcsim.tags import Quality


class AlarmState(StrEnum):
    NORMAL = "normal"
    UNACKNOWLEDGED = "unacknowledged"  # active, not acknowledged
    ACKNOWLEDGED = "acknowledged"  # active, acknowledged
    RTN_UNACKNOWLEDGED = "rtn_unacknowledged"  # returned to normal, not yet acknowledged
    SHELVED = "shelved"


class Priority(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    URGENT = "urgent"


# Legal state changes, for checking any generated alarm history.
TRANSITIONS = {
    (AlarmState.NORMAL, AlarmState.UNACKNOWLEDGED),
    (AlarmState.UNACKNOWLEDGED, AlarmState.ACKNOWLEDGED),
    (AlarmState.UNACKNOWLEDGED, AlarmState.RTN_UNACKNOWLEDGED),
    (AlarmState.ACKNOWLEDGED, AlarmState.NORMAL),
    (AlarmState.RTN_UNACKNOWLEDGED, AlarmState.NORMAL),
    (AlarmState.RTN_UNACKNOWLEDGED, AlarmState.UNACKNOWLEDGED),
    *((state, AlarmState.SHELVED) for state in AlarmState if state is not AlarmState.SHELVED),
    (AlarmState.SHELVED, AlarmState.NORMAL),
}


@dataclass(frozen=True)
class AlarmEvent:
    time_s: float
    alarm: str
    before: AlarmState
    after: AlarmState
    value: float | None  # None when the reading was missing (a sensor dropout)
    priority: Priority
    message: str
    quality: Quality = Quality.GOOD  # the quality of the reading logged in value


@dataclass
class Alarm:
    id: str  # e.g. "Filler.ProductTemp.HI"
    tag: str
    kind: str  # HI, HIHI, LO, LOLO
    setpoint: float
    priority: Priority = Priority.MEDIUM
    deadband: float = 0.0
    on_delay: float = 0.0
    off_delay: float = 0.0
    message: str = ""
    state: AlarmState = AlarmState.NORMAL
    active: bool = False
    shelved_until: float | None = None
    _pending_since: float | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.kind not in ("HI", "HIHI", "LO", "LOLO"):
            raise ValueError(f"alarm kind must be HI, HIHI, LO or LOLO, not {self.kind!r}")
        if not all(x >= 0 for x in (self.deadband, self.on_delay, self.off_delay)):  # and NaN
            raise ValueError("deadband and delays cannot be negative")

    def _beyond(self, value: float, margin: float) -> bool:
        if self.kind in ("HI", "HIHI"):
            return value > self.setpoint - margin
        return value < self.setpoint + margin

    def update(
        self, value: float, now: float, log: list[AlarmEvent], quality: Quality = Quality.GOOD
    ) -> None:
        """Evaluate the alarm condition at *now* (seconds), applying deadband and delays."""
        if self.state is AlarmState.SHELVED:
            if self.shelved_until is not None and now >= self.shelved_until:
                self._move(AlarmState.NORMAL, now, value, log, quality)
                self.active = False
            else:
                return
        # Becoming active needs the setpoint crossed; clearing needs it left by the deadband.
        condition = (
            self._beyond(value, 0.0) if not self.active else self._beyond(value, self.deadband)
        )
        if condition == self.active:
            self._pending_since = None
            return
        self._pending_since = now if self._pending_since is None else self._pending_since
        delay = self.on_delay if condition else self.off_delay
        if now - self._pending_since < delay:
            return
        self._pending_since = None
        self.active = condition
        if condition:
            if self.state in (AlarmState.NORMAL, AlarmState.RTN_UNACKNOWLEDGED):
                self._move(AlarmState.UNACKNOWLEDGED, now, value, log, quality)
        elif self.state is AlarmState.UNACKNOWLEDGED:
            self._move(AlarmState.RTN_UNACKNOWLEDGED, now, value, log, quality)
        elif self.state is AlarmState.ACKNOWLEDGED:
            self._move(AlarmState.NORMAL, now, value, log, quality)

    def acknowledge(
        self,
        now: float,
        log: list[AlarmEvent],
        value: float | None = None,
        quality: Quality = Quality.GOOD,
    ) -> None:
        """The operator acknowledges; *value* is the reading then (None if there is none)."""
        if value is None:
            quality = Quality.BAD
        if self.state is AlarmState.UNACKNOWLEDGED:
            self._move(AlarmState.ACKNOWLEDGED, now, value, log, quality)
        elif self.state is AlarmState.RTN_UNACKNOWLEDGED:
            self._move(AlarmState.NORMAL, now, value, log, quality)

    def shelve(self, now: float, seconds: float, log: list[AlarmEvent]) -> None:
        if not seconds > 0:
            raise ValueError("shelve for a positive number of seconds")
        if self.state is not AlarmState.SHELVED:
            self._move(AlarmState.SHELVED, now, 0.0, log)
        self.shelved_until = now + seconds

    def _move(
        self,
        after: AlarmState,
        now: float,
        value: float | None,
        log: list[AlarmEvent],
        quality: Quality = Quality.GOOD,
    ) -> None:
        log.append(
            AlarmEvent(now, self.id, self.state, after, value, self.priority, self.message, quality)
        )
        self.state = after


def to_dataframe(events: list[AlarmEvent]):
    import pandas as pd  # only here, so the simulator runs without pandas

    return pd.DataFrame(
        [
            {
                "time_s": e.time_s,
                "alarm": e.alarm,
                "before": str(e.before),
                "after": str(e.after),
                "value": math.nan if e.value is None else e.value,
                "priority": str(e.priority),
                "message": e.message,
                "quality": str(e.quality),
            }
            for e in events
        ]
    )
