"""extract_mentions on sentences of the corpus and on forms beyond it: the dates, persons (with
their titles), organisations and places each names, what is none of them, and the mentions an
indexed passage carries."""

from __future__ import annotations

import shutil

import pytest

from retrieval import index as index_mod
from retrieval.entities import extract_mentions
from tests.helpers import SEEDS


def found(text: str, res, kind: str) -> list[str]:
    return [m.text for m in extract_mentions(text, res) if m.kind == kind]


def mention(text: str, res, written: str):
    return next(m for m in extract_mentions(text, res) if m.text == written)


# --- dates -------------------------------------------------------------------------------------

@pytest.mark.parametrize("sentence, written, fields", [
    ("华创新材项目的建设进度让人惊叹——今年1月份,年产10万吨锂电铜箔生产项目落户该区", "1月份",
     {"year": None, "month": 1, "day": None, "relative": "今年"}),
    ("3月18日,一期项目开工,从签约到项目开工仅用时2个月", "3月18日", {"month": 3, "day": 18}),
    ("10月18日,二期开工", "10月18日", {"month": 10, "day": 18}),
    ("工业倍增升级工作动员大会上的讲话 于都县委书记 (2021年3月23日)", "2021年3月23日",
     {"year": 2021, "month": 3, "day": 23, "relative": None}),
    ("已购置部分设备,预计2023年3月试生产。", "2023年3月", {"year": 2023, "month": 3, "day": None}),
    ("成功发行全省首单2亿元知识产权证券化产品,写入2024年省政府工作报告", "2024年",
     {"year": 2024, "month": None}),
    ("在刚刚结束的2020年度赣州市六大攻坚战流动现场会中", "2020年度", {"year": 2020}),
    ("今年5月27日,湘赣边区域合作示范区建设推进大会在我市召开", "5月27日",
     {"month": 5, "day": 27, "relative": "今年"}),
    ("这也是继今年2月,江铃新能源实现首次出口欧洲地区后", "2月", {"month": 2, "relative": "今年"}),
    # A period of months is one date with no single month.
    ("从今年1-8月国内动力电池累计装车量来看", "1-8月", {"month": None, "relative": "今年"}),
    ("2020年至2023年,全区GDP年均增长6.2%", "2020年", {"year": 2020}),
    ("2020-2023年,全区GDP年均增长6.2%", "2020-2023年", {"year": None}),
    ("1月18日至19日,与会人员到南康区集中察看", "19日", {"month": None, "day": 19}),
    ("发布会于二〇二一年召开", "二〇二一年", {"year": 2021}),
    ("十月一日起施行", "十月一日", {"month": 10, "day": 1}),
    # A relative year with no date after it is a date of its own.
    ("去年,我们克服疫情影响,主动作为", "去年", {"year": None, "relative": "去年"}),
    ("今年前三季度,全区纳入省大中型项目26个", "今年前三季度", {"relative": "今年前三季度"}),
    ("2019年签约,次年投产", "次年", {"relative": "次年"}),
])
def test_dates(res, sentence: str, written: str, fields: dict) -> None:
    m = mention(sentence, res, written)
    assert m.kind == "date" and sentence[m.start:m.end] == written
    assert {k: getattr(m, k) for k in fields} == fields


@pytest.mark.parametrize("sentence", [
    "在2-3年内打造百亿级装配式建筑产业集群",  # durations are no dates
    "力争将来3年,纺织服装首位产业实现出口总额200亿元以上",
    "时隔十多年再次挤入全省“第一方阵”",
    "导致于都的发展滞后了2年",
    "仅用了不到两个月,比预计开工时间提前一个半月",
    "完成年度投资509.69亿元,产值突破2000亿元",  # nor are figures with four digits
    "统一月报制度",  # nor a Chinese month inside another word
    "他还相当年轻",  # nor a relative year inside another word
    "规模以上年主营业务收入增长",
    "超过13个月",
])
def test_not_dates(res, sentence: str) -> None:
    assert found(sentence, res, "date") == []


# --- persons -----------------------------------------------------------------------------------

