"""What the inbox holds, one record per file to parse, wherever the file came from.

A district's table arrives as a loose workbook, as a member of a zip (possibly inside
another zip), or as an e-mail's attachment. ``Incoming`` hides the difference from
collect: it has a name to show, the bytes (or the path on disk), when it was received
and, for a file inside a container, where it came from (``Origin``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Origin:
    """The container a file was taken from.

    ``container_path`` is the file in the inbox (the outer zip, the .eml);
    ``member_name`` the path inside it as written there (decoded, never used as a
    path on disk: it may hold ``..`` or start with ``/``); ``sender`` and ``sent_at``
    (China time, naive like every received time of the ledger) for an e-mail.
    """

    container_path: Path
    container_sha256: str
    member_name: str
    sender: str | None = None
    sent_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Incoming:
    """A file to parse: a loose file (``path``) or one held in memory (``data``)."""

    display_name: str  # "x.xlsx", "包.zip/成员.xlsx" or "信.eml/附件.xlsx"
    data: bytes | None
    path: Path | None
    received_at: datetime
    origin: Origin | None = None

    @property
    def location(self) -> Path:
        """Where the clerk finds it: the file, or the container's folder joined with the
        display name (``收件箱/2020-05/包.zip/成员.xlsx``). For a member this path does not
        exist and is never opened or written: it only keys and shows the file."""
        if self.origin is None:
            assert self.path is not None
            return self.path
        return self.origin.container_path.parent / self.display_name

    @property
    def flat_name(self) -> str:
        """The display name as one file name (``包.zip-成员.xlsx``), for feedback files."""
        return self.display_name.replace("/", "-")

    @property
    def member(self) -> bool:
        """Held in a container (zip or e-mail), not a file of the inbox."""
        return self.origin is not None
