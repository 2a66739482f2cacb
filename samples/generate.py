#!/usr/bin/env python3
"""Regenerate the sample inbox: returned files for 2020-03 … 2020-06 from all five districts.

    python samples/generate.py            # deterministic files → samples/inbox, manifest.json,
                                          # name-pairs.csv, README
    python samples/generate.py --out DIR  # the same into DIR/ (README untouched; the LibreOffice
                                          # files are copied from samples/inbox)
    python samples/generate.py --resave   # also rebuild the files that went through LibreOffice
    python samples/generate.py --resave '2020-06/*'   # … only those (June's prefilled templates)
    python samples/generate.py --touch    # only restore received times (mtimes) of samples/inbox

Files "typed from scratch" are written with xlsxwriter and are byte-for-byte reproducible
(fixed document dates and zip timestamps). Filled templates and the .xls went through
LibreOffice, whose output is not reproducible: they are committed and rebuilt only with
``--resave`` (needs soffice and gongjian_cli). June's 经开区 templates are prefilled by
gongjian itself: ``--resave`` runs the clerk's cycle (init-templates, collect) on the
March–May files into a temporary ledger, lets ``init-templates --month 2020-06`` prefill
them, fills them in as the district did and re-saves them (``write_prefilled``). The
received time of a file is its mtime; git does not keep mtimes, so ``restore_times`` sets
them from samples/manifest.json.

The expected findings and metrics written to the manifest and README are computed here by a
small independent reading of the same cells (``expected_*`` below), not by gongjian's code;
so are the expected results of the year (cross-month findings, the register lines of the
story projects, the conversion funnel: ``expected_year``), by rules of this file's own.

Layout: scenario data first (projects per district and month), then the list of files, then
one writer per kind of file, then the expected findings/metrics, then the year, then the
command line.
"""

# No "from __future__ import annotations": samples/demo.py loads this file without registering
# it in sys.modules, and dataclasses need real (not string) annotations then.
import argparse
import base64
import fnmatch
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
INBOX = HERE / "inbox"
MANIFEST = HERE / "manifest.json"
README = HERE / "README.md"

PLANNED, CONSTRUCTION = "planned", "construction"
DISTRICTS = ("经开区", "枞阳县", "郊区", "义安区", "铜官区")
YEAR = 2020
DEADLINE_DAY = 25

# =============================================================================== scenario
# Amounts are 万元 and cumulative for the year (a month's 完成投资 ≥ the month before's,
# except June's drops of the story). A version key names the file a row version belongs to: "03" =
# March, "04" = April, "05" = May, "06" = June, "05a" = 义安区's first May construction file
# (superseded by its 修改版, version "05").


@dataclass(frozen=True)
class Plan:
    """One 附件2 row (谋划项目). ``versions``: the files it appears in (a district's 附件2
    of a version lists the plans of that version; only 经开区 and 义安区 send 附件2 in March
    and June)."""

    name: str
    total: Any  # as typed in the template / most files; a sheet may override (Sheet.typed)
    scope: str
    progress: str
    goal: str
    unit: str
    leader: str
    lead: str
    versions: tuple[str, ...] = ("03", "04", "05", "06")
    region: str | None = None  # None → the submitting district


@dataclass(frozen=True)
class V:
    """One version of an 附件3 row: 2020年完成投资, 开竣工情况, 是否入库, 存在问题."""

    done: Any
    start: str
    reg: str
    issues: str = ""
    total: Any = None  # None → the project's total
    name: str | None = None  # None → the project's name; else the name this file gives it


@dataclass(frozen=True)
class Build:
    """One 附件3 row (在建项目) with its versions by file."""

    name: str
    unit: str
    scope: str
    total: Any
    v: dict[str, V] = field(default_factory=dict)


# fmt: off
PLANNED_PROJECTS: dict[str, list[Plan]] = {
    "经开区": [
        Plan("铜基新材料产业园（三期）项目", 260000, "建设高精度铜板带、铜箔及铜合金材料生产线，年产各类铜基材料15万吨", "已完成项目备案，正在开展环评", "完成土地摘牌，开工建设", "铜陵经开区铜产业发展有限公司", "汪卫东", "经开区铜产业办"),
        Plan("年产5万吨高端铜板带项目", 150000, "新建熔铸、热轧、冷轧生产线及配套设施，年产高端铜板带5万吨", "已签订投资协议", "完成备案、能评，力争下半年开工", "铜陵金鼎铜材科技有限公司", "刘明华", "经开区招商局"),
        Plan("集成电路封装测试基地项目", 80000, "建设封装测试厂房及洁净车间，年封测芯片30亿只", "项目洽谈中，已完成可研", "签订正式投资协议", "安徽芯瑞半导体科技有限公司", "孙立峰", "经开区经发局"),
        Plan("新型显示用光学膜项目", 60000, "建设光学膜涂布生产线6条，年产光学膜8000万平方米", "已完成备案", "完成设备选型，开工建设", "铜陵晶辉光电材料有限公司", "陈志刚", "经开区经发局", versions=("03", "04", "05")),  # June: in 附件3
        Plan("高性能特种电磁线扩能项目", 45000, "新增特种电磁线生产线12条，年新增产能3万吨", "已完成选址", "完成备案，开工建设", "铜陵华兴电磁线有限公司", "黄建平", "经开区经发局", versions=("05", "06")),
        Plan("动力电池回收利用项目", 30000, "建设废旧动力电池拆解及材料再生生产线，年处理废旧电池5万吨", "已完成项目备案", "完成环评审批", "铜陵循环新能源科技有限公司", "王磊", "经开区经发局"),
        Plan("工业机器人关键零部件项目", 22000, "建设精密减速器、伺服电机生产线，年产关键零部件20万套", "已签订投资协议", "完成厂房租赁及设备采购", "铜陵智驰精密机械有限公司", "周强", "经开区招商局"),
        Plan("铜冶炼烟气余热利用节能改造项目", 12000, "利用冶炼烟气余热建设余热发电机组，年发电1.2亿千瓦时", "完成可研编制", "完成能评，开工建设", "铜陵有色金属集团股份有限公司金冠铜业分公司", "李文斌", "经开区经发局", versions=("05", "06")),
    ],
    "枞阳县": [
        Plan("年产20万吨高纯电子化学品项目", 180000, "建设电子级硫酸、盐酸、氨水等高纯电子化学品生产装置", "已完成项目备案，正在开展安评、环评", "完成各项审批，下半年开工", "安徽华晟精细化工有限公司", "吴国庆", "枞阳经济开发区管委会"),
        Plan("新型建材产业园项目", 120000, "建设装配式建筑构件、新型墙材生产线", "已签订投资协议", "完成土地摘牌", "枞阳海创新型建材有限公司", "程永红", "枞阳县经信局"),
        Plan("船舶配套装备制造项目", 65000, "建设船用曲轴、舵系统生产基地", "完成可研", "签订正式协议，完成备案", "安徽长江船舶配套科技有限公司", "方建华", "枞阳县经信局"),
        Plan("光伏玻璃深加工项目", 52000, "年加工光伏玻璃3000万平方米", "洽谈中", "签订投资协议", "枞阳晶阳光伏玻璃有限公司", "钱小兵", "枞阳县招商中心"),
        Plan("年产5万吨生物降解材料项目", 38000, "建设PBAT生物降解材料生产线", "已完成备案", "完成环评、能评", "安徽绿盈生物材料有限公司", "查文斌", "枞阳经济开发区管委会"),
        Plan("农产品精深加工项目", 15000, "建设粮油精深加工及冷链物流设施", "已完成选址", "开工建设", "枞阳县丰禾农业科技有限公司", "王志", "枞阳县经信局"),
        Plan("铸造产业园技改提升项目", 12000, "对园区铸造企业进行集中技改升级", "正在编制可研", "完成可研及备案", "枞阳县铸造产业园管理有限公司", "江涛", "枞阳县经信局"),
        # from May: rule breaches (below-1yi, unreadable-amount, other-district), not
        # corrected in June's zip
        Plan("矿山机械再制造项目", 8000, "建设矿山机械再制造生产线", "前期洽谈", "签订投资协议", "枞阳县恒通机械有限公司", "陈兵", "枞阳县经信局", versions=("05", "06")),
        Plan("精细化工中间体项目", "待定", "建设医药、农药中间体生产装置", "项目洽谈中", "完成项目选址", "安徽枞化科技有限公司", "刘晓东", "枞阳经济开发区管委会", versions=("05", "06")),
        Plan("铜矿尾矿综合利用项目", 25000, "利用铜矿尾矿生产建筑用砂石骨料", "已完成选址", "完成备案", "枞阳县金砂新材料有限公司", "汪海", "枞阳县经信局", versions=("05", "06"), region="铜官区"),
    ],
    "郊区": [  # April, then June (a system export): 郊区 sends no 附件2 in May (carried)
        Plan("电子级硫酸扩产项目", 120000, "新建电子级硫酸生产装置，年产电子级硫酸10万吨", "已完成备案", "完成环评、安评审批", "铜陵瑞达化工有限公司", "张卫国", "郊区经信局", versions=("04", "06")),
        Plan("磷石膏综合利用项目", 60000, "年综合利用磷石膏100万吨，生产石膏建材", "已签订投资协议", "完成备案，开工建设", "铜陵瑞和环保建材有限公司", "赵敏", "郊区经信局", versions=("04", "06")),
        Plan("高端装备铸件项目", 25000, "建设大型装备铸件生产线，年产铸件3万吨", "完成可研", "完成土地摘牌", "铜陵大通精工铸造有限公司", "孙建", "郊区招商局", versions=("04", "06")),
        Plan("硫铁矿制酸余热发电项目", 18000, "利用制酸余热建设发电机组", "已完成选址", "完成能评", "铜陵金泰化工有限公司", "杨林", "郊区经信局", versions=("04", "06")),
        Plan("新型节能门窗生产项目", 11000, "建设断桥铝合金节能门窗生产线", "洽谈中", "签订投资协议", "铜陵安居节能科技有限公司", "许强", "郊区招商局", versions=("04", "06")),
    ],
    "义安区": [
        Plan("铜基电子材料产业园项目", 200000, "建设电子级铜线、铜粉、铜靶材等电子材料生产基地", "已完成规划设计", "完成土地摘牌，一期开工", "铜陵市义安区城市建设投资有限公司", "朱明", "义安区经信局"),
        Plan("精细磷化工一体化项目", 150000, "建设精细磷酸盐、磷系阻燃剂生产装置", "已签订投资协议", "完成备案、环评", "安徽义安磷化工有限公司", "方勇", "义安区经信局"),
        Plan("电子级铜粉项目", 55000, "年产电子级超细铜粉5000吨", "已完成备案", "开工建设", "铜陵义安电子材料有限公司", "何平", "义安区经信局", versions=("03", "04", "05")),  # June: in 附件3
        Plan("高纯铜靶材项目", 48000, "年产高纯铜靶材2000吨", "完成可研", "签订投资协议", "安徽义安靶材科技有限公司", "胡斌", "义安区招商局"),
        Plan("汽车零部件智能制造项目", 30000, "建设汽车铜合金零部件智能化生产线", "洽谈中", "完成备案", "铜陵义安汽车零部件有限公司", "吴刚", "义安区招商局"),
        Plan("智能电网装备制造项目", 26000, "建设智能开关柜、箱式变电站生产线", "已完成选址", "完成土地摘牌", "铜陵义安电气设备有限公司", "章华", "义安区经信局"),
        # from May; the first is also in 经开区's 附件2 (duplicate-across-districts)
        Plan("高性能特种电磁线扩能项目", 45000, "新增特种电磁线生产线12条，年新增产能3万吨", "已完成选址", "完成备案，开工建设", "铜陵华兴电磁线有限公司", "黄建平", "义安区经信局", versions=("05", "06")),
        Plan("新型干法水泥余热发电项目", 16000, "利用水泥窑余热建设9兆瓦余热发电机组", "完成可研", "完成备案", "铜陵义安水泥有限公司", "钱斌", "义安区经信局", versions=("05", "06")),
        # planned in March, left out of April's 附件2 (planned-dropped), in 附件3 from May
        Plan("新能源电池壳体项目", 25000, "年产动力电池铝壳3000万只", "已签订投资协议", "上半年开工建设", "铜陵义安新能源科技有限公司", "孙涛", "义安区招商局", versions=("03",)),
    ],
    "铜官区": [  # first 附件2 in June, by e-mail; 铜矿尾矿综合利用项目 is also in 枞阳县's
        Plan("铜矿尾矿综合利用项目", 25000, "利用铜矿尾矿生产建筑用砂石骨料", "已完成选址", "完成备案", "枞阳县金砂新材料有限公司", "汪海", "铜官区经信局", versions=("06",)),
        Plan("智能矿山装备研发制造项目", 36000, "建设智能凿岩台车、井下无人驾驶矿卡生产线", "已完成项目备案", "完成土地摘牌，开工建设", "铜陵铜官智能装备有限公司", "柯军", "铜官区经信局", versions=("06",)),
    ],
}

