"""The safety limits shared by everything a container holds.

A zip or an e-mail is as untrusted as a workbook: the same caps apply to each member
and to the container as a whole, including what nested containers hold, so a zip
bomb cannot hide one level down.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Uncompressed bytes a container may expand to in all (members of nested ones included).
MAX_CONTAINER_BYTES = 200 * 2**20
#: Files a container may hold in all (a district sends a handful).
MAX_CONTAINER_MEMBERS = 1_000
#: Compressed → uncompressed ratio allowed beyond RATIO_FLOOR bytes (as for a workbook).
MAX_RATIO = 200
RATIO_FLOOR = 4 * 2**20
#: A zip inside a zip is depth 2; anything deeper is refused.
MAX_DEPTH = 2


class ContainerRefused(Exception):
    """A container (or a member) that must not be opened; ``reason`` is Chinese."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(slots=True)
class Budget:
    """What is left for one container in the inbox, across its nesting."""

    bytes_left: int = MAX_CONTAINER_BYTES
    members_left: int = MAX_CONTAINER_MEMBERS

    def take(self, size: int, count: int = 1) -> bool:
        """Spend ``size`` bytes and ``count`` members; False (nothing spent) if over."""
        if size > self.bytes_left or count > self.members_left:
            return False
        self.bytes_left -= size
        self.members_left -= count
        return True
