"""Details a need may ask for that a measure may or may not state.

A policy document says what the district will do and who is responsible; it rarely says what
a service costs, when an office opens, where it is, which papers to bring, who qualifies or
how long a procedure takes. When a need asks for such a detail and the measures on its topic do
not state it, the honest answer is partial: the documents have the topic, not the detail, and
the measures' 责任单位 are the place to ask.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache


def pattern(*alternatives: str) -> re.Pattern[str]:
    """One case-insensitive regex matching any of the alternatives."""
    return re.compile("|".join(alternatives), re.IGNORECASE)


MONEY = pattern(r"\d+(?:\.\d+)?\s*(?:元|万元|亿元|万|块)",
                r"[一二三四五六七八九十百千万]+(?:元|万元)",
                "免费|不收费|零收费|减免|免收|减半收取",
                # A share of a charge (收费下调20%, 利息的50%): a percentage alone often
                # measures something else (办事比例达到95%).
                r"(?:费|率|租金|利息|贴息|补贴|补助|返还)[^，。；]{0,12}\d+(?:\.\d+)?\s*[%％]",
                r"\d+(?:\.\d+)?\s*[%％]\s*(?:给予|的)?(?:一次性)?(?:补贴|补助|贴息|奖励|返还)",
                # A per-mille is a rate of a charge (日费率不高于0.1‰).
                r"\d+(?:\.\d+)?\s*‰")
DURATION = pattern(r"(?:\d+|[一二三四五六七八九十两半]+)\s*个?"
                   "(?:工作日|天|日|小时|分钟|周|星期|月|年)",
                   "当天|当日|即时|立等|最多跑一次|一次办成|每(?:年|季度?|月|周|半年)")
CLOCK = pattern(r"\d{1,2}[:：]\d{2}", r"\d{1,2}\s*点(?!击)", r"[上下]午\s*\d",
                r"\d{1,2}\s*时(?![间期限代候效段])")
# A figure with its unit or a share; a name with digits in it ("3+5+X") states no figure.
COUNT = pattern(r"\d+(?:\.\d+)?\s*(?:[%％]|[\u4e00-\u9fff])",
                r"[一二三四五六七八九十百两]+\s*(?:项|个|次|家|条|批|类|种|场|%|成|倍)",
                "一次|全覆盖|百分")


# Days and hours an office may be closed, as owners name them.
OFF_HOURS = "周末|周[六日]|星期[六天日]|礼拜[六天日]|节假日|晚上"


@dataclass(frozen=True)
class Detail:
    """A kind of detail.

    name: short key (``fee``, ``hours``…).
    zh, en: how an answer names what is missing ("费用或金额").
    asked: what a need asking for it says.
    stated: what a measure stating it says; None when documents of this kind never state it.
    """

    name: str
    zh: str
    en: str
    asked: re.Pattern[str]
    stated: re.Pattern[str] | None


DETAILS: tuple[Detail, ...] = (
    Detail("later", "之后出台的政策", "policies issued after it", pattern(
        # A year only counts beside a policy word: "2023年开的店" is a story, not a question.
        r"20[2-9]\d\s*年?.{0,8}(?:政策|新政|新规|方案|措施|文件|规定|补贴|出台|版|清单|名单|目录|指标)",
        r"(?:政策|新政|新规|方案|措施|文件|规定|补贴).{0,8}20[2-9]\d",
        "最新(?:的)?政策|今年(?:的)?新(?:政策|规定|出台|出的)",
        # A later year asked about ("2025年还招吗"), or whether the plan still holds.
        r"20[2-9]\d\s*年?(?:还|会|有没有|是否|继续|新|版)|20[2-9]\d\s*年?.{0,16}(?:又|新)出|"
        r"20[2-9]\d\s*年?.{0,16}出(?:了)?新|最新(?:的)?(?:是|一份|版)",
        "还(?:有效|算数|执行|在执行|适用|能用|招|有)(?:吗|么|不)|现在还有吗|今年还有",
        # Rules issued afterwards to carry a measure out ("后来出了实施办法没").
        "后来(?:又)?出(?:了|台)|(?:实施办法|实施细则|配套文件|配套政策|细则)(?:出了|出台了|有了)?"
        "(?:没|吗|么)|(?:依据|是)哪个文件",
        r"still (?:in force|in effect|valid|exist|apply|available|running|open)|\d{4} version",
        r"(?:been|be) (?:replaced|superseded)|a newer (?:one|version|plan|polic)",
        r"\b20[2-9]\d\b.{0,50}\b(?:polic|rules?|plan|measures|subsid)",
        r"(?:polic|rules?|measures|plan|version).{0,30}\b20[2-9]\d\b|latest polic",
        "今年(?:有没有|有)?新(?:的)?政策|(?:这个|这项|那个)?政策现在还有(?:没有|吗|么)",
        # Whether it changed since ("2024年这个指标改了没有", "后来有没有出新版").
        r"(?:后来|现在|今年|去年|20[2-9]\d\s*年?)[^。？?]{0,10}(?:改了|变了|调整了|更新了|改过)|"
        "出(?:了)?新版|新版(?:的)?(?:清单|名单|目录|政策)?(?:吗|么|没|呢)",
        r"(?:has|have|was|were) (?:it|this|that|they|the \w+) (?:been )?(?:updated|changed|"
        r"replaced|renewed)|updated since|"
        r"any (?:new|newer|updated) (?:version|rules|polic)"), None),
    Detail("comparison", "与其他地区的比较", "comparisons with other places", pattern(
        # A document speaks for its own district; how another one does is not in it.
        "(?:比|跟|和|与)(?:浦东|徐汇|闵行|静安|长宁|黄浦|杨浦|虹口|宝山|嘉定|松江|青浦|奉贤|金山|"
        "崇明|隔壁区|其他区|别的区|外区|外地|北京|深圳|杭州|广州)[^。？?]{0,16}"
        "(?:多还是少|高还是低|快还是慢|哪个|谁|更|比)",
        "排第几|排名(?:多少|第几|怎么样|如何|靠前)|名次",
        r"how does (?:it|this|that|\w+) compare|compared? (?:with|to)|ahead or behind|"
        r"\brank(?:ed|ing)\b|"
        r"\bthan (?:in )?(?:other districts|xuhui|pudong|jing'an|minhang|changning)"), None),
    Detail("language", "外语或双语服务", "services in other languages", pattern(
        "(?:有没有|能不能|能否|可不可以|会不会|能|会|支持|提供)[^。？?，,]{0,10}(?:英文|英语|粤语|外语|双语)",
        "(?:英文|英语|外语|双语)(?:版|界面|服务|提示|窗口|律师|材料)",
        r"\bin english\b|english (?:version|interface|prompts?|speaking|service|translation)|"
        r"speaks? english|cantonese"),
        pattern("外语|英文|英语|双语|多语种|国际版")),
    Detail("support", "补贴、奖励等资金支持", "subsidies, grants or other money", pattern(
        # Whether there is money at all ("当体验官有没有补贴"); how much is the fee detail.
        "有没有(?:什么)?(?:补贴|补助|奖励|奖金|津贴|报酬|资金支持|钱拿|钱)",
        "(?:补贴|补助|奖励|奖金|津贴|报酬)(?:吗|么|不|没)|给不给(?:补贴|钱|奖励)|(?:能|可以)拿.{0,4}(?:补贴|钱)",
        r"\b(?:any|a|get a) (?:subsidy|subsidies|grant|grants|allowance|stipend)\b|"
        r"\b(?:is|are) (?:there|they|we) (?:paid|compensated)"),
        pattern("补贴|补助|资助|奖励|奖补|贴息|扶持资金|专项资金|资金支持|减免|免费")),
    Detail("fee", "费用或金额", "fees or amounts of money", pattern(
        "多少钱|几块钱|多少元|几元|收费|收不收费|要钱吗|花钱|交钱|付钱|费用|手续费|工本费",
        "费率|利率|利息|奖金|金额(?:是|有)?多少|多少金额",
        "额度(?:是|有)?多少|多少额度|最高额度|补贴多少|补多少|补贴标准|奖励多少|奖多少",
        "能拿多少|能领多少|给多少|贷多少|最高多少|罚多少|价格|额度|贵不贵|便不便宜|收多少",
        # A share of a grant ("房租补贴按多少比例补").
        "(?:补贴|补助|奖励|贴息|补)[^，。？?]{0,8}(?:多少|几成|什么)比例|比例.{0,4}(?:补|贴)",
        "免费(?:的)?(?:吗|么|不)|是不是免费|收不收钱|要不要钱|收钱吗",
        "(?:收|要|交|花)(?:钱|费)(?:不|吗|么|没)",
        "(?:补贴|补助|资助|奖励|扶持)(?:的)?标准|年化|税率|征收率|补偿金|赔偿|N\\+1",
        # Any named charge asked about ("快递费是我自己出吗", "要交调解费吗").
        # (Not 税费 "taxes and fees", 经费 "funds", 各种费 "all kinds of fees".)
        "[\u4e00-\u9fff]{1,3}(?<![各种些税收付缴花经消])费(?:用)?"
        "(?:是|要|多少|谁出|谁付|自己出|贵|吗|么|能不能|能否|可以)",
        "(?:要不要|需不需要|用不用|得不得)(?:交|付|缴)|交.{0,4}费(?:吗|么|不)",
        # "资金能周转几天" asks a duration, not an amount.
        "(?:注册资本|资金|资本|本金|资产|营业额|营收|收入|流水|税额|销售额).{0,6}(?:多少|几)"
        "(?!个?(?:工作日|天|日|月|年|小时|周|星期))",
        # "pay taxes and fees online" names fees without asking what they are.
        r"how much|what (?:is|are) the (?:fee|cost|price|charge)s?|"
        r"\b(?:any|a)\s+(?:\w+\s+)?(?:fee|charge)s?\b",
        r"\bfees? (?:for|to|of|is|are)|\bcosts? (?:for|to|of)|\bprice\b|interest rate|amounts? of",
        r"is (?:it|this|that) free|for free\b|\bis\b.{0,40}\bfree\b",
        r"(?:subsidy|grant|loan|reward) amounts?|\bfree of charge\b",
        r"prize money|\bprizes?\b|maximum amount|\brent (?:per|for)\b|"
        r"what(?:'s| is) the (?:\w+ )?rent\b|what(?:'s| is) the damage|"
        r"(?:a|any) (?:cap|ceiling|limit) (?:on|to) (?:the )?(?:subsid|grant|loan|amount|reward)|"
        r"how (?:big|large) (?:is|are) the (?:grant|subsid|loan|reward|fine)|"
        r"what(?:'s| is| are) the (?:cap|ceiling|penalty|penalties|fine)\b"), MONEY),
    Detail("penalty", "处罚或追责的后果", "penalties or other consequences", pattern(
        # Whether one is punished or must pay back; a document that deals with it says 处罚,
        # 追回, 失信…
        "会不会(?:被)?(?:罚|处罚)|要不要(?:罚款|退钱|退回|退还)|罚不罚|(?:会|要)(?:被)?罚款(?:吗|么)",
        "(?:啥|什么|哪些)(?:处罚|后果)|黑名单|拉黑|退(?:钱|回|还)(?:吗|么|不)|罚(?:得)?多(?:重|狠)",
        # ("Is it fine to…" is no fine.)
        r"penalt|\bfined\b|\ba fine\b|\bfines\b|punish|pay (?:it )?back"),
        pattern("处罚|罚款|惩戒|追回|追究|取消|黑名单|失信|责任|不予处罚|从轻|减轻")),
    Detail("agent", "能否委托他人代办", "whether someone else may act for you", pattern(
        # Whether an agent, a lawyer, the accountant… may do it for the owner.
        "(?:代办|代理|代为|代递|代交|代签|代出庭)[^。？?]{0,6}(?:吗|么|不|行不|可以|能不能)",
        "(?:能不能|能否|可不可以|可以|能|行不行)[^。？?，,]{0,6}(?:委托|交给|让|请)"
        "[^。？?，,]{0,10}(?:代|替|去办|去递|去交|去签|出庭|办理)",
        "替(?:我|我们|他|她|客户|公司|老板)[^。？?，,]{0,8}(?:办|提交|点|递|交|签|出庭)",
        "委托(?:书|律师|中介|代理|别人|他人|亲戚|朋友|会计)[^。？?]{0,12}(?:吗|么|不|行|可以|能)",
        r"on (?:my|our|his|her|their|a client's) behalf|power of attorney|"
        r"\b(?:an? )?(?:agent|agency|proxy|intermediary|lawyer|accountant)\b.{0,30}"
        r"\b(?:submit|file|apply|handle|sign)"),
        pattern("代办|帮办|委托|代理|代为")),
    Detail("appeal", "申诉或复核的途径", "whether and how a decision can be appealed", pattern(
        "(?:申请|能不能|能否|可不可以|可以|能)[^。？?]{0,6}(?:复核|复议|申诉|重新认定|转人工)",
        "不服(?:的话|怎么办|能不能|可以|咋办|找谁)|(?:复核|复议|申诉)(?:吗|么|不|的渠道|找谁|途径)",
        r"\bappeal\b|contest (?:it|the|a)\b|challenge (?:the|a|this) (?:decision|result|rating)|"
        r"request a (?:review|reconsideration)"),
        pattern("复核|复议|申诉|异议|救济|重新认定")),
    Detail("vendor", "承建或运营的具体单位", "which company builds or runs it", pattern(
        "(?:哪家|哪个|什么)(?:技术)?(?:公司|企业|机构|单位|厂商|担保公司|第三方)[^。？?]{0,8}"
        "(?:承建|开发|运维|运营|建设|做的|在做|来做|承接|接的|担保)",
        "(?:承建|开发|运维|运营)(?:商|方|单位|公司)(?:是|叫)",
        "(?:第三方|机构|公司|vendor)[^。？?]{0,6}(?:叫什么|是哪家|的名字|名称是)",
        # ("Who runs it?" asks for the responsible unit, which a measure names.)
        r"which (?:company|vendor|firm|contractor|agency|guarantor)s?\b.{0,40}"
        r"\b(?:built|build|develop|maintain|behind)|name of the (?:vendor|firm|agency)"),
        pattern("有限公司|股份|集团|研究院|事务所")),
    Detail("hours", "办公时间", "opening hours", pattern(
        # (几点建议 are a few points, not a time.)
        "几点(?!建议|意见|想法|要求|问题|疑问|看法)|上班时间|下班时间|几点下班|办公时间|营业时间|开放时间|关门时间",
        f"(?:{OFF_HOURS}|中午)(?:也|能不能|能)?"
        "(?:上班|办公|开门|开放|营业|能办|可以办|有人|办理|办事|办吗)",
        # The day off may come well before the question ("周六去中心，窗口有人上班吗").
        f"(?:{OFF_HOURS}|假期|中午)[^。？?]{{0,20}}"
        "(?:上班|办公|开门|开放|营业|有人|值班|能用|可以用|能约|预约|约)(?:吗|么|不|没)",
        f"(?:{OFF_HOURS}|中午)有没有人|中午(?:休息|午休)",
        "opening hours|office hours|what time|open on",
        r"opens?\b.*\b(?:weekend|saturday|sunday)|weekends?",
        f"(?:{OFF_HOURS})(?:开不开|开门吗|开吗)",
        r"opening times?|open late|open (?:on )?(?:saturdays?|sundays?|evenings?)|"
        r"(?:which|what) days\b"), CLOCK),
    Detail("contact", "地址、电话等联系方式", "addresses, phone numbers or other contacts", pattern(
        # An address asked for, not one being changed ("营业执照上地址要改").
        "地址(?:是|在|呢|多少)|(?:什么|哪个|具体|详细)地址|地址[和、跟]电话",
        # A road, not a way (路子, 路径, 路线).
        "哪条路|什么路(?![子径线])|门牌|几号楼|在哪个位置|具体位置|设在哪|在哪个(?:街道|街镇|地方)",
        "怎么走|坐地铁|停车(?:场|位)?(?:在哪|方不方便|好不好停)|好停车|网址|网站是|官网(?:是|地址|网址|链接|在哪|叫)|邮箱|二维码|公众号叫",
        # A number asked for, not one mentioned ("楼里贴了个楼长电话，楼长是干嘛的").
        "(?:电话|热线|手机号|联系方式)(?:是|多少|号码|呢|有吗|给|发)|(?:什么|哪个|有没有)(?:电话|热线|联系方式)",
        "(?:给|要|求|留)(?:个|一下|一个)?(?:电话|联系方式|手机号?|微信)|"
        "(?:专员|负责人|联系人|经办人|对接人|那位|这位)[^。？?，,]{0,4}叫(?:什么|啥)|(?:都)?在哪块|打(?:什么|哪个)?(?:电话|热线)|电话(?:吗|么)",
        "有没有[^。？?，,]{0,8}(?:电话|微信|手机号|联系方式|邮箱)|微信号?(?:是|多少|吗|么|呢)",
        "(?:中心|大厅|服务厅|窗口|局|办事处|站)(?:具体)?在哪|几楼|哪一?层|几号窗口|哪个窗口",
        "(?:去|到|在)哪(?:里|儿)?(?:领|拿|取)|在哪(?:里|儿)?(?:办公|上班)|(?:地点|位置)(?:在哪|是)",
        "(?:委员会|协会|法院|仲裁院|仲裁委|派出庭|工作室|分局|办公室)(?:具体)?(?:在哪|设在)",
        "(?:下载|安装)(?:链接|地址)|(?:app|小程序|公众号)(?:叫什么|在哪下|怎么下|名字)",
        "(?:哪个|什么)(?:网站|网址|app|小程序|公众号)|(?:放|设|摆)(?:在)?哪(?:些|几个)地方|具体(?:放|设)?在哪",
        "局长|处长|科长|主任是谁|(?:负责人|联系人|经办人|对接人)(?:是谁|叫什么|电话)",
        # A person, not a unit ("具体找金融办哪位").
        "找[^。？?，,]{0,6}哪位|哪位(?:[?？]|$)|哪个科室",
        "(?:怎么|如何|咋|去哪)联系|联系(?:方式|谁|哪位)|是哪位|哪位(?:老师|同志|负责|对接)",
        # A registered or registration address is where a company is registered, a topic,
        # not a contact asked for.
        r"(?<!registration )(?<!registered )(?<!business )\baddress\b|phone|hotline|telephone|"
        r"website (?:address|link)",
        r"(?:what|which)(?:'s| is| are)? the (?:website|url|web address|phone|number|hotline)|"
        r"\burl\b|e-?mail|which floor|"
        r"who is the contact|download (?:link|the app)",
        "where (?:is|are) (?:the|it)|where exactly|exactly where|located|how do i get there",
        "who exactly is|how (?:do|can|should) (?:i|we) (?:reach|contact)",
        r"where (?:do|can|should) (?:i|we) (?:download|get|find) (?:it|the app)",
        "(?:哪个|什么)(?:号码|电话号码)|给(?:个|我)(?:个)?(?:链接|网址)|(?:链接|入口)(?:在哪|是什么|是啥)",
        "(?:网上|线上|手机上)(?:从)?(?:哪个|什么)入口",
        r"contact (?:number|details|info)|(?:get|be) in touch|what floor|"
        r"(?:send|give) me the link|what(?:'s| is) the (?:link|url)|person in charge|"
        r"who is in charge|which (?:\w+ )?(?:account|platform|app|website|site)s?\b|"
        r"where(?:'s| is) the (?:nearest|closest)|(?:which|what) building|"
        r"their (?:phone )?number\b|who(?:'s| is) the contact"),
        # A number to call (依托12345热线), a web address, or a labelled contact.
        pattern(r"(?<![\d.])\d{5,}(?![\d.]*\s*(?:元|万|亿|人|个|家|户|平方|吨|[%％]))",
                r"\d{3,4}-\d{7,8}", r"www\.|https?://", r"(?:地址|电话|网址|邮箱)[:：]")),
    # Where something is published or can be looked up ("报告在哪能看到"): a document that
    # says names the platform, account or counter.
    Detail("channel", "查看或发布的渠道", "where it is published or can be looked up", pattern(
        "在哪(?:里|儿)?(?:能|可以)?(?:看|查|翻|找)(?:到)?|(?:哪里|哪儿)(?:能|可以)?(?:看|查|翻)(?:到)?",
        "在哪(?:里|儿)?(?:公布|发布|公开)",
        r"where (?:can|do|could|should) (?:i|we) (?:see|check|find|view|look (?:it |them )?up)"),
        pattern("平台|网站|网页|公众号|小程序|app|一网通办|随申办|专栏|热线|专线|地图|终端|"
                "企业服务云|官网|窗口")),
    Detail("materials", "需要准备的材料或表格", "which documents, forms or materials to bring",
           pattern(
        # Which papers, not whether fewer are needed ("申请材料能不能少交" is answerable).
        "(?:什么|哪些|啥)(?:材料|资料|证件|文件|手续)|材料(?:有哪些|清单|都有啥)",
        "(?:带|准备|提交|交)(?:什么|哪些|啥)",
        "(?:要|需要)带.{0,10}(?:吗|么)|带.{0,6}(?:原件|复印件|身份证|公章)",
        "(?:要|需要|得)(?:先)?(?:交|提交|递交|写)(?:个|一份|份)?[^。？?，,]{0,8}"
        "(?:申请书|书面申请|材料|报告|证明|表)(?:吗|么|不)",
        "paperwork|what documents|which documents|what to bring|what materials",
        "documents? (?:do i|should i|are) (?:need|required|bring)",
        "带(?:些|点)(?:啥|什么)|(?:填|准备)(?:什么|哪些|啥)(?:表|表格)",
        r"what (?:do|should|must) (?:i|we) (?:need to )?bring|"
        r"which (?:papers|documents|forms|certificates)|"
        r"what (?:papers|forms|documents) (?:are|do|should|must)|"
        r"(?:forms?|papers|documents) (?:are |is )?(?:needed|required)"),
        # A measure that lists the papers ("申报单位应当提交下列材料：（一）…").
        pattern("(?:提交|提供|报送|携带|准备)(?:下列|以下|如下)(?:申请|申报)?(?:材料|资料|文件|证件)",
                "(?:申请|申报)?材料(?:包括|如下|清单)[:：]")),
    # A form or text to fetch, which a measure listing the papers still does not give.
    Detail("forms", "需要准备的材料或表格", "which documents, forms or materials to bring",
           pattern(
        "模板|范本|样表|表格.{0,4}下载",
        "下载.{0,4}(?:表格|模板|文本)|格式文本|(?:哪里|在哪|去哪)(?:能|可以)?下(?:载|到)",
        "(?:全文|原文)(?:在|去)?(?:哪|哪里)|发(?:我|给我)(?:看看|一份|一下)",
        "(?:哪|哪里|哪儿)(?:能|可以)?(?:看|查|找|下载)(?:到)?(?:全文|原文)",
        "template|form to download",
        "表(?:格)?(?:在)?(?:哪|哪里|哪儿)(?:下|领|拿)",
        r"download the forms?|where (?:can|do) (?:i|we) (?:get|find|download) the forms?|"
        r"is there (?:a|an) (?:\w+ )?form\b"), None),
    ELIGIBILITY := Detail("eligibility", "申请条件或资格", "eligibility rules", pattern(
        "什么条件|哪些条件|申请条件|条件是|资格|门槛|符合.{0,6}条件|要满足|够格|够不够",
        "有没有资格|谁能申请|哪些企业能|什么企业能|什么样的企业",
        # Whether the asker's own kind of firm qualifies ("我们这种二十来人的小公司能拿吗").
        "(?:我们|咱们|我)(?:这种|这样|这类)[^。？?]{0,16}(?:能不能|可不可以|能否|能|可以)"
        "(?:拿|领|申请|申|享受|申报|用|办|参加|走)",
        # Whom it is limited to, what one must have ("还是只给公司用", "得有法务部才行").
        "只(?:有|给|对|限)[^。？?，,]{1,8}(?:才能|才可以|能用|用|可以)",
        "(?:得|要|必须|需要)(?:有|是)[^。？?，,]{1,16}才(?:行|能|可以)|(?:什么|哪些|啥)资质|资质要求",
        "(?:具体|明确)的?标准(?:吗|么|没|呢|[?？]|$)",
        r"threshold|minimum (?:number of )?(?:\w+ )?(?:revenue|size|staff|turnover|capital|"
        r"investment|headcount|employees|people)",
        "卡不卡|限不限|(?:年龄|规模|人数|行业)(?:有)?(?:要求|限制)|有没有(?:年龄|规模|人数|行业)限制",
        "(?:认定|评定|申报|申请|评选)?标准是(?:什么|啥|多少)|(?:认定|评定|申报|申请|评选)标准",
        # (Whether it still holds, 算不算数, is no question of who qualifies.)
        "按(?:什么|啥|哪些)标准|什么标准|算不算(?!数)|属不属于|是否属于",
        "eligib|qualif|criteria|requirements? (?:for|to)|who can apply",
        r"(?:am i|are we|is my \w+) allowed",
        # What an applicant must meet, not what a measure requires of itself ("时限要求").
        "(?:申请|申报|享受|参加|入选)(?:有|的)?(?:啥|什么|哪些)要求"),
        # A rule with a figure for its bar ("建筑面积500平方米以下", "营收达到1000万元").
        pattern(r"\d+(?:\.\d+)?\s*[\u4e00-\u9fff]{1,4}(?:以下|以上|以内|及以上|及以下)",
                r"(?:不超过|不低于|不少于|达到|超过|低于|高于)\s*\d")),
    Detail("items", "具体名单或清单", "the specific list of items", pattern(
        # The entries of a list the plan names ("免罚清单具体有哪些条目"), not the plan's
        # own measures on a topic.
        "具体(?:是)?哪(?:两|几|[0-9一二三四五六七八九十]+)(?:个|项|条|家)?(?!部门|单位|局|委|个部门)",
        "(?:清单|名单|目录).{0,6}(?:有|是|包括)哪些|(?:清单|名单|目录)(?:里|上|中)?(?:具体)?哪些",
        "(?:给我|帮我)?列(?:一下|出来)(?:吗|么)?[?？]?$",
        "哪些(?:条目|事项|项目)(?:在|列入|属于)",
        # A named provider, which no plan names ("哪家公司接的"); "找哪个机构" asks where to
        # go, as "找哪个部门" does.
        "(?:哪家|哪个)(?:公司|银行|律所|第三方)|(?<![找去向到])(?:哪家|哪个)机构",
        "(?:这|那)[0-9几一二三四五六七八九十]+[^。？?，,]{0,6}(?:都|分别)?(?:是)?(?:啥|什么)意思",
        r"哪几(?:家|个|项|条)(?![^。？?，,]{0,2}(?:部门|单位|局|委)|\s*(?:department|agenc|unit|bureau))",
        # The entries of a set the plan names and counts ("那6项到底是哪6项", "这130项都有哪些").
        "(?:(?:具体|到底|分别)(?:是)?哪(?:些|[0-9几一二三四五六七八九十百]+)|哪[0-9]+(?:个|项|家|条)|"
        "(?:这|那)(?:些|[0-9几一二三四五六七八九十百]+)[^。？?，,]{0,12}(?:都|具体)?(?:是|有)哪些)"
        "(?![^。？?，,]{0,4}(?:部门|单位|局|委|措施|政策|支持|扶持|服务|渠道|平台))",
        "在不在(?:里面|里头|其中|清单|名单|范围)|(?:包不包括|包括不包括|含不含)",
        "which (?:ones|items) (?:are|exactly)|what exactly are the",
        "(?:到底|具体|分别)(?:是)?指(?:的是)?(?:啥|什么|哪些|哪)",
        r"which (?:\w+ ){0,2}(?:are|were) (?:already )?(?:members|included|listed|on the list)",
        # The entries, not whether the plan keeps a list ("is there a list of the policies").
        r"is there a list\s*[?.]?\s*$|"
        r"a list of (?:the )?(?:items|banks|firms|companies|parks|names)"),
        # A measure that spells its list out ("三对应（申请人、窗口工作人员、具体办件）",
        # "办好“中以创新创业大赛”“上海数字创新大会”等系列活动").
        pattern(r"[（(][^）)]{2,}、[^）)]{2,}[）)]", r"“[^”]{2,}”[、和及与]?“[^”]{2,}”")),
    # Whether a list exists at all ("有名单吗"): a measure that keeps one names it.
    Detail("listed", "具体名单或清单", "the specific list of items", pattern(
        "有(?:没有)?(?:一份|一个)?(?:清单|名单|目录|汇编)(?:吗|么|没|不|[?？]|$)|"
        "(?:清单|名单|目录|汇编)(?:吗|么|没)"),
        pattern("清单|名单|目录|汇编|一览表")),
    Detail("steps", "具体办理流程", "the step-by-step procedure", pattern(
        # The procedure itself, not whether it was simplified ("注销流程简化了吗").
        "具体(?:流程|步骤|操作|怎么操作)|(?:办理|申请|操作|申报)(?:的)?(?:流程|步骤)(?:是|有)",
        "流程是(?:什么|怎样|啥)|(?:哪些|什么|几个)步骤|一步一步|step by step",
        "what are the steps|procedure for|application process",
        # The steps themselves, not whether a guide walks one through them.
        "一步(?:一)?步(?:怎么|咋|如何|要)|walk me through|exact steps",
        "(?:怎么|如何|咋|在哪(?:里|儿)?)报名|报名(?:方式|渠道|入口)",
        r"how (?:do|can|should) (?:i|we) (?:sign (?:\w+ )?up|enrol|apply for a place)"), None),
    Detail("duration", "办理时限", "how long it takes or the deadline", pattern(
        "多久|多长时间|(?<![哪好])几(?:天|个工作日|个月)|哪个月|"
        # "几年" asked, not told ("前几年", "十几年的店").
        "(?<![前十好哪])几(?:年|月份?)(?![前来了的里内])|多少个?(?:天|工作日|小时|月)|时限|期限|截止",
        "什么时候|何时|哪天|哪一?年(?:开始|起|才|能|可以)|啥时候|多快|几号|申报时间|申报期|开始申请|受理时间",
        r"how long|how often (?:do|does|is|are|will|would|should|can|must)\b|deadline|cut-?off|"
        r"how many days|when (?:can|will|is|does)|"
        r"(?:which|what) date|from when|since when",
        "日程|时间表|排期",
        r"how soon|how quickly|by when|when (?:are|do)\b|turnaround|processing time"), DURATION),
    COUNT_DETAIL := Detail("count", "具体数字", "the figure asked for", pattern(
        # "哪几个部门" asks who and "几个朋友" tells a story: 几 asks a figure only after a
        # verb of having or needing, or right before the question ends; "这几个", "把几项一起查"
        # are "these few", "several at once". (多少有点用 is "somewhat", no figure asked; "比例
        # 是不是会低一点" asks which way a share goes, not the share.)
        "多少(?!钱|元|有点|有些|也|都|沾|懂)|百分之|名额|配额",
        r"比例(?![^，,。？?]{0,6}(?:低|高|降|升|提|减|增))",
        "(?:共|一共|总共)几(?:个|项|次|家|条|成|种|类)",
        "(?<![哪好把这那])几(?:个|项|次|家|条|成|种|类)[^，,。.；;]{0,8}[?？]",
        "how many|what percentage|what share",
        "成功率|通过率|获批率|success rate|approval rate",
        "(?:一年|每年|每月|一个月|每季度)[^，,。？?]{0,4}几(?:次|场|回|趟)",
        "(?<![哪好])几(?:个|项|次|家|条)了"), COUNT),
)


# A detail asked in words no pattern above knows (see bot.detail_model): the documents cannot
# be read for it, so they are taken not to state it.
UNNAMED = Detail("unnamed", "您所问的具体细节", "the specific detail you asked about",
                 re.compile("(?!)"), None)


# Whether a device, app, ID or way to pay works ("苹果手机能用不", "能不能用数字人民币付",
# "台胞证能不能验得过去"): stated only when the measure names that very thing.
MEANS = ("苹果手机|iPhone|安卓|Android|鸿蒙|Mac|Chrome|浏览器|小程序|老人机|境外手机号|"
         "外地手机号|数字人民币|支付宝|微信支付|信用卡|台胞证|回乡证|港澳通行证|护照|"
         "e-CNY|digital yuan|Alipay|WeChat Pay|credit card|passport")
ASKED_MEANS = re.compile(
    rf"(?P<means>{MEANS})[^。？?，,]{{0,12}}(?:能|可以|行|支持|认|work|accept)|"
    rf"(?:能不能|能否|可不可以|可以|能|支持|can (?:i|we) use|accept)[^。？?，,]{{0,4}}(?:用)?"
    rf"(?P<means2>{MEANS})", re.IGNORECASE)
MEANS_DETAIL = Detail("means", "可用的设备、证件或支付方式",
                      "which devices, IDs or ways to pay work", ASKED_MEANS, None)


# Whether the asker's own kind of business qualifies: "我们是小规模纳税人，能申请留抵退税吗".
# The plan answers it when its measure names that kind ("对小微企业…"), else it is a rule the
# plan leaves to the units. A question for the list of what there is ("能享受哪些") is no
# such question.
ASKER_KIND = re.compile(
    r"(?:我们|咱们|我|咱)[^。？?，,]{0,10}?(?:是|都是|属于|算|只是)(?:一家|一个)?"
    r"(?P<kind>[^。？?，,\s]{2,16}?)(?:的)?[，,\s]+[^。？?]{0,12}?"
    r"(?:能不能|可不可以|能否|能|可以)(?:办|拿|领|申请|享受|申报|参加|参评|入选|用)"
    r"(?![^。？?]{0,6}(?:哪些|什么|啥))")


def kind_named(kind: str) -> re.Pattern[str]:
    """A measure names the asker's kind when its characters come in order, close together
    ("个体户" in "个体工商户")."""
    return re.compile(".{0,2}".join(map(re.escape, kind)))


# A count asked with its measure word ("多少个窗口", "几家银行"): the measure states it only with
# a figure in that measure word (个 stands for any of them, not for 种 or 类: "两种模式" is not
# a number of windows).
ASKED_COUNT = re.compile(r"(?:多少|几)\s*([个项家次条批场名人位件])(?!工作日|月|小时|星期)")
NUMERAL = r"(?:\d+|[一二三四五六七八九十百千两]+)\s*"


def counted(word: str) -> re.Pattern[str]:
    """A figure in the measure word asked for."""
    if word == "个":
        return re.compile(NUMERAL + "[个项家次条批场名人位件]")
    # Events are counted in 场, 次 or 回 alike ("几场沙龙", "10次以上…沙龙").
    return re.compile(NUMERAL + ("[场次回]" if word in "场次" else word))


# A message's text is read for details several times (splitting it into needs, then each
# need), so what was found is kept.
@lru_cache(maxsize=1024)
def asked_details(text: str, document_year: int | None) -> tuple[Detail, ...]:
    """The details a need asks for, most specific first.

    document_year: the year the documents were issued; a year after it asks for a later
    policy. None when unknown.
    """
    found = [d for d in DETAILS if (asks_later(d, text, document_year) if d.name == "later"
                                    else d.asked.search(text))]
    if (word := ASKED_COUNT.search(text)) and COUNT_DETAIL in found:
        found[found.index(COUNT_DETAIL)] = replace(COUNT_DETAIL, stated=counted(word.group(1)))
    if means := ASKED_MEANS.search(text):
        found.append(replace(MEANS_DETAIL, stated=re.compile(
            re.escape(means.group("means") or means.group("means2")), re.IGNORECASE)))
    if (asker := ASKER_KIND.search(text)) and not any(d.name == "eligibility" for d in found):
        found.append(Detail("eligibility", ELIGIBILITY.zh, ELIGIBILITY.en, ASKER_KIND,
                            kind_named(asker.group("kind"))))
    return tuple(found)


def asks_later(detail: Detail, text: str, document_year: int | None) -> bool:
    """Whether the text asks for a policy later than the documents ("the 2021 plan" is the
    document itself, not a later one)."""
    return any(not (year := re.match(r"\d{4}", m.group(0)))
               or (document_year is not None and int(year.group(0)) > document_year)
               for m in detail.asked.finditer(text))


def unstated(details: Sequence[Detail], text: str) -> Detail | None:
    """The first detail the text (of the measure that answers) does not state, or None when
    it states each."""
    for detail in details:
        if detail.stated is None or not detail.stated.search(text):
            return detail
    return None


def without_details(text: str) -> str:
    """The text with every phrase asking for a detail taken out."""
    for detail in DETAILS:
        text = detail.asked.sub(" ", text)
    return text
