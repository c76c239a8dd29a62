"""The data tables that drive :mod:`retrieval.figures`: Chinese numerals, units, magnitude
words, qualifiers, measure words, the words that make a 第N a rank, the words that make a figure
a target or an actual result, and the spans that look like figures but are not.

Pure data, no logic: adding a unit or a false positive seen in the corpus is a one-line edit
here, never a new branch in the extractor.

Hand-written: the existing recognizers (Recognizers-Text, jionlp, the duckling ports) were tried
on this corpus and failed on it: they take dates, plan names (十四五) and ordinals (第一) for
numbers, miss measure words such as 家, 所, 人次 and units such as 个百分点, and drop the
qualifiers (近, 超, 以上, 余) that a verbatim answer must keep. cn2an reads Chinese numerals.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from retrieval.models import Approx, FigureKind


@dataclass(frozen=True)
class Unit:
    kind: FigureKind
    base: str  # the base unit that Figure.value is expressed in
    factor: Decimal = Decimal(1)  # base units per unit written


# After a number, these scale it: 4.93万个 → 49300 个. Longest first matters only for regexes,
# which the extractor sorts itself.
MAGNITUDES: dict[str, Decimal] = {
    "万亿": Decimal(10) ** 12,
    "千万": Decimal(10) ** 7,
    "百万": Decimal(10) ** 6,
    "亿": Decimal(10) ** 8,
    "万": Decimal(10) ** 4,
    "千": Decimal(10) ** 3,
    "百": Decimal(10) ** 2,
}

# Magnitudes that make a figure even with no unit: speeches say 目标是50万 meaning 50万平方米.
# A bare 3千 or a bare integer is too often a code, a name or a year to count.
BARE_MAGNITUDES = frozenset({"万", "亿", "万亿", "千万", "百万"})

# Chinese numeral characters. A numeral may only *start* with a digit or 十/百/千: a leading
# 万 or 亿 is a word (万达, 万元GDP, 亿万), not a count.
CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
             "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_LEADING = "十百千"  # cn2an rejects bare 千亿; these get an implicit 一
CN_MAGNITUDE_CHARS = "十百千万亿"
CN_NUMERAL_CHARS = "".join(CN_DIGITS) + CN_LEADING  # a numeral below 万: 三, 十一, 一百二十

# A round Chinese numeral after these is vague (几十家, 数百家, 上百家, 成千): no figure.
VAGUE_BEFORE_NUMERAL = "几数上成"

# Percent written before the number, as speeches do: 百分之三十.
PERCENT_WORDS = ("百分之",)

# A lone 一 is an article or part of an idiom (一批, 一流, 一体化, 一天比一天), not a quoted
# figure, unless a qualifier inside shows it is one (一个半月, 一个多月).
LONE_NUMERALS = frozenset({"一"})

# Qualifiers written inside a figure, kept in its text: 3000余家, 120多倍, 两个多月, 一个半月.
INNER_QUALIFIERS: dict[str, Approx] = {"余": "over", "多": "over"}
HALF = "半"

# Between the two ends of a range: 650-700亿元, 650～700, 2至3年.
RANGE_SEPARATORS = ("-", "－", "—", "–", "~", "～", "至", "到")

# A change, 由50.18平方公里增加到119.57平方公里: the words before the first figure, the verbs and
# connectors between the two. A year may stand between (由2020年的57家增长至100家).
CHANGE_OPENERS = ("由", "从")
CHANGE_VERBS = ("增加", "增长", "提高", "提升", "发展", "扩大", "扩展", "拓展", "上升", "攀升",
                "跃升", "下降", "减少", "降低", "缩小", "缩减", "变", "增", "降", "升", "扩")
CHANGE_CONNECTORS = ("到", "至", "为")

# A year as written in digits: 2020, 1998. Figures, dates and :mod:`retrieval.years` share it.
YEAR_DIGITS = r"(?:19|20)\d{2}"
# The year written with a figure, just before it: 2020年的57家, 2023年底的9家. It may stand in a
# change, after its opener or its connector, and it is the figure's Figure.year.
CHANGE_YEAR = rf"{YEAR_DIGITS}年(?:底|末|初)?的?"
# Before a ratio the year is the base it is measured against, not the figure's own year:
# 进出口总额是2020年的2倍.
YEAR_IS_BASE_FOR = frozenset({"multiple", "percent"})

# Qualifiers written just before a figure, left out of its text. Words that merely end with a
# qualifier character map to None so that the longest match wins and yields nothing:
# 签约74个项目 is no approximation, nor is 最近3年.
PREFIX_QUALIFIERS: dict[str, Approx | None] = {
    "约": "about", "约为": "about", "大约": "about", "大概": "about",
    "近": "under", "将近": "under", "接近": "under", "逼近": "under",
    "不到": "under", "不足": "under", "不超过": "under", "低于": "under", "少于": "under",
    "超": "over", "超过": "over", "逾": "over", "突破": "over", "高于": "over",
    "多于": "over", "不少于": "over", "至少": "over",
    "签约": None, "节约": None, "预约": None, "合约": None, "履约": None, "特约": None,
    "制约": None, "契约": None, "集约": None, "最近": None, "附近": None, "临近": None,
    "就近": None, "靠近": None, "赶超": None,
}

# Qualifiers written just after a figure, also left out of its text: 200亿元以上.
SUFFIX_QUALIFIERS: dict[str, Approx] = {
    "以上": "over", "以下": "under", "以内": "under", "之内": "under", "左右": "about",
}

# Target or actual: the words before a figure that say it is aimed at (力争80万) or was reached
# (实际开工20万平方米). Three kinds of cue:
#   "target"  a plan, a goal, an obligation: 目标, 计划, 力争, 要, 拟 …
#   "actual"  a fact asserted: 已, 实际, 只, 累计, and a verb with 了 (完成了)
#   "reached" a verb that carries a figure: 完成, 实现, 达到, 突破. Such a verb reads as actual
#             unless a target word governs it: 力争…实现出口总额200亿元 is a target.
# Words holding a cue that are none (主要, 只要, 计划的 …) map to None: at each position the
# longest word wins, so 主要 hides its 要. How far a cue reaches is :mod:`retrieval.figures`'s.
Cue = Literal["target", "actual", "reached"]
INTENT_CUES: dict[str, Cue | None] = {
    "目标": "target", "计划": "target", "规划": "target", "力争": "target", "力求": "target",
    "要": "target", "须要": "target", "需要": "target", "必须": "target", "预计": "target",
    "预期": "target", "打算": "target", "原定": "target", "拟": "target", "争取": "target",
    "确保": "target", "有望": "target",
    "已": "actual", "已经": "actual", "实际": "actual", "只": "actual", "仅": "actual",
    "累计": "actual", "共计": "actual", "合计": "actual", "总计": "actual",
    "完成了": "actual", "实现了": "actual", "达到了": "actual", "突破了": "actual",
    "争取到": "actual", "成功争取": "actual",
    "完成": "reached", "实现": "reached", "达到": "reached", "达": "reached", "突破": "reached",
    # Not cues: 要, 只, 达, 拟 inside other words; a plan or goal as a noun (占计划的, 完成目标的).
    "主要": None, "重要": None, "只要": None, "首要": None, "必要": None, "要素": None,
    "纪要": None, "摘要": None, "要点": None, "要闻": None, "紧要": None, "不要": None,
    "只是": None, "只能": None, "不仅": None, "而已": None,
    "发达": None, "表达": None, "传达": None, "下达": None, "到达": None, "抵达": None,
    "模拟": None, "虚拟": None, "比拟": None,
    "计划的": None, "目标的": None, "规划的": None, "超预期": None, "好于预期": None,
    "要求": None, "目标定位": None,  # nouns far more often than verbs: 落实…“两不停”要求
}

# A target word written after a figure, in its clause: 实现营收1000亿元的奋斗目标.
TARGET_AFTER = ("目标",)

# Words that open the other side of a ratio or comparison: in 占年度投资计划的164.32% and
# 比预计开工时间提前一个半月, the words after them describe the base, not the figure, so the
# figure's cues are read before them. Words that merely start with them map to False.
COMPARISON_OPENERS: dict[str, bool] = {
    "占": True, "比": True, "较": True,
    "比例": False, "比重": False, "比如": False, "比较": False, "占地": False,
}

_MU = Decimal(10000) / Decimal(15)  # 1 亩 = 10000/15 m², not a terminating decimal
_YEAR, _MONTH, _WEEK, _DAY = 365 * 86400, 30 * 86400, 7 * 86400, 86400

# Every unit as written after the number (and magnitude). Durations are in seconds so that
# 小时 and 分钟 stay exact; a month is 30 days and a year 365. Currencies are not converted.
# A unit that starts with 个 may hold a qualifier after the 个 (两个多月, 一个半小时).
UNITS: dict[str, Unit] = {
    "元": Unit("money", "元"), "元人民币": Unit("money", "元"), "人民币": Unit("money", "元"),
    "美元": Unit("money", "美元"), "欧元": Unit("money", "欧元"), "港元": Unit("money", "港元"),
    "日元": Unit("money", "日元"), "英镑": Unit("money", "英镑"),
    "%": Unit("percent", "%"), "％": Unit("percent", "%"),
    "‰": Unit("percent", "%", Decimal("0.1")),
    "个百分点": Unit("points", "pp"), "百分点": Unit("points", "pp"),
    "倍": Unit("multiple", "x"),
    "平方公里": Unit("area", "m²", Decimal(10) ** 6), "平方千米": Unit("area", "m²", Decimal(10) ** 6),
    "平方米": Unit("area", "m²"), "公顷": Unit("area", "m²", Decimal(10000)),
    "亩": Unit("area", "m²", _MU),
    "公里": Unit("length", "m", Decimal(1000)), "千米": Unit("length", "m", Decimal(1000)),
    "米": Unit("length", "m"), "厘米": Unit("length", "m", Decimal("0.01")),
    "毫米": Unit("length", "m", Decimal("0.001")),
    "吨": Unit("weight", "t"), "公斤": Unit("weight", "t", Decimal("0.001")),
    "千克": Unit("weight", "t", Decimal("0.001")),
    "立方米": Unit("volume", "m³"), "立方": Unit("volume", "m³"),
    "千瓦时": Unit("energy", "Wh", Decimal(1000)), "kWh": Unit("energy", "Wh", Decimal(1000)),
    "MWh": Unit("energy", "Wh", Decimal(10) ** 6), "GWh": Unit("energy", "Wh", Decimal(10) ** 9),
    "TWh": Unit("energy", "Wh", Decimal(10) ** 12),
    "千瓦": Unit("power", "W", Decimal(1000)), "兆瓦": Unit("power", "W", Decimal(10) ** 6),
    "kW": Unit("power", "W", Decimal(1000)), "MW": Unit("power", "W", Decimal(10) ** 6),
    "GW": Unit("power", "W", Decimal(10) ** 9),
    "微克/立方米": Unit("concentration", "µg/m³"), "微克每立方米": Unit("concentration", "µg/m³"),
    "毫克/立方米": Unit("concentration", "µg/m³", Decimal(1000)),
    "年": Unit("duration", "s", Decimal(_YEAR)), "个月": Unit("duration", "s", Decimal(_MONTH)),
    "周": Unit("duration", "s", Decimal(_WEEK)), "个星期": Unit("duration", "s", Decimal(_WEEK)),
    "天": Unit("duration", "s", Decimal(_DAY)), "个工作日": Unit("duration", "s", Decimal(_DAY)),
    "工作日": Unit("duration", "s", Decimal(_DAY)),
    "小时": Unit("duration", "s", Decimal(3600)), "个小时": Unit("duration", "s", Decimal(3600)),
    "分钟": Unit("duration", "s", Decimal(60)), "秒": Unit("duration", "s"),
}

# Measure words: a count's base unit is its measure word. 亩 is an area, above.
MEASURES = ("家", "个", "项", "台", "名", "人", "户", "张", "所", "只", "条", "场", "批", "件",
            "座", "套", "辆", "次", "人次", "位", "份", "种", "款", "间", "栋", "处", "架", "艘",
            "株", "棵", "头", "部", "支", "起", "宗", "例", "幢")
UNITS.update({m: Unit("count", m) for m in MEASURES if m not in UNITS})

# Words that begin with a unit or measure word but are something else: 5020项目 is a name, not
# 5020 项; 10个人 goes unread rather than misread. Extend as the corpus shows them.
NOT_UNITS = ("项目", "个人", "个体", "个性", "个别", "名单", "名称", "名牌", "名园", "家具", "家居",
             "家庭", "家电", "家乡", "台阶", "台湾", "次要", "次数", "所有", "所以", "所在", "所属",
             "人民", "人员", "人才", "只有", "只是", "只要", "只能", "条件", "座谈", "位于",
             "位居", "位列", "处理", "处长", "批准", "批复", "批次", "倍增", "周年", "周边", "周末",
             "周期", "周岁", "起来", "部门", "部分", "支持", "支撑", "天然", "年度", "年代",
             "米粉", "元素", "元旦", "头部", "种植", "款项", "间隔", "场所", "场景", "户籍", "件事")

# Ranks: 全市第一, 全国第四名, 排名第九, 增幅居南昌市第二位. A 第N is a rank when a ranking verb
# (left out of the rank's text), a scope or a suffix stands with it, and no word after it makes
# it an ordinal: 第一方阵, 第三次, 第一大建成区 are not ranks.
RANK_VERBS = ("排名", "位列", "位居", "居", "排", "获", "荣获", "再获")
RANK_SCOPES = ("全国", "全省", "全市", "全区", "全县", "全球")
RANK_SCOPE_PATTERN = r"[\u4e00-\u9fff]{2}[省市]"  # 南昌市, 江西省
RANK_SUFFIXES = ("名", "位")
NOT_RANK_AFTER = "次季批届期阶轮章节步大方个条"
# Ranks written as a tier rather than a place: 前三名, 十佳, 百强, 第一方阵, 第一梯队. ``{n}`` is
# the number; the whole match is the rank's text and the number its value.
# A scale written as an order of magnitude, of output or investment: 百亿级, 千亿级产业集群,
# 500亿级. ``{n}`` is the number, ``{mag}`` the magnitude word; read as money in 元.
SCALE = r"{n}{mag}级"
RANK_TIERS = (r"前{n}(?:名|位|强)", r"{n}(?:佳|强)", r"第\s*{n}方阵", r"第\s*{n}梯队")

# Dates as written: figures mask them, :mod:`retrieval.entities` reads them as date mentions
# through their named groups (year, month, day; year_end, month_end of a period; decade; cn_* in
# Chinese numerals). Durations (2-3年, 3年, 十多年) are no dates: a year has four digits.
_TO = r"\s*[-—–~～至到]\s*"
DATES = (
    # 2024-09-14, 2024/9/14
    r"(?<!\d)(?P<year>\d{4})(?P<sep>[-/])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})(?!\d)",
    # 2024年, 2020-2023年, 2020年度, 2020年底, 2023年3月, 2021年3月23日
    rf"(?<![\d.])(?P<year>{YEAR_DIGITS})\s*(?:{_TO}(?P<year_end>{YEAR_DIGITS})\s*)?年"
    rf"(?:度|(?P<decade>代)|[底末初]|\s*(?P<month>\d{{1,2}})\s*"
    rf"(?:{_TO}(?P<month_end>\d{{1,2}})\s*)?月(?:份)?(?:\s*(?P<day>\d{{1,2}})\s*[日号])?)?",
    r"(?P<cn_year>[〇零一二三四五六七八九]{4})年",  # 二〇二一年
    rf"(?<![\d.])(?P<month>\d{{1,2}})\s*(?:{_TO}(?P<month_end>\d{{1,2}})\s*)?月(?:份)?"
    r"(?:\s*(?P<day>\d{1,2})\s*[日号])?",  # 1-8月, 1月15日, 1月份
    r"(?P<cn_month>[一二三四五六七八九十]{1,2})月"
    r"(?:份|(?P<cn_day>[一二三四五六七八九十]{1,3})[日号])?",  # 三月, 十月一日
    r"(?<![\d.])(?P<day>\d{1,2})\s*日",  # 19日 (1月18日至19日)
)

# Spans that are never figures, masked before figures are looked for: dates and times, years,
# ordinals and ranks (ranks are read apart, from the unmasked text), plan names, slogans, codes,
# phone numbers and idioms.
EXCLUSIONS = (
    *DATES,
    r"(?<![\d.])\d{1,2}:\d{2}(?::\d{2})?",  # 15:46
    r"(?<![\d.])\d{1,2}\s*号",  # 5号 (线, 楼): a day only after a month
    rf"第\s*[\d{CN_NUMERAL_CHARS}]+",  # 第三, 第 一, 第四名, 第二人民医院
    rf"届[\d{CN_NUMERAL_CHARS}]+次",  # 二届十一次全体会议
    rf"前[\d{CN_NUMERAL_CHARS}]+名",  # 前三名 is a rank
    r"十[一二三四五六七八九]五",  # 十四五 and the other five-year plans
    r"[\dA-Za-z]+(?:\s*\+\s*[\dA-Za-z]+)+",  # 1+2+N, 3+3, 5+2, 1+5+X
    r"[A-Za-z]+\d+(?:\.\d+)?",  # PM2.5, MP3
    r"\d+#",  # 1#厂房
    r"(?<!\d)0\d{2,3}-\d{7,8}",  # 0799-6321110
    r"(?<!\d)1[3-9]\d{9}(?!\d)",  # 13767890011
    r"QQ\D{0,8}\d{5,12}",
    r"唯一|统一|(?<!百分)之一|千家万户|千方百计|三番五次|千辛万苦|千军万马|百家争鸣|百花齐放|万无一失|"
    r"一五一十|三心二意|四面八方|五湖四海|七上八下|九牛一毛|千载难逢|十全十美|三天两头",
)