CONSTRUCTION_PROJECTS: dict[str, list[Build]] = {
    "经开区": [
        Build("铜陵有色铜箔扩建项目", "铜陵有色铜冠铜箔有限公司", "新增年产2万吨高精度电子铜箔生产线", 180000,
              {"03": V(15000, "续建", "是"), "04": V(21000, "续建", "是"), "05": V(28500, "续建", "是"),
               "06": V(6500, "续建", "是")}),  # June: the month's own 6500 typed, not the cumulative
        Build("年产10万吨电子级铜基材料项目", "铜陵金汇新材料有限公司", "建设电子级铜杆、铜线坯生产线，年产电子级铜基材料10万吨", 120000,
              {"04": V(9000, "新开工", "是"), "05": V(14000, "新开工", "是", "部分进口设备受疫情影响延迟到货"),
               "06": V(19000, "新开工", "是", "部分进口设备受疫情影响延迟到货")}),
        Build("高端铜合金线材智能制造项目", "铜陵精工合金有限公司", "建设高强高导铜合金线材智能化生产线", 65000,
              {"03": V(0, "未开工", "否"), "04": V(8000, "新开工", "否"), "05": V(12500, "新开工", "是"),
               "06": V(17000, "新开工", "是", name="高强高导铜合金线材智能制造项目")}),  # renamed on its prefilled row
        Build("5G通信用高频覆铜板项目", "铜陵峰华电子材料有限公司", "年产高频覆铜板600万平方米", 85000,
              {"03": V(4000, "续建", "是"), "04": V(6000, "续建", "是"), "05": V(9800, "续建", "是"),
               "06": V(13600, "续建", "是")}),
        Build("新能源汽车电机扁线项目", "铜陵精迅特种漆包线有限公司", "新建扁线生产线20条，年产新能源汽车电机扁线1.5万吨", 42000,
              {"04": V(5200, "新开工", "否", "二期用地指标未落实"), "05": V(7600, "新开工", "否", "二期用地指标未落实"),
               "06": V(10200, "新开工", "否", "二期用地指标未落实")}),
        Build("半导体封装引线框架项目", "铜陵三佳微电子材料有限公司", "年产引线框架80亿只", 36000,
              {"03": V(3000, "续建", "是"), "04": V(4100, "续建", "是"), "05": V(6300, "续建", "是"),
               "06": V(None, "续建", "是")}),  # June: left blank on the prefilled row
        Build("工业固废资源化综合利用项目", "铜陵绿源环保科技有限公司", "年处理工业固废30万吨，生产新型建材产品", 28000,
              {"03": V(2000, "续建", "是"), "04": V(3000, "续建", "是"), "05": V(4800, "续建（已竣工）", "是"),
               "06": V(4800, "续建（已竣工）", "是")}),
        Build("智能装备产业园标准化厂房项目", "铜陵经开区建设投资有限公司", "新建标准化厂房8万平方米", 15000,
              {"04": V(2600, "新开工", "是"), "05": V(3900, "新开工（已竣工）", "是"),
               "06": V(3900, "新开工（已竣工）", "是")}),
        Build("锂电池铜箔表面处理技改项目", "铜陵有色铜冠铜箔有限公司", "对现有铜箔表面处理线进行智能化改造", 8500,
              {"03": V(1200, "续建", "是"), "04": V(1800, "续建", "是"), "05": V(2600, "续建", "是"),
               "06": V(3300, "续建", "是")}),
        # May: 13500 typed for 1350 → completed-exceeds-total; June: corrected to 1900
        Build("电子级化学品配套仓储项目", "铜陵晶凯电子化学品有限公司", "建设电子级硫酸、双氧水仓储及充装设施", 12000,
              {"04": V(1200, "新开工", "是"), "05": V(13500, "新开工", "是"), "06": V(1900, "新开工", "是")}),
        # planned since March (附件2); June: added below the prefilled rows, moved out of 附件2
        Build("新型显示用光学膜项目", "铜陵晶辉光电材料有限公司", "建设光学膜涂布生产线6条，年产光学膜8000万平方米", 60000,
              {"06": V(3000, "新开工", "否", "设备安装调试中")}),
    ],
    "枞阳县": [
        Build("水泥窑协同处置固废项目", "安徽枞阳海螺环保科技有限公司", "利用水泥窑协同处置工业固废及生活垃圾，年处置30万吨", 45000,
              {"03": V(8000, "续建", "是"), "04": V(12000, "续建", "是"), "05": V(16000, "续建", "是"),
               "06": V(20000, "续建", "是")}),
        Build("年产10万吨特种钢管项目", "安徽恒升特种钢管有限公司", "建设特种无缝钢管生产线，年产10万吨", 98000,
              {"03": V(5000, "2020年3月开工", "是"), "04": V(15000, "2020年3月开工", "是"),
               "05": V(21000, "2020年3月开工", "是", "二期环评审批进行中"),
               "06": V(26000, "2020年3月开工", "是", "二期环评审批进行中")}),
        Build("精细化工园区公共管廊项目", "枞阳县化工园区投资开发有限公司", "建设园区公共管廊12公里及配套设施", 32000,
              {"03": V(3000, "续建", "是"), "04": V(5000, "续建", "是"), "05": V(8000, "续建", "已入库"), "06": V(10500, "续建", "已入库")}),
        Build("高性能玻纤复合材料项目", "安徽鑫瑞复合材料有限公司", "年产高性能玻纤复合材料5万吨", 56000,
              {"04": V(6000, "新开工", "Y"), "05": V(9500, "新开工", "Y"), "06": V(12500, "新开工", "Y")}),
        Build("农机装备制造项目", "枞阳县华丰农机制造有限公司", "建设收割机、插秧机整机生产线", 18000,
              {"03": V(0, "计划6月开工", "否", "用地指标未落实"), "04": V(0, "计划6月开工", "否", "用地指标未落实"),
               "05": V(0, "拟6月开工", "否", "用地指标未落实"),
               "06": V(800, "2020年6月开工", "否", "用地指标未落实")}),
        Build("光伏组件边框项目", "枞阳县晶宇新能源科技有限公司", "年产光伏组件铝边框1000万套", 12000,
              {"04": V(1500, "新开工", "是"), "05": V(3200, "新开工（已竣工）", "是"), "06": V(3200, "新开工（已竣工）", "是")}),
        Build("园区污水处理厂提标改造项目", "枞阳县水务投资有限公司", "园区污水处理厂提标至一级A", 3000,
              {"03": V(500, "续建", "是"), "04": V(800, "续建", "是"), "05": V(1500, "续建，预计10月竣工", "是"), "06": V(2000, "续建，预计10月竣工", "是")}),
        Build("新型墙材生产线技改项目", "枞阳县新材墙体材料有限公司", "蒸压加气混凝土砌块生产线技改", 8000,
              {"03": V(1200, "续建", "未入库"), "04": V(2000, "续建", "未入库"), "05": V(3500, "续建", "N"), "06": V(4300, "续建", "N")}),
        # May and June: 是否入库 = 是 with 总投资 800 → registered-below-10m
        Build("包装材料生产线项目", "枞阳县宏达包装有限公司", "新建瓦楞纸箱生产线1条", 800,
              {"05": V(300, "新开工", "是"), "06": V(450, "新开工", "是")}),
    ],
    "郊区": [
        Build("年产40万吨硫酸技改项目", "铜陵瑞达化工有限公司", "硫酸装置节能降耗技术改造，年产硫酸40万吨", 60000,
              {"03": V(10000, "续建", "是"), "04": V(16000, "续建", "是"), "05": V(23000, "续建", "是"),
               "06": V(29000, "续建", "是")}),
        Build("磷铵装置节能改造项目", "铜陵金泰化工有限公司", "磷铵装置余热回收及智能化改造", 22000,
              {"04": V(6000, "新开工", "是"), "05": V(12000, "新开工", "是"), "06": V(16000, "新开工", "是")}),
        Build("铜精矿深加工项目", "铜陵铜山矿业有限公司", "建设铜精矿深加工生产线，年处理铜精矿20万吨", 40000,
              {"03": V(8000, "续建", "是"), "04": V(12000, "续建", "是"), "05": V(17000, "续建（已竣工）", "是")}),
        # ↑ completed in May, no longer listed in June: not project-dropped
        Build("环保型涂料生产线项目", "铜陵嘉禾新材料有限公司", "年产水性环保涂料5万吨", 16000,
              {"03": V(2000, "续建", "否", "环评审批进行中"), "04": V(3000, "续建", "否", "环评审批进行中"),
               "05": V(6000, "续建", "是"), "06": V(8500, "续建", "是")}),
        Build("精密模具制造项目", "铜陵精诚模具有限公司", "建设精密冲压模具生产线", 5000,
              {"04": V(1000, "新开工", "是"), "05": V(2200, "新开工", "是"), "06": V(3000, "新开工", "是")}),
        # May only: unreadable 总投资, unclassifiable 开竣工情况
        Build("年产3万吨高分子材料项目", "铜陵郊区高分子材料有限公司", "建设改性塑料生产线，年产高分子材料3万吨", "约2亿多",
              {"05": V(2000, "新开工", "否"), "06": V(3500, "新开工", "否", total=20000)}),
        Build("物流装备生产基地项目", "铜陵通达物流装备有限公司", "建设物流装备及仓储货架生产基地", 14000,
              {"05": V(1200, "前期手续办理中", "否", "施工许可办理中"), "06": V(2600, "2020年6月开工", "否")}),
    ],
    "义安区": [
        Build("铜材精深加工项目", "安徽义安铜材有限公司", "建设高精度铜管、铜排生产线", 95000,
              {"03": V(9000, "续建", "是"), "04": V(14000, "续建", "是"), "05a": V(18000, "续建", "是"),
               "05": V(19500, "续建", "是"), "06": V(24000, "续建", "是")}),
        Build("电子铜箔二期项目", "铜陵义安电子材料有限公司", "新增年产1.5万吨锂电铜箔生产线", 130000,
              {"03": V(11000, "2020年2月开工", "是"), "04": V(18000, "2020年2月开工", "是"),
               "05a": V(26000, "2020年2月开工", "是"), "05": V(26000, "2020年2月开工", "是"),
               "06": V(33000, "2020年2月开工", "是")}),
        Build("覆铜板用玻纤布项目", "安徽义安玻纤科技有限公司", "年产电子级玻纤布6000万米", 40000,
              {"04": V(5000, "新开工", "已入库"), "05a": V(8000, "新开工", "已入库"), "05": V(8000, "新开工", "已入库"),
               "06": V(11000, "新开工", "已入库", name="覆铜板用电子级玻纤布项目")}),  # June: renamed (name-pairs.csv)
        Build("硫酸钾肥料技改项目", "铜陵义安化肥有限公司", "硫酸钾装置节能环保技术改造", 20000,
              {"03": V(2500, "续建", "是"), "04": V(4000, "续建", "是"), "05a": V(6000, "续建（已竣工）", "是"),
               "05": V(6000, "续建（已竣工）", "是"), "06": V(6000, "续建（已竣工）", "是")}),
        Build("智能家电零部件项目", "铜陵义安智能科技有限公司", "年产智能家电精密零部件500万套", 11000,
              {"04": V(2000, "新开工", "否", "入库资料准备中"), "05a": V(3000, "新开工", "否", "入库资料准备中"),
               "05": V(3000, "新开工", "是"), "06": V(4200, "新开工", "是")}),
        Build("电线电缆技改项目", "铜陵义安线缆有限公司", "电线电缆生产线智能化改造", 6000,
              {"03": V(1000, "续建", "是"), "04": V(1500, "续建", "是"), "05a": V(2500, "续建", "是"),
               "05": V(2500, "续建", "是")}),  # not in June, not 竣工: project-dropped
        # planned in March; added in May's 修改版 with 完成投资 left blank → completed-blank;
        # registered (是否入库 是) in June
        Build("新能源电池壳体项目", "铜陵义安新能源科技有限公司", "年产动力电池铝壳3000万只", 25000,
              {"05": V(None, "新开工", "否", "施工许可办理中"), "06": V(2500, "新开工", "是")}),
        # planned since March (附件2); June: started, moved from 附件2 to 附件3
        Build("电子级铜粉项目", "铜陵义安电子材料有限公司", "年产电子级超细铜粉5000吨", 55000,
              {"06": V(1500, "新开工", "否", "环评批复待下达")}),
    ],
    "铜官区": [
        Build("铜冶炼智能工厂改造项目", "铜陵有色金属集团铜冠冶化分公司", "冶炼系统智能化、数字化改造", 68000,
              {"04": V(9000, "续建", "是"), "05": V(13500, "续建", "是"), "06": V(18000, "续建", "是")}),
        Build("高端液压件生产项目", "铜陵天马液压科技有限公司", "年产高端液压油缸、阀组10万套", 26000,
              {"04": V(3000, "新开工", "是"), "05": V(6000, "新开工", "是"), "06": V(9000, "新开工", "是")}),
        Build("电子元器件产业园项目", "铜陵铜官电子产业园发展有限公司", "建设电子元器件标准化厂房及配套设施", 50000,
              {"04": V(6000, "续建", "是"), "05": V(9000, "续建", "是"), "06": V(12500, "续建", "是")}),
        Build("重型矿山装备再制造项目", "铜陵铜官重工机械有限公司", "建设矿山装备再制造生产线", 15000,
              {"04": V(2000, "2020年4月开工", "N", "入库资料准备中"), "05": V(4000, "2020年4月开工", "N", "入库资料准备中"),
               "06": V(6000, "2020年4月开工", "N", "入库资料准备中")}),
        Build("节能环保装备项目", "铜陵绿能环保装备有限公司", "年产除尘、脱硫环保装备500台套", 9000,
              {"04": V(2500, "续建", "是"), "05": V(3000, "已竣工", "是"), "06": V(3000, "已竣工", "是")}),  # bare 已竣工: start-unclassified
        Build("光电线缆生产线项目", "铜陵铜官光电线缆有限公司", "建设光电复合缆生产线", 12000,
              {"05": V(1500, "新开工", ""), "06": V(2600, "新开工", "是")}),  # May: 是否入库 blank → registered-blank
        # the same project pasted twice → duplicate-name on this repeat
        Build("高端液压件生产项目", "铜陵天马液压科技有限公司", "年产高端液压油缸、阀组10万套", 26000,
              {"05": V(6000, "新开工", "是")}),
    ],
}
# fmt: on

# Remarks (备注) of the files that have that extra column, by project name.
REMARKS = {
    "铜基电子材料产业园项目": "省重点项目",
    "精细磷化工一体化项目": "化工园区内",
    "铜材精深加工项目": "市重点项目",
    "电子铜箔二期项目": "省重点项目",
}

# =============================================================================== headers
# (column key, header text), left to right. "remark" is the extra 备注 column.

