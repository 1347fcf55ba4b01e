"""Writes labs/lab-modbus-decoding.ipynb: decoding Modbus registers.

Run from the repository root:  .venv/bin/python labs/src/lab-modbus-decoding.py
"""

# ruff: noqa: E501 - markdown tables in the notebook text are one line per row

from __future__ import annotations

from _notebook import Pitfall, code, lab_notebook, md, swap, write

LAB_ID = "lab-modbus-decoding"


INTRO = r"""
# Decoding Modbus registers

**Competencies:** SM.NET.1 *Read Modbus registers* · SM.SEC.1 *Explain OT security
principles* · about 50 minutes.

The Riverbend Filler has a small PLC that a new energy dashboard must read over **Modbus TCP**
(port 502). Modbus moves bare 16-bit registers: the meaning of every number is in the device
manual. Your job is to turn the registers into engineering values, find the word order of a
power meter whose manual is lost, compute bottle counts from a counter that wraps, and look at
captured traffic with a security eye.

You will:

1. convert manual references (40001, 30012, …) to function codes and wire addresses, and
   build a read request frame byte by byte;
2. decode scaled, signed and bit-field 16-bit registers;
3. decode UINT32 and FLOAT32 values spread over two registers, in both word orders;
4. compute counter deltas across a 16-bit rollover;
5. read a capture of Modbus traffic and list every write the PLC received.

Every learner's registers come from their own seed (`SHOPFLOOR_SEED`).

> **Note.** There is no real network here: the "device" is a Python list of the register
> values a Modbus client would receive. Never practise writes on live equipment.

### The Filler PLC's register map (unit id 1)

| Manual ref | Description | Data type | Scale / unit |
| --- | --- | --- | --- |
| 40001 | Product temperature | INT16 | ×0.1 °C |
| 40002 | Glycol outlet temperature | INT16 | ×0.1 °C |
| 40003 | Bowl level | UINT16 | ×0.01 % |
| 40004 | Status word | 16 bits | bit 0 Running, 1 Faulted, 2 Guard door open, 3 Bowl level low, 4 CIP active, 5 Remote control |
| 40005 | Speed setpoint | UINT16 | bottles/min |
| 40006–40007 | Bottles filled, total | UINT32, high word first | bottles |
| 40008–40009 | Fill volume setpoint | FLOAT32, high word first ("ABCD") | mL |
| 40010–40011 | Energy, total | FLOAT32, **low word first** ("CDAB") | kWh |
| 40012 | Heartbeat | UINT16, +1 every second | – |
| 40013 | Fill correction, valve 1 | INT16 | ×0.01 mL |
| 40014 | Bottle counter | UINT16, wraps at 65,535 | bottles |
"""

SETUP = r"""
import random
import struct

import matplotlib.pyplot as plt
import numpy as np


def _split(fmt, value, order="ABCD"):
    # Pack a 32-bit value big-endian and cut it into two 16-bit registers.
    high, low = struct.unpack(">HH", struct.pack(fmt, value))
    return [high, low] if order == "ABCD" else [low, high]


def _devices(seed):
    # The register images a Modbus client would read; the values themselves stay in here.
    rng = random.Random(seed)
    filler = [0] * 14                                             # 40001-40014
    filler[0] = round(rng.uniform(18.0, 24.0) * 10)               # INT16 x0.1 degC
    filler[1] = round(rng.uniform(-6.0, -1.0) * 10) % 2**16       # negative: two's complement
    filler[2] = round(rng.uniform(35.0, 85.0) * 100)              # UINT16 x0.01 %
    filler[3] = sum(1 << bit for bit in range(6) if rng.random() < 0.45)
    filler[4] = rng.randint(95, 120)
    filler[5:7] = _split(">I", rng.randint(200_000, 3_000_000))
    filler[7:9] = _split(">f", rng.choice([330.0, 500.0, 750.0]) + round(rng.uniform(-2, 2), 1))
    filler[9:11] = _split(">f", rng.uniform(1_000, 90_000), "CDAB")
    filler[11] = rng.randrange(2**16)
    filler[12] = round(rng.uniform(-1.5, 1.5) * 100) % 2**16
    filler[13] = rng.randint(64_300, 65_400)
    # A power meter whose manual is lost: FLOAT32 voltage L1-L2 (V) at 30001-30002 and
    # frequency (Hz) at 30003-30004, in one word order that you must find.
    order = rng.choice(["ABCD", "CDAB"])
    meter = _split(">f", rng.uniform(396.0, 412.0), order)
    meter += _split(">f", rng.uniform(49.9, 50.1), order)
    # The bottle counter (40014) polled every 30 s for 30 minutes, with a stop in the middle.
    stop = range(rng.randint(15, 30), rng.randint(35, 45))  # at most 30 polls
    polls = [filler[13]]
    for i in range(1, 60):
        polls.append((polls[-1] + (0 if i in stop else rng.randint(45, 60))) % 2**16)
    return filler, meter, polls, rng


holding, meter, counter_polls, _rng = _devices(SHOPFLOOR_SEED)
print("Filler holding registers 40001-40014:")
for i, word in enumerate(holding):
    print(f"  {40001 + i}  0x{word:04X}  {word:>6}")
print("Power meter input registers 30001-30004:", [f"0x{w:04X}" for w in meter])
print("Bottle counter polls (first ten):", counter_polls[:10])
"""

