"""Details asked for, and whether measures state them."""

from __future__ import annotations

import pytest

from bot.details import asked_details, unstated, without_details


def names(text: str, year: int | None = 2021) -> list[str]:
    return [d.name for d in asked_details(text, year)]


@pytest.mark.parametrize(("question", "expected"), [
    ("办理不动产登记要交多少钱", ["fee"]),
    ("行政服务中心周六开门吗", ["hours"]),
    ("税务局在哪条路上，电话多少", ["contact", "count"]),
    ("注销要准备哪些材料", ["materials"]),
    ("承诺书的模板在哪下载", ["forms"]),
    ("什么样的企业能申请人才补贴", ["eligibility"]),
    ("营业执照几天能拿到", ["duration"]),
    ("信用好的企业抽查比例是多少", ["count"]),
    ("联合抽查一次查几项？", ["count"]),
    ("2024年有什么新政策", ["later"]),
    ("What is the fee for a work permit?", ["fee"]),
    ("Is there a 2025 version of the talent policy?", ["later"]),
    ("做志愿讲解员有补贴吗", ["support"]),
    ("国庆假期去税务大厅，窗口有人值班吗", ["hours"]),
    ("园区的对接人怎么联系", ["contact"]),
    ("我们这样十几个人的小店也能申请吗", ["eligibility"]),
    ("我们这种个体户能不能用，还是只给公司用", ["eligibility"]),
    ("是不是得有法务部才行", ["eligibility"]),
    ("那6项能办的事情到底是哪6项", ["items"]),
    ("这130项都有哪些？有清单吗", ["items", "listed"]),
    ("我们要办股权变更，在不在里面", ["items"]),
    ("后来出了具体实施办法没", ["later"]),
    ("具体找金融办哪位", ["contact"]),
    ("What's the website for online filing?", ["contact"]),
    ("How often do they hold the meeting?", ["duration"]),
    ("Is there a listing fee?", ["fee"]),
    ("要先交个书面申请吗", ["materials"]),
    ("我们区的审批速度跟徐汇比哪个快", ["comparison"]),
    ("这项工作在全市排第几", ["comparison"]),
    ("服务大厅有没有会讲英语的工作人员", ["language"]),
    ("Is the guide available in English?", ["language"]),
    ("没按时整改会不会被罚", ["penalty"]),
    ("搬走的话补贴要不要退钱", ["penalty"]),
    ("评估报告在哪能看到", ["channel"]),
    ("Where can we check the results?", ["channel"]),
    ("这个清单2024年改了没有", ["later"]),
    ("现在哪几家银行参加", ["items"]),
    ("每年办几场对接会", ["count"]),
    ("宣讲会的日程在哪看", ["channel", "duration"]),
    ("创业大赛怎么报名", ["steps"]),
    ("周六能预约不", ["hours"]),
    ("What do I need to bring?", ["materials"]),
    ("How do I get in touch with them?", ["contact"]),
    ("这次评估是哪家公司做的", ["vendor", "items"]),
    ("这3个字母都是什么意思", ["items"]),
    ("What's the going rent per square meter?", ["fee"]),
    ("没做到承诺会被罚得多重", ["penalty"]),
    ("报名卡不卡年龄", ["eligibility"]),
    ("律师一年能来几趟", ["count"]),
    ("对接的专员叫什么，给个手机号", ["contact"]),
    ("结果在哪儿能翻到", ["channel"]),
    ("What's the turnaround time?", ["duration"]),
    ("Is there a cap on the subsidy?", ["fee"]),
    ("Do we need a minimum number of employees?", ["eligibility"]),
    ("Which building is it in?", ["contact"]),
    ("Is this still in effect in 2025?", ["later"]),
])
def test_details_asked(question, expected):
    assert names(question) == expected