@pytest.mark.parametrize("sentence, persons", [
    ("期间,南康区委书记徐兵、区长何善锦陪同。", [("徐兵", "区委书记"), ("何善锦", "区长")]),
    ("华创新材副总经理操声跃说,不仅如此", [("操声跃", "副总经理")]),
    ("学森同志对工业倍增升级进行了总结部署,邱瑛同志通报了全县招商引资工作状况",
     [("学森", "同志"), ("邱瑛", "同志")]),
    ("“现在好了。”龙潭公园附近居民周静幸福满满地说。", [("周静", "居民")]),
    ("全面落实省委书记易炼红来萍调研时提出的要求", [("易炼红", "省委书记")]),
    ("深入贯彻落实省委书记易炼红在萍调研时提出的要求", [("易炼红", "省委书记")]),
    ("刚才,新强同志宣读了表扬确定", [("新强", "同志")]),
    ("同时,市委忠琼书记在杭州考察杭萧钢构是明确表示", [("忠琼", "书记")]),
    ("是以忠琼书记为班长的市委作出的重要决策", [("忠琼", "书记")]),
    ("其次,要大力实施科技创新驱动。习近平总书记", [("习近平", "总书记")]),
    # No title: a name opening its clause before a verb of speech.
    ("1月24日,在全体会议上,徐兵表示,振兴发展极大改变了南康的面貌", [("徐兵", None)]),
    ("徐兵在召开重点项目现场调度会时强调,要以格力电器项目为核心", [("徐兵", None)]),
    ("江西手机报赣州讯(张翠萍) 9月13日,赣州市政府新闻办召开发布会", [("张翠萍", None)]),
    # Forms beyond the seeds.
    ("公司董事长张伟说,今年订单翻番", [("张伟", "董事长")]),
    ("县长王小明在会上强调,要抓好春耕", [("王小明", "县长")]),
    ("总经理欧阳明华表示,将扩大产能", [("欧阳明华", "总经理")]),
    ("据李建国介绍,园区已入驻企业50家", [("李建国", None)]),
    ("江西省委书记尹弘在南昌会见客人", [("尹弘", "省委书记")]),  # 江西省委|书记 in jieba
    ("村党支部书记钟小平介绍说", [("钟小平", "支部书记")]),
    ("南昌市委副书记、市长万广明出席", [("万广明", "市长")]),  # 万: a surname after a title
    ("本报讯(记者 李明)日前", [("李明", "记者")]),
    ("国务院总理李强", [("李强", "总理")]),
    ("市民陈女士告诉记者", []),  # a surname alone is no name
    ("张翠萍女士出席了仪式", [("张翠萍", "女士")]),
])
def test_persons(res, sentence: str, persons: list) -> None:
    got = [(m.text, m.role) for m in extract_mentions(sentence, res) if m.kind == "person"]
    assert got == persons


@pytest.mark.parametrize("sentence", [
    "10个主要经济指标均保持正增长,继续位列全市“第一方阵”",
    "记者注意到,经过打分,南康区综合评分获全市第一",
    "有些单位的主要负责同志为企业服务的意识不强,甚至有个别局长对企业“呼来喝去”",
    "周边居民意见都很大",
    "她笑着说,陈女士告诉记者",  # a surname and a title: 陈女士 is in jieba's dictionary as nr
    "全体同志要进一步坚决信念",
    "这是南康区第三次荣获全市第一",  # 荣获: a common word jieba's dictionary tags nr
    "打造了富尔特、柏瑞凯、江元电子等一批标杆企业",  # names of companies, no speaker
    "陶瓷厂书记和车间主任都参加了",  # 厂书记: no given name is cut out of a word
    "他担任区长时表示,要抓项目",  # 时表示 is no name
    "书记于今年5月调研",
    "该区人气更热、商气更旺,城市长远发展有了支撑",  # 城市长远 holds no 市长
])
def test_not_persons(res, sentence: str) -> None:
    assert found(sentence, res, "person") == []


# --- organisations and places ------------------------------------------------------------------

@pytest.mark.parametrize("sentence, orgs", [
    ("近日,江铃集团新能源汽车有限公司与以色列汽车进口商卡拉索汽车公司线上签约仪式举行",
     ["江铃集团新能源汽车有限公司", "卡拉索汽车公司"]),
    ("同江西财经大学合作推进VR产业人才培养", ["江西财经大学"]),
    ("与清华大学附属中学、南昌大学、江西理工大学、江西师范大学附属小学合作办学",
     ["清华大学附属中学", "南昌大学", "江西理工大学", "江西师范大学附属小学"]),
    ("9月28日,江西出版传媒集团战略合作签约暨慈文传媒上市总部迁址活动举行",
     ["江西出版传媒集团", "慈文传媒"]),
    ("中材电瓷打造的“5G+MEC”项目成功入选", ["中材电瓷"]),
    ("九丰能源IPO首发上市获批通过", ["九丰能源"]),
    ("仅用2个多月,完成与世界500强企业——格力电器的洽谈", ["格力电器"]),
    ("分别与赣南医学院一附院、赣州市第五人民医院合作办医", ["赣南医学院", "赣州市第五人民医院"]),
    ("从南昌欣旺达新能源有限公司传来好消息", ["南昌欣旺达新能源有限公司"]),
    ("大力扶持润鹏矿业、江钨股份上市", ["润鹏矿业", "江钨股份"]),
    ("积极推进中国工业互联网研究院江西分院落地", ["中国工业互联网研究院江西分院"]),
    ("获国务院督查激励", ["国务院"]),
    ("宁德时代新能源科技股份有限公司在宜春投资", ["宁德时代新能源科技股份有限公司"]),
    ("中国人民银行南昌中心支行发布数据", ["中国人民银行南昌中心支行"]),
    ("景德镇陶瓷大学与瑞金市政府签订协议", ["景德镇陶瓷大学", "瑞金市政府"]),
    # An organisation word with no name before it is no organisation.
    ("建设培训中心、设计中心、品牌孵化和推广基地", []),
    ("该公司负责人表示", []),
    ("加快江西电子信息产业发展", []),  # a place is no brand
    ("将七大中心建设好", []),
])
def test_orgs(res, sentence: str, orgs: list[str]) -> None:
    assert found(sentence, res, "org") == orgs