NOTICE_PLANNED = (
    ("seq", "序号"), ("name", "项目名称"), ("total", "总投资（万元）"), ("region", "所属区域"),
    ("scope", "建设规模与内容"), ("progress", "目前进展情况"), ("goal", "2020年工作目标"),
    ("unit", "项目单位"), ("unit_leader", "项目单位责任人"), ("lead_unit", "牵头协调推进责任单位"),
)  # fmt: skip
NOTICE_CONSTRUCTION = (
    ("seq", "序号"), ("name", "项目名称"), ("unit", "项目单位"), ("scope", "建设规模与内容"),
    ("total", "总投资（万元）"), ("completed", "2020年完成投资（万元）"), ("start", "开竣工情况"),
    ("registered", "是否入库"), ("issues", "存在问题"),
)  # fmt: skip
LINEBREAK_PLANNED = (
    ("seq", "序号"), ("name", "项目名称"), ("total", "总投资\n（万元）"), ("region", "所属\n区域"),
    ("scope", "建设规模\n与内容"), ("progress", "目前进展\n情况"), ("goal", "2020年\n工作目标"),
    ("unit", "项目单位"), ("unit_leader", "项目单位\n责任人"), ("lead_unit", "牵头协调推进\n责任单位"),
)  # fmt: skip
LINEBREAK_CONSTRUCTION = (
    ("seq", "序号"), ("name", "项目名称"), ("unit", "项目单位"), ("scope", "建设规模\n与内容"),
    ("total", "总投资\n（万元）"), ("completed", "2020年完成投资\n（万元）"), ("start", "开(竣)工情况"),
    ("registered", "是否\n入库"), ("issues", "存在问题"),
)  # fmt: skip
HALFWIDTH_PLANNED = (
    ("seq", "序号"), ("name", "项目名称"), ("total", "总投资(万元)"), ("region", "所属区域"),
    ("scope", "建设规模与内容"), ("progress", "目前进展情况"), ("goal", "2020年工作目标"),
    ("unit", "项目单位"), ("unit_leader", "项目单位责任人"), ("lead_unit", "牵头协调推进责任单位"),
)  # fmt: skip
HALFWIDTH_CONSTRUCTION = (
    ("seq", "序号"), ("name", "项目名称"), ("unit", "项目单位"), ("scope", "建设规模与内容"),
    ("total", "总投资(万元)"), ("completed", "2020年完成投资(万元)"), ("start", "开竣工情况"),
    ("registered", "是否入库"), ("issues", "存在问题"),
)  # fmt: skip
NO_UNIT_PLANNED = (  # units dropped, spaces inside names, 备注 appended
    ("seq", "序 号"), ("name", "项 目 名 称"), ("total", "总投资"), ("region", "所属区域"),
    ("scope", "建设规模与内容"), ("progress", "目前进展情况"), ("goal", "2020年工作目标"),
    ("unit", "项目单位"), ("unit_leader", "项目单位责任人"), ("lead_unit", "牵头协调推进责任单位"),
    ("remark", "备注"),
)  # fmt: skip
NO_UNIT_CONSTRUCTION = (  # units dropped, 备注 in the middle
    ("seq", "序号"), ("name", "项目名称"), ("unit", "项目单位"), ("scope", "建设规模与内容"),
    ("total", "总投资"), ("completed", "2020年完成投资"), ("remark", "备注"), ("start", "开竣工情况"),
    ("registered", "是否入库"), ("issues", "存在问题"),
)  # fmt: skip
REORDERED_PLANNED = (  # another column order
    ("seq", "序号"), ("name", "项目名称"), ("unit", "项目单位"), ("region", "所属区域"),
    ("total", "总投资（万元）"), ("scope", "建设规模与内容"), ("progress", "目前进展情况"),
    ("goal", "2020年工作目标"), ("unit_leader", "项目单位责任人"), ("lead_unit", "牵头协调推进责任单位"),
)  # fmt: skip
REORDERED_CONSTRUCTION = (
    ("seq", "序号"), ("name", "项目名称"), ("total", "总投资（万元）"),
    ("completed", "2020年完成投资（万元）"), ("unit", "项目单位"), ("scope", "建设规模与内容"),
    ("start", "开竣工情况"), ("registered", "是否入库"), ("issues", "存在问题"),
)  # fmt: skip

TITLE = {PLANNED: "铜陵市2020年工业谋划项目表", CONSTRUCTION: "铜陵市2020年工业在建项目进展情况表"}
NOTE = "注：每月25日前报"

# The gongjian template as the committed re-saved files were built (checked by --resave).
TEMPLATE_SHEET = {PLANNED: "附件2 谋划项目", CONSTRUCTION: "附件3 在建项目"}
TEMPLATE_HEADER_ROW = 3
TEMPLATE_FIRST_DATA_ROW = 4

# =============================================================================== files


@dataclass(frozen=True)
class Layout:
    """How a typed-from-scratch sheet is laid out."""

    headers: tuple[tuple[str, str], ...]
    pre_title: str | None = None  # a line above the title, e.g. "附件2"
    title: str | None = None
    gap: int = 0  # blank rows between title and header
    first_col: int = 0  # 0 = column A
    total_row: str | None = None  # column key holding 合计 ("seq" or "name"), None = no row
    total_formula: bool = False  # 合计 as =SUM(...) (with its cached value) or typed number
    trailing_blank: int = 0  # bordered empty rows below the data
    note: bool = False  # "注：每月25日前报" below the table


@dataclass(frozen=True)
class Sheet:
    """One table in a file: whose rows, which version, laid out how."""

    table: str
    district: str
    version: str
    name: str = "Sheet1"
    layout: Layout | None = None  # None → the gongjian template's layout
    typed: dict[str, dict[str, Any]] = field(default_factory=dict)  # name → {key: cell}
    # a template gongjian prefilled from the ledger with the rows of this version (the
    # month before): those rows carry their project's hidden key (see write_prefilled)
    prefilled_from: str | None = None


@dataclass(frozen=True)
class SampleFile:
    """One file of the inbox and what it is meant to exercise."""

    path: str  # relative to the inbox; a member's: its container's path / its name there
    kind: str  # template | prefilled | typed | xls | corrupt | lock | text | export | zip | eml
    received: str  # China time, ISO: the mtime; a member's: when collect counts it received
    exercises: tuple[str, ...]
    sheets: tuple[Sheet, ...] = ()
    district: str | None = None
    month: str | None = None
    identified_by: dict[str, str] = field(default_factory=dict)
    outcome: str = "accepted"  # accepted | superseded | rejected | skipped | ignored
    source: str | None = None  # corrupt: the file whose bytes are truncated
    expect: tuple[str, ...] = ()  # finding codes this file must produce (checked below)
    extra_sheets: tuple[str, ...] = ()  # empty sheets after the tables
    # codes of the checks against last month (and possible-rename) on this file, with
    # samples/name-pairs.csv; and without it when that differs (None: the same)
    expect_year: tuple[str, ...] = ()
    expect_year_unpaired: tuple[str, ...] | None = None
    # a file held in a zip or an e-mail: the container's path (the member is typed, never
    # on the disk by itself); an e-mail and its attachments: From and Date as written
    container: str | None = None
    sender: str | None = None
    date: str | None = None

    @property
    def resaved(self) -> bool:
        """Went through LibreOffice: not reproducible, rebuilt only with --resave."""
        return self.kind in {"template", "prefilled", "xls"}


A03, A04, A05, A06 = "2020-03", "2020-04", "2020-05", "2020-06"
ZIP06 = f"{A06}/枞阳县6月报表.zip"
EML06_LATE_SAVED = f"{A06}/铜官区6月在建项目表.eml"
EML06 = f"{A06}/铜官区6月谋划项目表.eml"
SENDER_NAME, SENDER_ADDRESS = "铜官区经信局 王芳", "tgq_wangfang@163.com"
SENDER = f"{SENDER_NAME} <{SENDER_ADDRESS}>"  # as the ledger records it
MONTHS = (A03, A04, A05, A06)
FN, SN, TR, TM, CR, CC = "file name", "sheet name", "title row", "template metadata", "所属区域 column", "column set"  # fmt: skip

