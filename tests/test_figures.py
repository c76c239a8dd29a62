"""extract_figures on real sentences of the corpus: what each figure reads as, what is not one,
and which 第N are ranks."""

from __future__ import annotations

import glob
import os
from decimal import Decimal

import pytest

from retrieval.figures import extract_figures, parse_number

DAY = 86400
MONTH, YEAR = 30 * DAY, 365 * DAY

# Every figure each sentence holds, in order: anything else found is a false positive.
SENTENCES = {
    "完成年度投资509.69亿元,占年度投资计划的164.32%; 31个省大中型项目年度投资完成率154.1%,"
    "排名全市第三,入库率100%,位列第 一":
        ["509.69亿元", "164.32%", "31个", "154.1%", "全市第三", "100%", "第 一"],
    "10个主要经济指标均保持正增长,继续位列全市“第一方阵”;115个六大攻坚战项目全部开工":
        ["10个", "第一方阵", "115个"],
    "今年前三季度,全区纳入省大中型项目26个,完成投资额约121亿元,占年度计划投资额的102.6%。":
        ["26个", "121亿元", "102.6%"],
    "实现专业观展人数超15万人,线上线下交易额突破100亿元": ["15万人", "100亿元"],
    "产值突破2000亿元": ["2000亿元"],
    "今年的产值可能须要达到650-700亿元,压力特别大": ["650-700亿元"],
    "今年的产值可能须要达到650～700亿元,压力特别大": ["650～700亿元"],
    "今年的产值可能须要达到650至700亿元,压力特别大": ["650至700亿元"],
    "成立全省首家QFLP基金并实现7150万美元现汇进资,全区外资企业由2020年的57家增长至100家":
        ["7150万美元", "57家", "100家"],
    "新改建学校44所,新增学位4.93万个": ["44所", "4.93万个"],
    "新增医疗床位1290张、总数达3910张": ["1290张", "3910张"],
    "新增养老床位近1000张": ["1000张"],
    "建成区面积从0.53平方公里发展到67.46平方公里,翻了120多倍":
        ["0.53平方公里", "67.46平方公里", "120多倍"],
    "PM2.5平均浓度25微克/立方米,空气质量优良天数比例为99.4%": ["25微克/立方米", "99.4%"],
    "2020年至2023年,全区GDP年均增长6.2%,超出全国平均水平1.5个百分点": ["6.2%", "1.5个百分点"],
    "一般公共预算收入增长8%,高于全省平均2.3个百分点": ["8%", "2.3个百分点"],
    "成功引进了总投资300亿元的吉利(赣州)42GWh动力电池项目": ["300亿元", "42GWh"],
    "爱康5GW高效异质结太阳能电池项目": ["5GW"],
    "年产10万吨锂电铜箔生产项目": ["10万吨"],
    "经开区发展空间由50.18平方公里增加到119.57平方公里,拓展新的工业用地11.82平方公里":
        ["50.18平方公里", "119.57平方公里", "11.82平方公里"],
    "全市设立规模近3亿元的工业发展资金池,拟设立总规模100亿元、首批20亿元的产业引导基金":
        ["3亿元", "100亿元", "20亿元"],
    "3000余家工业企业在这里持续耕耘": ["3000余家"],
    "150余名项目建设工人": ["150余名"],
    "仅用2个多月的时间": ["2个多月"],
    "仅用了不到两个月": ["两个月"],
    "时隔十多年再次挤入全省“第一方阵”": ["十多年", "第一方阵"],
    "要实现“一个新跨越、两个新突破”": ["两个"],
    "连续四年进入前三名": ["四年", "前三名"],
    "20亿元以上项目6个": ["20亿元", "6个"],
    "50亿元培育企业有23个": ["50亿元", "23个"],
    "纺织服装首位产业实现出口总额200亿元以上": ["200亿元"],
    "全市所有村集体经济收入均超过10万元": ["10万元"],
    "惠及群众7万户": ["7万户"],
    "企业和群众入厅今年减少3.01万人次,同比减少64.5%": ["3.01万人次", "64.5%"],
    "市场主体达7.16万户": ["7.16万户"],
    "推动组建资产规模千亿元的市投发集团": ["千亿元"],
    "去年只开工建设20万平方米,原来的目标是50万,力争80万": ["20万平方米", "50万", "80万"],
    "在2-3年内打造百亿级装配式建筑产业集群": ["2-3年", "百亿级"],
    "从签约到摘地、开工,仅用了不到两个月,比预计开工时间提前一个半月": ["两个月", "一个半月"],
    "早稻生产任务8万亩已完成,50亩以下不单独供地": ["8万亩", "50亩"],
    # Spans that are not figures, alone or next to one.
    "1月15日,赣州市开展为期五天": ["五天"],
    "1-8月,该区规上工业增加值增长7.7%": ["7.7%"],
    "今年1-7月,全区主要经济指标持续稳居全市“第一方阵”": ["第一方阵"],
    "今年1月份,年产10万吨锂电铜箔生产项目落户该区;3月18日,一期项目开工": ["10万吨"],
    "于都县委书记 (2021年3月23日)": [],
    "9月13日,赣州市政府新闻办召开发布会": [],
    "时间:2024-09-14 15:46 来源:江西手机报": [],
    "2022-07-20 11:04:16    来源:萍乡日报": [],
    "新闻热线:0799-6321110  QQ爆料:1642308157  短信(微信)爆料:13767890011": [],
    "站在“十四五”这个新起点上": [],
    "回望“十三五”时期乃至苏区振兴发展历程": [],
    "大力实施工业强基倍增行动和“1+2+N”产业高质量发展行动计划": [],
    "充分发挥“3+3”招商机制作用": [],
    "中材锂膜、天铭电子等一批“5020”项目顺利签约动工": [],
    "一批5020项目顺利签约动工": [],
    "以“5+2”改革试点为突破": [],
    "确定了“2+4”产业发展模式": [],
    "推广“1+5+X”社区零售新模式": [],
    "加快天键电声二期、5G电声信息科技园": [],
    "中材电瓷打造的“5G+MEC”项目成功入选": [],
    "华创新材项目的1#、2#主体厂房(一期)已封顶": [],
    "在2021年全国文明城市年度测评中,我市位列全国第四名": ["全国第四名"],
    "南昌欣旺达取得了全国第五的好成绩": ["全国第五"],
    "增长7.7%,增幅居南昌市第二位": ["7.7%", "南昌市第二位"],
    "南康区第三次荣获全市第 一,也是全市唯一一个连续四年进入前三名的县": ["全市第 一", "四年", "前三名"],
    "在中共赣州市南康区委二届十一次全体(扩大)会议上": [],
    # A known false positive: 赣州市 before 第五 reads as a rank's scope.
    "区第二人民医院与赣州市第五人民医院合作办医": ["赣州市第五"],
    "建设3D打印中心.": [],
    "着力破解市本级没有信用评级AA+融资平台难题": [],
    "全力推进双“一号工程”,打造了一批标杆企业,建设全国一流经开区,推动一大批重大项目落地": [],
    "初步提出“十个一体化”的合作路径,区块链技术产业园被评为全省唯一的“名园”": ["十个"],
    "签约项目74个,推进服务项目企业“365天不打烊”": ["74个", "365天"],
}


