"""The responsible units (责任单位) named in the plan: canonical names, aliases, English names.

Owners rarely write a unit the way the plan prints it ("税务局", "工商局", "tax bureau"), so each
unit carries the names people actually use. Longer aliases win over shorter ones when matching.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Unit:
    """A responsible unit.

    name: the canonical name as printed in the plan, e.g. ``区市场监管局``.
    english: the English name used in English answers.
    aliases: other ways people write it, Chinese or English (matched case-insensitively).
    """

    name: str
    english: str
    aliases: tuple[str, ...]


UNITS: tuple[Unit, ...] = (
    Unit("区府办", "District Government Office",
         ("区政府办公室", "区政府办", "政府办公室", "区府", "government office")),
    Unit("区行政服务中心", "District Administrative Service Center",
         ("行政服务中心", "政务服务中心", "办事大厅", "政务大厅", "行政中心",
          "administrative service center", "administrative service centre", "service center",
          "service centre")),
    Unit("区市场监管局", "District Administration for Market Regulation",
         ("市场监管局", "市场监督管理局", "市监局", "工商局", "市场监管", "工商部门",
          "market regulation", "market supervision", "samr")),
    Unit("区科委", "District Science and Technology Commission",
         ("科委", "科学技术委员会", "科技委", "科技局", "科技部门",
          "science and technology commission", "science commission", "technology commission")),
    Unit("区投促办", "District Investment Promotion Office",
         ("投促办", "投资促进办公室", "投资促进办", "招商办", "投促中心",
          "investment promotion office", "investment promotion")),
    Unit("区大数据中心", "District Big Data Center",
         ("大数据中心", "数据中心", "big data center", "big data centre")),
    Unit("区人社局", "District Human Resources and Social Security Bureau",
         ("人社局", "人力资源和社会保障局", "人力资源社会保障局", "人社部门", "劳动局",
          "human resources and social security", "human resources bureau", "hr bureau",
          "labor bureau", "labour bureau")),
    Unit("区税务局", "District Taxation Bureau",
         ("税务局", "税务部门", "税局", "国税局", "地税局", "税务所",
          "tax bureau", "taxation bureau", "tax office", "tax authority", "tax authorities")),
    Unit("区司法局", "District Justice Bureau",
         ("司法局", "司法行政", "justice bureau", "bureau of justice")),
    Unit("区发改委", "District Development and Reform Commission",
         ("发改委", "发展和改革委员会", "发展改革委", "发改部门",
          "development and reform commission", "ndrc")),
    Unit("区建管委", "District Construction and Management Commission",
         ("建管委", "建设管理委员会", "建委", "建设局", "住建委", "住建局",
          "construction commission", "construction management commission",
          "construction and management commission")),
    Unit("区规划资源局", "District Planning and Natural Resources Bureau",
         ("规划资源局", "规划和自然资源局", "规土局", "规划局", "自然资源局", "不动产登记中心",
          "planning and natural resources", "planning bureau", "natural resources bureau")),
    Unit("区房管局", "District Housing Administration Bureau",
         ("房管局", "房屋管理局", "房地局", "housing administration", "housing bureau")),
    Unit("区法院", "District People's Court",
         ("法院", "人民法院", "普陀法院", "court", "people's court")),
    Unit("区财政局", "District Finance Bureau",
         ("财政局", "财政部门", "finance bureau", "treasury")),
    Unit("区工商联", "District Federation of Industry and Commerce",
         ("工商联", "工商业联合会", "federation of industry and commerce",
          "chamber of commerce")),
    Unit("区商务委", "District Commerce Commission",
         ("商务委", "商务委员会", "商务局", "商委", "commerce commission", "commerce bureau")),
    Unit("区金融办", "District Financial Services Office",
         ("金融办", "金融服务办公室", "金融工作办公室", "金融局",
          "financial services office", "finance office", "financial office")),
    Unit("区文旅局", "District Culture and Tourism Bureau",
         ("文旅局", "文化和旅游局", "文化旅游局", "文化局", "旅游局",
          "culture and tourism bureau", "culture bureau", "tourism bureau")),
    Unit("区新闻办", "District Information Office",
         ("新闻办", "新闻办公室", "宣传部", "press office", "information office")),
    Unit("各街镇", "every subdistrict and town",
         ("街镇", "街道", "镇政府", "街道办", "subdistrict", "subdistricts", "street office",
          "town government")),
    Unit("各相关单位", "all other units concerned", ()),
)

BY_NAME: dict[str, Unit] = {u.name: u for u in UNITS}

_ALIASES: list[tuple[str, Unit]] = sorted(
    ((alias.lower(), unit) for unit in UNITS for alias in (unit.name, *unit.aliases)),
    key=lambda pair: -len(pair[0]),
)
# Each alias's pattern, compiled once: find_units runs on every question. English aliases must
# stand as whole words.
_PATTERNS: list[tuple[str, re.Pattern[str], Unit]] = [
    (alias, re.compile(rf"(?<![a-z]){re.escape(alias)}(?![a-z])" if alias.isascii()
                       else re.escape(alias)), unit)
    for alias, unit in _ALIASES]


def english_name(name: str) -> str:
    """English name of a unit printed in the plan; the name itself when it is not in the table."""
    unit = BY_NAME.get(name)
    return unit.english if unit else name


def find_units(text: str) -> list[Unit]:
    """Units mentioned in free text, by canonical name or alias, in order of appearance.

    Each span of text counts once, for its longest alias, so "区市场监管局" is not also "市场监管".
    English aliases must stand as whole words.
    """
    lowered = text.lower()
    taken = [False] * len(lowered)
    found: list[tuple[int, Unit]] = []
    for alias, pattern, unit in _PATTERNS:
        if alias not in lowered:  # most aliases are not there: a substring test is cheaper
            continue
        for match in pattern.finditer(lowered):
            start, end = match.span()
            if any(taken[start:end]):
                continue
            taken[start:end] = [True] * (end - start)
            found.append((start, unit))
    ordered: list[Unit] = []
    for _, unit in sorted(found, key=lambda pair: pair[0]):
        if unit not in ordered:
            ordered.append(unit)
    return ordered