FILES: tuple[SampleFile, ...] = (
    # ------------------------------------------------------------------ 2020-03
    SampleFile(
        f"{A03}/经开区附件2谋划项目3月.xlsx", "template", "2020-03-20T10:02:00",
        ("filled template re-saved by LibreOffice", "identification from template metadata",
         "新型显示用光学膜项目 planned (in 附件3 from June)"),
        (Sheet(PLANNED, "经开区", "03", TEMPLATE_SHEET[PLANNED]),),
        "经开区", A03, {"district": TM, "month": TM, "table": TM},
    ),
    SampleFile(
        f"{A03}/经开区附件3在建项目3月.xlsx", "template", "2020-03-20T10:05:00",
        ("filled template re-saved by LibreOffice", "identification from template metadata",
         "高端铜合金线材智能制造项目 未开工 (新开工 in April: no finding)"),
        (Sheet(CONSTRUCTION, "经开区", "03", TEMPLATE_SHEET[CONSTRUCTION]),),
        "经开区", A03, {"district": TM, "month": TM, "table": TM},
    ),
    SampleFile(
        f"{A03}/义安3月谋划.xlsx", "typed", "2020-03-23T09:40:00",
        ("typed from scratch", "district alias 义安, month 3月 without year", "附件2 line + title row",
         "合计 row typed in 项目名称 column", "新能源电池壳体项目 planned: left out of April's 附件2, "
         "in 附件3 from May, registered in June"),
        (Sheet(PLANNED, "义安区", "03", "Sheet1",
               Layout(NO_UNIT_PLANNED, pre_title="附件2", title=TITLE[PLANNED], total_row="name",
                      note=True)),),
        "义安区", A03, {"district": FN, "month": FN, "table": FN},
    ),
    SampleFile(
        f"{A03}/义安3月在建.xlsx", "typed", "2020-03-23T09:42:00",
        ("typed from scratch", "header without units", "备注 column between data columns"),
        (Sheet(CONSTRUCTION, "义安区", "03", "Sheet1",
               Layout(NO_UNIT_CONSTRUCTION, pre_title="附件3", title=TITLE[CONSTRUCTION])),),
        "义安区", A03, {"district": FN, "month": FN, "table": FN},
    ),
    SampleFile(
        f"{A03}/郊区附件3_202003.xlsx", "typed", "2020-03-24T15:20:00",
        ("typed from scratch", "month written 202003", "half-width brackets",
         "郊区 sends no 附件2 in March: planned missing"),
        (Sheet(CONSTRUCTION, "郊区", "03", "附件3", Layout(HALFWIDTH_CONSTRUCTION)),),
        "郊区", A03, {"district": FN, "month": FN, "table": FN},
    ),
    SampleFile(
        f"{A03}/枞阳2020年3月工业在建项目进展情况表.xlsx", "typed", "2020-03-27T11:30:00",
        ("typed from scratch", "late (after the 25th)", "district alias 枞阳 in file name",
         "title row directly above header", "header line breaks, 开(竣)工情况",
         "开竣工情况 free text (2020年3月开工, 计划6月开工)"),
        (Sheet(CONSTRUCTION, "枞阳县", "03", "Sheet1",
               Layout(LINEBREAK_CONSTRUCTION, title=TITLE[CONSTRUCTION], note=True)),),
        "枞阳县", A03, {"district": FN, "month": FN, "table": FN},
    ),
    # ------------------------------------------------------------------ 2020-04
    SampleFile(
        f"{A04}/经开区附件2谋划项目4月.xlsx", "template", "2020-04-21T09:12:00",
        ("filled template re-saved by LibreOffice", "identification from template metadata"),
        (Sheet(PLANNED, "经开区", "04", TEMPLATE_SHEET[PLANNED]),),
        "经开区", A04, {"district": TM, "month": TM, "table": TM},
    ),
    SampleFile(
        f"{A04}/经开区附件3在建项目4月.xlsx", "template", "2020-04-21T09:14:00",
        ("filled template re-saved by LibreOffice", "identification from template metadata"),
        (Sheet(CONSTRUCTION, "经开区", "04", TEMPLATE_SHEET[CONSTRUCTION]),),
        "经开区", A04, {"district": TM, "month": TM, "table": TM},
    ),
    SampleFile(
        f"{A04}/枞阳2020年4月工业谋划项目表.xlsx", "typed", "2020-04-22T15:40:00",
        ("typed from scratch", "district alias 枞阳 in file name", "title row + blank row above header",
         "header shifted right (starts in column B)", "header line breaks", "合计 row as =SUM formula",
         "注 line", "empty extra sheets Sheet2/Sheet3"),
        (Sheet(PLANNED, "枞阳县", "04", "Sheet1",
               Layout(LINEBREAK_PLANNED, title=TITLE[PLANNED], gap=1, first_col=1,
                      total_row="seq", total_formula=True, note=True)),),
        "枞阳县", A04, {"district": FN, "month": FN, "table": FN},
        extra_sheets=("Sheet2", "Sheet3"),  # Excel 2007's new workbook had three sheets
    ),
    SampleFile(
        f"{A04}/枞阳2020年4月工业在建项目进展情况表.xlsx", "typed", "2020-04-22T15:41:00",
        ("typed from scratch", "title row directly above header", "header line breaks, 开(竣)工情况",
         "开竣工情况 free text (2020年3月开工, 计划6月开工)", "是否入库 Y / 未入库",
         "blank bordered rows below data", "注 line"),
        (Sheet(CONSTRUCTION, "枞阳县", "04", "Sheet1",
               Layout(LINEBREAK_CONSTRUCTION, title=TITLE[CONSTRUCTION], trailing_blank=3, note=True)),),
        "枞阳县", A04, {"district": FN, "month": FN, "table": FN},
    ),
    SampleFile(
        f"{A04}/郊区附件2_202004.xlsx", "typed", "2020-04-24T11:05:00",
        ("typed from scratch", "month written 202004", "half-width brackets 总投资(万元)",
         "no title row", "sheet named 附件2"),
        (Sheet(PLANNED, "郊区", "04", "附件2", Layout(HALFWIDTH_PLANNED)),),
        "郊区", A04, {"district": FN, "month": FN, "table": FN},
    ),
    SampleFile(
        f"{A04}/郊区附件3_202004.xlsx", "typed", "2020-04-24T11:06:00",
        ("typed from scratch", "month written 202004", "half-width brackets", "amount as text 22,000"),
        (Sheet(CONSTRUCTION, "郊区", "04", "附件3", Layout(HALFWIDTH_CONSTRUCTION),
               typed={"磷铵装置节能改造项目": {"total": "22,000"}}),),
        "郊区", A04, {"district": FN, "month": FN, "table": FN},
    ),
    SampleFile(
        f"{A04}/义安4月谋划.xlsx", "typed", "2020-04-23T10:20:00",
        ("typed from scratch", "district alias 义安, month 4月 without year", "附件2 line + title row",
         "header without units (总投资), spaces inside header names", "extra 备注 column",
         "合计 row typed in 项目名称 column", "注 line",
         "planned-dropped: 新能源电池壳体项目 of March is in neither April table"),
        (Sheet(PLANNED, "义安区", "04", "Sheet1",
               Layout(NO_UNIT_PLANNED, pre_title="附件2", title=TITLE[PLANNED], total_row="name",
                      note=True)),),
        "义安区", A04, {"district": FN, "month": FN, "table": FN},
        expect_year=("planned-dropped",),
    ),
    SampleFile(
        f"{A04}/义安4月在建.xlsx", "typed", "2020-04-23T10:21:00",
        ("typed from scratch", "header without units", "备注 column between data columns",
         "开竣工情况 free text 2020年2月开工", "是否入库 已入库"),
        (Sheet(CONSTRUCTION, "义安区", "04", "Sheet1",
               Layout(NO_UNIT_CONSTRUCTION, pre_title="附件3", title=TITLE[CONSTRUCTION])),),
        "义安区", A04, {"district": FN, "month": FN, "table": FN},
    ),
    SampleFile(
        f"{A04}/铜官区2020.04.xlsx", "typed", "2020-04-27T16:45:00",
        ("late (after the 25th)", "month written 2020.04", "table known only from the column set",
         "是否入库 N"),
        (Sheet(CONSTRUCTION, "铜官区", "04", "Sheet1", Layout(NOTICE_CONSTRUCTION)),),
        "铜官区", A04, {"district": FN, "month": FN, "table": CC},
    ),
    # ------------------------------------------------------------------ 2020-05
    SampleFile(
        f"{A05}/经开区附件2谋划项目5月.xlsx", "template", "2020-05-22T09:30:00",
        ("filled template re-saved by LibreOffice", "identification from template metadata",
         "duplicate-across-districts (with 义安区)"),
        (Sheet(PLANNED, "经开区", "05", TEMPLATE_SHEET[PLANNED]),),
        "经开区", A05, {"district": TM, "month": TM, "table": TM},
        expect=("duplicate-across-districts",),
    ),
    SampleFile(
        f"{A05}/经开区附件3在建项目5月.xlsx", "template", "2020-05-22T09:31:00",
        ("filled template re-saved by LibreOffice", "identification from template metadata",
         "completed-exceeds-total", "竣工 choices of the drop-down"),
        (Sheet(CONSTRUCTION, "经开区", "05", TEMPLATE_SHEET[CONSTRUCTION]),),
        "经开区", A05, {"district": TM, "month": TM, "table": TM},
        expect=("completed-exceeds-total",),
    ),
    SampleFile(
        f"{A05}/~$经开区附件3在建项目5月.xlsx", "lock", "2020-05-22T09:31:00",
        ("office lock file (~$…, 165 bytes of owner name): ignored",),
        outcome="ignored",
    ),
    SampleFile(
        f"{A05}/枞阳县2020年5月项目表.xlsx", "typed", "2020-05-25T17:40:00",
        ("both tables in one workbook (sheets 附件2谋划, 附件3在建)", "table from sheet name",
         "received on the 25th: still on time", "amounts as text: 3.8亿, 1.5亿元, 52,000, full-width "
         "１２０００, ３０００万元, ' 8000 '", "below-1yi", "unreadable-amount (待定)", "other-district",
         "registered-below-10m", "开竣工情况 拟6月开工 / 续建，预计10月竣工", "是否入库 已入库 / Y / N"),
        (Sheet(PLANNED, "枞阳县", "05", "附件2谋划",
               Layout(LINEBREAK_PLANNED, title=TITLE[PLANNED], gap=1, note=True),
               typed={"光伏玻璃深加工项目": {"total": "52,000"},
                      "年产5万吨生物降解材料项目": {"total": "3.8亿"},
                      "农产品精深加工项目": {"total": "1.5亿元"},
                      "铸造产业园技改提升项目": {"total": "１２０００"}}),
         Sheet(CONSTRUCTION, "枞阳县", "05", "附件3在建",
               Layout(LINEBREAK_CONSTRUCTION, title=TITLE[CONSTRUCTION], gap=1, note=True),
               typed={"园区污水处理厂提标改造项目": {"total": "３０００万元"},
                      "新型墙材生产线技改项目": {"total": " 8000 "}})),
        "枞阳县", A05, {"district": FN, "month": FN, "table": SN},
        expect=("below-1yi", "unreadable-amount", "other-district", "registered-below-10m"),
    ),
    SampleFile(
        f"{A05}/郊区-5月.xls", "xls", "2020-05-21T14:10:00",
        (".xls (BIFF8, converted by LibreOffice)", "table from sheet name 在建项目",
         "another column order (总投资, 完成投资 before 项目单位)", "unreadable-amount (约2亿多)",
         "start-unclassified (前期手续办理中)", "郊区 sends no 附件2 in May: planned carried from 2020-04"),
        (Sheet(CONSTRUCTION, "郊区", "05", "在建项目", Layout(REORDERED_CONSTRUCTION)),),
        "郊区", A05, {"district": FN, "month": FN, "table": SN},
        expect=("unreadable-amount", "start-unclassified"),
    ),
    SampleFile(
        f"{A05}/义安区报表.xlsx", "typed", "2020-05-20T16:30:00",
        ("month and table from the title row 铜陵市2020年工业在建项目进展情况表（义安区 2020年5月）",
         "superseded by 义安区报表（修改版）.xlsx", "blank bordered rows below data", "注 line"),
        (Sheet(CONSTRUCTION, "义安区", "05a", "Sheet1",
               Layout(NOTICE_CONSTRUCTION, title=f"{TITLE[CONSTRUCTION]}（义安区 2020年5月）", gap=1,
                      trailing_blank=5, note=True)),),
        "义安区", A05, {"district": FN, "month": TR, "table": TR}, outcome="superseded",
    ),
    SampleFile(
        f"{A05}/义安区报表（修改版）.xlsx", "typed", "2020-05-24T10:05:00",
        ("resubmission (修改版) superseding 义安区报表.xlsx: 铜材精深加工项目 完成投资 18000→19500, "
         "智能家电零部件项目 入库 否→是, one project added", "completed-blank"),
        (Sheet(CONSTRUCTION, "义安区", "05", "Sheet1",
               Layout(NOTICE_CONSTRUCTION, title=f"{TITLE[CONSTRUCTION]}（义安区 2020年5月）", gap=1,
                      trailing_blank=5, note=True)),),
        "义安区", A05, {"district": FN, "month": TR, "table": TR},
        expect=("completed-blank",),
    ),
    SampleFile(
        f"{A05}/5月谋划项目表.xlsx", "typed", "2020-05-22T10:00:00",
        ("district only from the content (所属区域 all 义安区)", "month 5月 from file name",
         "another column order (项目单位, 所属区域 before 总投资)", "duplicate-across-districts (with 经开区)"),
        (Sheet(PLANNED, "义安区", "05", "Sheet1", Layout(REORDERED_PLANNED, title=TITLE[PLANNED])),),
        "义安区", A05, {"district": CR, "month": FN, "table": FN},
        expect=("duplicate-across-districts",),
    ),
    SampleFile(
        f"{A05}/义安区报表说明.txt", "text", "2020-05-24T10:06:00",
        ("not a spreadsheet (GBK text): skipped",), outcome="skipped",
    ),
    SampleFile(
        f"{A05}/铜官区附件3（损坏）.xlsx", "corrupt", "2020-05-26T09:30:00",
        ("truncated zip: rejected as unreadable, nothing counted",),
        district="铜官区", month=A05, outcome="rejected", source=f"{A05}/新建 Microsoft Excel 工作表.xlsx",
    ),
    SampleFile(
        f"{A05}/新建 Microsoft Excel 工作表.xlsx", "typed", "2020-05-27T15:20:00",
        ("late (after the 25th)", "identified only by the title row 铜官区2020年5月工业在建项目进展情况表",
         "duplicate-name", "registered-blank", "start-unclassified (bare 已竣工)",
         "铜官区 never sends 附件2: planned missing"),
        (Sheet(CONSTRUCTION, "铜官区", "05", "Sheet1",
               Layout(NOTICE_CONSTRUCTION, title="铜官区2020年5月工业在建项目进展情况表")),),
        "铜官区", A05, {"district": TR, "month": TR, "table": TR},
        expect=("duplicate-name", "registered-blank", "start-unclassified"),
    ),
    # ------------------------------------------------------------------ 2020-06
    SampleFile(
        f"{A06}/附件2-铜陵市2020年工业谋划项目表-经开区-2020年06月.xlsx", "prefilled", "2020-06-19T16:10:00",
        ("June template prefilled by gongjian from March–May's returns (May's rows, hidden "
         "project keys), filled in with openpyxl, re-saved by LibreOffice",
         "identification from template metadata", "目前进展情况 updated on two rows",
         "新型显示用光学膜项目 row deleted: in 附件3 now, so not planned-dropped",
         "duplicate-across-districts (with 义安区)"),
        (Sheet(PLANNED, "经开区", "06", TEMPLATE_SHEET[PLANNED], prefilled_from="05",
               typed={"铜基新材料产业园（三期）项目": {"progress": "环评已批复，土地摘牌公告已发布"},
                      "年产5万吨高端铜板带项目": {"progress": "已完成备案，能评报告评审中"}}),),
        "经开区", A06, {"district": TM, "month": TM, "table": TM},
        expect=("duplicate-across-districts",),
    ),
    SampleFile(
        f"{A06}/附件3-铜陵市2020年工业在建项目进展情况表-经开区-2020年06月.xlsx", "prefilled", "2020-06-19T16:12:00",
        ("June template prefilled by gongjian from March–May's returns (May's rows, hidden "
         "project keys, 上月累计完成投资 beside), filled in with openpyxl, re-saved by LibreOffice",
         "identification from template metadata",
         "高端铜合金线材智能制造项目 renamed 高强高导铜合金线材智能制造项目 on its prefilled row "
         "(same key: same project)",
         "completed-decreased: 铜陵有色铜箔扩建项目 6500 (June's own amount, not the cumulative)",
         "completed-decreased: 电子级化学品配套仓储项目 13500 → 1900 (May's typo corrected)",
         "completed-blank + completed-decreased: 半导体封装引线框架项目 not updated (blank = 0)",
         "新型显示用光学膜项目 added below the prefilled rows (planned since March)"),
        (Sheet(CONSTRUCTION, "经开区", "06", TEMPLATE_SHEET[CONSTRUCTION], prefilled_from="05"),),
        "经开区", A06, {"district": TM, "month": TM, "table": TM},
        expect=("completed-blank",), expect_year=("completed-decreased", "renamed"),
    ),
    SampleFile(
        f"{A06}/义安6月谋划.xlsx", "typed", "2020-06-22T10:15:00",
        ("typed from scratch", "district alias 义安, month 6月 without year",
         "电子级铜粉项目 no longer listed: in 附件3 now, so not planned-dropped",
         "duplicate-across-districts (with 经开区)"),
        (Sheet(PLANNED, "义安区", "06", "Sheet1",
               Layout(NO_UNIT_PLANNED, pre_title="附件2", title=TITLE[PLANNED], total_row="name",
                      note=True)),),
        "义安区", A06, {"district": FN, "month": FN, "table": FN},
        expect=("duplicate-across-districts",),
    ),
    SampleFile(
        f"{A06}/义安6月在建.xlsx", "typed", "2020-06-22T10:18:00",
        ("typed from scratch (not the prefilled template: no project keys)",
         "新能源电池壳体项目 registered (是否入库 是): planned in March, started in May",
         "覆铜板用玻纤布项目 renamed 覆铜板用电子级玻纤布项目: one project only with "
         "samples/name-pairs.csv (else possible-rename + project-dropped)",
         "project-dropped: 电线电缆技改项目 gone without 竣工",
         "电子级铜粉项目 added (planned since March)"),
        (Sheet(CONSTRUCTION, "义安区", "06", "Sheet1",
               Layout(NO_UNIT_CONSTRUCTION, pre_title="附件3", title=TITLE[CONSTRUCTION])),),
        "义安区", A06, {"district": FN, "month": FN, "table": FN},
        expect_year=("project-dropped", "renamed"),
        expect_year_unpaired=("possible-rename", "project-dropped"),
    ),
    SampleFile(
        f"{A06}/郊区附件3_202006.xlsx", "typed", "2020-06-28T09:05:00",
        ("typed from scratch", "late (after the 25th)", "month written 202006",
         "铜精矿深加工项目 completed in May and not listed: no project-dropped",
         "年产3万吨高分子材料项目 总投资 readable now (20000)", "开竣工情况 2020年6月开工",
         "郊区 sends no 附件2 since April: planned carried from 2020-04"),
        (Sheet(CONSTRUCTION, "郊区", "06", "附件3", Layout(HALFWIDTH_CONSTRUCTION)),),
        "郊区", A06, {"district": FN, "month": FN, "table": FN},
    ),
    # containers and exports: what collect reads besides loose workbooks
    SampleFile(
        ZIP06, "zip", "2020-06-23T16:40:00",
        ("zip made by Windows (GBK member names, UTF-8 flag off) with a folder inside",
         "each member a file of its own: 枞阳县6月报表.zip/枞阳县/附件2-谋划.xlsx",
         "received = the zip's mtime"),
        district="枞阳县", month=A06,
    ),
    SampleFile(
        f"{ZIP06}/枞阳县/附件2-谋划.xlsx", "typed", "2020-06-23T16:40:00",
        ("member of a zip", "district, month and table from the zip's and the member's names",
         "May's breaches sent again uncorrected: below-1yi, unreadable-amount (待定), "
         "other-district", "duplicate-across-districts (铜矿尾矿综合利用项目, with 铜官区)"),
        (Sheet(PLANNED, "枞阳县", "06", "Sheet1",
               Layout(NOTICE_PLANNED, pre_title="附件2", title=TITLE[PLANNED])),),
        "枞阳县", A06, {"district": FN, "month": FN, "table": FN},
        expect=("below-1yi", "unreadable-amount", "other-district", "duplicate-across-districts"),
        container=ZIP06,
    ),
    SampleFile(
        f"{ZIP06}/枞阳县/附件3-在建.xlsx", "typed", "2020-06-23T16:40:00",
        ("member of a zip", "district, month and table from the zip's and the member's names",
         "registered-below-10m (包装材料生产线项目 again)", "农机装备制造项目 拟6月开工 → 2020年6月开工"),
        (Sheet(CONSTRUCTION, "枞阳县", "06", "Sheet1",
               Layout(NOTICE_CONSTRUCTION, pre_title="附件3", title=TITLE[CONSTRUCTION])),),
        "枞阳县", A06, {"district": FN, "month": FN, "table": FN},
        expect=("registered-below-10m",), container=ZIP06,
    ),
    SampleFile(
        EML06_LATE_SAVED, "eml", "2020-06-27T08:50:00",
        ("e-mail (.eml) sent on the 24th (Date 09:35 UTC = 17:35 China time), saved into the "
         "inbox on the 27th: on time by its Date, not its mtime",
         "attachment name in RFC 2231 (filename*=GBK''…)", "From with a GBK display name (RFC 2047)"),
        district="铜官区", month=A06, sender=SENDER, date="Wed, 24 Jun 2020 09:35:12 +0000",
    ),
    SampleFile(
        f"{EML06_LATE_SAVED}/铜官区附件3_2020年6月.xlsx", "typed", "2020-06-24T17:35:12",
        ("attachment of an e-mail", "received = the message's Date in China time: on time",
         "start-unclassified (bare 已竣工 again)", "光电线缆生产线项目 是否入库 blank → 是"),
        (Sheet(CONSTRUCTION, "铜官区", "06", "Sheet1",
               Layout(NOTICE_CONSTRUCTION, title=TITLE[CONSTRUCTION])),),
        "铜官区", A06, {"district": FN, "month": FN, "table": FN},
        expect=("start-unclassified",), container=EML06_LATE_SAVED, sender=SENDER,
    ),
    SampleFile(
        EML06, "eml", "2020-06-22T10:20:00",
        ("e-mail (.eml) saved minutes after it was sent",
         "attachment name in RFC 2047 inside the quoted filename (as Foxmail writes it)"),
        district="铜官区", month=A06, sender=SENDER, date="Mon, 22 Jun 2020 10:12:40 +0800",
    ),
    SampleFile(
        f"{EML06}/铜官区附件2_2020年6月.xlsx", "typed", "2020-06-22T10:12:40",
        ("attachment of an e-mail", "铜官区's first 附件2 of the year",
         "duplicate-across-districts (铜矿尾矿综合利用项目, with 枞阳县)"),
        (Sheet(PLANNED, "铜官区", "06", "Sheet1", Layout(NOTICE_PLANNED, title=TITLE[PLANNED])),),
        "铜官区", A06, {"district": FN, "month": FN, "table": FN},
        expect=("duplicate-across-districts",), container=EML06, sender=SENDER,
    ),
    SampleFile(
        f"{A06}/郊区附件2_202006.xls", "export", "2020-06-24T09:00:00",
        ("system export: an HTML table named .xls (gb2312 meta, GBK bytes), as an old report "
         "system writes it", "title row as a merged cell (colspan)",
         "the same five projects as April (carried in May): no figure changes"),
        (Sheet(PLANNED, "郊区", "06", "谋划项目表", Layout(HALFWIDTH_PLANNED, title=TITLE[PLANNED])),),
        "郊区", A06, {"district": FN, "month": FN, "table": FN},
    ),
)  # fmt: skip

