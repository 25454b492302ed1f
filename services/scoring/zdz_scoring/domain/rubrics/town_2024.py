"""重庆市城镇“污水零直排区”建设评分细则 (渝环规〔2024〕5号 附件3 之附表), as plain data.

Texts are verbatim from the document; only PDF artefacts were removed (line wraps, spaces the extraction put
around numbers). A line break inside a cell is kept as "\\n". Points are strings, read as `Decimal`.
Each rule's `text` is the words of the 评分细则 it implements.
"""

_BASIC = "基础工作"
_BUILD = "项目建设"
_LONG_TERM = "长效监管机制"

# 000 附件3 附表 rows 10–14: the 考核内容 column is shifted in the printed table (DESIGN ruling: the points
# and 评分细则 columns are authoritative). Realigned by what each 评分细则 scores:
_PIPE_MAINTENANCE = (
    "建立常态化的安全运行检查、管理机制，强化排水管网日常运维，制定并实施排水管网设施巡查、养护和维修方案，"
    "明确日常管护责任，对巡查发现的问题及时整改、动态清零，确保管网设施运行良好"
)
_PERMITS = "严格执行许可管理，落实排水许可、接改沟许可和排污许可证的发证管理和证后监管。"
_FACILITY_MANAGEMENT = (
    "建立完善的污水处理设施及其排污口运行管理和安全管理制度，开展污水处理设施、排污口及自动监测设备等配套设施的"
    "日常巡查、维修和养护。建立完善的台账管理制度，规范记录污水处理设施的运行状况、进出水情况等信息。"
)
_SHIFT_NOTE = (
    "考核内容 shifted in the printed table: row 11 prints the permits text that row 12's 评分细则 scores, "
    "row 12 prints the facility-management text that rows 13–14 score, rows 13–14 print none; "
    "row 11's 评分细则 (清掏、巡查记录) scores row 10's pipe-maintenance text. "
    "`content` is realigned, `printed_content` is what the row shows. 验收方法 is printed once for rows 10–14."
)