TASK_ADDR = r"""
## 1. Addresses and a request on the wire

Manuals give **reference numbers** that count from 1 and encode the table in the first digit:
`0xxxx` coils (read with function code 1), `1xxxx` discrete inputs (FC 2), `3xxxx` input
registers (FC 4), `4xxxx` holding registers (FC 3). On the wire the address counts from **0**.
So 40108 is FC 3, address 107, and 00017 (just `17` as a Python int) is FC 1, address 16.

1. Write `wire_address(reference)` that returns a tuple `(function_code, address)` for any
   5-digit reference (`1`–`9999`, `10001`–`19999`, `30001`–`39999`, `40001`–`49999`).
2. Write `read_request(transaction_id, unit_id, reference, quantity)` that returns the Modbus
   TCP request as `bytes`: the 7-byte MBAP header (transaction id, protocol id 0, length = the
   number of bytes that follow the length field, unit id) then the PDU (function code,
   start address, quantity). Every field is big-endian; `struct.pack(">HHHBBHH", ...)` does it.

The lesson's example: reading 40108–40109 from unit 1 with transaction 1 is
`00 01 00 00 00 06 01 03 00 6B 00 02`.
"""

ANSWER_ADDR = r"""
# wire_address(reference) -> (function_code, address)
# read_request(transaction_id, unit_id, reference, quantity) -> bytes
### BEGIN SOLUTION
def wire_address(reference):
    table, offset = divmod(reference, 10_000)
    function_code = {0: 1, 1: 2, 3: 4, 4: 3}[table]
    return function_code, offset - 1


def read_request(transaction_id, unit_id, reference, quantity):
    function_code, address = wire_address(reference)
    return struct.pack(">HHHBBHH", transaction_id, 0, 6, unit_id, function_code, address, quantity)
### END SOLUTION
print(wire_address(40108), read_request(1, 1, 40108, 2).hex(" "))
"""

TASK_16 = r"""
## 2. Sixteen-bit values: scaled, signed and bits

`holding[0]` is register 40001, `holding[1]` is 40002, and so on (list index = wire address).
A register is 16 bits. As **INT16** (two's complement) any value of 32,768 or more stands for
`value - 65536`.

1. Write `to_signed(word)` for one 16-bit register.
2. Decode, as floats in engineering units: `product_temp_c` (40001), `glycol_temp_c` (40002),
   `bowl_level_pct` (40003), `speed_setpoint_bpm` (40005) and `fill_correction_ml` (40013).
3. Make `status_on`: the list of the names of the status bits (40004) that are 1, using the
   names in `STATUS_BITS` below (bit 0 first).
"""