# =============================================================================== rows


@dataclass
class Row:
    """One project row as written: column key → cell value. ``source``: on a prefilled
    template, the name of the row it was prefilled from (the row carries that project's
    hidden key); None for a row the district added."""

    cells: dict[str, Any]
    source: str | None = None


def sheet_rows(sheet: Sheet) -> list[Row]:
    """The project rows of ``sheet`` in order, cells as typed (序号 numbered 1, 2, …).

    A prefilled template lists the rows of its source version first (in their order: a
    row the district deleted is gone, the rows below moved up), then the added rows."""
    rows: list[Row] = []
    src = sheet.prefilled_from
    if sheet.table == PLANNED:
        for p in PLANNED_PROJECTS[sheet.district]:
            if sheet.version not in p.versions:
                continue
            cells = {
                "name": p.name, "total": p.total, "region": p.region or sheet.district,
                "scope": p.scope, "progress": p.progress, "goal": p.goal, "unit": p.unit,
                "unit_leader": p.leader, "lead_unit": p.lead,
            }  # fmt: skip
            rows.append(Row(cells, p.name if src in p.versions else None))
    else:
        for b in CONSTRUCTION_PROJECTS[sheet.district]:
            v = b.v.get(sheet.version)
            if v is None:
                continue
            cells = {
                "name": v.name or b.name, "unit": b.unit, "scope": b.scope,
                "total": b.total if v.total is None else v.total, "completed": v.done,
                "start": v.start, "registered": v.reg, "issues": v.issues,
            }  # fmt: skip
            source = (b.v[src].name or b.name) if src in b.v else None
            rows.append(Row(cells, source))
    if src is not None:  # prefilled rows first, added rows below them
        rows.sort(key=lambda r: r.source is None)
    for i, row in enumerate(rows, start=1):
        row.cells["seq"] = i
        row.cells["remark"] = REMARKS.get(row.cells["name"], "")
        row.cells.update(sheet.typed.get(row.cells["name"], {}))
    return rows


@dataclass(frozen=True)
class Placement:
    """Where a sheet's header and rows are (Excel rows, 1-based; columns as letters)."""

    header_row: int
    first_data_row: int
    letters: dict[str, str]  # column key → letter


def col_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def placement(sheet: Sheet) -> Placement:
    if sheet.layout is None:  # the gongjian template: notice order from column A
        headers = NOTICE_PLANNED if sheet.table == PLANNED else NOTICE_CONSTRUCTION
        letters = {k: col_letter(i) for i, (k, _) in enumerate(headers)}
        return Placement(TEMPLATE_HEADER_ROW, TEMPLATE_FIRST_DATA_ROW, letters)
    lay = sheet.layout
    header_row = 1 + (lay.pre_title is not None) + (lay.title is not None) + lay.gap
    letters = {k: col_letter(lay.first_col + i) for i, (k, _) in enumerate(lay.headers)}
    return Placement(header_row, header_row + 1, letters)


# =============================================================================== writers

AUTHORS = {"经开区": "Administrator", "枞阳县": "微软用户", "郊区": "lenovo", "义安区": "User",
           "铜官区": "admin"}  # fmt: skip


def write_typed(path: Path, spec: SampleFile) -> None:
    """A workbook typed after the Word notice (xlsxwriter, byte-reproducible)."""
    import xlsxwriter

    created = datetime.fromisoformat(spec.received).replace(second=0) - timedelta(minutes=25)
    wb = xlsxwriter.Workbook(
        str(path),
        {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
         "strings_to_urls": False},
    )  # fmt: skip
    wb.set_properties(
        {"author": AUTHORS.get(spec.district or "", "Administrator"), "created": created}
    )
    base = {"font_name": "宋体", "font_size": 11, "valign": "vcenter"}
    fmt = {
        "pre": wb.add_format({**base, "font_name": "黑体", "font_size": 12}),
        "title": wb.add_format({**base, "font_name": "方正小标宋简体", "font_size": 18, "align": "center"}),
        "head": wb.add_format({**base, "bold": True, "border": 1, "align": "center", "text_wrap": True}),
        "text": wb.add_format({**base, "border": 1, "text_wrap": True}),
        "num": wb.add_format({**base, "border": 1}),
        "center": wb.add_format({**base, "border": 1, "align": "center"}),
        "note": wb.add_format(base),
    }  # fmt: skip
    for sheet in spec.sheets:
        _typed_sheet(wb, fmt, sheet)
    for name in spec.extra_sheets:
        wb.add_worksheet(name)
    wb.close()


def _typed_sheet(wb: Any, fmt: dict[str, Any], sheet: Sheet) -> None:
    lay = sheet.layout
    assert lay is not None
    ws = wb.add_worksheet(sheet.name)
    place = placement(sheet)
    c0, c1 = lay.first_col, lay.first_col + len(lay.headers) - 1
    r = 0
    if lay.pre_title:
        ws.write_string(r, c0, lay.pre_title, fmt["pre"])
        r += 1
    if lay.title:
        ws.merge_range(r, c0, r, c1, lay.title, fmt["title"])
        ws.set_row(r, 32)
        r += 1
    r += lay.gap
    assert r + 1 == place.header_row
    ws.set_row(r, 40 if any("\n" in h for _, h in lay.headers) else 24)
    for i, (key, head) in enumerate(lay.headers):
        ws.write_string(r, c0 + i, head, fmt["head"])
        ws.set_column(c0 + i, c0 + i, _WIDTHS.get(key, 14))
    rows = sheet_rows(sheet)
    for row in rows:
        r += 1
        for i, (key, _) in enumerate(lay.headers):
            _write_cell(ws, r, c0 + i, key, row.cells.get(key), fmt)
    if lay.total_row:
        r += 1
        for i, (key, _) in enumerate(lay.headers):
            if key == lay.total_row:
                ws.write_string(r, c0 + i, "合计", fmt["center"])
            elif key in {"total", "completed"}:
                values = [_plain_number(row.cells.get(key)) for row in rows]
                value = sum(v for v in values if v is not None)
                if lay.total_formula:
                    first, last = place.first_data_row, place.first_data_row + len(rows) - 1
                    letter = place.letters[key]
                    ws.write_formula(
                        r, c0 + i, f"=SUM({letter}{first}:{letter}{last})", fmt["num"], value
                    )
                else:
                    ws.write_number(r, c0 + i, value, fmt["num"])
            else:
                ws.write_blank(r, c0 + i, None, fmt["text"])
    for _ in range(lay.trailing_blank):
        r += 1
        for i in range(len(lay.headers)):
            ws.write_blank(r, c0 + i, None, fmt["text"])
    if lay.note:
        r += 1
        ws.write_string(r, c0, NOTE, fmt["note"])


_WIDTHS = {"seq": 6, "name": 30, "scope": 36, "unit": 26, "issues": 24, "progress": 22, "goal": 22}


def _write_cell(ws: Any, r: int, c: int, key: str, value: Any, fmt: dict[str, Any]) -> None:
    if value is None or value == "":
        ws.write_blank(r, c, None, fmt["text"])
    elif isinstance(value, int | float):
        ws.write_number(r, c, value, fmt["center"] if key == "seq" else fmt["num"])
    else:
        style = fmt["center"] if key in {"start", "registered", "region"} else fmt["text"]
        ws.write_string(r, c, str(value), style)