def _texts(sentence: str) -> list[str]:
    return [f.text for f in extract_figures(sentence)]


@pytest.mark.parametrize("sentence", SENTENCES, ids=[f"s{i:02d}" for i in range(len(SENTENCES))])
def test_finds_exactly_the_figures(sentence: str) -> None:
    assert _texts(sentence) == SENTENCES[sentence]
    for f in extract_figures(sentence):
        assert sentence[f.start:f.end] == f.text


def _d(x: object) -> Decimal | None:
    return None if x is None else Decimal(str(x))


# (sentence, figure text, expected fields). Values are in the base unit.
CASES = [
    ("完成年度投资509.69亿元,占年度", "509.69亿元",
     dict(kind="money", number=50969000000, value=50969000000, unit="亿元", base_unit="元")),
    ("占年度投资计划的164.32%; 31个", "164.32%",
     dict(kind="percent", value="164.32", unit="%", base_unit="%")),
    ("入库率100％,位列第 一", "100％", dict(kind="percent", value=100, base_unit="%")),
    ("占年度投资计划的164.32%; 31个", "31个",
     dict(kind="count", value=31, unit="个", base_unit="个", measure="个")),
    ("完成投资额约121亿元,占", "121亿元",
     dict(kind="money", value=12100000000, qualifier="约", approx="about")),
    ("实现专业观展人数超15万人,线上", "15万人",
     dict(kind="count", number=150000, value=150000, measure="人", qualifier="超", approx="over")),
    ("线上线下交易额突破100亿元", "100亿元",
     dict(value=10000000000, qualifier="突破", approx="over")),
    ("产值突破2000亿元", "2000亿元", dict(value=200000000000, qualifier="突破", approx="over")),
    ("今年的产值可能须要达到650-700亿元,压力特别大", "650-700亿元",
     dict(kind="money", value=65000000000, high=70000000000, unit="亿元", qualifier=None)),
    ("今年的产值可能须要达到650～700亿元", "650～700亿元",
     dict(value=65000000000, high=70000000000)),
    ("今年的产值可能须要达到650至700亿元", "650至700亿元",
     dict(value=65000000000, high=70000000000)),
    ("在2-3年内打造", "2-3年", dict(kind="duration", value=2 * YEAR, high=3 * YEAR, base_unit="s")),
    ("并实现7150万美元现汇进资", "7150万美元",
     dict(kind="money", number=71500000, value=71500000, unit="万美元", base_unit="美元")),
    ("全区外资企业由2020年的57家增长至100家", "57家",
     dict(kind="count", value=57, measure="家", role="from", year=2020)),
    ("全区外资企业由2020年的57家增长至100家", "100家",
     dict(kind="count", value=100, measure="家", role="to", year=None)),
    ("新改建学校44所,新增", "44所", dict(kind="count", value=44, measure="所")),
    ("新增学位4.93万个", "4.93万个",
     dict(kind="count", number=49300, value=49300, unit="万个", measure="个")),
    ("新增医疗床位1290张、总数达3910张", "3910张", dict(kind="count", value=3910, measure="张")),
    ("新增养老床位近1000张", "1000张",
     dict(kind="count", value=1000, qualifier="近", approx="under")),
    ("建成区面积从0.53平方公里发展到67.46平方公里,翻了120多倍", "0.53平方公里",
     dict(kind="area", number="0.53", value=530000, unit="平方公里", role="from")),
    ("建成区面积从0.53平方公里发展到67.46平方公里,翻了120多倍", "67.46平方公里",
     dict(kind="area", number="67.46", value=67460000, unit="平方公里", base_unit="m²",
          role="to")),
    ("建成区面积从0.53平方公里发展到67.46平方公里,翻了120多倍", "120多倍",
     dict(kind="multiple", value=120, base_unit="x", qualifier="多", approx="over")),
    ("PM2.5平均浓度25微克/立方米,空气", "25微克/立方米",
     dict(kind="concentration", value=25, unit="微克/立方米", base_unit="µg/m³")),
    ("优良天数比例为99.4%", "99.4%", dict(kind="percent", value="99.4")),
    ("超出全国平均水平1.5个百分点", "1.5个百分点",
     dict(kind="points", value="1.5", unit="个百分点", base_unit="pp")),
    ("高于全省平均2.3个百分点", "2.3个百分点", dict(kind="points", value="2.3", base_unit="pp")),
    ("总投资300亿元的吉利(赣州)42GWh动力电池项目", "42GWh",
     dict(kind="energy", value=42 * 10**9, unit="GWh", base_unit="Wh")),
    ("爱康5GW高效异质结太阳能电池项目", "5GW", dict(kind="power", value=5 * 10**9, base_unit="W")),
    ("年产10万吨锂电铜箔生产项目", "10万吨",
     dict(kind="weight", number=100000, value=100000, unit="万吨", base_unit="t")),
    ("经开区发展空间由50.18平方公里增加到119.57平方公里,拓展", "50.18平方公里",
     dict(kind="area", value=50180000, base_unit="m²", role="from", year=None)),
    ("经开区发展空间由50.18平方公里增加到119.57平方公里,拓展", "119.57平方公里",
     dict(kind="area", value=119570000, base_unit="m²", role="to")),
    ("拓展新的工业用地11.82平方公里", "11.82平方公里", dict(kind="area", value=11820000)),
    ("全市设立规模近3亿元的工业发展资金池", "3亿元",
     dict(kind="money", value=300000000, qualifier="近", approx="under")),
    ("3000余家工业企业在这里持续耕耘", "3000余家",
     dict(kind="count", value=3000, measure="家", qualifier="余", approx="over")),
    ("150余名项目建设工人", "150余名", dict(value=150, measure="名", qualifier="余", approx="over")),
    ("仅用2个多月的时间", "2个多月",
     dict(kind="duration", value=2 * MONTH, unit="个月", qualifier="多", approx="over")),
    ("仅用了不到两个月", "两个月",
     dict(kind="duration", number=2, value=2 * MONTH, qualifier="不到", approx="under")),
    ("比预计开工时间提前一个半月", "一个半月", dict(kind="duration", number="1.5", value=45 * DAY)),
    ("时隔十多年再次挤入全省“第一方阵”", "十多年",
     dict(kind="duration", number=10, value=10 * YEAR, qualifier="多", approx="over")),
    ("要实现“一个新跨越、两个新突破”", "两个", dict(kind="count", value=2, measure="个")),
    ("连续四年进入前三名", "四年", dict(kind="duration", value=4 * YEAR, qualifier=None)),
    ("1月15日,赣州市开展为期五天", "五天", dict(kind="duration", value=5 * DAY)),
    ("20亿元以上项目6个", "20亿元",
     dict(value=2000000000, qualifier="以上", approx="over")),
    ("20亿元以上项目6个", "6个", dict(kind="count", value=6, qualifier=None)),
    ("纺织服装首位产业实现出口总额200亿元以上", "200亿元",
     dict(value=20000000000, qualifier="以上", approx="over")),
    ("全市所有村集体经济收入均超过10万元", "10万元",
     dict(value=100000, unit="万元", qualifier="超过", approx="over")),
    ("惠及群众7万户", "7万户", dict(kind="count", value=70000, measure="户")),
    ("企业和群众入厅今年减少3.01万人次,同比减少64.5%", "3.01万人次",
     dict(kind="count", number=30100, value=30100, unit="万人次", measure="人次")),
    ("市场主体达7.16万户", "7.16万户", dict(value=71600, measure="户")),
    ("推动组建资产规模千亿元的市投发集团", "千亿元",
     dict(kind="money", number=10**11, value=10**11, base_unit="元")),
    ("去年只开工建设20万平方米,原来的目标是50万,力争80万", "20万平方米",
     dict(kind="area", value=200000, unit="万平方米", base_unit="m²")),
    ("去年只开工建设20万平方米,原来的目标是50万,力争80万", "50万",
     dict(kind="area", number=500000, value=500000, unit="万平方米", base_unit="m²",
          unit_inherited=True)),
    ("去年只开工建设20万平方米,原来的目标是50万,力争80万", "80万",
     dict(kind="area", value=800000, unit_inherited=True)),
    ("早稻生产任务8万亩已完成", "8万亩", dict(kind="area", number=80000, base_unit="m²")),
    ("50亩以下不单独供地", "50亩", dict(kind="area", qualifier="以下", approx="under")),
    ("道路长度达426公里", "426公里", dict(kind="length", value=426000, base_unit="m")),
]


