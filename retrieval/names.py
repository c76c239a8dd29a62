"""The data tables that drive :mod:`retrieval.entities`: the titles written beside a person's
name, common surnames, what may follow a name, the words that end an organisation's name and
may stand inside one, the words that extend a place, the parts of a year; and the words
jieba's dictionary tags as organisations that are none.

Pure data, no logic: a title, a surname or a false organisation seen in the corpus is a one-line
edit here. Date patterns are shared with the figures and live in :mod:`retrieval.units`
(``DATES``), relative year words (今年, 去年, 次年) in :mod:`retrieval.years`; place names are the
lexicon :mod:`retrieval.resources` builds.
"""

from __future__ import annotations

# Titles written before a name: 区委书记徐兵, 副总经理操声跃, 居民周静. Longest first is the
# extractor's business (区委书记 before 书记). The role of the mention is the title as written.
ROLES = (
    "书记", "副书记", "总书记", "省委书记", "市委书记", "县委书记", "区委书记", "党委书记",
    "党组书记", "党工委书记", "支部书记", "省长", "副省长", "市长", "副市长", "县长", "副县长",
    "区长", "副区长", "镇长", "乡长", "村长", "主任", "副主任", "局长", "副局长", "厅长",
    "副厅长", "处长", "科长", "部长", "副部长", "主席", "副主席", "总理", "副总理", "委员",
    "常委", "秘书长", "总经理", "副总经理", "经理", "董事长", "副董事长", "董事", "总裁",
    "副总裁", "总监", "厂长", "院长", "副院长", "校长", "所长", "站长", "行长", "会长", "社长",
    "主编", "负责人", "创始人", "合伙人", "工程师", "教授", "研究员", "专家", "医生", "护士",
    "老师", "律师", "记者", "通讯员", "居民", "村民", "市民", "游客", "职工", "员工", "工人",
    "农民", "学生", "店主", "老板", "主播", "队长", "代表",
)

# Written before a reporter's name in a byline: 江西手机报赣州讯(张翠萍). No title, no role.
BYLINES = ("讯(", "讯（", "电(", "电（")

# Titles written after a name. True: official prose names colleagues by given name alone
# (新强同志, 忠琼书记); False: a surname must come first (习近平总书记, 张翠萍女士).
TITLES_AFTER: dict[str, bool] = {
    "同志": True, "书记": True, "总书记": False, "总理": False, "主席": False, "先生": False,
    "女士": False,
}

# Common Chinese surnames. Those that are far more often function or place words count only
# right after a title (市长万广明), never before 同志 nor before a verb of speech alone.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
    "习苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎"
    "贺顾毛郝龚邵钱严覃武戴莫孔汤常温康施文牛樊葛邢齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿"
    "关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕季裴霍涂苗谷盛曲翁冉骆蓝游辛靳管柴蒙鲍华喻祁"
    "蒲滕屈饶解牟艾尤阳穆农卓缪褚娄窦戚岑宫费卜冷晏席卫米柏宗瞿桂佟臧闵苟邬卞姬仇栾隋刁"
    "巫寇桑郎甄丛仲虞敖巩佘池麻苑迟邝匡鞠惠荆冀郁胥储栗燕楚鄢劳谌奚皮粟冼蔺楼闻厉操"
)
AMBIGUOUS_SURNAMES = "万于向成安时全应师和海南区满乐单党车沙司古吉简项边官明商原位"
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "令狐",
                     "慕容", "长孙", "宇文", "司徒", "夏侯", "端木", "西门", "南宫")
NAME_LENGTHS = (2, 3)  # characters, surname included; a compound surname adds one

# What may follow a name written after a title: punctuation, the verbs of speech and of
# officials' doings, particles. A name is cut where one of these begins: 何善锦|陪同,
# 易炼红|来萍调研, 操声跃|说.
NAME_ENDS = (
    "、", "，", ",", "。", "；", "：", ":", "！", "？", "）", ")", "”", "“", " ", "\n",
    "说", "表示", "强调", "指出", "要求", "介绍", "认为", "透露", "坦言", "告诉", "称", "希望",
    "提出", "主持", "出席", "宣读", "通报", "陪同", "调研", "考察", "视察", "带队", "率队",
    "会见", "讲话", "致辞", "参加", "回答", "接受", "来", "在", "到", "赴", "于", "等", "和",
    "与", "及", "一行", "同志", "也", "还", "就", "对", "向", "为", "代表", "作", "做", "是",
    "同", "则", "都", "又", "曾", "已", "分别", "先后", "一起", "带领",
)

