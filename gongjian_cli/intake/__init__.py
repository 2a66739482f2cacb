"""Intake: the files of an inbox as they really arrive — loose workbooks, zip archives,
e-mails (.eml) and system exports (HTML tables, XML Spreadsheet 2003, CSV) — turned
into ``Incoming`` records (a file to parse, its origin, when it was received), so that
collect does not care where a table came from. See ``inbox`` for the rules."""

from gongjian_cli.intake.inbox import iter_incoming, read_incoming
from gongjian_cli.intake.model import Incoming, Origin

__all__ = ["Incoming", "Origin", "iter_incoming", "read_incoming"]
