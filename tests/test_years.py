"""retrieval.years: the years a sentence names, the year of an article, the year a question asks
for."""

from __future__ import annotations

import pytest

from retrieval.years import (
    RELATIVE_YEARS,
    QuestionYear,
    article_year,
    question_year,
    years_mentioned,
)


@pytest.mark.parametrize(("text", "year", "expected"), [
    ("2022年全市新增市场主体3万户", None, {2022}),
    ("全县2019年度综合考核排名第一", None, {2019}),
    ("2020年至2023年,全区GDP年均增长6.2%", None, {2020, 2023}),  # a range: its ends
    ("2018-2022年累计完成投资800亿元", None, {2018, 2022}),
    ("二〇二三年政府工作报告", None, {2023}),
    ("时间:2022-07-20 11:04 来源:萍乡日报", None, {2022}),
    ("去年全县新签约项目45个", 2021, {2020}),
    ("今年1-6月规上工业增加值增长8%", 2024, {2024}),
    ("前年开工的项目上年已全部投产", 2023, {2021, 2022}),
    ("今明两年再建设厂房30万平方米", 2022, {2022, 2023}),
    ("明年计划新增企业20家,后年达到100家", 2022, {2023, 2024}),
    ("去年全县新签约项目45个", None, set()),  # relative words need the article's year
    # Back to the year written before: 当年, 同年, 次年.
    ("2018年签约落户,次年建成投产,当年实现产值5亿元", None, {2018, 2019}),
    ("2021年3月签约,同年9月开工", None, {2021}),
    # A five-year plan's end or start is a year; the plan alone is a period.
    ("到“十四五”末期实现营收1000亿元", None, {2025}),
    ("“十三五”收官之年全市GDP突破千亿", None, {2020}),
    ("站在“十四五”这个新起点上", None, set()),
    # Durations and look-alikes are no years.
    ("仅用3年时间建成", None, set()),
    ("力争在2-3年内打造百亿级产业集群", 2021, set()),
    ("这座古城已有2000年历史", None, set()),
    ("规模以上年主营业务收入2000万元的企业", 2021, set()),
    ("比原计划提前年底完成", 2021, set()),
    ("20世纪80年代以来", None, set()),
])
def test_years_mentioned(text: str, year: int | None, expected: set[int]) -> None:
    assert years_mentioned(text, year) == expected


def test_relative_years_table_is_offsets_or_none() -> None:
    assert RELATIVE_YEARS["去年"] == (-1,) and RELATIVE_YEARS["今年"] == (0,)
    assert all(v is None or all(isinstance(o, int) for o in v) for v in RELATIVE_YEARS.values())


@pytest.mark.parametrize(("date", "text", "expected"), [
    ("2022-07-20 11:04", "2021年全市GDP增长8%", 2022),  # the date decides
    ("2023-01-05", "", 2023),
    # A speech dated in its title.
    (None, "县委书记在全县经济工作会议上的讲话 (2021年3月23日)\n去年全县GDP增长8.1%", 2021),
    # Last year's results and this year's plans: the article is this year's.
    (None, "2020年度全区综合考核第一。2021年,全区将力争新签约项目50个。去年全区实现营收300亿元",
     2021),
    # Horizons (到2025年, 2030年前) are plans, not the present.
    (None, "2022年全市完成投资500亿元,到2025年力争达到800亿元,2030年前实现碳达峰", 2022),
    (None, "全市2019年新增企业30家,2023年新增60家,2035年远景目标基本实现", 2023),
    (None, "全市2019年新增企业30家,2023年新增60家,2030年以前全面建成", 2023),
    # A limit: a plan year no word marks reads as the present.
    (None, "2021年全市完成投资,2022年继续推进,2030年全面建成", 2030),
    (None, "到2025年全面建成现代化产业体系", None),
    (None, "2020年至2023年,全区GDP年均增长6.2%", 2023),  # a range's end is no horizon
    (None, "从2019年到2022年,累计新增企业300家", 2022),
    (None, "今年以来全区主要经济指标持续向好", None),  # nothing written: no year
    (None, "在2-3年内打造百亿级产业集群", None),
])
def test_article_year(date: str | None, text: str, expected: int | None) -> None:
    assert article_year(date, text) == expected


@pytest.mark.parametrize(("question", "expected"), [
    ("南康2019年完成投资多少", QuestionYear(2019, None)),
    ("南康去年投了多少钱", QuestionYear(None, -1)),
    ("今年萍乡规上工业增加值增长多少", QuestionYear(None, 0)),
    ("于都2020年度工业营收是多少", QuestionYear(2020, None)),
    ("萍乡“十四五”末期营收目标是多少", QuestionYear(2025, None)),
    ("2020年至2023年赣州经开区GDP年均增长多少", QuestionYear(2020, None)),
    ("规模以上工业企业有多少家", QuestionYear(None, None)),
    ("项目用了几年建成", QuestionYear(None, None)),
])
def test_question_year(question: str, expected: QuestionYear) -> None:
    assert question_year(question) == expected


def test_question_year_resolves_against_the_article() -> None:
    assert question_year("南康去年投了多少钱").resolve(2021) == 2020
    assert question_year("南康2019年完成投资多少").resolve(2021) == 2019
    assert question_year("南康去年投了多少钱").resolve(None) is None
    assert question_year("南康投了多少钱").resolve(2021) is None