@pytest.mark.parametrize("question", [
    "企业注销找哪个部门",
    "哪几个部门负责知识产权纠纷调解",      # 哪几个 asks who
    "我们是几个大学同学一起创业的，能不能进孵化器",  # 几个 tells the story
    "我2023年开的店，想注销找谁",            # a year in a story, not a later policy
    "营业执照上的地址要改，网上能办吗",      # an address being changed, not asked for
    "申请材料能不能少交一些",                # fewer papers, not which
    "Which department is in charge of VAT invoices?",
    "门口贴着网格员的电话，网格员是管什么的",  # a number mentioned, not asked for
    "我们是外资企业，能享受哪些政策",          # the plan's own list, not a rule
    "现在税和各种费能不能合在一起报",          # taxes and fees, not a charge asked
    "分别是哪些部门负责",                     # who, not a list's entries
    "Does the district adjust how often it checks firms by credit rating?",
    "哪几个部门在牵头",                       # who, not entries
    "前几年开过一家店，这次注销找谁",           # 几年 told, not asked
    "Is it fine to file the case online?",     # fine, not a fine
    "Is there a list of all the support policies?",  # the plan's list, not its entries
    "银行不给贷款，区里有什么路子没",          # a way, not a road
    "想给区里提几点建议，找谁",                # a few points, not a time
    "区里多少有点扶持政策吧",                  # somewhat, not how many
    "官网上有营商环境专栏吗",                  # whether the site has it, not its address
    "Is there anyone who can help me fill in the forms online?",  # help, not the form
    "We'd like a contact person for our building, is there one?",  # whether, not who
    "信用好的企业被抽查的比例是不是会低一点？",  # which way the share goes, not the share
    "联合抽查是不是能进一次门把几项一起查了？",  # several at once, not how many
    "Can we register at a park's centralized registration address?",  # a topic, not a contact
    "知识产权纠纷想先调解，找哪个机构？",      # where to go, not a provider's name
])
def test_no_detail_asked(question):
    assert names(question) == []


def test_a_year_counts_as_later_only_after_the_documents():
    assert names("2021年的政策有哪些", 2021) == []
    assert names("2022年的政策有哪些", 2021) == ["later"]
    assert names("Is this 2021 plan still in force?", 2021) == ["later"]


def test_unstated_reads_the_measures():
    [count] = asked_details("企业专属网页推出几项办理事项？", 2021)
    assert unstated([count], "推出6项基于企业专属网页的办理事项") is None
    assert unstated([count], "推进区级企业专属网页建设") is count
    [contact] = asked_details("中心地址在哪", 2021)
    assert unstated([contact], "地址变更全程网办") is contact  # never stated by a plan


def test_without_details_leaves_the_topic():
    assert "不动产登记" in without_details("不动产登记中心地址在哪条路")
    assert "哪条路" not in without_details("不动产登记中心地址在哪条路")


@pytest.mark.parametrize(("measure", "states"), [
    ("办结时限压缩至3个工作日，覆盖率达到95%", True),
    ("落实“3+5+X”产业政策体系", False),       # digits in a name state no figure
])
def test_a_figure_is_stated_with_its_unit(measure, states):
    [count] = [d for d in asked_details("比例一共是多少？", 2021) if d.name == "count"]
    assert (unstated([count], measure) is None) == states


@pytest.mark.parametrize(("measure", "states"), [
    ("对获评的企业给予一次性奖励", True),
    ("聘请特邀体验官参与营商环境评价", False),
])
def test_whether_there_is_money(measure, states):
    details = asked_details("参加这个有没有补贴？", 2021)
    assert [d.name for d in details] == ["support"]
    assert (unstated(details, measure) is None) == states


@pytest.mark.parametrize(("measure", "states"), [
    ("加大对中小微企业的首贷支持", True),      # the asker's kind is named
    ("确保企业增值税留抵退税等优惠政策应享尽享", False),
])
def test_whether_the_askers_kind_qualifies(measure, states):
    [kind] = asked_details("我们是小微企业，能申请首贷吗", 2021)
    assert kind.name == "eligibility"
    assert (unstated([kind], measure) is None) == states


@pytest.mark.parametrize(("question", "measure", "states"), [
    ("转贷资金的日费率是多少", "应急转贷资金单笔周转期限最长15天，日费率不高于0.1‰", True),
    ("稳岗补贴按什么比例返还？", "按上年度实际缴纳失业保险费的60%返还", True),
    ("场地补贴按什么比例补？", "按其设施建设投入的50%给予一次性补贴", True),
    ("补贴多少？", "网上办事比例达到95%", False),   # a share of something else
    ("外摆几点开始？", "外摆时段为每日17时至次日1时", True),
    ("外摆几点开始？", "延长外摆时间", False),
    # a count asked with its measure word is stated in that measure word
    ("服务中心一共有多少个窗口？", "设置20个综合窗口", True),
    ("服务中心一共有多少个窗口？", "按照无差别综合窗口和分领域综合窗口两种模式", False),
    ("推出了几项办理事项？", "推出6项办理事项", True),
    ("推出了几项办理事项？", "3个工作日内办结", False),
])
def test_a_figure_with_its_unit_is_stated(question, measure, states):
    details = asked_details(question, 2021)
    assert details and (unstated(details, measure) is None) == states


