"""The domain vocabulary in one place: tables, columns, header aliases, rule codes, metrics.

Everything a person reads is Chinese; keys used in code, the ledger and JSON are English.
Numbers that change per year or per city (targets, districts) live in the targets file
(see ``targets.py``), not here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

WAN_PER_YI = 10000  # 1 亿元 = 10000 万元

PLANNED_MIN_TOTAL = 10000  # 谋划项目总投资不低于1亿元 (万元)
KEY_PROJECT_MIN_TOTAL = 10000  # 重点项目: 总投资 ≥ 1亿元 (万元)
REGISTERED_MIN_TOTAL = 1000  # 统计入库项目总投资不低于1000万元 (万元)
BAND_5YI = 50000
BAND_10YI = 100000

TEMPLATE_VERSION = "1"
DEADLINE_NOTE = "注：每月25日前报"
TOTAL_CHANGE_LIMIT = 0.10  # total-changed: 总投资 moved by more than 10 % since last month

#: Header of the hidden column in which a prefilled template carries each row's project
#: key (see ``gongjian_cli.year.identity``), and of the locked column beside 2020年完成投资
#: that shows last month's figure. Neither is a column of the notice: parsing reads them
#: as extra columns and never counts them as content of a row.
PROJECT_KEY_HEADER = "项目标识（程序用，请勿修改）"
PREVIOUS_COMPLETED_HEADER = "上月累计完成投资（万元，仅供参考）"
AUX_HEADERS = (PROJECT_KEY_HEADER, PREVIOUS_COMPLETED_HEADER)
#: A project key as gongjian writes it: "GJ" and ten characters of base 32. Anything
#: else in the key column (edited, truncated, turned into a number) is ignored.
PROJECT_KEY_PATTERN = r"GJ[A-Z2-7]{10}"


class Table(StrEnum):
    """The two returned tables."""

    PLANNED = "planned"  # 附件2 工业谋划项目表
    CONSTRUCTION = "construction"  # 附件3 工业在建项目进展情况表


TABLE_ATTACHMENT = {Table.PLANNED: "附件2", Table.CONSTRUCTION: "附件3"}
TABLE_SHORT = {Table.PLANNED: "谋划", Table.CONSTRUCTION: "在建"}
TABLE_TITLE = {
    Table.PLANNED: "{city}{year}年工业谋划项目表",
    Table.CONSTRUCTION: "{city}{year}年工业在建项目进展情况表",
}


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    #: noted for the clerk, nothing to fix (``renamed``): shown in the bulletin's 校验问题
    #: and the register, never in collect's counts or a district's feedback
    INFO = "info"


SEVERITY_LABEL = {Severity.ERROR: "错误", Severity.WARNING: "提醒", Severity.INFO: "说明"}


class StartClass(StrEnum):
    """开竣工情况 classified: new start, continuing, not started."""

    NEW = "new"
    CONTINUING = "continuing"
    NOT_STARTED = "not_started"


START_CHOICES = ("新开工", "续建", "新开工（已竣工）", "续建（已竣工）", "未开工")
REGISTERED_CHOICES = ("是", "否")
YES_WORDS = ("是", "已入库", "入库", "y", "yes")
NO_WORDS = ("否", "未入库", "不入库", "n", "no")
TOTAL_ROW_WORDS = ("合计", "总计", "小计")


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a table as the notice writes it, and the names it arrives under."""

    key: str
    header: str  # exactly as in the notice; "{year}" is replaced by the targets year
    aliases: tuple[str, ...] = ()  # other names seen in returned files (normalised form)
    amount: bool = False  # 万元 amount
    required: bool = False
    width: int = 14  # template column width (characters)

    def label(self, year: int) -> str:
        return self.header.replace("{year}", str(year))


PLANNED_COLUMNS: tuple[Column, ...] = (
    Column("seq", "序号", ("编号", "序"), width=6),
    Column("name", "项目名称", ("项目名", "名称"), required=True, width=28),
    Column(
        "total",
        "总投资（万元）",
        ("总投资", "计划总投资", "项目总投资", "总投资额", "投资总额"),
        amount=True,
        required=True,
        width=14,
    ),
    Column("region", "所属区域", ("所属县区", "区域", "县区", "所在区域", "所属地区"), width=10),
    Column(
        "scope",
        "建设规模与内容",
        ("建设规模及内容", "建设规模和内容", "建设内容", "建设规模及主要内容", "主要建设内容"),
        width=36,
    ),
    Column("progress", "目前进展情况", ("进展情况", "目前进展", "项目进展"), width=24),
    Column("goal", "{year}年工作目标", ("工作目标", "年度工作目标", "年工作目标"), width=24),
    Column("unit", "项目单位", ("建设单位", "项目业主", "实施单位", "业主单位"), width=22),
    Column("unit_leader", "项目单位责任人", ("责任人", "单位责任人", "项目负责人"), width=12),
    Column(
        "lead_unit",
        "牵头协调推进责任单位",
        ("牵头单位", "协调推进责任单位", "推进责任单位", "责任单位"),
        width=18,
    ),
)