ANSWER_16 = r"""
STATUS_BITS = [
    "Running", "Faulted", "Guard door open", "Bowl level low", "CIP active", "Remote control"
]
# to_signed(word); product_temp_c, glycol_temp_c, bowl_level_pct, speed_setpoint_bpm,
# fill_correction_ml; status_on = [names of the bits that are set]
### BEGIN SOLUTION
def to_signed(word):
    return word - 2**16 if word >= 2**15 else word


product_temp_c = to_signed(holding[0]) * 0.1
glycol_temp_c = to_signed(holding[1]) * 0.1
bowl_level_pct = holding[2] * 0.01
speed_setpoint_bpm = float(holding[4])
fill_correction_ml = to_signed(holding[12]) * 0.01
status_on = [name for bit, name in enumerate(STATUS_BITS) if holding[3] >> bit & 1]
### END SOLUTION
print(f"product {product_temp_c:.1f} degC, glycol {glycol_temp_c:.1f} degC, "
      f"bowl {bowl_level_pct:.2f} %, speed setpoint {speed_setpoint_bpm:.0f} bpm, "
      f"correction {fill_correction_ml:+.2f} mL")
print(f"status word 0b{holding[3]:016b}:", status_on)
"""

TASK_32 = r"""
## 3. Thirty-two-bit values and word order

A UINT32 or FLOAT32 needs two registers, and Modbus does not say which comes first. With
"ABCD" (high word first) the first register holds the high 16 bits; with "CDAB" (word-swapped)
the first register holds the low 16 bits. Inside each register the bytes are always big-endian.

1. Write `uint32(first, second, order="ABCD")` and `float32(first, second, order="ABCD")`,
   where `first` and `second` are the registers in address order. Hint:
   `struct.unpack(">f", struct.pack(">HH", high, low))[0]`.
2. Decode from the Filler map: `bottles_total` (40006–40007, an `int`), `fill_setpoint_ml`
   (40008–40009) and `energy_kwh` (40010–40011, low word first).
3. The power meter (`meter`, input registers 30001–30004) holds the L1-L2 voltage of a 400 V
   supply and the 50 Hz grid frequency, but nobody knows its word order. Decode both values
   in both orders, set `meter_word_order` to `"ABCD"` or `"CDAB"` (the order that gives
   plausible values), and set `meter_voltage_v` and `meter_frequency_hz` with it.
"""

ANSWER_32 = r"""
# uint32(first, second, order="ABCD"), float32(first, second, order="ABCD");
# bottles_total, fill_setpoint_ml, energy_kwh; meter_word_order, meter_voltage_v, meter_frequency_hz
### BEGIN SOLUTION
def _high_low(first, second, order):
    return (first, second) if order == "ABCD" else (second, first)


def uint32(first, second, order="ABCD"):
    high, low = _high_low(first, second, order)
    return high << 16 | low


def float32(first, second, order="ABCD"):
    return struct.unpack(">f", struct.pack(">HH", *_high_low(first, second, order)))[0]


bottles_total = uint32(holding[5], holding[6])
fill_setpoint_ml = float32(holding[7], holding[8])
energy_kwh = float32(holding[9], holding[10], "CDAB")

for order in ("ABCD", "CDAB"):
    volts, hertz = float32(*meter[0:2], order), float32(*meter[2:4], order)
    print(f"{order}: voltage {volts:.6g} V, frequency {hertz:.6g} Hz")
    if 300 < volts < 500 and 45 < hertz < 65:
        meter_word_order, meter_voltage_v, meter_frequency_hz = order, volts, hertz
### END SOLUTION
print(f"bottles {bottles_total:,}, fill setpoint {fill_setpoint_ml:.1f} mL, "
      f"energy {energy_kwh:,.1f} kWh")
print(f"meter: {meter_word_order}, {meter_voltage_v:.1f} V, {meter_frequency_hz:.3f} Hz")
"""

TEST_DECODE = r"""
# Self-check with the lesson's examples.
assert wire_address(40108) == (3, 107) and wire_address(30012) == (4, 11)
assert wire_address(17) == (1, 16)
assert read_request(1, 1, 40108, 2) == bytes.fromhex("0001 0000 0006 01 03 006B 0002")
assert to_signed(0xFFE7) == -25 and to_signed(0x7FFF) == 32767
assert float32(0x43FC, 0x8000) == 505.0 and float32(0x8000, 0x43FC, "CDAB") == 505.0
assert uint32(0x0001, 0x86A0) == 100_000 and uint32(0x86A0, 0x0001, "CDAB") == 100_000
assert isinstance(bottles_total, int) and meter_word_order in ("ABCD", "CDAB")
print("The lesson's examples decode correctly.")
"""