@pytest.mark.parametrize(("sentence", "text", "fields"), CASES, ids=[c[1] for c in CASES])
def test_figure_fields(sentence: str, text: str, fields: dict) -> None:
    matches = [f for f in extract_figures(sentence) if f.text == text]
    assert len(matches) == 1, _texts(sentence)
    f = matches[0]
    assert sentence[f.start:f.end] == f.text
    for name, expected in fields.items():
        got = getattr(f, name)
        if name in ("number", "value", "high"):
            assert got == _d(expected), (name, got)
        else:
            assert got == expected, (name, got)


def test_figure_omits_leading_qualifier_from_text_and_offsets() -> None:
    sentence = "全市设立规模近3亿元的工业发展资金池"
    (f,) = extract_figures(sentence)
    assert (f.text, sentence[f.start - 1]) == ("3亿元", "近")


def test_mu_converts_to_square_metres() -> None:
    (f,) = extract_figures("早稻生产任务8万亩已完成")
    assert abs(f.value - Decimal(80000) * 10000 / 15) < Decimal("0.001")


def _seed_texts() -> list[tuple[str, str]]:
    root = os.path.join(os.path.dirname(__file__), os.pardir, "seeds")
    paths = sorted(glob.glob(os.path.join(root, "*.txt")))
    try:
        import opencc

        convert = opencc.OpenCC("t2s").convert
    except ImportError:  # the raw, traditional files still exercise offsets and overlaps
        convert = str
    out = []
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as fh:
            out.append((os.path.basename(path), convert(fh.read())))
    return out