CONSTRUCTION_COLUMNS: tuple[Column, ...] = (
    Column("seq", "序号", ("编号", "序"), width=6),
    Column("name", "项目名称", ("项目名", "名称"), required=True, width=28),
    Column("unit", "项目单位", ("建设单位", "项目业主", "实施单位", "业主单位"), width=22),
    Column(
        "scope",
        "建设规模与内容",
        ("建设规模及内容", "建设规模和内容", "建设内容", "建设规模及主要内容", "主要建设内容"),
        width=36,
    ),
    Column(
        "total",
        "总投资（万元）",
        ("总投资", "计划总投资", "项目总投资", "总投资额", "投资总额"),
        amount=True,
        required=True,
        width=14,
    ),
    Column(
        "completed",
        "{year}年完成投资（万元）",
        ("{year}年完成投资", "完成投资", "本年完成投资", "年度完成投资", "今年完成投资"),
        amount=True,
        width=21,  # the header on two lines, not a lone "）" on a third
    ),
    Column("start", "开竣工情况", ("开(竣)工情况", "开工情况", "开竣工", "开工竣工情况"), width=16),
    Column("registered", "是否入库", ("入库情况", "是否纳统", "是否纳入统计", "入库"), width=10),
    Column("issues", "存在问题", ("存在的问题", "问题", "存在困难和问题", "存在困难"), width=30),
)

COLUMNS: dict[Table, tuple[Column, ...]] = {
    Table.PLANNED: PLANNED_COLUMNS,
    Table.CONSTRUCTION: CONSTRUCTION_COLUMNS,
}


def column(table: Table, key: str) -> Column:
    """The column ``key`` of ``table``; KeyError when the table has no such column."""
    for col in COLUMNS[table]:
        if col.key == key:
            return col
    raise KeyError(key)


@dataclass(frozen=True, slots=True)
class Rule:
    """A validation rule: stable code, severity and the Chinese explanation."""

    code: str
    severity: Severity
    message: str  # explanation of the rule, in Chinese


def _rule(code: str, severity: Severity, message: str) -> Rule:
    return Rule(code, severity, message)


E, W = Severity.ERROR, Severity.WARNING
#: Codes computed from the ledger across months (``gongjian_cli.year.checks``), not stored
YEAR_CODES = (
    "completed-decreased",
    "project-dropped",
    "planned-dropped",
    "registered-revoked",
    "start-class-changed",
    "total-changed",
    "possible-rename",
    "renamed",
)
RULES: dict[str, Rule] = {
    r.code: r
    for r in (
        _rule("missing-name", E, "项目名称为必填项"),
        _rule("missing-total", E, "总投资为必填项"),
        _rule("unreadable-amount", E, "金额无法识别，请填写数字（单位：万元），如 12000 或 1.5亿"),
        _rule("negative-amount", E, "金额不能为负数"),
        _rule(
            "formula-no-value", E, "单元格是公式但没有计算结果，请在Excel/WPS中打开并保存后再报送"
        ),
        _rule("below-1yi", E, "谋划项目总投资原则上不低于1亿元（10000万元）"),
        _rule("other-district", W, "所属区域与报送县区不一致，按报送县区统计"),
        _rule("duplicate-name", E, "同一表内项目名称重复，重复行不计入统计"),
        _rule("duplicate-across-districts", W, "同一项目出现在多个县区的报表中，请核实归属"),
        _rule("completed-blank", W, "本年完成投资未填写，按0计"),
        _rule("completed-exceeds-total", E, "本年完成投资大于总投资，该行投资不计入统计"),
        _rule("registered-below-10m", E, "统计入库项目总投资原则上不低于1000万元，不计入入库数"),
        _rule("registered-blank", W, "是否入库未填写，按未入库计"),
        _rule("registered-unknown", W, "是否入库应填“是”或“否”，无法识别，按未入库计"),
        _rule(
            "start-unclassified", W, "开竣工情况无法归类（新开工/续建/未开工），不计入开工或续建数"
        ),
        _rule("start-blank", W, "开竣工情况未填写，不计入开工或续建数"),
        _rule("sum-mismatch", W, "合计行与明细之和不一致"),
        # the year: month M against the same district's month M−1 (never counted)
        _rule("completed-decreased", W, "本年完成投资是全年累计数，不应低于上月报送数"),
        _rule("project-dropped", W, "上月在建项目本月未报，且上月未标竣工，请核实是否漏报"),
        _rule("planned-dropped", W, "上月谋划项目本月谋划表和在建表中都没有，请核实是否漏报"),
        _rule("registered-revoked", W, "上月已入库的项目本月填为未入库，请核实"),
        _rule("start-class-changed", W, "开竣工情况在新开工与续建之间变了，请核实"),
        _rule("total-changed", W, "总投资比上月变化超过10%，请核实"),
        _rule("renamed", Severity.INFO, "项目改名（按项目标识或项目名称对照文件认作同一项目）"),
        _rule(
            "possible-rename",
            W,
            "新项目名称与本县区此前报过的项目相近，如是同一项目改名，请登记到项目名称对照文件",
        ),
        _rule(
            "identity-conflict",
            W,
            "文件名、工作表名或标题与识别结果不一致，请核实是否用错了模板、写错了月份或县区",
        ),
    )
}
del E, W


