"""A resolver for tests of the loopback rule: host names never reach DNS."""

from __future__ import annotations

import socket
from collections.abc import Callable, Mapping

NAMES = {  # what the fake resolver answers; any other name does not resolve
    "localhost": ["127.0.0.1", "::1"],
    "hijacked-localhost": ["192.0.2.7"],  # /etc/hosts (or DNS) pointing elsewhere
    "plc.example": ["192.0.2.10"],
    "half-loopback": ["127.0.0.1", "192.0.2.11"],
}


def getaddrinfo(names: Mapping[str, list[str]] = NAMES) -> Callable:
    """A socket.getaddrinfo that answers *names* and IP literals, and nothing else."""
    real = socket.getaddrinfo

    def resolve(host, port, *args, **kwargs):
        if host in names:
            return [
                (
                    socket.AF_INET6 if ":" in ip else socket.AF_INET,
                    socket.SOCK_STREAM,
                    6,
                    "",
                    (ip, port),
                )
                for ip in names[host]
            ]
        return real(host, port, *args, flags=socket.AI_NUMERICHOST, **kwargs)

    return resolve