_NO_SEEDS = [pytest.param("", "", marks=pytest.mark.skip(reason="no seeds/*.txt"))]


@pytest.mark.parametrize(("name", "text"), _seed_texts() or _NO_SEEDS)
def test_seed_figures_are_exact_and_disjoint(name: str, text: str) -> None:
    figures = extract_figures(text)
    assert figures, name
    for f in figures:
        assert text[f.start:f.end] == f.text
        assert f.start < f.end
    for a, b in zip(figures, figures[1:], strict=False):
        assert a.end <= b.start, (a.text, b.text)


@pytest.mark.parametrize("text", ["二亿两个", "一二十两家", "五六十两项"])
def test_numerals_cn2an_cannot_read_are_not_figures(text):
    # cn2an raises KeyError (not ValueError) on these; they are words, not numbers.
    assert all(f.text for f in extract_figures(text))


# (sentence, rank as written, position). The ranking verb (排名, 位居) is left out of the text.
RANKS = [
    ("在2021年全国文明城市年度测评中,我市位列全国第四名", "全国第四名", 4),
    ("南昌欣旺达取得了全国第五的好成绩", "全国第五", 5),
    ("增长7.7%,增幅居南昌市第二位", "南昌市第二位", 2),
    ("综合评分再获全市第一", "全市第一", 1),
    ("在12个全国文明典范城市创建试点城市中排名第三", "第三", 3),
    ("排名全省第十一位", "全省第十一位", 11),
    ("位居全国第一百名", "全国第一百名", 100),
    ("取得全国第3名", "全国第3名", 3),
    # Tiers: a rank written as a group one is in.
    ("连续四年进入前三名", "前三名", 3),
    ("继续位列全市“第一方阵”", "第一方阵", 1),
    ("位列全市“第 一方阵”", "第 一方阵", 1),  # a stray space left inside
    ("获评江西省第四届“十佳优化营商环境县”", "十佳", 10),
    ("入选全国百强县", "百强", 100),
]


