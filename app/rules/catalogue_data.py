"""特种作业目录 (30号令 附件), DOMAIN.md §2.5: 作业类别 → 操作项目; and the rule tables."""

from datetime import date

CATALOGUE: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("1", "电工作业", [("1.1", "高压电工作业"), ("1.2", "低压电工作业"), ("1.3", "防爆电气作业")]),
    ("2", "焊接与热切割作业", [("2.1", "熔化焊接与热切割作业"), ("2.2", "压力焊作业"), ("2.3", "钎焊作业")]),
    ("3", "高处作业", [("3.1", "登高架设作业"), ("3.2", "高处安装、维护、拆除作业")]),
    ("4", "制冷与空调作业", [("4.1", "制冷与空调设备运行操作作业"), ("4.2", "制冷与空调设备安装修理作业")]),
    (
        "5",
        "煤矿安全作业",
        [
            ("5.1", "煤矿井下电气作业"),
            ("5.2", "煤矿井下爆破作业"),
            ("5.3", "煤矿安全监测监控作业"),
            ("5.4", "煤矿瓦斯检查作业"),
            ("5.5", "煤矿安全检查作业"),
            ("5.6", "煤矿提升机操作作业"),
            ("5.7", "煤矿采煤机(掘进机)操作作业"),
            ("5.8", "煤矿瓦斯抽采作业"),
            ("5.9", "煤矿防突作业"),
            ("5.10", "煤矿探放水作业"),
        ],
    ),
    (
        "6",
        "金属非金属矿山安全作业",
        [
            ("6.1", "金属非金属矿井通风作业"),
            ("6.2", "尾矿作业"),
            ("6.3", "金属非金属矿山安全检查作业"),
            ("6.4", "金属非金属矿山提升机操作作业"),
            ("6.5", "金属非金属矿山支柱作业"),
            ("6.6", "金属非金属矿山井下电气作业"),
            ("6.7", "金属非金属矿山排水作业"),
            ("6.8", "金属非金属矿山爆破作业"),
        ],
    ),
    ("7", "石油天然气安全作业", [("7.1", "司钻作业")]),
    ("8", "冶金(有色)生产安全作业", [("8.1", "煤气作业")]),
    (
        "9",
        "危险化学品安全作业",
        [
            ("9.1", "光气及光气化工艺作业"),
            ("9.2", "氯碱电解工艺作业"),
            ("9.3", "氯化工艺作业"),
            ("9.4", "硝化工艺作业"),
            ("9.5", "合成氨工艺作业"),
            ("9.6", "裂解(裂化)工艺作业"),
            ("9.7", "氟化工艺作业"),
            ("9.8", "加氢工艺作业"),
            ("9.9", "重氮化工艺作业"),
            ("9.10", "氧化工艺作业"),
            ("9.11", "过氧化工艺作业"),
            ("9.12", "胺基化工艺作业"),
            ("9.13", "磺化工艺作业"),
            ("9.14", "聚合工艺作业"),
            ("9.15", "烷基化工艺作业"),
            ("9.16", "化工自动化控制仪表作业"),
        ],
    ),
    (
        "10",
        "烟花爆竹安全作业",
        [
            ("10.1", "烟火药制造作业"),
            ("10.2", "黑火药制造作业"),
            ("10.3", "引火线制造作业"),
            ("10.4", "烟花爆竹产品涉药作业"),
            ("10.5", "烟花爆竹储存作业"),
        ],
    ),
    ("11", "应急管理部认定的其他作业", []),
]

#: The day 应急管理部令第19号 (the revised 特种作业人员安全技术培训考核管理规定) took effect (DOMAIN.md §2.0).
REVISION_19 = date(2026, 6, 1)
#: 动态积分、排名公告 of training institutions: the plan's words; the weights are editable defaults.
RANKING_BASIS = "三项岗位人员培训取证反馈、12345投诉和信访举报 → 培训机构动态积分、排名公告（权重为平台默认值，可编辑）"
#: 准入/退出机制 of the plan, as the platform applies it.
EXIT_BASIS = "准入/退出机制：逢查必考12个月内两次不合格，建议调离岗位或重新培训考核（平台默认口径，可编辑）"
#: The valid_from of rows that have always applied (as far as the platform's records go).
ALWAYS = date(2000, 1, 1)