DATA = {
    "unit_kind": "TOWN",
    "version": "2024",
    "title": "重庆市城镇“污水零直排区”建设评分细则",
    "source": "渝环规〔2024〕5号 附件3 之附表",
    # 000 附件3 三(一): 90分（含）以上的为优秀，80分（含）—90分为合格，80分以下为不合格
    "grades": {"excellent_from": "90", "pass_from": "80"},
    "summary_report_from": None,
    "sections": [
        {"name": _BASIC, "max_points": "40"},
        {"name": _BUILD, "max_points": "40"},
        {"name": _LONG_TERM, "max_points": "20"},
    ],
    "items": [
        {
            # 000 附件3 附表 item 1: 排水户排查
            "number": 1,
            "section": _BASIC,
            "max_points": "10",
            "content": "全面摸清镇街建成区范围内排水户的排水情况，有完整的排水户排查台账。",
            "criteria": (
                "现场排查，建立排水户排查台账。\n"
                "排水户排查率100%，排查信息详实、准确的，得10分；排查率每降低10%扣1分，"
                "排查信息缺失明显或严重失真的，发现一处扣0.5分，扣完为止（下同）。"
            ),
            "method": "台账资料、现场检查",
            "rules": [
                {
                    "kind": "RATE_SHORTFALL",
                    "text": "排查率每降低10%扣1分",
                    "figures": ["household_survey_rate"],
                    "points": "1",
                    "per": "10",
                },
                {
                    "kind": "PER_FINDING",
                    "text": "排查信息缺失明显或严重失真的，发现一处扣0.5分",
                    "finding": "INFO_DEFECT",
                    "points": "0.5",
                },
            ],
        },
        {
            # 000 附件3 附表 item 2: 市政管网排查
            "number": 2,
            "section": _BASIC,
            "max_points": "10",
            "content": "开展市政管网空间属性排查和精细化排查，有完整的市政管网排查台账及管网走向图。",
            "criteria": (
                "现场排查，参照《城镇排水管道检查与评估技术规程》（CJJ181—2012）完成雨污管网及其附属设施"
                "空间属性排查和精细化排查。\n"
                "市政管网排查率100%，排查信息详实、准确、有管网分布图的，得10分；排查率每降低10%扣1分，"
                "排查信息缺失明显或严重失真的，发现一处扣0.5分。"
            ),
            "method": "台账资料、现场检查",
            "rules": [
                {
                    "kind": "RATE_SHORTFALL",
                    "text": "排查率每降低10%扣1分",
                    "figures": ["pipe_survey_rate"],
                    "points": "1",
                    "per": "10",
                },
                {
                    "kind": "PER_FINDING",
                    "text": "排查信息缺失明显或严重失真的，发现一处扣0.5分",
                    "finding": "INFO_DEFECT",
                    "points": "0.5",
                },
            ],
            "note": "A missing 管网分布图 has no deduction of its own: the assessor records it as missing information.",
        },
        {
            # 000 附件3 附表 item 3: 污水集中处理设施及排污口排查
            "number": 3,
            "section": _BASIC,
            "max_points": "5",
            "content": "全面摸清污水集中处理设施运行情况，有完整的污水集中处理设施及排污口排查台账。",
            "criteria": (
                "现场排查，建立污水集中处理设施及其排污口排查台账。\n"
                "污水集中处理设施及其排污口排查率100%，排查信息详实、准确的，得5分；排查率每降低10%扣1分，"
                "排查信息缺失明显或严重失真的，发现一处扣0.5分。"
            ),
            "method": "台账资料、现场检查",
            "rules": [
                {
                    "kind": "RATE_SHORTFALL",
                    "text": "排查率每降低10%扣1分",
                    "figures": ["facility_survey_rate"],
                    "points": "1",
                    "per": "10",
                },
                {
                    "kind": "PER_FINDING",
                    "text": "排查信息缺失明显或严重失真的，发现一处扣0.5分",
                    "finding": "INFO_DEFECT",
                    "points": "0.5",
                },
            ],
        },
        {
            # 000 附件3 附表 item 4: 一镇一策
            "number": 4,
            "section": _BASIC,
            "max_points": "10",
            "content": "具有完整的“一镇一策”工作措施。",
            "criteria": (
                "“污水零直排区”建设措施因地制宜、针对性强、系统性强，建设进度安排合理，责任分工明确的，得10分；"
                "根据详实程度酌情扣分，存在前后矛盾的，发现一处扣1分。"
            ),
            "method": "任务清单",
            "rules": [
                {"kind": "DISCRETIONARY", "text": "根据详实程度酌情扣分"},
                {
                    "kind": "PER_FINDING",
                    "text": "存在前后矛盾的，发现一处扣1分",
                    "finding": "CONTRADICTION",
                    "points": "1",
                },
            ],
        },
        {
            # 000 附件3 附表 item 5: 问题清单、任务清单
            "number": 5,
            "section": _BASIC,
            "max_points": "5",
            "content": "具有系统的排查结果。",
            "criteria": (
                "问题清单、任务清单齐全详实的，得5分；缺一项扣2.5分，问题清单、任务清单相矛盾，责任落实不明的，"
                "可酌情扣分。"
            ),
            "method": "台账资料",
            "rules": [
                {
                    "kind": "MISSING_LIST",
                    "text": "缺一项扣2.5分",
                    "figures": ["has_problem_list", "has_task_list"],
                    "findings": {
                        "has_problem_list": "PROBLEM_LIST_INCOMPLETE",
                        "has_task_list": "TASK_LIST_INCOMPLETE",
                    },
                    "points": "2.5",
                },
                {"kind": "DISCRETIONARY", "text": "问题清单、任务清单相矛盾，责任落实不明的，可酌情扣分"},
            ],
            "note": (
                "齐全详实 is the assessor's finding, not a row count: a list the ledger lacks, or that the assessor "
                "finds missing or incomplete (PROBLEM_LIST_INCOMPLETE, TASK_LIST_INCOMPLETE), is one list missing."
            ),
        },
        {
            # 000 附件3 附表 item 6: 生活小区建设 (lowest of three rates, DESIGN ruling)
            "number": 6,
            "section": _BUILD,
            "max_points": "10",
            "content": "按照“一镇一策”工作措施和问题清单、任务清单完成生活小区“污水零直排区”建设。",
            "criteria": (
                "现场抽查，按照《重庆市城镇生活小区“污水零直排区”建设验收评分标准》执行，问题整改率达到100%，"
                "生活小区污水零直排区建设自查合格率达到100%（按建设单元计），抽查样本合格率100%的，得10分；"
                "合格率（按上述三项合格率中最低值计）每降低10%扣1分。"
            ),
            "method": "建设台账、自评估报告、现场检查",
            "rules": [
                {
                    "kind": "RATE_SHORTFALL",
                    "text": "合格率（按上述三项合格率中最低值计）每降低10%扣1分",
                    "figures": [
                        "residential_rectification_rate",
                        "residential_self_check_pass_rate",
                        "residential_sample_pass_rate",
                    ],
                    "points": "1",
                    "per": "10",
                },
            ],
        },
        {
            # 000 附件3 附表 item 7: 非生活小区建设 (lowest of three rates, DESIGN ruling)
            "number": 7,
            "section": _BUILD,
            "max_points": "10",
            "content": "按照“一镇一策”工作措施和问题清单、任务清单完成非生活小区“污水零直排区”建设。",
            "criteria": (
                "现场抽查，参照《重庆市城镇生活小区“污水零直排区”建设验收评分标准》执行，问题整改率达到100%，"
                "非生活小区污水零直排区建设自查合格率达到100%（按建设单元计），抽查样本合格率100%的，得10分；"
                "合格率（按上述三项合格率中最低值计）每降低10%扣1分。"
            ),
            "method": "建设台账、自评估报告、现场检查",
            "rules": [
                {
                    "kind": "RATE_SHORTFALL",
                    "text": "合格率（按上述三项合格率中最低值计）每降低10%扣1分",
                    "figures": [
                        "non_residential_rectification_rate",
                        "non_residential_self_check_pass_rate",
                        "non_residential_sample_pass_rate",
                    ],
                    "points": "1",
                    "per": "10",
                },
            ],
        },
        {
            # 000 附件3 附表 item 8: 市政管网整改
            "number": 8,
            "section": _BUILD,
            "max_points": "12",
            "content": (
                "按照“一镇一策”工作措施和问题清单、任务清单完成市政管网雨污分流改造、管网病害问题修复，"
                "污水管网、雨水管网无错接、漏接、混接、堵塞、破损等。"
            ),
            "criteria": "现场检查，管网问题整改率达到100%，得12分；整改未完成的，整改率每降低10%扣1分。",
            "method": "管网整改台账、自评估报告、现场检查",
            "rules": [
                {
                    "kind": "RATE_SHORTFALL",
                    "text": "整改率每降低10%扣1分",
                    "figures": ["pipe_rectification_rate"],
                    "points": "1",
                    "per": "10",
                },
            ],
        },
        {
            # 000 附件3 附表 item 9: 生活污水集中处理设施整治
            "number": 9,
            "section": _BUILD,
            "max_points": "8",
            "content": (
                "按照“一镇一策”工作措施和问题清单、任务清单完成生活污水集中处理设施整治，对应排污口设置审批"
                "符合规定，规范化建设符合《入河入海排污口监督管理技术指南入河排污口规范化建设》"
                "（HJ 1309—2023）要求。"
            ),
            "criteria": "现场检查，生活污水集中处理设施问题整改率达到100%，得8分；整改未完成的，整改率每降低10%，扣1分。",
            "method": "整改台账、自评估报告、现场检查",
            "rules": [
                {
                    "kind": "RATE_SHORTFALL",
                    "text": "整改率每降低10%，扣1分",
                    "figures": ["facility_rectification_rate"],
                    "points": "1",
                    "per": "10",
                },
            ],
        },
        {
            # 000 附件3 附表 item 10: 管网长效管护机制
            "number": 10,
            "section": _LONG_TERM,
            "max_points": "5",
            "content": _PIPE_MAINTENANCE,
            "criteria": (
                "有长效管护工作机制，有日常养护工作计划，有专业的运维团队的，得5分；机制不健全、团队不专业的，"
                "酌情扣分。"
            ),
            "method": "运维台账资料",
            "rules": [{"kind": "DISCRETIONARY", "text": "机制不健全、团队不专业的，酌情扣分"}],
        },
        {
            # 000 附件3 附表 item 11: 清掏、巡查、维护记录 (考核内容 shifted, see _SHIFT_NOTE)
            "number": 11,
            "section": _LONG_TERM,
            "max_points": "4",
            "content": _PIPE_MAINTENANCE,
            "printed_content": _PERMITS,
            "criteria": (
                "有隔油池、沉砂池、化粪池定时清掏记录，雨、污管网定时巡查、清理、维护记录，管网没有明显淤积、"
                "破损，泵站运行正常的，得4分；可视记录详实情况及问题响应时效性酌情扣分。"
            ),
            "method": "运维台账资料",
            "rules": [{"kind": "DISCRETIONARY", "text": "可视记录详实情况及问题响应时效性酌情扣分"}],
            "note": _SHIFT_NOTE,
        },
        {
            # 000 附件3 附表 item 12: 排水许可、排污许可、接改沟许可 (考核内容 shifted, see _SHIFT_NOTE)
            "number": 12,
            "section": _LONG_TERM,
            "max_points": "5",
            "content": _PERMITS,
            "printed_content": _FACILITY_MANAGEMENT,
            "criteria": (
                "排水许可、排污许可证和接改沟许可发放符合《城镇污水排入排水管网许可管理办法》和"
                "《排污许可管理办法（试行）》规定，证后管理规范，得5分；发现不规范情况的，发现一处扣0.5分。"
            ),
            "method": "运维台账资料",
            "rules": [
                {
                    "kind": "PER_FINDING",
                    "text": "发现不规范情况的，发现一处扣0.5分",
                    "finding": "IRREGULAR_PERMIT",
                    "points": "0.5",
                },
            ],
            "note": _SHIFT_NOTE,
        },
        {
            # 000 附件3 附表 item 13: 污水集中处理设施运行维护 (考核内容 shifted, see _SHIFT_NOTE)
            "number": 13,
            "section": _LONG_TERM,
            "max_points": "3",
            "content": _FACILITY_MANAGEMENT,
            "printed_content": "",
            "criteria": (
                "污水集中处理实施运行维护符合《城镇排水管道维护安全技术规程》（CJJ 60—2009）等有关标准，"
                "自动监测设备运行正常，运行台账规范完整的，得3分；不满足上述要求的，可视设施运行状况和出水达标"
                "情况酌情扣分。"
            ),
            "method": "运维台账资料",
            "rules": [
                {"kind": "DISCRETIONARY", "text": "不满足上述要求的，可视设施运行状况和出水达标情况酌情扣分"}
            ],
            "note": _SHIFT_NOTE + " The printed 评分细则 reads 处理实施 (sic, for 处理设施).",
        },
        {
            # 000 附件3 附表 item 14: 入河排污口巡查 (考核内容 shifted, see _SHIFT_NOTE)
            "number": 14,
            "section": _LONG_TERM,
            "max_points": "3",
            "content": _FACILITY_MANAGEMENT,
            "printed_content": "",
            "criteria": (
                "定期开展入河排污口巡查并详实记录巡查情况，破损维护时效性强，异常排污记录准确、上报及时的，得3分；"
                "不满足上述要求的，可视巡查监管实际情况酌情扣分。"
            ),
            "method": "运维台账资料",
            "rules": [{"kind": "DISCRETIONARY", "text": "不满足上述要求的，可视巡查监管实际情况酌情扣分"}],
            "note": _SHIFT_NOTE,
        },
    ],
}