@pytest.mark.parametrize(("sentence", "text", "position"), RANKS, ids=[r[1] for r in RANKS])
def test_ranks(sentence: str, text: str, position: int) -> None:
    (rank,) = [f for f in extract_figures(sentence) if f.kind == "rank"]
    assert (rank.text, sentence[rank.start:rank.end]) == (text, text)
    assert rank.value == rank.number == position
    assert (rank.unit, rank.base_unit, rank.qualifier, rank.measure) == ("", "", None, None)


@pytest.mark.parametrize("text", [
    "南康区第三次荣获", "全市第一批项目", "全省第一大建成区", "全市第一个",
    "第三", "第一季度", "获第一二名", "三五十个",
])
def test_ordinals_are_not_ranks(text: str) -> None:
    assert [f.text for f in extract_figures(text) if f.kind == "rank"] == []


def test_a_rank_never_overlaps_a_figure() -> None:
    # 个省市 would read as the scope of 第一名; the count keeps its 个 and the rank goes.
    assert [(f.text, f.kind) for f in extract_figures("全国3个省市第一名")] == [("3个", "count")]


@pytest.mark.parametrize(("written", "number"), [
    ("509.69", (Decimal("509.69"), None)), ("三", (3, None)), ("两", (2, None)),
    ("十一", (11, None)), ("一百二十", (120, None)), ("千", (1000, None)), ("两三", (2, 3)),
    ("一一", None), ("1十", None), ("十四五", None),
])
def test_parse_number(written: str, number: tuple | None) -> None:
    assert parse_number(written) == number