TASK_COUNTER = r"""
## 4. A counter that wraps

`counter_polls` holds register 40014, the Filler's 16-bit bottle counter, read every 30 s for
30 minutes (60 readings). It wraps from 65,535 to 0 during the window, and the Filler stopped
for a while.

Make `poll_deltas`: a list of the 59 bottle counts between consecutive polls (`int`s, with
modulo 65,536), and `bottles_in_window`: the bottles filled between the first and the last
poll. Plot the raw register and your cumulative count against time in minutes.
"""

ANSWER_COUNTER = r"""
# poll_deltas = [bottles between consecutive polls]; bottles_in_window; plot
### BEGIN SOLUTION
poll_deltas = [(after - before) % 2**16 for before, after in zip(counter_polls, counter_polls[1:])]
bottles_in_window = sum(poll_deltas)

minutes = np.arange(len(counter_polls)) * 0.5
fig, (raw_ax, sum_ax) = plt.subplots(1, 2, figsize=(10, 3.5))
raw_ax.plot(minutes, counter_polls, marker=".")
raw_ax.set_title("Register 40014 as polled")
raw_ax.set_xlabel("minutes")
raw_ax.set_ylabel("raw UINT16")
sum_ax.plot(minutes, np.concatenate([[0], np.cumsum(poll_deltas)]), marker=".", color="tab:green")
sum_ax.set_title("Bottles since the first poll (modulo deltas)")
sum_ax.set_xlabel("minutes")
sum_ax.set_ylabel("bottles")
plt.tight_layout()
plt.show()
### END SOLUTION
print(f"{bottles_in_window} bottles in 30 minutes; largest step {max(poll_deltas)}")
"""

TASK_TRAFFIC = r"""
## 5. What a capture shows: Modbus has no authentication

A mirror port on the packaging-network switch captured a few minutes of Modbus TCP traffic
to and from the Filler PLC (10.0.1.20). `capture` is a list of frames in the order they were
seen, each a dictionary with `src`, `dst` and the frame bytes in `hex`.

A Modbus TCP frame carries **no user, no password, no signature and no encryption**. The PLC
cannot tell the SCADA server from any laptop plugged into the network, and anyone who can
capture the traffic reads every value in the responses. Protection comes only from the
network around the device: zones, conduits and firewalls (IEC 62443).

A **Write Single Register** request (function code 6) is: MBAP header (7 bytes), function
code, register address (2 bytes), value (2 bytes). The PLC echoes the same frame back as its
response.

Make `writes`: a list, in capture order, of one tuple `(src, reference, value)` for every
FC 6 **request the PLC received** (frames whose `dst` is `PLC_IP`), where `reference` is the
manual number (`40001 + address`) and `value` the register value written. Which of those
writes came from somewhere other than the SCADA server?
"""

TRAFFIC = r"""
PLC_IP, SCADA_IP = "10.0.1.20", "10.0.1.10"


def _capture(rng):
    frames, transaction = [], rng.randrange(1, 500)
    writers = [SCADA_IP] + [f"10.0.1.{rng.randint(50, 250)}" for _ in range(rng.randint(1, 2))]
    rng.shuffle(writers)
    plan = ["read"] * rng.randint(4, 7) + ["write"] * len(writers)
    rng.shuffle(plan)
    for step in plan:
        transaction += 1
        if step == "read":  # SCADA polls 40001-40014; the PLC answers with every value
            request = struct.pack(">HHHBBHH", transaction, 0, 6, 1, 3, 0, 14)
            data = struct.pack(">14H", *holding)
            response = struct.pack(">HHHBBB", transaction, 0, 3 + len(data), 1, 3, len(data)) + data
        else:
            src = writers.pop()
            speed, correction = (4, rng.randint(60, 140)), (12, rng.randint(0, 2**16 - 1))
            address, value = rng.choice([speed, correction])
            request = response = struct.pack(">HHHBBHH", transaction, 0, 6, 1, 6, address, value)
        client = SCADA_IP if step == "read" else src
        frames.append({"src": client, "dst": PLC_IP, "hex": request.hex()})
        frames.append({"src": PLC_IP, "dst": client, "hex": response.hex()})
    return frames


capture = _capture(_rng)
for frame in capture[:4]:
    print(f"{frame['src']:>10} -> {frame['dst']:<10} {frame['hex']}")
print(f"... {len(capture)} frames in all")
"""