def test_money_turned_over_for_days_asks_a_duration():
    assert names("应急转贷资金能周转几天？") == ["duration"]
    assert names("注册资金要多少？") == ["fee", "count"]


@pytest.mark.parametrize(("question", "measure", "states"), [
    ("申请奖励要交哪些材料？", "申报单位应当提交下列材料：（一）奖励申请表；（二）营业执照", True),
    ("申请奖励要交哪些材料？", "简化提交材料，推行容缺后补", False),
    ("奖励申请表的模板在哪下载？", "申报单位应当提交下列材料：（一）奖励申请表", False),
    ("企业有诉求可以打什么热线", "依托12345热线开设中小微企业服务专席", True),
    ("企业有诉求可以打什么热线", "开通企业服务热线", False),
    # an amount, not a number to call
    ("企业有诉求可以打什么热线", "单户企业最高补贴500000元", False),
])
def test_listed_papers_and_numbers_to_call_are_stated(question, measure, states):
    details = asked_details(question, 2021)
    assert details and (unstated(details, measure) is None) == states


@pytest.mark.parametrize(("question", "measure", "states"), [
    ("一年办几场沙龙", "全年组织10次以上政策宣介、企业沙龙活动。", True),   # 场 and 次 alike
    ("一年办几场沙龙", "定期组织政策宣介、企业沙龙活动。", False),
    ("没按时整改会不会被罚", "对轻微违法行为不予处罚。", True),
    ("没按时整改会不会被罚", "推行包容审慎监管。", False),
    ("窗口有没有会讲英语的人", "设立外语服务窗口。", True),
    ("报告在哪能看到", "在企业服务云上公开发布。", True),
    ("报告在哪能看到", "开展产业政策绩效评估。", False),
    ("鉴定机构有名单吗", "梳理形成鉴定机构名单。", True),      # a list kept is stated
    ("鉴定机构有名单吗", "缩短鉴定周期。", False),
    # a limit named is not stated
    ("限时办结是几个工作日", "落实首问负责、限时办结等便民服务。", False),
    ("限时办结是几个工作日", "承诺事项5个工作日内办结。", True),
    # the entries of a set, named in quotes or in brackets, are stated; the set alone is not
    ("那几项活动包不包括数字大会", "办好“创新创业大赛”“数字创新大会”等系列活动。", True),
    ("那几项活动包不包括数字大会", "办好系列创新创业活动。", False),
])
def test_new_details_are_stated_by_what_says_them(question, measure, states):
    assert (unstated(asked_details(question, 2021), measure) is None) is states


@pytest.mark.parametrize(("question", "name", "measure", "states"), [
    # Someone else acting for the owner: stated when the measure offers 代办 or 委托.
    ("工作许可能不能交给外面的代理机构替他去递？", "agent", "提供工作许可优先审批服务。", False),
    ("工作许可能不能交给外面的代理机构替他去递？", "agent", "推进帮办代办服务。", True),
    ("Can our accountant file it on our behalf?", "agent", "推行全程网办。", False),
    # An appeal: stated when the measure says how to object.
    ("对这个认定能不能申请复核？", "appeal", "对符合条件的项目免予审查。", False),
    ("对这个认定能不能申请复核？", "appeal", "企业对结果有异议的，可申请复核。", True),
    # Which company builds or runs a system: stated only by a named organisation.
    ("这个平台是哪家技术公司承建的？", "vendor", "建设电子印章公共服务平台。", False),
    ("Which company developed the screening system?", "vendor", "依托市级筛查系统。", False),
    # A device, ID or way to pay: stated only when the measure names that very one.
    ("政府采购云平台付款能走数字人民币不", "means", "推广政府采购云平台。", False),
    ("政府采购云平台付款能走数字人民币不", "means", "支持数字人民币支付。", True),
    ("台胞证能不能验得过去？", "means", "推行远程身份核验。", False),
])
def test_who_acts_appeals_vendors_and_means_are_read(question, name, measure, states):
    details = asked_details(question, 2021)
    assert name in [d.name for d in details]
    assert (unstated(details, measure) is None) is states


@pytest.mark.parametrize("question", [
    "有没有帮办代办服务？",                    # whether the service exists, answered
    "Who runs the business environment column?",  # the responsible unit, answered
    "我用苹果手机拍了照片",                    # a phone mentioned, nothing asked of it
])
def test_the_service_itself_or_who_is_responsible_asks_none_of_them(question):
    assert not {"agent", "appeal", "vendor", "means"} & set(names(question))