#: Rule tables (DOMAIN.md §1–§3, §10): key, label, value, unit, legal basis[, valid_from]. A key whose figure a
#: new regulation changed has a row per version, each from the day it applies (default :data:`ALWAYS`); code asks
#: the version in force on the day an obligation fell due (``app.rules.book``). Per-jurisdiction overrides are rows
#: with a region_code, added by the platform admin.
RULES: list[tuple] = [
    ("hours.initial.manager.general", "主要负责人/安全管理人员 初次培训（一般行业）", 32, "学时", "3号令 第九条"),
    ("hours.annual.manager.general", "主要负责人/安全管理人员 每年再培训（一般行业）", 12, "学时", "3号令 第九条"),
    ("hours.initial.manager.high_risk", "主要负责人/安全管理人员 初次培训（高危行业）", 48, "学时", "3号令 第九条"),
    ("hours.annual.manager.high_risk", "主要负责人/安全管理人员 每年再培训（高危行业）", 16, "学时", "3号令 第九条"),
    ("hours.initial.worker.general", "新上岗从业人员 岗前培训（一般行业）", 24, "学时", "3号令 第十三条"),
    ("hours.annual.worker.general", "从业人员 每年再培训（一般行业）", 8, "学时", "安委〔2012〕10号"),
    ("hours.initial.worker.high_risk", "新上岗从业人员 岗前培训（高危行业）", 72, "学时", "3号令 第十三条"),
    ("hours.annual.worker.high_risk", "从业人员 每年再培训（高危行业）", 20, "学时", "3号令 第十三条"),
    ("hours.initial.worker.construction", "新上岗从业人员 岗前培训（建筑企业）", 32, "学时", "安委〔2012〕10号"),
    ("hours.annual.worker.construction", "从业人员 每年再培训（建筑企业）", 20, "学时", "安委〔2012〕10号"),
    ("hours.review.special_operator", "特种作业人员 复审（换证）培训", 8, "学时", "30号令 第二十三条"),
    ("period.minutes.offline", "一个学时的时长（面授）", 45, "分钟", "AQ 8011-2023 4.4.4"),
    ("period.minutes.online", "一个学时的时长（网络）", 30, "分钟", "AQ 8011-2023 4.4.4"),
    (
        "attendance.daily_cap_hours",
        "每人每天培训学时上限（面授与网络学习合计）",
        8,
        "学时",
        "平台规则：一天记入的培训学时不超过一个工作日（各地可按本地规定调整）",
    ),
    ("exam.pass_mark", "考试合格分数（满分100）", 80, "分", "安监总培训〔2013〕104号"),
    ("exam.duration.special_operator", "特种作业 理论考试时长", 120, "分钟", "安监总培训〔2013〕104号"),
    ("exam.makeup_attempts", "补考次数", 1, "次", "30号令 第十三条"),
    ("exam.score_valid_months", "考试成绩有效期", 12, "月", "安监总培训〔2013〕104号 第十条"),
    # 特种作业 theory retakes: one 补考, then re-training (30号令 第十三条); unlimited, never re-training from the
    # revision on (DOMAIN.md §2.0). 1 = yes, 0 = no.
    (
        "exam.retakes_unlimited.special_operator",
        "特种作业 理论考试不限次数、不需重新培训（1 是，0 否）",
        0,
        "",
        "30号令 第十三条（补考一次，仍不及格重新培训）",
    ),
    (
        "exam.retakes_unlimited.special_operator",
        "特种作业 理论考试不限次数、不需重新培训（1 是，0 否）",
        1,
        "",
        "应急管理部令第19号",
        REVISION_19,
    ),
    # 特种作业 实际操作考试 (practical exam): scored by at least two 考评员 per candidate on a score sheet of the
    # 操作项目 (``app.exams.practical``); attempts per passed theory exam, and what follows when they are used up.
    ("exam.practical.pass_mark", "特种作业 实际操作考试合格分数（满分100）", 80, "分", "安监总培训〔2013〕104号"),
    (
        "exam.practical.examiners",
        "实际操作考试 每名考生的考评员人数（至少）",
        2,
        "人",
        "安监总培训〔2013〕104号（考评人员现场评分）",
    ),
    ("exam.practical.attempts", "特种作业 实际操作考试次数（含补考）", 2, "次", "30号令 第十三条（补考一次）"),
    ("exam.practical.attempts", "特种作业 实际操作考试次数（含补考）", 5, "次", "应急管理部令第19号", REVISION_19),
    (
        "exam.practical.retraining_after_limit",
        "实操考试次数用完后须重新参加培训（1 是；0 否，重新参加理论考试即可）",
        1,
        "",
        "30号令 第十三条",
    ),
    (
        "exam.practical.retraining_after_limit",
        "实操考试次数用完后须重新参加培训（1 是；0 否，重新参加理论考试即可）",
        0,
        "",
        "应急管理部令第19号",
        REVISION_19,
    ),
    ("spotcheck.pass_mark", "逢查必考 合格分数", 80, "分", "地方执法实践（江苏、四川青川 85）"),
    ("cert.validity_years.special_operator", "特种作业操作证 有效期", 6, "年", "30号令 第十九条"),
    ("cert.review_years.special_operator", "特种作业操作证 复审周期", 3, "年", "30号令 第二十一条"),
    (
        "cert.review_years.special_operator",
        "特种作业操作证 复审周期（0 = 不再复审，有效期满换证）",
        0,
        "年",
        "应急管理部令第19号：每3年复审改为每6年换证",
        REVISION_19,
    ),
    (
        "cert.review_years.special_operator.extended",
        "复审周期（连续从事本工种10年以上且无违法）",
        6,
        "年",
        "30号令 第二十一条",
    ),
    (
        "cert.review_years.special_operator.extended",
        "复审周期（连续从事本工种10年以上且无违法；0 = 不再复审）",
        0,
        "年",
        "应急管理部令第19号：每3年复审改为每6年换证",
        REVISION_19,
    ),
    (
        "cert.renewal_window_days.special_operator",
        "特种作业操作证 换证申请窗口（有效期满前）",
        60,
        "天",
        "应急管理部令第19号（天数为可编辑的默认值，按正式文本核定）",
        REVISION_19,
    ),
    ("cert.validity_years.manager", "安全生产知识和管理能力考核合格证 有效期", 3, "年", "44号令"),
    ("cert.validity_years.training", "培训合格证明 有效期（每年再培训）", 1, "年", "3号令 第九条、第十三条"),
    ("cert.review_window_days", "复审申请窗口（到期前）", 60, "天", "30号令 第二十二条"),
    ("cert.extend_notice_days.manager", "合格证延期申请（到期前至少）", 30, "天", "44号令"),
    (
        "cert.renewal_window_days.manager",
        "合格证延期换证 受理窗口（到期前）",
        90,
        "天",
        "44号令（天数为可编辑的默认值）",
    ),
    (
        "cert.ten_year.max_gap_days",
        "连续从事本工种：两段任职之间可视为连续的最长间隔（换单位）",
        31,
        "天",
        "30号令 第二十一条“连续从事本工种10年以上”的平台口径（可编辑）",
    ),
    ("cert.fraud_ban_years", "以欺骗、贿赂等手段取得证书被撤销后不得再申请", 3, "年", "30号令 第三十条"),
    ("appointment.exam_deadline_months", "高危行业主要负责人/安管 任职后考核期限", 6, "月", "3号令 第二十四条"),
    ("absence.practical_reexam_months", "离开特种作业岗位需重新实操考试", 6, "月", "30号令 第三十二条"),
    ("absence.retraining_months", "离岗后重新上岗需车间、班组级培训", 12, "月", "3号令 第十七条"),
    # 培训机构 动态积分 (app/dashboards/ranking.py): a month's score counts the 12 months ending with it. Points for the
    # first-attempt pass rate of its trainees at the authority's exams, deductions per event; the weights are the
    # platform's defaults until a province sets its own (region rows).
    ("ranking.window_months", "动态积分 统计周期（截至当月的最近月数）", 12, "月", RANKING_BASIS),
    ("ranking.base_points", "动态积分 基础分", 60, "分", RANKING_BASIS),
    ("ranking.pass_rate_points", "动态积分 学员首次考试通过率满分（得分 = 通过率 × 本分值）", 40, "分", RANKING_BASIS),
    (
        "ranking.deduct.spotcheck_failure",
        "动态积分 扣分：结业后12个月内逢查必考不合格（每人次）",
        2,
        "分",
        RANKING_BASIS,
    ),
    ("ranking.deduct.complaint", "动态积分 扣分：投诉举报经查属实（每件）", 5, "分", RANKING_BASIS),
    ("ranking.deduct.impostor", "动态积分 扣分：人像抓拍复核为非本人（每次）", 3, "分", RANKING_BASIS),
    ("ranking.deduct.gate_override", "动态积分 扣分：学员学时不足被放行参加考试（每人次）", 1, "分", RANKING_BASIS),
    ("ranking.min_first_attempts", "参与排名的最少首次考试人次（不足则单列，不排名）", 10, "人次", RANKING_BASIS),
    # 准入/退出 (app/dashboards/exits.py)
    ("exit.spotcheck_failures", "逢查必考不合格次数达到即提出退出建议", 2, "次", EXIT_BASIS),
    ("exit.window_months", "逢查必考不合格次数的统计期间", 12, "月", EXIT_BASIS),
    # 档案保存期限 (app/records/retention.py): how long each kind of record is kept before the nightly purge
    (
        "retention.special_operator_years",
        "特种作业人员档案保存期限（证书终止后）",
        6,
        "年",
        "特种作业人员安全技术培训考核管理规定；个人信息保护法 第十九条、第四十七条",
    ),
    (
        "retention.manager_years",
        "主要负责人/安全管理人员档案保存期限（证书终止后）",
        3,
        "年",
        "安全生产培训管理办法；个人信息保护法 第十九条、第四十七条",
    ),
    ("retention.exam_evidence_years", "考试影像资料保存期限（考试后）", 3, "年", "安全生产资格考试与证书管理暂行办法"),
    (
        "retention.snapshot_years",
        "人像抓拍保存期限（抓拍后）",
        3,
        "年",
        "个人信息保护法 第十九条、第二十八条、第四十七条",
    ),
    (
        "retention.photo_years",
        "登记照片保存期限（最后任职结束、证书终止后）",
        3,
        "年",
        "个人信息保护法 第十九条、第二十八条、第四十七条",
    ),
    (
        "retention.access_log_years",
        "敏感信息查阅记录保存期限（查阅后）",
        3,
        "年",
        "个人信息保护法 第四十五条、第五十五条、第五十六条",
    ),
]