# Without a title, a name is taken only before a verb of speech (徐兵表示), or with 在 … before
# one in the same clause (徐兵在这次大会上表示).
SPEECH_VERBS = (
    "说", "表示", "强调", "指出", "要求", "介绍", "认为", "透露", "坦言", "告诉", "称", "提出",
    "主持", "出席", "宣读", "通报", "陪同", "调研", "考察", "视察", "会见", "讲话", "致辞",
)
SPEECH_REACH = 30  # characters from 在 to the verb of speech
# Such a name opens its clause, or follows one of these: 据徐兵介绍, 和何善锦表示.
BEFORE_BARE_NAME = ("据", "和", "与", "及", "同", "由", "经", "请", "对")

# Characters no name holds: a two-character word made of them before 同志 is no given name
# (这位同志, 各位同志, 的书记).
NOT_NAME_CHARS = "这那哪每各该本其此位些的地得了在是和与及等个们我你他她它您谁啥什么之以所被把将对从向为"

# Jieba's tags of proper names: person (nr, nrfg, nrt), place, organisation, other proper noun,
# abbreviation, Latin word. A word jieba's dictionary lacks (found by its HMM) counts as one too.
PERSON_TAGS = frozenset({"nr", "nrfg", "nrt"})
PROPER_TAGS = PERSON_TAGS | {"ns", "nt", "nz", "j", "eng"}
ORG_TAG = "nt"

# An organisation's name ends with one of these words: 卡拉索汽车公司, 江西财经大学,
# 赣州市第五人民医院. A word ending with one counts when it is two characters longer
# (人民医院, 服装学院, not 市中心).
ORG_HEADS = (
    "公司", "有限公司", "分公司", "集团", "大学", "学院", "医学院", "中学", "小学", "医院", "分院",
    "研究院", "研究所", "研究中心", "中心", "分中心", "银行", "分行", "支行", "协会", "学会",
    "商会", "联合会", "基金会", "传媒", "委员会", "政府", "办公厅", "办公室", "合作社", "出版社",
    "报社", "电视台", "实验室",
)
# Industry words that make a company's short name after a brand, a word no dictionary lists
# or one tagged as a person's name: 江元电子, 润鹏矿业, 雷茨智能. Not after a place (江西电子),
# nor after a dictionary word jieba merely tags nz (智|联网|智能).
BRAND_HEADS = ("科技", "电子", "电气", "电器", "电机", "电声", "光电", "智能", "装备", "传动",
               "精密", "材料", "新材", "能源", "新能源", "矿业", "锂业", "股份", "实业", "控股",
               "医药", "药业", "食品", "物流", "环保", "钢构", "陶瓷", "电瓷", "汽车", "建工")
BRAND_TAGS = PERSON_TAGS
BRAND_LENGTHS = (2, 3, 4)

# Words of an organisation's name between its proper name and its head, beyond the nouns:
# 清华大学附属中学, 江铃集团新能源汽车有限公司, 江西出版传媒集团.
ORG_INNER = ("附属", "有限", "控股", "股份", "出版", "投资", "实业", "发展", "建设", "国际",
             "研究", "设计", "科技", "技术")
ORG_INNER_TAGS = frozenset({"n", "vn", "nz", "b", "j", "an", "ng"})
ORG_INNER_WORDS = 4  # descriptive words at most between a proper name and the head
ORG_MAX_CHARS = 24
# Words jieba's HMM glues from a numeral and the word after it (将七大|中心, 二是|科技, 三个园区)
# are no names.
COUNTED = r"[〇零一二三四五六七八九十两百千]+[大个项类种批条家次是要]"

# Words jieba's dictionary tags nt that name no organisation.
NOT_ORGS = frozenset({
    "暨", "渣", "中人", "新进展", "新格局", "大力开展", "联合体", "建设路", "国际化", "社会科学",
    "天文学", "伦理学", "统计学", "中医药", "古典文学", "海洋生物", "中南部", "中西部", "超级大国",
    "黑社会", "四合院", "人民共和国", "党政军", "中国区", "信息中心", "音乐会", "交易会",
})

# Words that extend the place before them into one place: 萍乡北站, 龙潭公园, 湘东园区.
PLACE_SUFFIXES = (
    "站", "北站", "南站", "东站", "西站", "火车站", "高铁站", "汽车站", "港", "机场", "码头",
    "园区", "新区", "开发区", "经开区", "高新区", "工业园", "产业园", "科技园", "公园", "广场",
    "大道", "路", "街", "镇", "乡", "村", "湖", "山", "景区", "片区", "小区",
)

# Parts of a year, written after a relative year word (今年前三季度, 去年年底) or alone (上半年):
# with it, the relative time written instead of, or before, a date.
YEAR_PARTS = ("上半年", "下半年", "年初", "年底", "年末", "一季度", "二季度", "三季度", "四季度",
              "前三季度", "第一季度", "第二季度", "第三季度", "第四季度")