@pytest.mark.parametrize("sentence, places", [
    ("成功争取长赣高铁途经我市并在萍乡北站并站", ["萍乡北站"]),
    ("同时,市委忠琼书记在杭州考察杭萧钢构", ["杭州"]),
    # One place, the most specific written: the port with its city.
    ("南康与深圳盐田港组建的赣深组合港", ["南康", "深圳盐田港"]),
    ("首批600台纯电动轿车“羿”出口以色列", ["以色列"]),
    ("龙潭公园附近居民周静幸福满满地说", ["龙潭公园"]),
    ("成功引进培育51家湘企落户上栗、湘东园区", ["上栗", "湘东园区"]),
    ("同江西财经大学合作", []),  # 江西 is part of the university's name
    ("九丰能源IPO首发上市获批通过,扎根于都", ["于都"]),  # 上市, 扎根: words jieba tags ns
])
def test_places(res, sentence: str, places: list[str]) -> None:
    assert found(sentence, res, "place") == places


def test_mentions_of_every_seed_passage_are_exact_ordered_and_disjoint(engine, res) -> None:
    for d in range(len(engine.index)):
        text = engine.index.passage(d).text
        mentions = extract_mentions(text, res)
        assert all(text[m.start:m.end] == m.text for m in mentions)
        assert all(a.end <= b.start for a, b in zip(mentions, mentions[1:], strict=False))


# --- in the index ------------------------------------------------------------------------------

def test_an_indexed_passage_carries_its_mentions(engine) -> None:
    index = engine.index
    passage = next(p for p in index.passages() if "操声跃" in p.text)
    assert ("操声跃", "person", "副总经理") in [(m.text, m.kind, m.role) for m in passage.mentions]
    assert passage.mentions == extract_mentions(passage.text, engine.res)
    dated = next(p for p in index.passages() if "今年5月27日" in p.text)
    may = next(m for m in dated.mentions if m.text == "5月27日")
    assert (may.kind, may.month, may.day, may.relative) == ("date", 5, 27, "今年")


def test_mentions_survive_an_incremental_update(res, tmp_path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    first = index_mod.open_index(corpus, res)
    before = {p.id: p.mentions for p in first.passages()}
    (corpus / "new.txt").write_text("南昌新闻\n县长王小明在会上强调,要抓好春耕。", encoding="utf-8")
    updated = index_mod.open_index(corpus, res)
    after = {p.id: p.mentions for p in updated.passages()}
    assert all(after[k] == v for k, v in before.items() if k in after)  # kept rows keep theirs
    new = next(p for p in updated.passages() if "王小明" in p.text)
    assert [m.text for m in new.mentions if m.kind == "person"] == ["王小明"]


def test_names_are_told_by_the_tags_jiebas_pos_tagger_reads(res) -> None:
    """The dictionary's tags names are read with are the POS tagger's own table, the project
    dictionary's tags included, without the tagger being loaded to read them."""
    tagger = res.pos
    tagger.makesure_userdict_loaded()
    assert res.word_tags == tagger.word_tag_tab
    assert res.word_tags["南康"] == "ns" and res.word_tags["的"] == "uj"


def test_names_are_read_alike_without_jiebas_table_loaded(engine, res) -> None:
    """A process that only answers reads names with the memory-mapped table and its tags."""
    from retrieval.resources import Resources

    fresh = Resources()
    texts = [p.text for p in engine.index.passages()]
    assert [extract_mentions(t, fresh) for t in texts] == [extract_mentions(t, res) for t in texts]
    assert "tokenizer" not in fresh.__dict__ and "word_tags" not in fresh.__dict__