# (sentence, [(text, role, year)]): a change is two figures, each on its own number's span.
CHANGES = [
    ("全区外资企业由2020年的57家增长至100家", [("57家", "from", 2020), ("100家", "to", None)]),
    ("商贸综合体从2020年的2家增加到2023年的9家", [("2家", "from", 2020), ("9家", "to", 2023)]),
    ("规上工业营收从2020年的720亿元增长为2023年的1056亿元",
     [("720亿元", "from", 2020), ("1056亿元", "to", 2023)]),
    ("建成区面积从0.53平方公里发展到67.46平方公里", [("0.53平方公里", "from", None),
                                       ("67.46平方公里", "to", None)]),
    ("户籍人口由2019年底的48万人减少到46万人", [("48万人", "from", 2019), ("46万人", "to", None)]),
    ("研发投入从5000万元提高到1.2亿元", [("5000万元", "from", None), ("1.2亿元", "to", None)]),
]


@pytest.mark.parametrize(("sentence", "sides"), CHANGES, ids=[c[0][:12] for c in CHANGES])
def test_a_change_is_two_figures(sentence: str, sides: list) -> None:
    figures = extract_figures(sentence)
    assert [(f.text, f.role, f.year) for f in figures] == sides
    for f in figures:
        assert sentence[f.start:f.end] == f.text


def test_the_sides_of_a_change_keep_their_values() -> None:
    before, after = extract_figures("研发投入从5000万元提高到1.2亿元")
    assert (before.value, after.value) == (50000000, 120000000)


def test_a_figure_of_a_different_unit_is_no_side_of_a_change() -> None:
    assert [f.role for f in extract_figures("由50家增加到3亿元")] == [None, None]


@pytest.mark.parametrize(("sentence", "text", "year"), [
    ("截至2023年底的9家企业", "9家", 2023),
    ("2020年的近57家外资企业", "57家", 2020),  # the qualifier stands between
    ("出口总额是2020年的2倍", "2倍", None),  # the year is the base of a ratio
    ("占2020年的30%", "30%", None),
    ("2023年完成投资50亿元", "50亿元", None),  # not written with the figure
])
def test_year_written_with_a_figure(sentence: str, text: str, year: int | None) -> None:
    (f,) = [f for f in extract_figures(sentence) if f.text == text]
    assert f.year == year