def _plain_number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def write_corrupt(path: Path, spec: SampleFile, out: Path) -> None:
    """The first 40 % of another sample's bytes: a truncated zip, as a broken mail download."""
    assert spec.source
    data = (out / spec.source).read_bytes()
    path.write_bytes(data[: len(data) * 2 // 5])


def write_lock(path: Path, spec: SampleFile) -> None:
    """An Excel owner ("lock") file: 1-byte length + ANSI name, padded; UTF-16 name; 165 bytes."""
    name = "Administrator"
    data = bytes([len(name)]) + name.encode("ascii") + b" " * (53 - len(name))
    data += len(name).to_bytes(2, "little") + name.encode("utf-16-le")
    path.write_bytes(
        data + b"\x20\x00" * ((165 - len(data)) // 2) + b"\x00" * ((165 - len(data)) % 2)
    )


def write_text(path: Path, spec: SampleFile) -> None:
    """A note from 义安区 in GBK, as Windows Notepad saved it."""
    text = (
        "义安区2020年5月报表说明\r\n"
        "1. 在建项目表已修改，请以《义安区报表（修改版）》为准，原5月20日报送的作废。\r\n"
        "2. 新增“新能源电池壳体项目”，完成投资数据待企业核实后补报。\r\n"
        "3. 谋划项目表已于5月22日报送。\r\n"
        "联系人：义安区经信局 技装科\r\n"
    )
    path.write_bytes(text.encode("gbk"))


def members(container: SampleFile) -> list[SampleFile]:
    """The files a zip or an e-mail holds, in the order they are written."""
    return [s for s in FILES if s.container == container.path]


def member_name(spec: SampleFile) -> str:
    """A member's name inside its container (``枞阳县/附件2-谋划.xlsx``)."""
    assert spec.container
    return spec.path[len(spec.container) + 1 :]


def typed_bytes(spec: SampleFile) -> bytes:
    """The bytes of a typed workbook (as write_typed writes it to a file)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "member.xlsx"
        write_typed(path, spec)
        return path.read_bytes()


class _GbkZipInfo(zipfile.ZipInfo):
    """A member whose name is written in GBK without the UTF-8 flag (bit 11), as
    Windows' "send to compressed folder" and WPS write Chinese names."""

    __slots__ = ()

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def write_zip(path: Path, spec: SampleFile) -> None:
    """A zip of typed members, GBK names, fixed timestamps (byte-reproducible)."""
    when = datetime.fromisoformat(spec.received) - timedelta(minutes=10)
    stamp = (when.year, when.month, when.day, when.hour, when.minute, 0)
    with zipfile.ZipFile(path, "w") as zf:
        folders: list[str] = []
        for member in members(spec):
            name = member_name(member)
            folder = name.rsplit("/", 1)[0] + "/" if "/" in name else None
            if folder and folder not in folders:  # Windows lists the folder first
                folders.append(folder)
                info = _GbkZipInfo(folder, stamp)
                info.external_attr = 0x10  # MS-DOS directory
                zf.writestr(info, b"")
            info = _GbkZipInfo(name, stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0  # MS-DOS, as Windows writes it
            info.external_attr = 0x20  # archive bit
            zf.writestr(info, typed_bytes(member))


def _words(text: str) -> str:
    """RFC 2047 encoded word, GBK, base64 (as Foxmail and Outlook write Chinese)."""
    return f"=?GBK?B?{base64.b64encode(text.encode('gbk')).decode('ascii')}?="


def write_eml(path: Path, spec: SampleFile) -> None:
    """An e-mail as a mail program saves it (.eml): a GBK text part and the workbooks
    attached; fixed boundary and Message-ID (byte-reproducible). The first attachment
    name of a message whose Date is in UTC is written in RFC 2231 form, the others in
    RFC 2047 form inside the quoted filename."""
    assert spec.date and spec.month
    parts = members(spec)
    boundary = f"----=_NextPart_GJ_{spec.received[:10].replace('-', '')}_{len(parts)}"
    month = int(spec.month[5:])
    tables = "、".join("附件2" if m.sheets[0].table == PLANNED else "附件3" for m in parts)
    subject = f"铜官区{month}月工业项目报表（{tables}）"
    body = f"投资科：\r\n    附件是铜官区{month}月{tables}，请查收。\r\n铜官区经信局 王芳\r\n"
    head = [
        f"From: {_words(SENDER_NAME)} <{SENDER_ADDRESS}>",
        f"To: {_words('市经信局投资科')} <tlsjxj_tzk@163.com>",
        f"Subject: {_words(subject)}",
        f"Date: {spec.date}",
        f"Message-ID: <{spec.received[:10].replace('-', '')}{len(parts)}.gj-sample@163.com>",
        "MIME-Version: 1.0",
        f'Content-Type: multipart/mixed; boundary="{boundary}"',
        "",
        "This is a multi-part message in MIME format.",
        "",
        f"--{boundary}",
        "Content-Type: text/plain; charset=GBK",
        "Content-Transfer-Encoding: base64",
        "",
        *_b64_lines(body.encode("gbk")),
    ]
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    for member in parts:
        name = member_name(member)
        if spec.date.endswith("+0000"):
            quoted = "".join(
                chr(b) if (chr(b).isalnum() and b < 128) or chr(b) in "._-" else f"%{b:02X}"
                for b in name.encode("gbk")
            )
            disposition = f"Content-Disposition: attachment; filename*=GBK''{quoted}"
            content_type = f"Content-Type: {xlsx}"
        else:
            disposition = f'Content-Disposition: attachment; filename="{_words(name)}"'
            content_type = f'Content-Type: {xlsx}; name="{_words(name)}"'
        head += [
            "",
            f"--{boundary}",
            content_type,
            "Content-Transfer-Encoding: base64",
            disposition,
            "",
            *_b64_lines(typed_bytes(member)),
        ]
    head += ["", f"--{boundary}--", ""]
    path.write_bytes("\r\n".join(head).encode("ascii"))


def _b64_lines(data: bytes) -> list[str]:
    text = base64.b64encode(data).decode("ascii")
    return [text[i : i + 76] for i in range(0, len(text), 76)]


def write_export(path: Path, spec: SampleFile) -> None:
    """An "Excel" file exported by an old report system: an HTML table in GBK with a
    gb2312 meta, named .xls; the title is a merged cell over the header."""
    from html import escape

    (sheet,) = spec.sheets
    lay = sheet.layout
    assert lay is not None and lay.title and not lay.pre_title and not lay.gap
    width = len(lay.headers)
    lines = [
        "<html>",
        "<head>",
        '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">',
        f"<title>{escape(sheet.name)}</title>",
        "</head>",
        "<body>",
        '<table border="1" cellspacing="0" cellpadding="2">',
        f'<tr><td colspan="{width}" align="center"><b>{escape(lay.title)}</b></td></tr>',
        "<tr>" + "".join(f"<td>{escape(h)}</td>" for _, h in lay.headers) + "</tr>",
    ]
    for row in sheet_rows(sheet):
        cells = []
        for key, _ in lay.headers:
            value = row.cells.get(key)
            text = (
                ""
                if value in (None, "")
                else f"{value:g}"
                if isinstance(value, float)
                else str(value)
            )
            cells.append(f"<td>{escape(text)}</td>")
        lines.append("<tr>" + "".join(cells) + "</tr>")
    lines += ["</table>", "</body>", "</html>", ""]
    path.write_bytes("\r\n".join(lines).encode("gbk"))


def read_container(path: Path) -> dict[str, bytes]:
    """The members of a sample zip or e-mail by name, read back with zipfile and the
    email package (this file's own reading, not gongjian's): GBK names decoded."""
    import email
    import email.header
    from email import policy

    data = path.read_bytes()
    if path.suffix == ".zip":
        out: dict[str, bytes] = {}
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in zf.infolist():
                if info.is_dir():
                    continue
                assert not info.flag_bits & 0x800, "UTF-8 flag set"
                out[info.filename.encode("cp437").decode("gbk")] = zf.read(info)
        return out
    msg = email.message_from_bytes(data, policy=policy.default)
    found = {}
    for part in msg.iter_attachments():
        name = part.get_filename() or ""
        if "=?" in name:  # RFC 2047 inside quotes: not decoded by the policy
            name = str(email.header.make_header(email.header.decode_header(name)))
        found[name] = part.get_payload(decode=True)
    return found


def check_container(path: Path, spec: SampleFile) -> None:
    """Each member of the written container reads back under its name with its bytes."""
    got = read_container(path)
    want = {member_name(m): typed_bytes(m) for m in members(spec)}
    if got != want:
        raise SystemExit(f"{spec.path}: members read back {sorted(got)}, expected {sorted(want)}")


def _soffice(src: Path, fmt: str, outdir: Path) -> Path:
    """Convert with LibreOffice in its own profile (other soffice runs may be going on)."""
    profile = Path(tempfile.gettempdir()) / "lo-samples-profile"
    cmd = [
        "soffice", "--headless", f"-env:UserInstallation=file://{profile}",
        "--convert-to", fmt, "--outdir", str(outdir), str(src),
    ]  # fmt: skip
    subprocess.run(cmd, check=True, capture_output=True, timeout=180)
    out = outdir / (src.stem + "." + fmt.split(":")[0])
    if not out.exists():
        raise RuntimeError(f"LibreOffice did not write {out}")
    return out


def write_template(path: Path, spec: SampleFile) -> None:
    """A gongjian template filled in (openpyxl) and re-saved by LibreOffice (--resave only)."""
    import openpyxl

    from gongjian_cli import template as tpl
    from gongjian_cli.month import Month
    from gongjian_cli.targets import load_targets

    if (tpl.HEADER_ROW, tpl.FIRST_DATA_ROW) != (TEMPLATE_HEADER_ROW, TEMPLATE_FIRST_DATA_ROW):
        raise SystemExit("template layout changed: update TEMPLATE_* in samples/generate.py")
    (sheet,) = spec.sheets
    if tpl.sheet_name(tpl.Table(sheet.table)) != TEMPLATE_SHEET[sheet.table]:
        raise SystemExit(
            "template sheet name changed: update TEMPLATE_SHEET in samples/generate.py"
        )
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        blank = tmpdir / "blank.xlsx"
        tpl.build_template(
            blank, targets=load_targets(), district=sheet.district,
            month=Month.parse(spec.month or ""), table=tpl.Table(sheet.table),
        )  # fmt: skip
        wb = openpyxl.load_workbook(blank)
        ws = wb[sheet.name]
        place = placement(sheet)
        for i, row in enumerate(sheet_rows(sheet)):
            for key, letter in place.letters.items():
                value = row.cells.get(key)
                if value not in (None, ""):
                    ws[f"{letter}{place.first_data_row + i}"] = value
        filled = tmpdir / "filled" / path.name
        filled.parent.mkdir()
        wb.save(filled)
        (tmpdir / "out").mkdir()
        shutil.copyfile(_soffice(filled, "xlsx", tmpdir / "out"), path)


def gongjian(*args: str | Path, db: Path, names: Path) -> int:
    """Run the gongjian CLI (this Python's) as the clerk does; its exit code."""
    cmd = [sys.executable, "-m", "gongjian_cli", "--db", str(db), "--names", str(names)]
    done = subprocess.run([*cmd, *map(str, args)], capture_output=True, text=True, timeout=600)
    if done.returncode not in (0, 1):
        raise SystemExit(f"gongjian {' '.join(map(str, args))} failed:\n{done.stderr}")
    return done.returncode


def clerk_cycle(inbox: Path, month: str, work: Path, names: Path) -> Path:
    """The clerk's months before ``month`` on a fresh ledger, as samples/demo.py runs them:
    for each, init-templates (prefilled from the ledger) then collect that month's folder;
    then init-templates for ``month``. Returns the folder of ``month``'s templates."""
    db = work / "gongjian.db"
    for m in MONTHS:
        outbox = work / "outbox" / m
        if gongjian("init-templates", "--month", m, "--out", outbox, db=db, names=names):
            raise SystemExit(f"init-templates --month {m} failed")
        if m == month:
            return outbox
        gongjian("collect", inbox / m, "--feedback", work / "feedback", db=db, names=names)
    raise SystemExit(f"{month} is not a sample month")


def write_prefilled(path: Path, spec: SampleFile, outbox: Path) -> None:
    """A template gongjian prefilled (``outbox``, from :func:`clerk_cycle`), filled in by the
    district with openpyxl and re-saved by LibreOffice (--resave only).

    The prefilled rows must be the source version's rows (checked: a difference means the
    scenario or gongjian's prefill changed). The district then edits them as the scenario's
    rows say: updates every 2020年完成投资, renames, deletes a row (the rows below move up,
    each with its hidden key and reference cell), adds rows below; keys are never touched.
    """
    import openpyxl
    from openpyxl.utils import column_index_from_string

    from gongjian_cli.schema import PREVIOUS_COMPLETED_HEADER, PROJECT_KEY_HEADER

    (sheet,) = spec.sheets
    assert sheet.prefilled_from
    wb = openpyxl.load_workbook(outbox / Path(spec.path).name)
    ws = wb[sheet.name]
    place = placement(sheet)
    first = place.first_data_row
    heads = {ws.cell(place.header_row, c).value: c for c in range(1, ws.max_column + 1)}
    aux = [heads[h] for h in (PREVIOUS_COMPLETED_HEADER, PROJECT_KEY_HEADER) if h in heads]
    if PROJECT_KEY_HEADER not in heads:
        raise SystemExit(f"{spec.path}: gongjian did not prefill the template (no key column)")
    name_col = column_index_from_string(place.letters["name"])
    before: dict[str, dict[int, Any]] = {}
    while (name := ws.cell(first + len(before), name_col).value) not in (None, ""):
        r = first + len(before)
        before[name] = {c: ws.cell(r, c).value for c in range(1, ws.max_column + 1)}
    source = sheet_rows(
        Sheet(sheet.table, sheet.district, sheet.prefilled_from, sheet.name, sheet.layout)
    )
    if list(before) != [row.cells["name"] for row in source]:
        raise SystemExit(f"{spec.path}: prefilled rows {list(before)}, expected {source}")
    for row in source:
        got = before[row.cells["name"]]
        for key, letter in place.letters.items():
            if key in {"seq", "completed"}:
                continue
            want = row.cells.get(key)
            have = got[column_index_from_string(letter)]
            if (None if want == "" else want) != have:
                raise SystemExit(
                    f"{spec.path}: prefilled {row.cells['name']} {key} = {have!r}, expected {want!r}"
                )
    rows = sheet_rows(sheet)
    for i in range(max(len(before), len(rows))):
        row = rows[i] if i < len(rows) else None
        for key, letter in place.letters.items():
            value = None if row is None else row.cells.get(key)
            ws[f"{letter}{first + i}"] = None if value == "" else value
        kept = before[row.source] if row is not None and row.source is not None else None
        for c in aux:  # the hidden key and the reference cell stay with their row
            ws.cell(first + i, c).value = None if kept is None else kept[c]
    with tempfile.TemporaryDirectory() as tmp:
        filled = Path(tmp) / "filled" / path.name
        filled.parent.mkdir()
        wb.save(filled)
        (Path(tmp) / "out").mkdir()
        shutil.copyfile(_soffice(filled, "xlsx", Path(tmp) / "out"), path)


def write_xls(path: Path, spec: SampleFile) -> None:
    """Typed like the others, then saved as .xls by LibreOffice (--resave only)."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / (Path(spec.path).stem + ".xlsx")
        write_typed(src, spec)
        (Path(tmp) / "out").mkdir()
        shutil.copyfile(_soffice(src, "xls:MS Excel 97", Path(tmp) / "out"), path)


# =============================================================================== expected
# An independent reading of the cells as written, following DOMAIN.md; not gongjian's code.

YES, NO = {"是", "已入库", "入库", "Y", "YES"}, {"否", "未入库", "不入库", "N", "NO"}


def parse_amount(value: Any) -> float | None:
    """万元 from a cell: 12000, "12,000", "１２０００", "1.5亿", "3000万元", " 8000 "; else None."""
    if isinstance(value, int | float):
        return float(value)
    text = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "")
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(亿|万)?元?", text)
    if not m:
        return None
    return float(m.group(1)) * (10000 if m.group(2) == "亿" else 1)


def classify_start(text: str) -> tuple[str | None, bool]:
    """(new | continuing | not_started | None, 竣工) per DOMAIN.md's 开竣工情况 rule."""
    finished = "竣工" in text and not re.search(r"(预计|计划|拟).*竣工", text)
    if "续建" in text:
        return "continuing", finished
    if "未开工" in text or re.search(r"(计划|拟).*开工", text):
        return "not_started", finished
    if "新开工" in text or re.search(r"\d+月.*开工", text):
        return "new", finished
    return None, finished


@dataclass
class Checked:
    """A row as the rules see it."""

    sheet: str
    excel_row: int
    name: str
    total: float | None
    completed: float
    registered: bool
    start: str | None
    finished: bool
    findings: list[dict[str, Any]]
    excluded: bool = False  # counts nowhere
    no_investment: bool = False
    no_registered: bool = False
    unit: str | None = None  # 项目单位
    source: str | None = None  # prefilled from the row of this name (carries its key)


def check_sheet(sheet: Sheet) -> list[Checked]:
    """Findings and counting flags for each project row of ``sheet``."""
    place = placement(sheet)
    out: list[Checked] = []
    seen: set[str] = set()
    for i, row in enumerate(sheet_rows(sheet)):
        c = row.cells
        excel_row = place.first_data_row + i
        found: list[dict[str, Any]] = []

        def add(code: str, key: str, *, _r: int = excel_row, _f: list = found) -> None:
            _f.append({"code": code, "sheet": sheet.name, "row": _r, "column": place.letters[key]})

        name = unicodedata.normalize("NFKC", c["name"]).replace(" ", "")
        total = parse_amount(c["total"])
        chk = Checked(sheet.name, excel_row, c["name"], total, 0.0, False, None, False, found)
        chk.unit, chk.source = c.get("unit") or None, row.source
        if name in seen:
            add("duplicate-name", "name")
            chk.excluded = True
        seen.add(name)
        if total is None:
            add("unreadable-amount", "total")
            chk.excluded = True
        if sheet.table == PLANNED:
            if total is not None and total < 10000:
                add("below-1yi", "total")
                chk.excluded = True
            if c["region"] != sheet.district:
                add("other-district", "region")
        else:
            if c["completed"] in (None, ""):
                add("completed-blank", "completed")
            else:
                chk.completed = parse_amount(c["completed"]) or 0.0
            reg = str(c["registered"]).strip().upper()
            chk.registered = reg in YES
            if not reg:
                add("registered-blank", "registered")
            elif reg not in YES | NO:
                add("registered-unknown", "registered")
            if total is not None and chk.completed > total:
                add("completed-exceeds-total", "completed")
                chk.no_investment = True
            if chk.registered and total is not None and total < 1000:
                add("registered-below-10m", "total")
                chk.no_registered = True
            chk.start, chk.finished = classify_start(c["start"])
            if chk.start is None:
                add("start-unclassified", "start")
        out.append(chk)
    return out


def _yi(wan: float) -> float:
    return round(wan / 10000, 4)


def metrics(planned: list[Checked] | None, construction: list[Checked] | None) -> dict[str, Any]:
    """DOMAIN.md's metrics of one district from its rows in effect."""
    m: dict[str, Any] = dict.fromkeys(
        ("investment", "new_starts", "continuing", "completed", "registered",
         "registered_1yi_plus", "registered_10m_1yi", "planned_count", "planned_investment",
         "planned_1_5", "planned_5_10", "planned_10_plus"), 0)  # fmt: skip
    invest = 0.0
    for r in construction or []:
        if r.excluded or r.total is None:
            continue
        key = r.total >= 10000
        if key and not r.no_investment:
            invest += r.completed
        if key and r.start == "new":
            m["new_starts"] += 1
        if key and r.start == "continuing":
            m["continuing"] += 1
        if key and r.finished:
            m["completed"] += 1
        if r.registered and not r.no_registered and r.total >= 1000:
            m["registered"] += 1
            m["registered_1yi_plus" if key else "registered_10m_1yi"] += 1
    m["investment"] = _yi(invest)
    planned_sum = 0.0
    for r in planned or []:
        if r.excluded or r.total is None:
            continue
        m["planned_count"] += 1
        planned_sum += r.total
        band = "planned_10_plus" if r.total >= 100000 else "planned_5_10" if r.total >= 50000 else "planned_1_5"  # fmt: skip
        m[band] += 1
    m["planned_investment"] = _yi(planned_sum)
    return m


@dataclass(frozen=True)
class InEffect:
    """A district's table for a month: on_time / late / carried / missing, and which sheet."""

    status: str
    path: str | None = None
    index: int = 0  # the sheet's index in the file
    carried_from: str | None = None


def in_effect(files: tuple[SampleFile, ...] = ()) -> dict[str, dict[tuple[str, str], InEffect]]:
    """month → (district, table) → the sheet in effect: the latest (by received time)
    accepted or superseded-later file of the month, else the latest earlier month's (carried)."""
    files = files or FILES
    subs: dict[tuple[str, str, str], list[tuple[str, str, int]]] = defaultdict(list)
    for spec in files:
        if spec.outcome in {"accepted", "superseded"}:
            for i, sheet in enumerate(spec.sheets):
                subs[sheet.district, spec.month or "", sheet.table].append((spec.received, spec.path, i))  # fmt: skip
    out: dict[str, dict[tuple[str, str], InEffect]] = {}
    for month in MONTHS:
        out[month] = {}
        for district in DISTRICTS:
            for table in (PLANNED, CONSTRUCTION):
                own = sorted(subs.get((district, month, table), []))
                earlier = [m for m in MONTHS if m < month and subs.get((district, m, table))]
                if own:
                    received, path, i = own[-1]
                    late = received > f"{month}-{DEADLINE_DAY:02d}T23:59:59"
                    out[month][district, table] = InEffect("late" if late else "on_time", path, i)
                elif earlier:
                    _, path, i = sorted(subs[district, earlier[-1], table])[-1]
                    out[month][district, table] = InEffect("carried", path, i, earlier[-1])
                else:
                    out[month][district, table] = InEffect("missing")
    return out


def check_files(files: tuple[SampleFile, ...] = ()) -> dict[tuple[str, int], list[Checked]]:
    """(file, sheet index) → its rows as the rules see them."""
    return {
        (spec.path, i): check_sheet(sheet)
        for spec in files or FILES
        for i, sheet in enumerate(spec.sheets)
    }


def expected(
    files: tuple[SampleFile, ...] = (),
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, Any], dict[str, Any]]:
    """(findings per file, status per month/district/table, metrics per month/district) of
    the inbox made of ``files`` (default: all of them)."""
    files = files or FILES
    checked = check_files(files)
    findings: dict[str, list[dict[str, Any]]] = {spec.path: [] for spec in files}
    for (path, _), rows in checked.items():
        for r in rows:
            findings[path] += r.findings
    effect = in_effect(files)
    status: dict[str, Any] = {}
    result: dict[str, Any] = {}
    for month in MONTHS:
        status[month], result[month] = {}, {}
        current: list[tuple[str, int]] = []  # 附件2 returned for the month (not carried)
        for district in DISTRICTS:
            status[month][district] = {}
            rows: dict[str, list[Checked] | None] = {}
            for table in (PLANNED, CONSTRUCTION):
                e = effect[month][district, table]
                st: dict[str, Any] = {"status": e.status}
                if e.carried_from:
                    st["from"] = e.carried_from
                if e.path:
                    st["file"] = e.path
                status[month][district][table] = st
                rows[table] = checked[e.path, e.index] if e.path else None
                if e.path and table == PLANNED and e.status != "carried":
                    current.append((e.path, e.index))
            result[month][district] = metrics(rows[PLANNED], rows[CONSTRUCTION])
        # duplicate-across-districts: the same 项目名称 in two districts' 附件2 of the month
        names: dict[str, list[tuple[str, Checked]]] = defaultdict(list)
        for path, i in current:
            for r in checked[path, i]:
                if not r.excluded:
                    names[r.name].append((path, r))
        for hits in names.values():
            if len(hits) > 1:
                for path, r in hits:
                    letter = placement(_sheet_of(path, r.sheet)).letters["name"]
                    found = {"code": "duplicate-across-districts", "sheet": r.sheet}
                    findings[path].append({**found, "row": r.excel_row, "column": letter})
        city = {k: 0 for k in next(iter(result[month].values()))}
        for figures in result[month].values():
            for k, v in figures.items():
                city[k] += v
        result[month]["全市"] = {k: round(v, 4) for k, v in city.items()}
    for found in findings.values():
        found.sort(key=lambda f: (f["sheet"], f["row"], f["column"], f["code"]))
    return findings, status, result


def _sheet_of(path: str, name: str) -> Sheet:
    spec = next(s for s in FILES if s.path == path)
    return next(s for s in spec.sheets if s.name == name)


def check_expectations(
    findings: dict[str, list[dict[str, Any]]], year: dict[str, Any] | None = None
) -> None:
    """Each file produces exactly the finding codes it declares (guards the scenario), and
    the checks against last month exactly the codes declared with and without the
    name-pair file."""
    for spec in FILES:
        got = sorted({f["code"] for f in findings[spec.path]})
        if got != sorted(set(spec.expect)):
            raise SystemExit(f"{spec.path}: findings {got}, declared {sorted(spec.expect)}")
    if year is None:
        return
    for paired in (True, False):
        per_file: dict[str, set[str]] = defaultdict(set)
        for view in year.values():
            view = view if paired else {**view, **view.get("without_name_pairs", {})}
            for f in view["findings"]:
                per_file[f["file"]].add(f["code"])
        for spec in FILES:
            declared = spec.expect_year
            if not paired and spec.expect_year_unpaired is not None:
                declared = spec.expect_year_unpaired
            got = sorted(per_file.get(spec.path, set()))
            if got != sorted(set(declared)):
                which = "with" if paired else "without"
                raise SystemExit(
                    f"{spec.path}: checks against last month {got} {which} the name-pair "
                    f"file, declared {sorted(declared)}"
                )


# =============================================================================== the year
# Months March–June as one year, by this file's own reading of DOMAIN "The year": which
# rows are one project, the checks of a month against the month before, the register line
# of a project and the conversion funnel. Rows in effect for a month are those of each
# district's latest file of that month for each table (carried tables add no rows).

# The clerk's name-pair file shipped as samples/name-pairs.csv (县区, 原名称, 新名称).
NAME_PAIRS = (("义安区", "覆铜板用玻纤布项目", "覆铜板用电子级玻纤布项目"),)
NAME_PAIRS_FILE = "name-pairs.csv"
# The projects whose register lines the manifest gives (by any of their names).
STORY = (
    ("义安区", "新能源电池壳体项目"),  # planned March → started May → registered June
    ("经开区", "高强高导铜合金线材智能制造项目"),  # renamed on its prefilled row (key)
    ("经开区", "高端铜合金线材智能制造项目"),
    ("义安区", "覆铜板用电子级玻纤布项目"),  # renamed, one project only with the pair file
    ("义安区", "覆铜板用玻纤布项目"),
    ("经开区", "铜陵有色铜箔扩建项目"),  # cumulative 完成投资 drops in June
    ("经开区", "半导体封装引线框架项目"),  # left blank in June
    ("义安区", "电线电缆技改项目"),  # dropped in June without 竣工
    ("郊区", "铜精矿深加工项目"),  # completed in May, then not listed (not dropped)
    ("经开区", "新型显示用光学膜项目"),  # planned March → 附件3 June
    ("义安区", "电子级铜粉项目"),  # planned March → 附件3 June
)
_YEAR_CODES = (
    "completed-decreased", "project-dropped", "planned-dropped", "registered-revoked",
    "start-class-changed", "total-changed", "possible-rename", "renamed",
)  # fmt: skip
_BRACKETS = str.maketrans({"(": "（", ")": "）", "[": "（", "]": "）", "【": "（", "】": "）"})


def norm_name(name: str) -> str:
    """NFKC, all whitespace removed, brackets as （）: the form two names are compared in."""
    return "".join(unicodedata.normalize("NFKC", name).split()).translate(_BRACKETS)


def _stem(name: str) -> str:
    name = re.sub(r"（[^（）]*）$", "", name)
    for word in ("建设项目", "项目", "工程"):
        if name.endswith(word) and len(name) > len(word):
            return name[: -len(word)]
    return name


def close_names(a: str, b: str) -> bool:
    """Two different normalised names that may be one project renamed: the same once a
    trailing bracket note and 项目/工程 are dropped, one inside the other (≥ 6 characters),
    or nearly the same text (difflib ratio ≥ 0.8)."""
    import difflib

    if a == b:
        return False
    if _stem(a) and _stem(a) == _stem(b):
        return True
    short, long_ = sorted((a, b), key=len)
    if len(short) >= 6 and short in long_:
        return True
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= 0.8


@dataclass
class YRow:
    """A row in effect: a Checked row with where it is."""

    id: int
    path: str
    district: str
    table: str
    month: str
    chk: Checked
    letters: dict[str, str]

    @property
    def norm(self) -> str:
        return norm_name(self.chk.name)

    @property
    def order(self) -> tuple[str, int, int]:
        return (self.month, self.table == CONSTRUCTION, self.chk.excel_row)

    @property
    def started(self) -> bool:
        return self.chk.start in {"new", "continuing"}

    @property
    def counts_registered(self) -> bool:
        c = self.chk
        return c.registered and not c.excluded and not c.no_registered and (c.total or 0) >= 1000


class _Groups:
    """Union-find over hashable nodes."""

    def __init__(self) -> None:
        self.up: dict[Any, Any] = {}

    def find(self, x: Any) -> Any:
        while self.up.setdefault(x, x) != x:
            x = self.up[x]
        return x

    def join(self, a: Any, b: Any) -> None:
        self.up[self.find(b)] = self.find(a)


def year_rows(checked: dict[tuple[str, int], list[Checked]], effect: dict[str, Any]) -> list[YRow]:
    """Every row of every file in effect for its own month (March–June), in month order."""
    out: list[YRow] = []
    for month in MONTHS:
        for district in DISTRICTS:
            for table in (PLANNED, CONSTRUCTION):
                e = effect[month][district, table]
                if e.path is None or e.status == "carried":
                    continue
                sheet = next(s for s in FILES if s.path == e.path).sheets[e.index]
                letters = placement(sheet).letters
                for chk in checked[e.path, e.index]:
                    out.append(YRow(len(out), e.path, district, table, month, chk, letters))
    return out


def projects(rows: list[YRow], *, paired: bool) -> dict[int, list[YRow]]:
    """Rows grouped into projects (project id → rows in month, table, row order): within a
    district, rows of one normalised name are one project; a prefilled row is the project
    of the row it was prefilled from (its key); the name pairs join two names."""
    g = _Groups()
    for r in rows:
        g.join(("name", r.district, r.norm), r.id)
        if r.chk.source is not None:  # the hidden key names the source row's project
            g.join(("name", r.district, norm_name(r.chk.source)), r.id)
    if paired:
        for district, old, new in NAME_PAIRS:
            g.join(("name", district, norm_name(old)), ("name", district, norm_name(new)))
    out: dict[Any, list[YRow]] = defaultdict(list)
    for r in sorted(rows, key=lambda x: (x.district, x.order)):
        out[g.find(r.id)].append(r)
    return {members[0].id: members for members in out.values()}


def register_line(rows: list[YRow]) -> dict[str, Any] | None:
    """The project's line of the register (None when no row of it is valid)."""
    valid = [r for r in rows if not r.chk.excluded]
    if not valid:
        return None
    latest = max(rows, key=lambda r: (r.month, r.table == CONSTRUCTION, -r.chk.excel_row))
    names: list[str] = []
    for r in rows:
        if r.norm != latest.norm and r.norm not in map(norm_name, names):
            names.append(r.chk.name)
    built = [r for r in valid if r.table == CONSTRUCTION]
    invested: dict[str, float] = {}
    for r in built:
        invested.setdefault(r.month, r.chk.completed)

    def first(these: list[YRow]) -> str | None:
        return these[0].month if these else None

    return {
        "district": latest.district,
        "name": latest.chk.name,
        "names": names,
        "total_investment": latest.chk.total,
        "first_planned": first([r for r in valid if r.table == PLANNED]),
        "first_construction": first(built),
        "started": first([r for r in built if r.started]),
        "registered": first([r for r in built if r.counts_registered]),
        "completed": first([r for r in built if r.chk.finished]),
        "completed_investment": invested,
    }


def year_findings(
    rows: list[YRow], groups: dict[int, list[YRow]], effect: dict[str, Any], month: str
) -> list[dict[str, Any]]:
    """The checks of ``month`` against the month before, and possible-rename, on each file
    returned for ``month``."""
    pid = {r.id: p for p, members in groups.items() for r in members}
    by_file: dict[tuple[str, str], list[YRow]] = defaultdict(list)
    for r in rows:  # a workbook may hold both tables (枞阳县's May file)
        by_file[r.path, r.table].append(r)

    def first_rows(path: str | None, table: str) -> dict[int, YRow]:
        out: dict[int, YRow] = {}
        for r in by_file.get((path or "", table), []):
            out.setdefault(pid[r.id], r)
        return out

    out: list[dict[str, Any]] = []

    def add(code: str, r: YRow, *, at: str | None, file: str, project: str) -> None:
        out.append({
            "code": code, "district": r.district, "table": r.table, "file": file,
            "row": None if at is None else r.chk.excel_row,
            "column": None if at is None else r.letters[at], "project": project,
        })  # fmt: skip

    i = MONTHS.index(month)
    for district in DISTRICTS:
        for table in (PLANNED, CONSTRUCTION):
            e = effect[month][district, table]
            if e.path is None or e.status == "carried":
                continue
            now = first_rows(e.path, table)
            prev = effect[MONTHS[i - 1]][district, table] if i else InEffect("missing")
            if prev.path is not None:
                before = first_rows(prev.path, table)
                for p, r in now.items():
                    b = before.get(p)
                    if b is None:
                        continue
                    if r.norm != b.norm:  # one project (key or name pair), a new name
                        add("renamed", r, at="name", file=e.path, project=r.chk.name)
                    if table == CONSTRUCTION:
                        if r.chk.completed < b.chk.completed:
                            add("completed-decreased", r, at="completed", file=e.path, project=r.chk.name)  # fmt: skip
                        if b.chk.registered and not r.chk.registered:
                            add("registered-revoked", r, at="registered", file=e.path, project=r.chk.name)  # fmt: skip
                        if {b.chk.start, r.chk.start} == {"new", "continuing"}:
                            add("start-class-changed", r, at="start", file=e.path, project=r.chk.name)  # fmt: skip
                    t0, t1 = b.chk.total, r.chk.total
                    if t0 and t1 is not None and abs(t1 - t0) > 0.1 * t0:
                        add("total-changed", r, at="total", file=e.path, project=r.chk.name)
                built_now = first_rows(effect[month][district, CONSTRUCTION].path, CONSTRUCTION)
                for p, b in before.items():
                    if p in now:
                        continue
                    if table == CONSTRUCTION and not b.chk.finished:
                        add("project-dropped", b, at=None, file=e.path, project=b.chk.name)
                    if table == PLANNED and p not in built_now:
                        add("planned-dropped", b, at=None, file=e.path, project=b.chk.name)
            # possible-rename: a project first seen now (not through a key) whose name is
            # close to one of an earlier project of the district that this month lacks
            earlier = [
                members for members in groups.values()
                if members[0].district == district and members[0].month < month
                and all(x.month != month for x in members)
            ]  # fmt: skip
            for p, r in now.items():
                members = groups[p]
                if members[0].month != month or any(x.chk.source for x in members):
                    continue
                for other in earlier:
                    units = [x.chk.unit for x in other if x.chk.unit]
                    if r.chk.unit and units and norm_name(r.chk.unit) != norm_name(units[-1]):
                        continue
                    if any(close_names(r.norm, x.norm) for x in other):
                        add("possible-rename", r, at="name", file=e.path, project=r.chk.name)
                        break
    out.sort(key=lambda f: (f["file"], f["row"] or 0, f["code"], f["project"]))
    return out


def _conversion(groups: dict[int, list[YRow]]) -> dict[str, dict[str, int]]:
    out = {d: dict.fromkeys(("planned", "in_construction", "started", "registered"), 0) for d in DISTRICTS}  # fmt: skip
    for members in groups.values():
        valid = [r for r in members if not r.chk.excluded]
        if not any(r.table == PLANNED for r in valid):
            continue
        built = [r for r in valid if r.table == CONSTRUCTION]
        c = out[members[0].district]
        c["planned"] += 1
        c["in_construction"] += bool(built)
        c["started"] += any(r.started for r in built)
        c["registered"] += any(r.counts_registered for r in built)
    out["全市"] = {k: sum(out[d][k] for d in DISTRICTS) for k in out[DISTRICTS[0]]}
    return out


def _year_view(rows: list[YRow], effect: dict[str, Any], month: str, *, paired: bool) -> dict[str, Any]:  # fmt: skip
    upto = [r for r in rows if r.month <= month]
    groups = projects(upto, paired=paired)
    lines = [line for members in groups.values() if (line := register_line(members))]
    story = {(d, norm_name(n)) for d, n in STORY}
    count = {d: sum(1 for x in lines if x["district"] == d) for d in DISTRICTS}
    return {
        "findings": year_findings(upto, groups, effect, month),
        "projects": [
            x
            for x in lines
            if any((x["district"], norm_name(n)) in story for n in (x["name"], *x["names"]))
        ],
        "project_count": {**count, "全市": sum(count.values())},
        "conversion": _conversion(groups),
    }


def expected_year() -> dict[str, Any]:
    """month → the year as of that month with samples/name-pairs.csv: ``findings`` (the
    month's checks against the month before, and possible-rename), ``projects`` (register
    lines of the STORY projects), ``project_count`` (register lines per district),
    ``conversion`` (per district and 全市); ``without_name_pairs``: those of the four that
    differ without the file."""
    effect = in_effect()
    rows = year_rows(check_files(), effect)
    out: dict[str, Any] = {}
    for month in MONTHS:
        view = _year_view(rows, effect, month, paired=True)
        bare = _year_view(rows, effect, month, paired=False)
        diff = {k: v for k, v in bare.items() if v != view[k]}
        out[month] = {**view, **({"without_name_pairs": diff} if diff else {})}
    return out


# =============================================================================== manifest


def build_manifest() -> dict[str, Any]:
    findings, status, figures = expected()
    year = expected_year()
    check_expectations(findings, year)
    files: dict[str, Any] = {}
    for spec in FILES:
        entry: dict[str, Any] = {
            "received": spec.received,
            "kind": spec.kind,
            "regenerated": "--resave" if spec.resaved else "default",
            "district": spec.district or (spec.sheets[0].district if spec.sheets else None),
            "month": spec.month,
            "tables": [s.table for s in spec.sheets],
            "outcome": spec.outcome,
        }
        if spec.sheets and spec.month and spec.outcome in {"accepted", "superseded"}:
            entry["late"] = spec.received > f"{spec.month}-{DEADLINE_DAY:02d}T23:59:59"
        if spec.container:
            entry["container"] = spec.container
            entry["member"] = member_name(spec)
        if spec.kind in ("zip", "eml"):
            entry["members"] = [m.path for m in members(spec)]
        if spec.sender:
            entry["sender"] = spec.sender
        if spec.date:
            entry["date"] = spec.date
        if spec.identified_by:
            entry["identified_by"] = spec.identified_by
        if spec.sheets:
            entry["sheets"] = {}
            for s in spec.sheets:
                place = placement(s)
                n = len(sheet_rows(s))
                entry["sheets"][s.name] = {
                    "table": s.table,
                    "header_row": place.header_row,
                    "data_rows": [place.first_data_row, place.first_data_row + n - 1],
                    "columns": place.letters,
                }
                if s.prefilled_from:  # the columns a prefilled template adds after the notice's
                    after = len(place.letters)
                    aux = ["project_key"] if s.table == PLANNED else ["previous_completed", "project_key"]  # fmt: skip
                    entry["sheets"][s.name]["prefilled_from"] = f"{YEAR}-{s.prefilled_from}"
                    entry["sheets"][s.name]["aux_columns"] = {
                        k: col_letter(after + i) for i, k in enumerate(aux)
                    }
        entry["exercises"] = list(spec.exercises)
        entry["findings"] = findings[spec.path]
        files[spec.path] = entry
    for spec in FILES:  # supersession within the same (district, month, table)
        if spec.outcome == "superseded":
            later = next(
                s.path for s in FILES
                if s is not spec and s.outcome == "accepted" and s.district == spec.district
                and s.month == spec.month and [x.table for x in s.sheets] == [x.table for x in spec.sheets]
            )  # fmt: skip
            files[spec.path]["superseded_by"] = later
            files[later]["supersedes"] = spec.path
    return {
        "about": "Sample returned files; see samples/README.md. Times are local, naive.",
        "files": files,
        "expected_status": status,
        "expected_metrics": figures,
        "name_pairs": {
            "file": NAME_PAIRS_FILE,
            "pairs": [{"district": d, "old": o, "new": n} for d, o, n in NAME_PAIRS],
        },
        "expected_year": year,
    }


def write_name_pairs(path: Path) -> None:
    """samples/name-pairs.csv: the clerk's name-pair file (UTF-8 with BOM, as Excel saves)."""
    lines = ["县区,原名称,新名称", "# 义安区6月在建表把项目改了名：同一项目，按一个项目统计"]
    lines += [",".join(pair) for pair in NAME_PAIRS]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8-sig"))


def restore_times(inbox: Path, manifest: Path) -> None:
    """Set each file's mtime (its received time) from the manifest; git does not keep mtimes.
    The manifest's times are China time (``clock``), whatever the machine's zone."""
    from gongjian_cli.clock import timestamp

    data = json.loads(Path(manifest).read_text(encoding="utf-8"))
    for rel, entry in data["files"].items():
        path = Path(inbox) / rel
        if path.exists():
            t = timestamp(datetime.fromisoformat(entry["received"]))
            os.utime(path, (t, t))


# =============================================================================== README tables

_METRIC_COLUMNS = (
    ("investment", "投资(亿元)"), ("new_starts", "新开工"), ("continuing", "续建"),
    ("completed", "竣工"), ("registered", "入库"), ("registered_1yi_plus", "入库≥1亿"),
    ("registered_10m_1yi", "入库1000万-1亿"), ("planned_count", "谋划(个)"),
    ("planned_investment", "谋划(亿元)"), ("planned_1_5", "1-5亿"), ("planned_5_10", "5-10亿"),
    ("planned_10_plus", "10亿+"),
)  # fmt: skip
_STATUS = {"on_time": "按时", "late": "逾期", "carried": "沿用", "missing": "未报"}


def readme_tables(manifest: dict[str, Any]) -> dict[str, str]:
    """Markdown blocks for README.md's generated sections."""
    lines = ["| file | received | district · month · table | exercises |", "|---|---|---|---|"]
    for rel, e in manifest["files"].items():
        what = "; ".join(e["exercises"])
        tables = "+".join(e["tables"]) or "—"
        lines.append(f"| `{rel}` | {e['received'].replace('T', ' ')} | {e['district'] or '—'} · {e['month'] or '—'} · {tables} | {what} |")  # fmt: skip
    files_md = "\n".join(lines)

    lines = ["| file | sheet | row | column | code |", "|---|---|---|---|---|"]
    for rel, e in manifest["files"].items():
        for f in e["findings"]:
            lines.append(f"| `{rel}` | {f['sheet']} | {f['row']} | {f['column']} | `{f['code']}` |")
    findings_md = "\n".join(lines)

    blocks = {"files": files_md, "findings": findings_md}
    for month, per in manifest["expected_metrics"].items():
        st = manifest["expected_status"][month]
        head = (
            "| district | 附件2 | 附件3 | " + " | ".join(lbl for _, lbl in _METRIC_COLUMNS) + " |"
        )
        lines = [head, "|" + "---|" * (3 + len(_METRIC_COLUMNS))]
        for district, figs in per.items():
            cells = []
            for table in (PLANNED, CONSTRUCTION):
                s = st.get(district, {}).get(table)
                cells.append(
                    ""
                    if s is None
                    else _STATUS[s["status"]] + (f" {s['from']}" if "from" in s else "")
                )
            vals = [f"{figs[k]:g}" for k, _ in _METRIC_COLUMNS]
            lines.append(f"| {district} | {' | '.join(cells)} | {' | '.join(vals)} |")
        blocks[f"metrics-{month}"] = "\n".join(lines)
    blocks.update(_year_tables(manifest["expected_year"]))
    return blocks


def _month_label(month: str | None) -> str:
    return "—" if month is None else f"{int(month[5:])}月"


def _year_tables(year: dict[str, Any]) -> dict[str, str]:
    """README blocks of the year: cross-month findings, story register, conversion."""
    lines = [
        "| month | file | row | column | code | project | with name-pairs.csv | without |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for month, view in year.items():
        bare = view.get("without_name_pairs", {}).get("findings", view["findings"])
        union = [*view["findings"], *(x for x in bare if x not in view["findings"])]
        for x in sorted(union, key=lambda x: (x["file"], x["row"] or 0, x["code"], x["project"])):
            marks = ["✓" if x in found else "—" for found in (view["findings"], bare)]
            where = [str(x["row"] or "—"), x["column"] or "—"]
            lines.append(f"| {month} | `{x['file']}` | {' | '.join(where)} | `{x['code']}` | {x['project']} | {' | '.join(marks)} |")  # fmt: skip
    findings_md = "\n".join(lines)

    months = list(year)
    head = "| district | project | earlier names | 谋划 | 在建 | 开工 | 入库 | 竣工 | "
    head += " | ".join(f"完成投资 {_month_label(m)}" for m in months) + " |"

    def register(entries: list[dict[str, Any]]) -> str:
        out = [head, "|" + "---|" * (8 + len(months))]
        for x in entries:
            when = [_month_label(x[k]) for k in ("first_planned", "first_construction", "started", "registered", "completed")]  # fmt: skip
            money = [f"{x['completed_investment'][m]:g}" if m in x["completed_investment"] else "—" for m in months]  # fmt: skip
            out.append(f"| {x['district']} | {x['name']} | {'、'.join(x['names']) or '—'} | {' | '.join(when)} | {' | '.join(money)} |")  # fmt: skip
        return "\n".join(out)

    last = year[months[-1]]
    with_pairs = last["projects"]
    bare = last.get("without_name_pairs", {}).get("projects", with_pairs)
    blocks = {
        "year-findings": findings_md,
        "register": register(with_pairs),
        "register-without-name-pairs": register([x for x in bare if x not in with_pairs]),
    }
    lines = [
        "| month | district | 台账项目 | 谋划项目 | 已转在建 | 已开工 | 已入库 |",
        "|---|---|---|---|---|---|---|",
    ]
    for month, view in year.items():
        bare_count = view.get("without_name_pairs", {}).get("project_count", view["project_count"])  # fmt: skip
        for district, c in view["conversion"].items():
            n, m = view["project_count"][district], bare_count[district]
            count = str(n) if n == m else f"{n} (without name-pairs.csv: {m})"
            figures = " | ".join(str(c[k]) for k in ("planned", "in_construction", "started", "registered"))  # fmt: skip
            lines.append(f"| {month} | {district} | {count} | {figures} |")
    blocks["conversion"] = "\n".join(lines)
    return blocks


def update_readme(blocks: dict[str, str]) -> None:
    """Replace the text between <!-- generated:NAME --> and <!-- /generated:NAME --> markers."""
    text = README.read_text(encoding="utf-8")
    for name, body in blocks.items():
        pattern = re.compile(
            rf"(<!-- generated:{name} -->\n)(?:.*?\n)?(<!-- /generated:{name} -->)", re.S
        )
        text, n = pattern.subn(lambda m, b=body: m.group(1) + b + "\n" + m.group(2), text)
        if n != 1:
            raise SystemExit(f"README.md: no generated:{name} section")
    README.write_text(text, encoding="utf-8")


# =============================================================================== main


def generate(root: Path = HERE, *, resave: bool | str = False) -> dict[str, Any]:
    """Write ``root``/inbox and ``root``/manifest.json; the README too when ``root`` is samples/.

    ``resave``: rebuild the LibreOffice files too (True), or those whose inbox path matches
    this glob ("2020-06/*"); the others are kept (copied from samples/inbox into ``root``).
    """
    root = Path(root)
    inbox = root / "inbox"
    home = root.resolve() == HERE.resolve()
    for month in MONTHS:
        (inbox / month).mkdir(parents=True, exist_ok=True)
    manifest = build_manifest()
    manifest_path = root / "manifest.json"
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", "utf-8")
    names = root / NAME_PAIRS_FILE
    write_name_pairs(names)
    # corrupt files need their source; prefilled ones the earlier months' files
    order = sorted(FILES, key=lambda s: (s.kind == "prefilled", s.kind == "corrupt"))
    outboxes: dict[str, Path] = {}
    with tempfile.TemporaryDirectory() as work:
        for spec in order:
            path = inbox / spec.path
            rebuild = resave is True or (bool(resave) and fnmatch.fnmatch(spec.path, str(resave)))
            if spec.resaved:
                if rebuild and spec.kind == "prefilled":
                    month = spec.month or ""
                    if month not in outboxes:
                        restore_times(inbox, manifest_path)  # received times decide supersession
                        outboxes[month] = clerk_cycle(inbox, month, Path(work) / month, names)
                    write_prefilled(path, spec, outboxes[month])
                elif rebuild:
                    (write_template if spec.kind == "template" else write_xls)(path, spec)
                elif not home and (INBOX / spec.path).exists():
                    shutil.copyfile(INBOX / spec.path, path)
                elif not path.exists():
                    print(
                        f"missing {spec.path}: run with --resave (needs soffice)", file=sys.stderr
                    )
            elif spec.container:
                continue  # written into its zip or e-mail
            elif spec.kind == "typed":
                write_typed(path, spec)
            elif spec.kind in ("zip", "eml"):
                (write_zip if spec.kind == "zip" else write_eml)(path, spec)
                check_container(path, spec)
            elif spec.kind == "export":
                write_export(path, spec)
            elif spec.kind == "corrupt":
                write_corrupt(path, spec, inbox)
            elif spec.kind == "lock":
                write_lock(path, spec)
            elif spec.kind == "text":
                write_text(path, spec)
    restore_times(inbox, manifest_path)
    if home:
        update_readme(readme_tables(manifest))
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out", type=Path, default=HERE, help="write DIR/inbox and DIR/manifest.json"
    )
    parser.add_argument(
        "--resave", nargs="?", const=True, default=False, metavar="GLOB",
        help="rebuild the LibreOffice files too (only those matching GLOB, e.g. '2020-06/*')",
    )  # fmt: skip
    parser.add_argument("--touch", action="store_true", help="only restore mtimes of DIR/inbox")
    args = parser.parse_args(argv)
    if args.touch:
        restore_times(args.out / "inbox", MANIFEST)
    else:
        generate(args.out, resave=args.resave)
    return 0


if __name__ == "__main__":
    sys.exit(main())
