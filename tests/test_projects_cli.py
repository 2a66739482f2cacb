"""`gongjian projects`: the register from the ledger, in JSON, xlsx, csv and on screen."""

from __future__ import annotations

import csv
import json

import openpyxl
import pytest
from click.testing import CliRunner
from test_year import NEW, C, P, add, row

from gongjian_cli.cli import cli


@pytest.fixture
def db(tmp_path):
    from gongjian_cli.ledger import open_ledger

    path = tmp_path / "gongjian.db"
    conn = open_ledger(path)
    add(conn, "经开区", "2020-03", P, [row(4, "铜箔项目", 42000, unit="铜箔公司")])
    add(conn, "经开区", "2020-05", C, [row(4, "铜箔项目", 42000, 3000, NEW, unit="铜箔公司")])
    add(conn, "经开区", "2020-06", C,
        [row(4, "铜箔项目", 42000, 2500, NEW, unit="铜箔公司", registered=True)])  # fmt: skip
    add(conn, "枞阳县", "2020-06", C, [row(4, "水泥技改", 80000, 100, NEW)])
    conn.close()
    return path


def invoke(db, *args):
    return CliRunner().invoke(cli, ["--db", str(db), "projects", *args])


def test_json_is_the_register_of_the_month(db):
    result = invoke(db, "--month", "2020-06", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == ["month", "projects", "conversion", "findings"]
    first = data["projects"][0]
    assert (first["district"], first["name"], first["first_planned"], first["started"]) == (
        "经开区", "铜箔项目", "2020-03", "2020-05",
    )  # fmt: skip
    assert first["registered"] == "2020-06"
    assert first["completed_investment"] == {"2020-05": 3000.0, "2020-06": 2500.0}
    assert data["conversion"]["经开区"] == {
        "planned": 1, "in_construction": 1, "started": 1, "registered": 1, "rate": 1.0,
    }  # fmt: skip
    assert [
        (f["code"], f["district"], f["row"], f["column"], f["month"]) for f in data["findings"]
    ] == [("completed-decreased", "经开区", 4, "F", "2020-06")]


def test_district_option_lists_one_district(db):
    result = invoke(db, "--month", "2020-06", "--district", "枞阳", "--format", "json")
    assert [p["name"] for p in json.loads(result.stdout)["projects"]] == ["水泥技改"]


def test_xlsx_and_csv_files(db, tmp_path):
    out = tmp_path / "out"
    result = invoke(db, "--month", "2020-06", "--format", "xlsx,csv", "--out", str(out))
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out / "项目台账-2020-06.xlsx")
    ws = wb.worksheets[0]
    cells = [[c for c in r] for r in ws.iter_rows(values_only=True)]
    names = [r[2] for r in cells if r and r[2] in ("铜箔项目", "水泥技改")]
    assert names == ["铜箔项目", "水泥技改"]
    with (out / "项目台账-2020-06.csv").open(encoding="utf-8-sig") as f:
        lines = list(csv.reader(f))
    head = lines[0]
    assert "项目名称" in head and any("6月" in h for h in head)
    copper = dict(zip(head, next(x for x in lines if "铜箔项目" in x), strict=True))
    assert (copper["5月完成投资（万元）"], copper["6月完成投资（万元）"]) == ("3000", "2500")
    assert (copper["首次列入谋划"], copper["开工月份"], copper["入库月份"]) == ("3月", "5月", "6月")
    assert copper["4月完成投资（万元）"] == ""


def test_table_on_screen(db):
    result = invoke(db, "--month", "2020-06", "--format", "table")
    assert result.exit_code == 0, result.output
    assert "铜箔项目" in result.stdout and "谋划项目转化情况" in result.stdout
    assert "completed" not in result.stdout  # codes stay out of the clerk's view
    assert "本年完成投资是全年累计数" in result.stdout


def test_names_option_merges_two_names_and_a_bad_file_is_refused(db, tmp_path):
    from gongjian_cli.ledger import open_ledger

    conn = open_ledger(db)
    add(conn, "枞阳县", "2020-05", C, [row(4, "水泥技改一期", 80000, 50, NEW)])
    conn.close()

    def zongyang(*options: str) -> list[tuple[str, list[str]]]:
        result = CliRunner().invoke(
            cli, ["--db", str(db), *options, "projects", "--month", "2020-06",
                  "--district", "枞阳县", "--format", "json"],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        return [(p["name"], p["names"]) for p in json.loads(result.stdout)["projects"]]

    assert zongyang() == [("水泥技改一期", []), ("水泥技改", [])]
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("县区,原名称,新名称\n枞阳,水泥技改一期,水泥技改\n", encoding="utf-8")
    assert zongyang("--names", str(pairs)) == [("水泥技改", ["水泥技改一期"])]
    bad = tmp_path / "bad.csv"
    bad.write_text("县区,原名称,新名称\n火星区,甲,乙\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["--db", str(db), "--names", str(bad), "projects", "--month", "2020-06"]
    )
    assert result.exit_code == 1
    assert "第2行" in result.output and "火星区" in result.output


@pytest.mark.parametrize(
    ("args", "code", "text"),
    [
        (["--month", "2020-06", "--format", "pdf"], 2, "pdf"),
        (["--month", "2019-06"], 2, "2019"),
        (["--month", "2020-06", "--district", "火星区"], 2, "火星区"),
    ],
)
def test_usage_errors(db, args, code, text):
    result = invoke(db, *args)
    assert result.exit_code == code
    assert text in result.output
