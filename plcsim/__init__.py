"""plcsim: a deterministic simulated packaging line to learn smart manufacturing on.

A top-level package of its own: it imports nothing from Flask or from the Shopfloor app,
uses only the standard library (pandas only to export a DataFrame; numpy in
``plcsim.vibration``, the accelerometer signal generator, which the lab environment has),
and is importable inside the lab sandbox. The exception is ``plcsim.serve`` (``flask plcsim
serve``), which needs pymodbus and asyncua and is never imported by the rest of the
package. The same
seed and scenario give the same data on any machine.
"""

from plcsim.packml import Command, Mode, State, StateMachine
from plcsim.tags import Counter, Quality, Tag

__all__ = ["Command", "Counter", "Mode", "Quality", "State", "StateMachine", "Tag"]
__version__ = "0.1.0"
