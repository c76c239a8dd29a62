"""Every cleaning rule on the seed text it exists for."""

from __future__ import annotations

import pytest

from retrieval import articles, cleaning, punctuation
from retrieval.passages import pack, split_paragraph
from tests.helpers import seed_text


def article_text(seed_articles, prefix: str) -> str:
    return "\n".join(p for a in seed_articles[prefix] for p in (a.title, *a.paragraphs))


@pytest.mark.parametrize("raw, clean", [
    ("六大攻堅戰(zhàn)綜合評分", "六大攻堅戰綜合評分"),
    ("南康區(qū)再獲贛州市第", "南康區再獲贛州市第"),
    ("在剛剛結(jié)束的", "在剛剛結束的"),
    ("全區(qū)GDP", "全區GDP"),
])
def test_inline_pinyin_is_removed(raw, clean):
    assert cleaning.strip_pinyin(raw) == clean


@pytest.mark.parametrize("kept", [
    "縣(市、區)", "南昌经开区(赣江新区经开组团)", "于都县委书记 (2021年3月23日) 工业",
    "江西服装学院(对口支援)", "中国江西网萍乡频道(djwpxpd)", "吉利(赣州)42GWh",
])
def test_real_parentheses_are_kept(kept):
    assert cleaning.strip_pinyin(kept) == kept


def test_pinyin_inside_real_parentheses(seed_articles):
    text = article_text(seed_articles, "000")
    assert "(市、区)" in text and "(zh" not in text and "(q" not in text


@pytest.mark.parametrize("raw, clean", [
    ("再获全市第 一", "再获全市第一"), ("全市唯 一一个", "全市唯一一个"), ("在全国首 创", "在全国首创"),
    ("“第 一方阵”", "“第一方阵”"),
])
def test_spaces_inside_words_are_removed(res, raw, clean):
    assert cleaning.join_split_words(raw, res.is_word) == clean


def test_spaces_between_phrases_are_kept(res):
    title = "六大攻坚战综合评分 南康区再获赣州市第一"
    assert cleaning.join_split_words(title, res.is_word) == title


@pytest.mark.parametrize("prefix, chrome", [
    ("003", "当前位置"), ("003", "Flash Player"), ("003", "欢迎光临"), ("004", "新闻热线"),
    ("004", "QQ爆料"), ("004", "您当前的位置"), ("004", "下一页"), ("004", "相关新闻"),
    ("004", "网友留言"), ("004", "关注微信公众号"), ("004", "集团报刊"), ("004", "字体"),
    ("000", "免责声明"), ("000", "责编"), ("001", "【资料图】"), ("001", "关键词"),
    ("001", "原标题"), ("001", "(刘磊)"),
])
def test_site_chrome_is_removed(res, seed_articles, prefix, chrome):
    raw = cleaning.strip_pinyin(res.simplified(seed_text(prefix)))
    assert chrome in raw  # the rule has something to remove in this seed
    assert chrome not in article_text(seed_articles, prefix)


def test_chrome_rules_match_their_lines():
    for line in ("当前位置: 主页 > 市场主体 > 产业集群 >", "[1]  [2]  下一页  尾页", "责编:思言",
                 "新闻热线:0799-6321110  QQ爆料:1642308157", "相关新闻", "网友留言",
                 "集团报刊江西日报 信息日报 江南都市报 新法制报 大江网"):
        assert cleaning.is_chrome(line), line
    for line in ("南康区综合评分再获全市第一,这是南康区第三次荣获全市第一。", "争分夺秒紧抓项目"):
        assert not cleaning.is_chrome(line), line


def test_image_tags_are_removed(seed_articles):
    assert "image" in seed_text("002")
    text = article_text(seed_articles, "002")
    assert "image" not in text and "data:" not in text and "资源得分" not in text


@pytest.mark.parametrize("junk", [
    "更多公文范文", "材料狗", "由会员分享", "淘文阁", "配套讲稿", "特殊限制", "如PPT文件",
    "国旗、国徽", "关 键 词", "限制150内", "1、于都", "2、请登录",
])
def test_document_sharing_site_junk_is_removed(seed_articles, junk):
    assert junk not in article_text(seed_articles, "002")


