"""The name-pair file: the clerk's word that two names are one project.

A CSV shipped beside the targets file (``templates/name-pairs.csv``), edited in Excel or
WPS: a header row ``县区,原名称,新名称`` and one pair per line. Every figure follows it:
identity is resolved from the ledger each time (``identity.resolve``), nothing is stored.
Excel on a Chinese Windows saves CSV in GBK: the file is read as UTF-8 (with or without
BOM), else GB18030. Lines starting with ``#`` and blank lines are skipped.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from gongjian_cli.errors import TargetsError
from gongjian_cli.targets import Targets, templates_dir
from gongjian_cli.year.names import normalise_name

PAIRS_FILE = "name-pairs.csv"
HEADER = ("县区", "原名称", "新名称")


@dataclass(frozen=True, slots=True)
class NamePair:
    """Two names of one project in one district (as written, and where: line number)."""

    district: str
    old: str
    new: str
    line: int

    @property
    def keys(self) -> tuple[str, str]:
        return normalise_name(self.old), normalise_name(self.new)


def default_pairs_path() -> Path | None:
    """The shipped name-pair file, or None when there is none."""
    path = templates_dir() / PAIRS_FILE
    return path if path.is_file() else None


def _decode(data: bytes, path: Path) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TargetsError(f"项目名称对照文件 {path.name} 既不是 UTF-8 也不是 GBK 编码，请另存为 CSV")


def load_pairs(path: Path | None, targets: Targets) -> tuple[NamePair, ...]:
    """The pairs of ``path`` (none when ``path`` is None); TargetsError naming the line of
    an unknown district, a missing name or a pair of one name with itself."""
    if path is None:
        return ()
    try:
        text = _decode(Path(path).read_bytes(), Path(path))
    except FileNotFoundError as exc:
        raise TargetsError(f"找不到项目名称对照文件：{path}") from exc
    pairs: list[NamePair] = []
    header_seen = False
    for line_no, cells in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [c.strip() for c in cells]
        if not any(cells) or cells[0].startswith("#"):
            continue
        where = f"项目名称对照文件 {Path(path).name} 第{line_no}行"
        if not header_seen:
            if tuple(cells[:3]) != HEADER:
                raise TargetsError(f"{where}：第一行应为表头“县区,原名称,新名称”")
            header_seen = True
            continue
        if len(cells) < 3 or not all(cells[:3]):
            raise TargetsError(f"{where}：县区、原名称、新名称三项都要填")
        district = targets.resolve_district(cells[0])
        if district is None:
            known = "、".join(targets.district_names)
            raise TargetsError(f"{where}：县区“{cells[0]}”不在目标任务文件中（应为 {known}）")
        pair = NamePair(district, cells[1], cells[2], line_no)
        old, new = pair.keys
        if old == new:
            raise TargetsError(f"{where}：原名称与新名称相同（“{cells[1]}”），无需登记")
        pairs.append(pair)
    return tuple(pairs)
