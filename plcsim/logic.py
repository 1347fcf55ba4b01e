"""What a learner's logic gets besides ``io``: its memory (``mem``) and its function
block instances (``fb``), both kept from scan to scan for one run of one logic."""

from __future__ import annotations

from typing import Any

from plcsim.blocks import (
    BLOCKS,
    CTD,
    CTU,
    CTUD,
    F_TRIG,
    R_TRIG,
    RS,
    SR,
    TOF,
    TON,
    TP,
    FunctionBlock,
    Scan,
)


class Memory:
    """The logic's own variables, kept from scan to scan (the ``mem`` argument).

    ``mem.init(step=0, filling=False)`` gives variables their initial values at the first
    scan and does nothing later (ST's ``VAR step : INT := 0; END_VAR``); ``mem.step = 2``
    sets one. Reading a variable that has no value yet is an error, as an undeclared
    variable is in ST.
    """

    def init(self, **values: Any) -> None:
        for name, value in values.items():
            self.__dict__.setdefault(name, value)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        raise AttributeError(
            f"mem.{name} has no value yet: give it one first, e.g. mem.init({name}=False)"
        )

    def __repr__(self) -> str:
        return f"Memory({', '.join(f'{k}={v!r}' for k, v in self.__dict__.items())})"


class Blocks:
    """The function-block instances of one run of a learner's logic (the ``fb`` argument).

    ``fb.TON("fill_time", IN=..., PT=4.5)`` declares the instance named "fill_time" at its
    first use (ST's ``VAR FillTime : TON; END_VAR``), calls it with the inputs, if any are
    given, and returns it; later scans get the same instance back. ``fb["fill_time"]``
    reads an instance without calling it. ``fb.scan`` is the scan clock.
    """

    def __init__(self, scan: Scan) -> None:
        self.scan = scan
        self._instances: dict[str, FunctionBlock] = {}

    def __getitem__(self, name: str) -> FunctionBlock:
        try:
            return self._instances[name]
        except KeyError:
            known = ", ".join(sorted(self._instances)) or "none yet"
            raise KeyError(f"no function block named {name!r} (declared: {known})") from None

    def __contains__(self, name: str) -> bool:
        return name in self._instances

    def _get(self, kind: str, name: str, inputs: dict[str, Any]) -> Any:
        if not isinstance(name, str) or not name:
            raise TypeError(f"fb.{kind}(name, ...) needs the instance's name first, a string")
        block = self._instances.get(name)
        if block is None:
            block = self._instances[name] = BLOCKS[kind](self.scan)
        elif type(block).__name__ != kind:
            raise TypeError(f"{name!r} is a {type(block).__name__}, not a {kind}")
        return block(**inputs) if inputs else block

    def TON(self, name: str, **inputs: Any) -> TON:
        return self._get("TON", name, inputs)

    def TOF(self, name: str, **inputs: Any) -> TOF:
        return self._get("TOF", name, inputs)

    def TP(self, name: str, **inputs: Any) -> TP:
        return self._get("TP", name, inputs)

    def CTU(self, name: str, **inputs: Any) -> CTU:
        return self._get("CTU", name, inputs)

    def CTD(self, name: str, **inputs: Any) -> CTD:
        return self._get("CTD", name, inputs)

    def CTUD(self, name: str, **inputs: Any) -> CTUD:
        return self._get("CTUD", name, inputs)

    def R_TRIG(self, name: str, **inputs: Any) -> R_TRIG:
        return self._get("R_TRIG", name, inputs)

    def F_TRIG(self, name: str, **inputs: Any) -> F_TRIG:
        return self._get("F_TRIG", name, inputs)

    def SR(self, name: str, **inputs: Any) -> SR:
        return self._get("SR", name, inputs)

    def RS(self, name: str, **inputs: Any) -> RS:
        return self._get("RS", name, inputs)
