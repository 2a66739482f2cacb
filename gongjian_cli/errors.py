"""The one exception hierarchy of gongjian; the CLI turns these into Chinese messages."""

from __future__ import annotations

#: Exit code of a command stopped with Ctrl-C (128 + SIGINT, as shells report it).
INTERRUPTED_EXIT = 130


class GongjianError(Exception):
    """Base of every error the tool reports to a person (message in Chinese)."""

    exit_code = 1


class UsageError(GongjianError):
    """Bad command-line input: an unknown district, a malformed month, a bad path."""

    exit_code = 2


class TargetsError(GongjianError):
    """The 附件1 targets file is missing, malformed or does not add up."""


class LedgerError(GongjianError):
    """The SQLite ledger cannot be opened, migrated or written."""


class FileRejected(GongjianError):
    """A returned file cannot be read or identified; it is recorded as rejected."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __reduce__(self) -> tuple[type[FileRejected], tuple[str, str]]:
        # picklable, so that worker processes can hand a rejection back
        return (FileRejected, (self.code, self.message))
