"""The live tag table as an OPC UA server (asyncua), in the ISA-95 equipment hierarchy.

A tag ``Riverbend/Packaging/Line1/Filler/Status/CurMachSpeed`` becomes the variable
``CurMachSpeed`` in folder ``Status`` of the objects Riverbend (site) → Packaging (area) →
Line1 (line) → Filler (cell), under Objects. Its NodeId is the path as a string
(``ns=<NAMESPACE>;s=Riverbend/Packaging/Line1/Filler/Status/CurMachSpeed``); its status code
carries the tag's quality, and its source timestamp the simulated time (LiveLine.epoch plus
the tag's simulated seconds). No security: which is why the CLI binds to loopback by default.
"""

from __future__ import annotations

import logging
import math
import socket
from datetime import UTC, datetime, timedelta

from asyncua import Server, ua

from plcsim.registers import Kind
from plcsim.serve import Address, LiveLine, ServeError
from plcsim.tags import Quality, Tag

logger = logging.getLogger(__name__)

NAMESPACE = "urn:shopfloor:plcsim"
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
LEVELS = ("Site", "Area", "Line", "Cell")  # ISA-95 equipment levels, by depth of the path
VARIANT = {
    Kind.BOOL: ua.VariantType.Boolean,
    Kind.UINT16: ua.VariantType.Int32,
    Kind.INT16: ua.VariantType.Int32,
    Kind.FLOAT32: ua.VariantType.Double,
    Kind.ENUM: ua.VariantType.String,
    Kind.TEXT: ua.VariantType.String,
}
STATUS = {
    Quality.GOOD: ua.StatusCodes.Good,
    Quality.UNCERTAIN: ua.StatusCodes.Uncertain,
    Quality.BAD: ua.StatusCodes.Bad,
}


class OpcUaServer:
    def __init__(self, live: LiveLine) -> None:
        self.live = live
        self._server: Server | None = None
        self._variables: dict[str, tuple[ua.NodeId, Kind]] = {}
        self._clock: ua.NodeId | None = None

    async def start(self, address: Address) -> str:
        """Build the address space and listen; return the endpoint URL (with a real port)."""
        # Before the two-second init, and without asyncua's traceback. Port 0 becomes a free
        # port here, because the endpoint URL the server advertises must name the real one.
        address = Address(address.host, _free_port(address))
        server = self._server = Server()
        await server.init()
        url = f"opc.tcp://{address}/plcsim"
        server.set_endpoint(url)
        server.set_server_name("Shopfloor plcsim")
        server.set_security_policy([ua.SecurityPolicyType.NoSecurity])
        server.set_identity_tokens([ua.AnonymousIdentityToken])
        ns = await server.register_namespace(NAMESPACE)
        await self._build(server, ns)
        try:
            await server.start()
        except OSError as exc:
            self._server = None
            raise ServeError(f"OPC UA: cannot listen on {address}: {exc.strerror}") from None
        logger.info("OPC UA on %s", url)
        return url

    async def _build(self, server: Server, ns: int) -> None:
        nodes = {"": server.nodes.objects}
        line_depth = len(self.live.line.path.split("/"))
        for entry in self.live.map.entries:
            parts = entry.tag.split("/")
            for depth in range(1, len(parts)):
                await _add_parent(nodes, parts[:depth], ns, equipment=depth <= line_depth + 1)
            parent = nodes["/".join(parts[:-1])]
            node_id = ua.NodeId(entry.tag, ns)
            tag = self.live.tags.get(entry.tag)
            variable = await parent.add_variable(
                node_id,
                ua.QualifiedName(parts[-1], ns),
                ua.Variant(_value(entry.kind, tag.value if tag else None), VARIANT[entry.kind]),
            )
            if entry.unit:
                await variable.write_attribute(
                    ua.AttributeIds.Description,
                    ua.DataValue(
                        ua.Variant(ua.LocalizedText(entry.unit), ua.VariantType.LocalizedText)
                    ),
                )
            self._variables[entry.tag] = (node_id, entry.kind)
        line_node = nodes.get(self.live.line.path)
        if line_node is not None:
            self._clock = ua.NodeId(f"{self.live.line.path}/Clock", ns)
            await line_node.add_variable(
                self._clock, ua.QualifiedName("Clock", ns), ua.Variant(0.0, ua.VariantType.Double)
            )
        await self.publish()

    async def publish(self) -> None:
        """Write every tag's value, quality and simulated timestamp."""
        server = self._server
        if server is None:
            return
        now = datetime.now(UTC)
        for name, (node_id, kind) in self._variables.items():
            tag = self.live.tags.get(name)
            await server.write_attribute_value(node_id, self._data_value(tag, kind, now))
        if self._clock is not None:
            clock = Tag("Clock", self.live.line.clock, self.live.line.clock)
            await server.write_attribute_value(
                self._clock, self._data_value(clock, Kind.FLOAT32, now)
            )

    def _data_value(self, tag: Tag | None, kind: Kind, now: datetime) -> ua.DataValue:
        if tag is None:  # the tag left the table: keep its type, say it is bad
            return ua.DataValue(
                ua.Variant(_value(kind, None), VARIANT[kind]),
                StatusCode=ua.StatusCode(ua.StatusCodes.Bad),
                ServerTimestamp=now,
            )
        return ua.DataValue(
            ua.Variant(_value(kind, tag.value), VARIANT[kind]),
            StatusCode=ua.StatusCode(STATUS[Quality(tag.quality)]),
            SourceTimestamp=self.live.epoch + timedelta(seconds=tag.timestamp),
            ServerTimestamp=now,
        )

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.stop()
            self._server = None


async def _add_parent(nodes: dict, parts: list[str], ns: int, *, equipment: bool) -> None:
    """Add the node at path *parts* under its parent, once: an equipment object or a folder."""
    path = "/".join(parts)
    if path in nodes:
        return
    parent = nodes["/".join(parts[:-1])]
    name = ua.QualifiedName(parts[-1], ns)
    if not equipment:  # a PackTags group (Status, Admin...) or an alarm
        nodes[path] = await parent.add_folder(ua.NodeId(path, ns), name)
        return
    node = nodes[path] = await parent.add_object(ua.NodeId(path, ns), name)  # site to cell
    level = LEVELS[len(parts) - 1] if len(parts) <= len(LEVELS) else "Equipment"
    await node.add_property(
        ua.NodeId(f"{path}#Level", ns), ua.QualifiedName("ISA95Level", ns), level
    )


def _free_port(address: Address) -> int:
    """The port to listen on: *address*'s, or a free one for port 0; ServeError if taken."""
    family = socket.AF_INET6 if ":" in address.host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as asyncio's server does
        try:
            probe.bind((address.host, address.port))
        except OSError as exc:
            raise ServeError(f"OPC UA: cannot listen on {address}: {exc.strerror}") from None
        return probe.getsockname()[1]


def _value(kind: Kind, value: object) -> object:
    """The value converted to the variable's fixed type, whatever the tag holds now."""
    try:
        if kind is Kind.FLOAT32:
            return math.nan if value is None else float(value)
        if kind in (Kind.UINT16, Kind.INT16):  # Int32 cannot hold more: saturate, never crash
            number = 0 if value is None else round(float(value))
            return min(max(number, INT32_MIN), INT32_MAX)
        if kind is Kind.BOOL:
            return bool(value)
    except (TypeError, ValueError, OverflowError):
        return math.nan if kind is Kind.FLOAT32 else 0
    return "" if value is None else str(value)
