"""附件1 as data: load the editable targets file, check that it adds up, resolve districts."""

from __future__ import annotations

import difflib
import math
import tomllib
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import Any

from gongjian_cli.clock import DEFAULT_ZONE, get_zone
from gongjian_cli.errors import TargetsError, UsageError
from gongjian_cli.schema import CITY_TARGET_KEYS, METRIC_BY_KEY, TARGET_METRIC_KEYS


def templates_dir() -> Path:
    """The folder of shipped templates: inside the installed package, else the repo's."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_templates", here.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise TargetsError(f"找不到模板目录 templates/（查找过 {here / '_templates'}）")


def default_targets_path() -> Path:
    """The shipped 附件1 file (templates/targets-*.toml; the newest year when several)."""
    files = sorted(templates_dir().glob("targets-*.toml"))
    if not files:
        raise TargetsError(f"模板目录 {templates_dir()} 中没有目标任务文件 targets-*.toml")
    return files[-1]


@dataclass(frozen=True, slots=True)
class District:
    """One district of 附件1 with its 包保领导, 责任科室, aliases and targets."""

    name: str
    leader: str
    departments: str
    aliases: tuple[str, ...]
    targets: dict[str, float] = field(hash=False, compare=False)

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True, slots=True)
class Targets:
    """The decomposition table: year, city, district targets, totals, city-level split."""

    year: int
    city: str
    title: str
    deadline_day: int
    total: dict[str, float]
    city_only: dict[str, float]
    districts: tuple[District, ...]
    source: Path
    #: The zone of received times and deadlines (an IANA name; ``clock``): a file's
    #: mtime is read, and the 25th ends, in this zone, whatever the machine's own.
    timezone: str = DEFAULT_ZONE

    @property
    def zone(self) -> tzinfo:
        """``timezone`` as a ``tzinfo`` (``clock.get_zone``)."""
        return get_zone(self.timezone)

    @property
    def district_names(self) -> tuple[str, ...]:
        return tuple(d.name for d in self.districts)

    def district(self, name: str) -> District:
        for d in self.districts:
            if d.name == name:
                return d
        raise KeyError(name)

    def resolve_district(self, text: str) -> str | None:
        """The district named exactly by ``text`` (name or alias, spaces ignored), else None."""
        t = "".join(str(text).split())
        for d in self.districts:
            if t in d.names:
                return d.name
        return None

    def find_district_in(self, text: str) -> str | None:
        """The one district whose name or alias occurs in ``text``.

        None when nothing matches, or when names of two different districts occur.
        """
        t = "".join(str(text).split())
        found = {d.name for d in self.districts for n in d.names if n and n in t}
        return found.pop() if len(found) == 1 else None

    def require_district(self, text: str) -> str:
        """Resolve a district given on the command line, or UsageError with a suggestion."""
        name = self.resolve_district(text)
        if name is not None:
            return name
        all_names = [n for d in self.districts for n in d.names]
        close = difflib.get_close_matches(text, all_names, n=1, cutoff=0.3)
        hint = f"，您是不是要找“{self.resolve_district(close[0])}”？" if close else ""
        raise UsageError(f"未知县区“{text}”{hint}（可选：{'、'.join(self.district_names)}）")


def _number(value: Any, where: str, path: Path) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise TargetsError(f"目标文件 {path.name}：{where} 应为数字，实际为 {value!r}")
    return float(value)


def _label(key: str) -> str:
    return METRIC_BY_KEY[key].label if key in METRIC_BY_KEY else key


def load_targets(path: Path | None = None) -> Targets:
    """Load and check a targets file; TargetsError naming the metric when sums disagree."""
    path = Path(path) if path is not None else default_targets_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise TargetsError(f"找不到目标任务文件：{path}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TargetsError(f"目标任务文件 {path.name} 格式有误：{exc}") from exc

    for key in ("year", "city", "total", "districts"):
        if key not in data:
            raise TargetsError(f"目标任务文件 {path.name} 缺少 “{key}” 项")
    total_raw = data["total"]
    total = {}
    for key in TARGET_METRIC_KEYS:
        if key not in total_raw:
            raise TargetsError(f"目标任务文件 {path.name}：总目标缺少 {_label(key)}（{key}）")
        total[key] = _number(total_raw[key], f"总目标 {_label(key)}", path)
    city_only = {
        k: _number(v, f"全市目标 {_label(k)}", path)
        for k, v in data.get("city_only", {}).items()
        if k in CITY_TARGET_KEYS
    }

    districts = []
    seen: set[str] = set()
    for i, raw in enumerate(data["districts"], start=1):
        name = str(raw.get("name", "")).strip()
        if not name:
            raise TargetsError(f"目标任务文件 {path.name}：第{i}个县区缺少名称 name")
        if name in seen:
            raise TargetsError(f"目标任务文件 {path.name}：县区“{name}”重复")
        seen.add(name)
        t_raw = raw.get("targets", {})
        targets = {}
        for key in TARGET_METRIC_KEYS:
            if key not in t_raw:
                raise TargetsError(f"目标任务文件 {path.name}：{name} 缺少 {_label(key)}（{key}）")
            targets[key] = _number(t_raw[key], f"{name} {_label(key)}", path)
        districts.append(
            District(
                name=name,
                leader=str(raw.get("leader", "")),
                departments=str(raw.get("departments", "")),
                aliases=tuple(str(a) for a in raw.get("aliases", [])),
                targets=targets,
            )
        )
    if not districts:
        raise TargetsError(f"目标任务文件 {path.name} 中没有县区")

    problems = []
    for key in TARGET_METRIC_KEYS:
        s = sum(d.targets[key] for d in districts)
        if not math.isclose(s, total[key], abs_tol=1e-9):
            parts = "+".join(f"{d.targets[key]:g}" for d in districts)
            problems.append(f"{_label(key)}：各县区合计 {parts}={s:g}，总目标为 {total[key]:g}")
    band_sum = total["planned_1_5"] + total["planned_5_10"] + total["planned_10_plus"]
    if not math.isclose(band_sum, total["planned_count"]):
        problems.append(
            f"谋划项目分档合计 {band_sum:g} 不等于谋划项目总数 {total['planned_count']:g}"
        )
    if city_only and len(city_only) == len(CITY_TARGET_KEYS):
        split = sum(city_only.values())
        if not math.isclose(split, total["registered"]):
            problems.append(
                f"入库项目分档（亿元以上+1000万-1亿）合计 {split:g} 不等于统计入库项目总目标 "
                f"{total['registered']:g}"
            )
    if problems:
        raise TargetsError(f"目标任务文件 {path.name} 数字对不上：\n  " + "\n  ".join(problems))
    zone = str(data.get("timezone", DEFAULT_ZONE)).strip()
    try:
        get_zone(zone)
    except ValueError as exc:
        raise TargetsError(f"目标任务文件 {path.name}：timezone {exc}") from exc

    return Targets(
        year=int(data["year"]),
        city=str(data["city"]),
        title=str(data.get("title", "目标任务分解表")),
        deadline_day=int(data.get("deadline_day", 25)),
        total=total,
        city_only=city_only,
        districts=tuple(districts),
        source=path,
        timezone=zone,
    )