# (sentence, [(text, kind, value in the base unit, unit inherited)])
INHERITED = [
    ("去年只开工建设20万平方米,原来的目标是50万,力争80万",
     [("20万平方米", "area", 200000, False), ("50万", "area", 500000, True),
      ("80万", "area", 800000, True)]),
    ("原定开工50万、力争80万平方米,实际开工20万平方米",
     [("50万", "area", 500000, True), ("80万平方米", "area", 800000, False),
      ("20万平方米", "area", 200000, False)]),
    ("计划新增就业1.2万人,实际新增1.5万", [("1.2万人", "count", 12000, False),
                                 ("1.5万", "count", 15000, True)]),
    ("今年产量10万吨,明年目标12万", [("10万吨", "weight", 100000, False),
                           ("12万", "weight", 120000, True)]),
    # A different magnitude is a different measure; a sentence end stops the loan.
    ("投资5亿元,带动就业2万", [("5亿元", "money", 500000000, False), ("2万", "number", 20000, False)]),
    ("开工20万平方米。目标是50万", [("20万平方米", "area", 200000, False),
                          ("50万", "number", 500000, False)]),
]


@pytest.mark.parametrize(("sentence", "figures"), INHERITED, ids=[c[0][:12] for c in INHERITED])
def test_a_bare_magnitude_takes_its_neighbours_unit(sentence: str, figures: list) -> None:
    got = extract_figures(sentence)
    assert [(f.text, f.kind, f.value, f.unit_inherited) for f in got] == figures
    for f in got:
        assert sentence[f.start:f.end] == f.text


def test_an_inherited_unit_keeps_the_written_magnitude() -> None:
    f = extract_figures("原来的目标是50万,力争80万平方米")[0]
    assert (f.text, f.number, f.unit, f.base_unit, f.measure) == ("50万", 500000, "万平方米", "m²",
                                                                  None)
    (count,) = [f for f in extract_figures("新增就业1.2万人,目标2万") if f.text == "2万"]
    assert (count.unit, count.measure) == ("万人", "人")


def test_an_inherited_unit_joins_a_range_and_a_change() -> None:
    (r,) = extract_figures("规划面积50万至80万平方米")
    assert (r.text, r.kind, r.value, r.high, r.unit_inherited) == (
        "50万至80万平方米", "area", 500000, 800000, False)
    a, b = extract_figures("厂房面积由50万增加到80万平方米")
    assert [(a.text, a.role, a.kind), (b.text, b.role, b.kind)] == [
        ("50万", "from", "area"), ("80万平方米", "to", "area")]


# (sentence, {figure text: intent}). Figures not listed have no intent.
INTENTS = [
    ("明确到“十四五”末期实现营收1000亿元的奋斗目标", {"1000亿元": "target"}),
    ("力争将来3年,纺织服装首位产业实现出口总额200亿元以上、全行业产值达1000亿元",
     {"3年": "target", "200亿元": "target", "1000亿元": "target"}),
    ("今年的产值可能须要达到650-700亿元,压力特别大", {"650-700亿元": "target"}),
    ("完成年度投资509.69亿元,占年度投资计划的164.32%", {"509.69亿元": "actual"}),
    ("去年只开工建设20万平方米,原来的目标是50万,力争80万",
     {"20万平方米": "actual", "50万": "target", "80万": "target"}),
    ("原定开工50万、力争80万平方米,实际开工20万平方米",
     {"50万": "target", "80万平方米": "target", "20万平方米": "actual"}),
    ("拟设立总规模100亿元、首批20亿元的产业引导基金", {"100亿元": "target", "20亿元": "target"}),
    # A target word aims at the figure of its own clause, not at a later clause's.
    ("计划投资50亿元,完成投资60亿元", {"50亿元": "target", "60亿元": "actual"}),
    ("力争全年实现营收100亿元", {"100亿元": "target"}),
    ("预计明年营收将达到80亿元", {"80亿元": "target"}),
    ("今年1-8月实现营收80亿元,同比增长12%", {"80亿元": "actual"}),
    ("实现营收100亿元的年度目标", {"100亿元": "target"}),
    ("营收突破了100亿元", {"100亿元": "actual"}),
    ("已完成年度目标的110%", {"110%": "actual"}),
    ("企业累计投资超3亿元", {"3亿元": "actual"}),
    # The words after 占 or 比 describe the base: 计划, 预计 there are no cues of the figure.
    ("占年度计划投资额的102.6%", {}),
    ("比预计开工时间提前一个半月", {}),
    # Words that hold a cue and are none: 主要, 只要; the 只 of a figure is a measure word.
    ("10个主要经济指标均保持正增长", {}),
    ("只要投入3亿元就能建成", {}),
    ("组建8只基金规模约40亿元", {}),
    ("新增医疗床位1290张、总数达3910张", {"3910张": "actual"}),
]


