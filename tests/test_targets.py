from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from gongjian_cli.cli import cli
from gongjian_cli.errors import TargetsError, UsageError
from gongjian_cli.targets import default_targets_path, load_targets


def test_shipped_targets_match_the_notice(targets):
    assert targets.year == 2020
    assert targets.city == "铜陵市"
    assert targets.district_names == ("经开区", "枞阳县", "郊区", "义安区", "铜官区")
    assert targets.total["investment"] == 200
    assert targets.district("郊区").targets["investment"] == 14
    assert targets.district("铜官区").targets["planned_10_plus"] == 4
    assert targets.district("义安区").leader == "查钱林"
    assert targets.district("经开区").departments == "综合科、中小局、铜产业办"
    assert targets.city_only == {"registered_1yi_plus": 40, "registered_10m_1yi": 80}


def _broken_copy(tmp_path: Path, old: str, new: str) -> Path:
    text = default_targets_path().read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "targets.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_district_sum_mismatch_names_metric_and_numbers(tmp_path):
    path = _broken_copy(tmp_path, "investment = 64,", "investment = 65,")
    with pytest.raises(TargetsError) as err:
        load_targets(path)
    msg = str(err.value)
    assert "重点项目投资任务（亿元）" in msg
    assert "65+50+14+40+32=201" in msg
    assert "200" in msg


def test_city_split_must_add_to_registered(tmp_path):
    path = _broken_copy(tmp_path, "registered_1yi_plus = 40", "registered_1yi_plus = 41")
    with pytest.raises(TargetsError, match="121"):
        load_targets(path)


def test_missing_metric_and_bad_toml(tmp_path):
    path = _broken_copy(tmp_path, ", planned_10_plus = 8 }", " }")
    with pytest.raises(TargetsError, match="经开区 缺少 其中10亿以上"):
        load_targets(path)
    bad = tmp_path / "bad.toml"
    bad.write_text("year = [", encoding="utf-8")
    with pytest.raises(TargetsError, match="格式有误"):
        load_targets(bad)
    with pytest.raises(TargetsError, match="找不到"):
        load_targets(tmp_path / "nope.toml")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("经开区", "经开区"),
        ("经济技术开发区", "经开区"),
        ("枞阳", "枞阳县"),
        (" 义安 ", "义安区"),
        ("铜陵", None),
    ],
)
def test_resolve_district(targets, text, expected):
    assert targets.resolve_district(text) == expected


def test_find_district_in_text(targets):
    assert targets.find_district_in("附件3-铜陵经济技术开发区5月在建") == "经开区"
    assert targets.find_district_in("枞阳县2020年5月谋划项目") == "枞阳县"
    assert targets.find_district_in("铜陵市2020年工业谋划项目表") is None
    assert targets.find_district_in("郊区和义安区合报") is None  # ambiguous


def test_require_district_suggests(targets):
    with pytest.raises(UsageError, match="义安区"):
        targets.require_district("义安县")


def test_targets_command_prints_table():
    result = CliRunner().invoke(cli, ["targets"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    inv = next(line for line in lines if line.startswith("重点项目投资任务"))
    assert inv.split() == ["重点项目投资任务（亿元）", "200", "64", "50", "14", "40", "32"]
    assert any("26/16/8" in line for line in lines)


def test_targets_command_refuses_broken_file(tmp_path):
    path = _broken_copy(tmp_path, "new_starts = 4,", "new_starts = 5,")
    result = CliRunner().invoke(cli, ["--config", str(path), "targets"])
    assert result.exit_code == 1
    assert "新开工重点项目（个）" in result.output