ANSWER_TRAFFIC = r"""
# writes = [(src, reference, value), ...] for every FC 6 request the PLC received
### BEGIN SOLUTION
writes = []
for frame in capture:
    raw = bytes.fromhex(frame["hex"])
    if frame["dst"] == PLC_IP and raw[7] == 6:
        address, value = struct.unpack(">HH", raw[8:12])
        writes.append((frame["src"], 40001 + address, value))
### END SOLUTION
for src, reference, value in writes:
    flag = "" if src == SCADA_IP else "   <- not the SCADA server"
    print(f"{src:>10} wrote {value} to {reference}{flag}")
"""

HIDDEN = r"""
def __try(function, *args):
    # One case: its plain result, or the error it raised (so one bad case spoils only itself).
    try:
        value = function(*args)
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    if isinstance(value, bytes):
        return value.hex()
    return list(value) if isinstance(value, tuple) else value


__address_cases = [__try(wire_address, r) for r in (40001, 40108, 30012, 17, 1, 10005, 49999)]
__frame_cases = [
    __try(read_request, *args)
    for args in ((1, 1, 40108, 2), (0x2A3B, 7, 30001, 10), (9, 0, 10005, 16))
]
__value_cases = [__try(to_signed, w) for w in (0, 1, 0x7FFF, 0x8000, 0xFF38, 0xFFFF)] + [
    __try(float32, 0x4148, 0x0000), __try(float32, 0x0000, 0xC2F6, "CDAB"),
    __try(uint32, 0xFFFF, 0x0001), __try(uint32, 0x0002, 0x0001, "CDAB")]
"""

WRAP = r"""
## Wrap-up

- The manual's reference number gives the **table** (function code) and, minus one, the
  **address** on the wire. An "illegal data address" exception usually means an off-by-one.
- A register is just 16 bits. The device manual says whether it is **signed**, **scaled**
  or a **bit field**, and for 32-bit values the **word order**: when a value is absurd
  (a 400 V supply reading 1e-38 V), swap the words first.
- Counters wrap: take `(after - before) % 65536` and poll far more often than the counter
  can wrap.
- **Security (SM.SEC.1):** nothing in a Modbus TCP frame identifies or authenticates the
  sender, and nothing is encrypted. Any host that reaches port 502 can read every value and
  write any setpoint, as the capture showed. Keep Modbus devices inside a protected zone,
  allow only the systems that need them through the conduit, and watch for writes from
  unexpected addresses. Modbus/TCP Security (TLS, port 802) exists but few devices support it.

When every self-check passes, submit the notebook for grading.
"""

