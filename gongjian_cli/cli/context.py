"""Shared state of one CLI invocation: where the ledger and the targets file are."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gongjian_cli.targets import Targets
    from gongjian_cli.year.pairs import NamePair


@dataclass
class AppContext:
    db_path: str
    config_path: str | None
    names_path: str | None = None
    debug: bool = False
    _targets: Targets | None = field(default=None, repr=False)

    def targets(self) -> Targets:
        """The 附件1 targets, loaded once (TargetsError when the file is bad)."""
        if self._targets is None:
            from gongjian_cli.targets import load_targets

            self._targets = load_targets(Path(self.config_path) if self.config_path else None)
        return self._targets

    def pairs(self) -> tuple[NamePair, ...]:
        """The name-pair file's pairs (--names, else the shipped file; TargetsError when bad)."""
        from gongjian_cli.year.pairs import default_pairs_path, load_pairs

        path = Path(self.names_path) if self.names_path else default_pairs_path()
        return load_pairs(path, self.targets())

    def ledger(self) -> sqlite3.Connection:
        """Open the ledger (created and migrated on first use)."""
        from gongjian_cli.ledger import open_ledger

        return open_ledger(Path(self.db_path))
