"""重庆市工业园区“污水零直排区”建设评分细则 (渝环规〔2024〕5号 附件4 之附表), as plain data.

Texts are verbatim from the document; only PDF artefacts were removed (line wraps, spaces the extraction put
around numbers). Rows 1–8 are printed with half-width punctuation (",", ";", "()") and are kept so. A line
break inside a cell is kept as "\\n". Points are strings, read as `Decimal`. Each rule's `text` is the words
of the 评分细则 (for item 4's first rule, of the 考核内容) it implements.
"""

_BASIC = "基础工作"
_BUILD = "项目建设"
_LONG_TERM = "长效监管机制"
_PENALTY = "扣分项"

_FACILITY_MANAGEMENT = (
    "建立完善的污水处理设施及其排污口运行管理和安全管理制度，开展污水处理设施、排污口及自动监测设备等配套设施的"
    "日常巡查、维修和养护。建立完善的台账管理制度，规范记录污水处理设施的运行状况、进出水情况等信息。"
)

DATA = {
    "unit_kind": "PARK_GROUP",
    "version": "2024",
    "title": "重庆市工业园区“污水零直排区”建设评分细则",
    "source": "渝环规〔2024〕5号 附件4 之附表",
    # 000 附件4 三(一): 90分（含）以上的为优秀，80分（含）—90分为合格，80分以下为不合格
    "grades": {"excellent_from": "90", "pass_from": "80"},
    # 001 四(一)4 and (二)3: 得分在90分以上（含90分）的组团即可…提交建设总结报告
    "summary_report_from": "90",
    # 000 附件4 附表 注: the one-year window of the starred item (and of item 13's drills)
    "window_years": 1,
    "window_note": '注：标"*"指标的计时间段为建设申请之日前溯1年。',
    "sections": [
        {"name": _BASIC, "max_points": "40"},
        {"name": _BUILD, "max_points": "40"},
        {"name": _LONG_TERM, "max_points": "20"},
    ],
    "items": [
        {
            # 000 附件4 附表 item 1: 源头排水户排查
            "number": 1,
            "section": _BASIC,
            "max_points": "8",
            "content": (
                "全面摸清园区源头排水户及其排水情况,填写完整的工业园区源头排水户名单调查表、源头排水户(工业企业)"
                "调查表、源头排水户(生活小区)调查表、源头排水户(非生活小区)调查表。"
            ),
            "criteria": (
                "现场排查,工业园区内源头排水户排查率100%、排查信息真实准确的,得8分;排查率每降低10%,扣1分,"
                "排查信息缺失明显或严重失真的,发现一处扣0.5分,扣完为止(下同)。"
            ),
            "method": "现场核查,排查台账",
            "rules": [
                {
                    "kind": "RATE_SHORTFALL",
                    "text": "排查率每降低10%,扣1分",
                    "figures": ["household_survey_rate"],
                    "points": "1",
                    "per": "10",
                },
                {
                    "kind": "PER_FINDING",
                    "text": "排查信息缺失明显或严重失真的,发现一处扣0.5分",
                    "finding": "INFO_DEFECT",
                    "points": "0.5",
                },
            ],
        },
        {
            # 000 附件4 附表 item 2: 排水管网调查表
            "number": 2,
            "section": _BASIC,
            "max_points": "8",
            "content": (
                "全面排查工业园区雨污水排水管网和泵站建设运行情况,查清园区排水管网存在问题,"
                "填写完整的工业园区排水管网调查表。"
            ),
            "criteria": (
                "工业园区排水管网调查表填写全面、准确,得8分;现场核查,每漏报1个问题点位,扣1分,"
                "问题描述不清、位置记录不准确的,发现一处扣0.5分。"
            ),
            "method": "现场核查,排查台账",
            "rules": [
                {
                    "kind": "PER_FINDING",
                    "text": "每漏报1个问题点位,扣1分",
                    "finding": "UNREPORTED_PROBLEM_POINT",
                    "points": "1",
                },
                {
                    "kind": "PER_FINDING",
                    "text": "问题描述不清、位置记录不准确的,发现一处扣0.5分",
                    "finding": "UNCLEAR_DESCRIPTION",
                    "points": "0.5",
                },
            ],
        },
        {
            # 000 附件4 附表 item 3: 污水集中处理设施及其排污口调查表
            "number": 3,
            "section": _BASIC,
            "max_points": "8",
            "content": (
                "全面摸清工业园区污水集中处理设施及运行维护情况,填写完整的工业园区集中污水处理设施及其排污口调查表。"
            ),
            "criteria": (
                "工业园区集中污水处理设施及其排污口调查表填写全面、准确,得8分,现场核查,每漏报1个问题点位,扣1分,"
                "问题描述不清、位置记录不准确的,发现一处扣0.5分。"
            ),
            "method": "现场核查,排查台账",
            "rules": [
                {
                    "kind": "PER_FINDING",
                    "text": "每漏报1个问题点位,扣1分",
                    "finding": "UNREPORTED_PROBLEM_POINT",
                    "points": "1",
                },
                {
                    "kind": "PER_FINDING",
                    "text": "问题描述不清、位置记录不准确的,发现一处扣0.5分",
                    "finding": "UNCLEAR_DESCRIPTION",
                    "points": "0.5",
                },
            ],
        },
        {
            # 000 附件4 附表 item 4: 问题清单、任务清单
            "number": 4,
            "section": _BASIC,
            "max_points": "8",
            "content": "建立问题清单、任务清单。",
            "criteria": (
                "以单个问题点位为最小单位建立问题清单和任务清单,问题清单与任务清单一一对应,齐全详实的,得8分;"
                "问题清单、任务清单相矛盾、责任落实不明确的,发现一处扣1分。"
            ),
            "method": "排查台账",
            "rules": [
                {
                    "kind": "MISSING_LIST",
                    "text": "建立问题清单、任务清单。",
                    "figures": ["has_problem_list", "has_task_list"],
                    "findings": {
                        "has_problem_list": "PROBLEM_LIST_INCOMPLETE",
                        "has_task_list": "TASK_LIST_INCOMPLETE",
                    },
                    "points": "8",
                },
                {
                    "kind": "PER_FINDING",
                    "text": "问题清单、任务清单相矛盾、责任落实不明确的,发现一处扣1分",
                    "finding": "CONTRADICTION",
                    "points": "1",
                    "ledger_figure": "unmatched_list_entries",
                },
            ],
            "note": (
                "The 评分细则 gives no deduction for a list that was never established; an item whose 考核内容 is "
                "建立问题清单、任务清单 earns nothing without them, so a missing list takes the item's 8 points. "
                "Each ledger entry without its one-to-one counterpart (一一对应) counts as one contradiction found, "
                "on top of those the assessor finds on site. Whether the lists are 齐全详实 is the assessor's "
                "finding, not a row count: a list found missing or incomplete (PROBLEM_LIST_INCOMPLETE, "
                "TASK_LIST_INCOMPLETE) counts as missing even where the ledger has rows."
            ),
        },
        {
            # 000 附件4 附表 item 5: 一园一策
            "number": 5,
            "section": _BASIC,
            "max_points": "8",
            "content": "具有明确的“一园一策”工作措施。",
            "criteria": (
                "“污水零直排区”建设方案完整,建设措施因地制宜、针对性强、系统性强,建设进度安排合理、责任分工明确的,"
                "得8分;根据详实程度酌情扣分,存在前后矛盾的,发现一处扣1分。"
            ),
            "method": "任务清单",
            "rules": [
                {"kind": "DISCRETIONARY", "text": "根据详实程度酌情扣分"},
                {
                    "kind": "PER_FINDING",
                    "text": "存在前后矛盾的,发现一处扣1分",
                    "finding": "CONTRADICTION",
                    "points": "1",
                },
            ],
        },
        {
            # 000 附件4 附表 item 6: 源头排水户整治
            "number": 6,
            "section": _BUILD,
            "max_points": "10",
            "content": (
                "按照“一园一策”工作措施和问题清单、任务清单完成源头排水户整治。\n"
                "石油化工、石油炼制企业应按《石油化工环境保护设计规范》(SH/T 3024—2017)等相关规定建设初期雨水"
                "收集管网和初期雨水收集池,确保初期雨水按规定收集并有效处理。"
            ),
            "criteria": (
                "源头排水户整改符合要求,对照问题清单与任务清单整改率100%(按单个问题点位),得10分;未整改完成的,"
                "整改率每低10%,扣1分。"
            ),
            "method": "自评估报告,建设台账,现场检查",
            "rules": [
                {
                    "kind": "RATE_SHORTFALL",
                    "text": "整改率每低10%,扣1分",
                    "figures": ["source_household_rectification_rate"],
                    "points": "1",
                    "per": "10",
                },
            ],
        },
        {
            # 000 附件4 附表 item 7: 园区排水管网整治
            "number": 7,
            "section": _BUILD,
            "max_points": "15",
            "content": (
                "按照“一园一策”工作措施和问题清单、任务清单完成园区排水管网整治。\n"
                "化工园区应按要求建设专管及明管输送的配套管网,并按规定组织开展初期雨水收集处理。"
            ),
            "criteria": (
                "排水管网整改符合要求,对照问题清单与任务清单整改率100%(按单个问题点位),得15分;未整改完成的,"
                "整改率每低10%,扣1.5分。"
            ),
            "method": "自评估报告,建设台账,现场检查",
            "rules": [
                {
                    "kind": "RATE_SHORTFALL",
                    "text": "整改率每低10%,扣1.5分",
                    "figures": ["pipe_rectification_rate"],
                    "points": "1.5",
                    "per": "10",
                },
            ],
        },
        {
            # 000 附件4 附表 item 8: 园区污水处理设施整治
            "number": 8,
            "section": _BUILD,
            "max_points": "15",
            "content": (
                "按照“一园一策”工作措施和问题清单、任务清单完成园区污水处理设施整治。\n"
                "依托城镇污水处理设施处理生产废水的工业园区,对污水处理设施开展评估,经评估认定污染物不能被城镇"
                "污水处理厂有效处理或可能影响城镇污水处理厂出水稳定达标的工业企业,要限期退出。"
            ),
            "criteria": (
                "污水集中处理设施整改符合要求,对照问题清单与任务清单整改率100%(按单个问题点位),得15分;"
                "未整改完成的,整改率每低10%,扣1.5分。"
            ),
            "method": "自评估报告,建设台账,现场检查",
            "rules": [
                {
                    "kind": "RATE_SHORTFALL",
                    "text": "整改率每低10%,扣1.5分",
                    "figures": ["facility_rectification_rate"],
                    "points": "1.5",
                    "per": "10",
                },
            ],
        },
        {
            # 000 附件4 附表 item 9: 排污许可
            "number": 9,
            "section": _LONG_TERM,
            "max_points": "4",
            "content": "按要求实施排污许可制度；强化重点环境行为的日常监管。",
            "criteria": (
                "满足考核标准的，得4分；排污许可证发放率（以企业家数计）每少2个百分点扣1分，"
                "未按照排污许可证管理要求开展监测、巡查等工作的，发现1家扣1分。"
            ),
            "method": "自评估报告、台账资料、现场抽查。",
            "rules": [
                {
                    "kind": "RATE_SHORTFALL",
                    "text": "排污许可证发放率（以企业家数计）每少2个百分点扣1分",
                    "figures": ["permit_issuance_rate"],
                    "points": "1",
                    "per": "2",
                },
                {
                    "kind": "PER_FINDING",
                    "text": "未按照排污许可证管理要求开展监测、巡查等工作的，发现1家扣1分",
                    "finding": "PERMIT_DUTIES_NOT_PERFORMED",
                    "points": "1",
                },
            ],
            "note": "每少2个百分点扣1分 is read linearly, like 每降低10%扣N分 (DESIGN ruling): 0.5 point per point.",
        },
        {
            # 000 附件4 附表 item 10: 管网长效管护 (three fixed 1-point conditions)
            "number": 10,
            "section": _LONG_TERM,
            "max_points": "4",
            "content": (
                "建立常态化的安全运行检查、管理机制，强化排水管网日常运维，制定并实施排水管网设施巡查、养护和维修方案，"
                "明确日常管护责任，对巡查发现的问题及时整改、动态清零，确保管网设施运行良好。"
            ),
            "criteria": (
                "已建管网档案，管网巡查、检测、清淤和维修制度及日常落实记录等的，得4分；管网档案不完善的扣1分，"
                "日常维护责任不明晰的扣1分，维护机制未严格实施的扣1分。"
            ),
            "method": "运维记录等台账资料",
            "rules": [
                {
                    "kind": "CONDITION",
                    "text": "管网档案不完善的扣1分",
                    "finding": "PIPE_ARCHIVE_INCOMPLETE",
                    "points": "1",
                },
                {
                    "kind": "CONDITION",
                    "text": "日常维护责任不明晰的扣1分",
                    "finding": "MAINTENANCE_RESPONSIBILITY_UNCLEAR",
                    "points": "1",
                },
                {
                    "kind": "CONDITION",
                    "text": "维护机制未严格实施的扣1分",
                    "finding": "MAINTENANCE_NOT_ENFORCED",
                    "points": "1",
                },
            ],
        },
        {
            # 000 附件4 附表 item 11: 污水处理设施运行维护
            "number": 11,
            "section": _LONG_TERM,
            "max_points": "4",
            "content": _FACILITY_MANAGEMENT,
            "criteria": (
                "城镇生活污水处理厂应按照《城镇排水管道维护安全技术规程》（CJJ 60—2009）等有关标准做好运行维护，"
                "工业废水集中处理厂运行维护宜参照《城镇排水管道维护安全技术规程》（CJJ 60—2009）等有关标准做好"
                "运行维护，自动监测设备运行正常，运行台账规范完整的，得4分；不满足上述要求的，可视设施运行状况和"
                "出水达标情况酌情扣分。"
            ),
            "method": "运维记录等台账资料",
            "rules": [
                {"kind": "DISCRETIONARY", "text": "不满足上述要求的，可视设施运行状况和出水达标情况酌情扣分"}
            ],
        },
        {
            # 000 附件4 附表 item 12: 入河排污口巡查
            "number": 12,
            "section": _LONG_TERM,
            "max_points": "4",
            "content": _FACILITY_MANAGEMENT,
            "printed_content": "",
            "criteria": (
                "定期开展入河排污口巡查并详实记录巡查情况，破损维护时效性强，异常排污记录准确、上报及时的，得4分；"
                "不满足上述要求的，可视巡查监管实际情况酌情扣分。"
            ),
            "method": "运维记录等台账资料",
            "rules": [{"kind": "DISCRETIONARY", "text": "不满足上述要求的，可视巡查监管实际情况酌情扣分"}],
            "note": "The printed row has no 考核内容 of its own: the cell is shared with item 11 (merged).",
        },
        {
            # 000 附件4 附表 item 13: 应急管理 (a condition, incidents, drills in the one-year window)
            "number": 13,
            "section": _LONG_TERM,
            "max_points": "4",
            "content": (
                "建立工业园区应急管理机制，制定工业园区突发环境事件应急预案，建有工业园区纳管废水溢漏、管网破损等"
                "环境污染事故的应急联动机制。"
            ),
            "criteria": (
                "工业园区未制定有效的突发环境事件应急预案或应急管理制度的，扣1分；突发环境事件处置不到位的，"
                "每发生1次扣1分；未开展每年一次的突发环境事件应急演练的，以建设申请之日前溯1年，每少1次扣1分。"
            ),
            "method": "应急预案或应急管理制度等台账材料。",
            "rules": [
                {
                    "kind": "CONDITION",
                    "text": "工业园区未制定有效的突发环境事件应急预案或应急管理制度的，扣1分",
                    "finding": "NO_EMERGENCY_PLAN",
                    "points": "1",
                },
                {
                    "kind": "PER_EVENT",
                    "text": "突发环境事件处置不到位的，每发生1次扣1分",
                    "points_by_kind": {"INCIDENT_MISHANDLED": "1"},
                    "in_window": False,
                },
                {
                    "kind": "EVENT_SHORTFALL",
                    "text": "未开展每年一次的突发环境事件应急演练的，以建设申请之日前溯1年，每少1次扣1分",
                    "event": "EMERGENCY_DRILL",
                    "required": 1,
                    "points": "1",
                },
            ],
            "note": (
                "The item is not starred and its 处置不到位 clause names no period, so every incident the assessor "
                "enters counts; only the drill clause names the one-year window."
            ),
        },
        {
            # 000 附件4 附表 item 14: 扣分项* (after the 100-point sum, at most 10, one-year window)
            "number": 14,
            "section": _PENALTY,
            "max_points": "10",
            "penalty": True,
            "content": (
                "涉水环境问题被国家长江经济带生态环境警示片通报，市级以上部门督办约谈，被市级以上媒体曝光或被群众"
                "反复投诉造成不良社会影响，排放废水严重污染环境的，予以扣分。"
            ),
            "criteria": (
                "因工业园区涉水环境问题被国家长江经济带生态环境警示片通报的，扣10分；因涉水环境问题被市级以上部门"
                "督办约谈的，市级以上媒体曝光或被群众反复投诉造成不良社会影响的，或工业园区排放废水严重污染环境的，"
                "每次扣5分。"
            ),
            "method": "资料调阅和舆情搜索等。",
            "rules": [
                {
                    "kind": "PER_EVENT",
                    "text": "因工业园区涉水环境问题被国家长江经济带生态环境警示片通报的，扣10分",
                    "points_by_kind": {"WARNING_FILM": "10"},
                    "in_window": True,
                },
                {
                    "kind": "PER_EVENT",
                    "text": (
                        "因涉水环境问题被市级以上部门督办约谈的，市级以上媒体曝光或被群众反复投诉造成不良社会影响的，"
                        "或工业园区排放废水严重污染环境的，每次扣5分"
                    ),
                    "points_by_kind": {
                        "SUPERVISION_INTERVIEW": "5",
                        "MEDIA_EXPOSURE": "5",
                        "REPEATED_COMPLAINTS": "5",
                        "SERIOUS_POLLUTION": "5",
                    },
                    "in_window": True,
                },
            ],
        },
    ],
}