CHECKS = [
    {
        "id": "functions",
        "points": 2,
        "visible": False,
        "description": "wire_address(), read_request(), to_signed(), uint32() and float32() "
        "on more cases",
        "observe": "__address_cases + __frame_cases + __value_cases",
        "compare": "equal",
        "hint": "Reference // 10000 gives the table (0 coil FC1, 1 discrete input FC2, 3 input "
        "register FC4, 4 holding register FC3) and the address is reference % 10000 - 1; the "
        "MBAP length of a read request is 6. INT16 values of 0x8000 and more are negative.",
    },
    {
        "id": "values-16bit",
        "points": 2,
        "description": "scaled and signed 16-bit values: product temp, glycol temp, bowl level, "
        "speed setpoint, fill correction",
        "observe": "[float(product_temp_c), float(glycol_temp_c), float(bowl_level_pct), "
        "float(speed_setpoint_bpm), float(fill_correction_ml)]",
        "compare": "close",
        "tolerance": 1e-6,
        "hint": "Convert INT16 registers with to_signed() before scaling: a glycol reading of "
        "0xFFE7 is -25, so -2.5 degC. Bowl level is x0.01, temperatures x0.1.",
    },
    {
        "id": "status-bits",
        "points": 1,
        "description": "names of the status bits that are set (status_on)",
        "observe": "list(status_on)",
        "compare": "set",
        "hint": "Bit n is set when (holding[3] >> n) & 1 == 1; bit 0 is 'Running'.",
    },
    {
        "id": "values-32bit",
        "points": 2,
        "description": "32-bit values: bottles total, fill setpoint, energy (low word first)",
        "observe": "[int(bottles_total), float(fill_setpoint_ml), float(energy_kwh)]",
        "compare": "close",
        "tolerance": 1e-5,
        "hint": "High word first: (first << 16) | second. For the energy, 40010 holds the LOW "
        "word, so swap the two registers before struct.unpack('>f', ...).",
    },
    {
        "id": "meter",
        "points": 2,
        "visible": False,
        "description": "the power meter's word order, voltage and frequency",
        "observe": "[meter_word_order, float(meter_voltage_v), float(meter_frequency_hz)]",
        "compare": "close",
        "tolerance": 1e-5,
        "hint": "Decode the meter in both orders: only one gives about 400 V and about 50 Hz.",
    },
    {
        "id": "counter-deltas",
        "points": 2,
        "description": "bottles between polls and in the whole window (poll_deltas, "
        "bottles_in_window)",
        "observe": "[int(d) for d in poll_deltas] + [int(bottles_in_window)]",
        "compare": "equal",
        "hint": "Each delta is (after - before) % 65536; a stopped filler gives 0, and the step "
        "across the wrap must still be a small positive number.",
    },
    {
        "id": "writes",
        "points": 2,
        "description": "every Write Single Register request the PLC received (writes)",
        "observe": "[list(w) for w in writes]",
        "compare": "equal",
        "hint": "Keep frames with dst == PLC_IP and function code byte raw[7] == 6; the address "
        "is raw[8:10] and the value raw[10:12], both big-endian. The reference is 40001 + address.",
    },
]

PITFALLS = [
    Pitfall(
        "int16-as-unsigned",
        "Scales the signed INT16 registers (temperatures, fill correction) as unsigned: a "
        "glycol temperature below zero reads as about 6,550 degC.",
        {
            "answer-16bit": swap(
                swap(
                    swap(ANSWER_16, "to_signed(holding[0]) * 0.1", "holding[0] * 0.1"),
                    "to_signed(holding[1]) * 0.1",
                    "holding[1] * 0.1",
                ),
                "to_signed(holding[12]) * 0.01",
                "holding[12] * 0.01",
            )
        },
    ),
    Pitfall(
        "counter-without-modulo",
        "Takes plain differences of the polled 16-bit counter: the step across the rollover "
        "comes out about -65,500.",
        {
            "answer-counter": swap(
                ANSWER_COUNTER,
                "poll_deltas = [(after - before) % 2**16 ",
                "poll_deltas = [after - before ",
            )
        },
    ),
]


def build():
    return lab_notebook(
        LAB_ID,
        title="Decoding Modbus registers",
        competencies=["SM.NET.1", "SM.SEC.1"],
        minutes=50,
        cells=[
            md("intro", INTRO),
            code("setup", "readonly", SETUP),
            md("task-addressing", TASK_ADDR),
            code("answer-addressing", "answer", ANSWER_ADDR),
            md("task-16bit", TASK_16),
            code("answer-16bit", "answer", ANSWER_16),
            md("task-32bit", TASK_32),
            code("answer-32bit", "answer", ANSWER_32),
            code("test-decoding", "test", TEST_DECODE),
            md("task-counter", TASK_COUNTER),
            code("answer-counter", "answer", ANSWER_COUNTER),
            md("task-traffic", TASK_TRAFFIC),
            code("traffic", "readonly", TRAFFIC),
            code("answer-traffic", "answer", ANSWER_TRAFFIC),
            code("hidden-cases", "hidden-test", HIDDEN),
            md("wrap-up", WRAP),
        ],
        checks=CHECKS,
        pitfalls=PITFALLS,
    )


if __name__ == "__main__":
    write(build(), PITFALLS)