@pytest.mark.parametrize(("sentence", "intents"), INTENTS, ids=[c[0][:14] for c in INTENTS])
def test_target_or_actual(sentence: str, intents: dict) -> None:
    got = {f.text: f.intent for f in extract_figures(sentence)}
    assert set(intents) <= set(got), got
    assert {t: i for t, i in got.items() if i} == intents


@pytest.mark.parametrize(("sentence", "text", "value"), [
    ("打造百亿级产业集群", "百亿级", Decimal(10) ** 10),
    ("沉醉在千亿级产业集群的喜悦之中", "千亿级", Decimal(10) ** 11),
    ("建成500亿级产业", "500亿级", Decimal(5) * Decimal(10) ** 10),
])
def test_scales_are_money_of_that_order(sentence: str, text: str, value: Decimal) -> None:
    (f,) = extract_figures(sentence)
    assert (f.text, f.kind, f.value, f.base_unit, f.approx) == (text, "money", value, "元", "about")


@pytest.mark.parametrize("sentence", ["安全等级3级", "十级台风", "一级企业"])
def test_levels_are_not_scales(sentence: str) -> None:
    assert not [f for f in extract_figures(sentence) if f.kind == "money"]


def test_patterns_scanned_faster_match_as_a_plain_scan_would(tmp_path) -> None:
    """Patterns that open with a class or a look-behind are scanned by the regex package
    (punctuation.scanner), figures only from where one can start: on the seeds and synthetic
    text they find exactly what re's finditer finds."""
    import re
    import sys

    import regex

    from retrieval import entities, figures
    from tests.helpers import ROOT

    scanned = [figures._RANK, figures._SCALE, figures._TIER, entities._RELATIVE_ALONE,
               *figures._EXCLUSIONS, *entities._DATES]
    assert all(isinstance(p, regex.Pattern) for p in scanned)
    texts = [text for _, text in _seed_texts()]
    texts += ["2024-09-14 2024/9/14 2020-2023年 二〇二一年 1-8月 十月一日 15:46 5号线 第 一 "
              "二届十一次 前三名 十四五 1+2+N PM2.5 1#厂房 0799-6321110 13767890011 QQ:12345678 "
              "统一 之一 百分之一 全市第一 百亿级 五十佳 今年2月 去年 当年 1月18日至19日"]
    sys.path.insert(0, str(ROOT / "bench"))
    from synth import write_corpus

    write_corpus(tmp_path, 500, seed=3)
    texts += [p.read_text(encoding="utf-8") for p in sorted(tmp_path.iterdir())]
    found = 0
    for pattern in scanned:
        plain = re.compile(pattern.pattern)
        for text in texts:
            got = [(m.span(), m.groupdict()) for m in pattern.finditer(text)]
            assert got == [(m.span(), m.groupdict()) for m in plain.finditer(text)]
            found += len(got)
    assert found > 100
    # Figures are looked for only where one can start: the matches of a scan of every position.
    for text in texts:
        masked = figures._mask(text)
        assert ([(m.span(), m.groupdict()) for m in figures._atoms(masked)]
                == [(m.span(), m.groupdict()) for m in figures._ATOM.finditer(masked)])