class SubmissionStatus(StrEnum):
    """How a district's table stands for a month."""

    ON_TIME = "on_time"
    LATE = "late"
    CARRIED = "carried"
    MISSING = "missing"


SUBMISSION_STATUS_LABEL = {
    SubmissionStatus.ON_TIME: "按时报送",
    SubmissionStatus.LATE: "逾期报送",
    SubmissionStatus.CARRIED: "沿用",
    SubmissionStatus.MISSING: "未报",
}


class Outcome(StrEnum):
    """What collect did with one file (or one table inside it)."""

    ACCEPTED = "accepted"
    SUPERSEDED = "superseded"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"
    SKIPPED = "skipped"


OUTCOME_LABEL = {
    Outcome.ACCEPTED: "已接收",
    Outcome.SUPERSEDED: "已被替代",
    Outcome.DUPLICATE: "重复（已收过）",
    Outcome.REJECTED: "退回",
    Outcome.SKIPPED: "跳过",
}


@dataclass(frozen=True, slots=True)
class Metric:
    """A metric of 附件1: key, label as the notice writes it, unit."""

    key: str
    label: str
    unit: str  # "亿元" or "个"
    money: bool
    has_target: bool = True
    city_only: bool = False


METRICS: tuple[Metric, ...] = (
    Metric("investment", "重点项目投资任务（亿元）", "亿元", money=True),
    Metric("new_starts", "新开工重点项目（个）", "个", money=False),
    Metric("continuing", "续建重点项目（个）", "个", money=False),
    Metric("completed", "竣工重点项目（个）", "个", money=False, has_target=False),
    Metric("registered", "统计入库项目（个）", "个", money=False),
    Metric("registered_1yi_plus", "其中亿元以上入库项目（个）", "个", money=False, city_only=True),
    Metric(
        "registered_10m_1yi", "其中1000万元-1亿元入库项目（个）", "个", money=False, city_only=True
    ),
    Metric("planned_investment", "谋划项目总投资（亿元）", "亿元", money=True),
    Metric("planned_count", "谋划项目（个）", "个", money=False),
    Metric("planned_1_5", "其中1-5亿（个）", "个", money=False),
    Metric("planned_5_10", "其中5-10亿（个）", "个", money=False),
    Metric("planned_10_plus", "其中10亿以上（个）", "个", money=False),
)
METRIC_BY_KEY = {m.key: m for m in METRICS}
DISTRICT_METRIC_KEYS = tuple(m.key for m in METRICS if not m.city_only)
TARGET_METRIC_KEYS = tuple(m.key for m in METRICS if m.has_target and not m.city_only)
CITY_TARGET_KEYS = tuple(m.key for m in METRICS if m.city_only)


def planned_band(total_wan: float) -> str | None:
    """Size band key of a planned project's 总投资 (万元), None below 1亿."""
    if total_wan >= BAND_10YI:
        return "planned_10_plus"
    if total_wan >= BAND_5YI:
        return "planned_5_10"
    if total_wan >= PLANNED_MIN_TOTAL:
        return "planned_1_5"
    return None


BAND_LABEL = {"planned_1_5": "1-5亿", "planned_5_10": "5-10亿", "planned_10_plus": "10亿以上"}