@pytest.mark.parametrize("joined", [
    "企业上市“映山红行动”走在全市前列",  # 走在全 / 3、市前列
    "全行业产值达1000亿元",  # 1000 / 8、亿元
    "向受到表扬和嘉奖的单位、企业和个人,表示热情的庆贺",  # ad, page marker, ad in between
    "供应链不完善",  # 供应 / 4、链
])
def test_words_broken_across_pages_are_joined(seed_articles, joined):
    assert joined in article_text(seed_articles, "002")


def test_numbered_lists_are_not_pages():
    lines = ["1、加快项目建设。", "2、优化营商环境。", "3、强化要素保障。"]
    assert cleaning.join_pages(lines) == lines


def test_speech_date_in_parentheses_is_kept(seed_articles):
    assert "(2021年3月23日)" in article_text(seed_articles, "002")


def test_punctuation_classes_hold_both_widths():
    # Escapes, not literals: a normalization of the sources must not fold ，into , unnoticed.
    assert {"\uff01", "!", "\uff1f", "?", "\uff1b", ";"} <= set(punctuation.STOPS)
    assert set(punctuation.STOPS) < set(punctuation.SENTENCE_ENDS)
    assert {"\uff0c", ","} <= set(punctuation.COMMAS) < set(punctuation.CLAUSE_ENDS)
    assert {"\uff1a", ":"} <= set(punctuation.CLAUSE_ENDS)
    assert {"\uff09", ")"} <= set(punctuation.CLOSERS)


@pytest.mark.parametrize("comma", [",", "\uff0c"])
def test_full_and_half_width_punctuation_read_alike(comma):
    stop = "。" if comma == "," else "\uff01"
    nav = f"首页 新闻 政务 专题 服务{comma}互动"
    assert not cleaning.is_nav_line(nav)
    assert not articles.looks_like_title(f"南康区综合评分再获全市第一{comma}")
    sentence = "南康区综合评分再获全市第一" + "项目建设加速推进" * 20 + stop
    assert split_paragraph(sentence * 2) == [sentence, sentence]


def test_greedy_packing():
    assert pack(["ab", "cd", "ef"], 4) == ["abcd", "ef"]
    assert pack(["ab", "cd", "ef"], 6, sep="\n\n") == ["ab\n\ncd", "ef"]
    assert pack(["abcdef", "g"], 4) == ["abcdef", "g"]  # a piece is never split


def test_full_width_digits_and_letters_read_as_ascii_and_format_characters_go(res):
    from retrieval.cleaning import normalize_line

    line = "完成投资５０９.６９亿元，ＰＭ２.５平均浓度\u200b下降"
    assert normalize_line(line, res.is_word) == "完成投资509.69亿元，PM2.5平均浓度下降"


def test_a_long_line_mentioning_site_words_is_prose_not_chrome():
    from retrieval.cleaning import is_chrome

    prose = ("该区开通12345政务热线和新闻热线,群众可拨打联系电话:0797-1234567反映问题,"
             "今年已办结诉求3000余件,满意率达98%,并通过关注公众号的方式推送办理进度," * 2)
    assert len(prose) > 120 and not is_chrome(prose)
    assert is_chrome("联系电话:0797-1234567")  # short furniture still goes
    assert is_chrome("关注微信公众号")


def test_converting_only_the_clauses_that_need_it_equals_converting_all(res):
    """Long texts are converted clause by clause, only where t2s may change something: the
    same text as one pass over all of it, for traditional, simplified and mixed text."""
    import random

    rng = random.Random(7)
    pieces = [seed_text(p) for p in ("000", "001", "002", "003", "004")]
    simplified = [res.t2s.convert(p) for p in pieces]
    marks = list("。,，、：;；！?\n…") + ["", "", ""]
    for _ in range(30):
        parts = []
        for _ in range(rng.randint(1, 40)):
            source = rng.choice(pieces + simplified)
            start = rng.randrange(len(source))
            parts.append(source[start:start + rng.randint(1, 400)] + rng.choice(marks))
        text = "".join(parts)
        assert res.simplified(text) == res.t2s.convert(text)
    # simplified text with the characters t2s may change (么, 乾 …) here and there
    text = "什么时候去乾坤湾,覆盖率达到百分之九十。" * 20 + "没有这样的字。" * 50
    assert res.simplified(text) == res.t2s.convert(text)
