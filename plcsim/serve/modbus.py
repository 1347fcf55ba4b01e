"""The live tag table as a Modbus TCP server (pymodbus), laid out by plcsim.registers.

pymodbus keeps four register blocks (coils, discrete inputs, holding and input registers);
a request hook copies the latest image into the block being read, so every answer shows
the line as of its last scan. Only the command registers accept writes.
"""

from __future__ import annotations

import logging

from pymodbus.constants import ExcCodes
from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

from plcsim.packml import Command
from plcsim.registers import CLOCK_ADDRESS, QUALITY_BASE, VALUE_BASE
from plcsim.serve import Address, LiveLine, ServeError

logger = logging.getLogger(__name__)

READ_BITS = {1, 2}  # read coils, read discrete inputs
WRITE_REGISTERS = {6, 16, 22, 23}  # write single, write multiple, mask write, read/write
COMMANDS = {int(command) for command in Command if command is not Command.UNDEFINED}


class ModbusServer:
    def __init__(self, live: LiveLine) -> None:
        self.live = live
        self.commands = {address: unit for unit, address in live.map.commands}
        self._registers: list[tuple[int, int]] = []
        self._bit_words: list[int] = []
        self._server: ModbusTcpServer | None = None
        self._refresh()

    def _device(self) -> SimDevice:
        regmap = self.live.map
        blocks = [  # (first address, registers); addresses between blocks are illegal
            (CLOCK_ADDRESS, 3),
            (VALUE_BASE, regmap.value_end - VALUE_BASE),
            (QUALITY_BASE, len(regmap.entries)),
        ]
        registers = [
            SimData(start, count=count, datatype=DataType.REGISTERS, readonly=True)
            for start, count in blocks
            if count
        ]
        holding = list(registers)
        if self.commands:
            start = min(self.commands)
            holding.append(SimData(start, count=len(self.commands), datatype=DataType.REGISTERS))

        def bits() -> list[SimData]:
            return [
                SimData(0, values=[False] * regmap.bit_end, datatype=DataType.BITS, readonly=True)
            ]

        # (coils, discrete inputs, holding registers, input registers); id 0 answers any unit id
        return SimDevice(0, simdata=(bits(), bits(), holding, registers), action=self._action)

    async def start(self, address: Address) -> Address:
        """Listen on *address*; return the bound one (with the real port if 0 was asked)."""
        self._server = ModbusTcpServer(self._device(), address=(address.host, address.port))
        try:
            await self._server.serve_forever(background=True)
        except RuntimeError:  # pymodbus reports a failed bind so, and logs the OSError
            raise ServeError(f"Modbus: cannot listen on {address}; is the port in use?") from None
        port = self._server.transport.sockets[0].getsockname()[1]
        logger.info("Modbus TCP on %s:%s", address.host, port)
        return Address(address.host, port)

    async def publish(self) -> None:
        self._refresh()

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.shutdown()

    def _refresh(self) -> None:
        image = self.live.map.image(self.live.tags, self.live.line.clock)
        self._registers = sorted(image.registers.items())
        words = [0] * ((self.live.map.bit_end + 15) // 16)
        for address, bit in image.bits.items():
            if bit:
                words[address // 16] |= 1 << (address % 16)
        self._bit_words = words

    async def _action(
        self,
        function_code: int,
        start_address: int,
        address: int,
        count: int,
        registers: list[int],
        values: list[int] | list[bool] | None,
    ) -> ExcCodes | None:
        """Fill the block being read with the latest image; turn command writes into commands."""
        if values is not None:  # pymodbus does not guard read-only bits, so refuse here
            if function_code not in WRITE_REGISTERS:
                return ExcCodes.ILLEGAL_ADDRESS
            return self._write_commands(address, list(values))
        if function_code in READ_BITS:
            registers[: len(self._bit_words)] = self._bit_words  # 16 bits a word, bit 0 first
        else:
            for where, word in self._registers:
                registers[where - start_address] = word
        return None

    def _write_commands(self, address: int, values: list[int]) -> ExcCodes | None:
        units = [self.commands.get(address + i) for i in range(len(values))]
        if None in units:
            return ExcCodes.ILLEGAL_ADDRESS
        if any(value not in COMMANDS for value in values):
            return ExcCodes.ILLEGAL_VALUE
        for unit, value in zip(units, values, strict=True):
            logger.info("Modbus command %s to %s", Command(value).name, unit)
            self.live.command(unit, Command(value))
        return None
