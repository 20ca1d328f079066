"""The demo document register (DOMAIN.md §1): nine procedures and their record forms."""

from __future__ import annotations

from datetime import date

from app.core.records.register import DocumentKind

#: retention in years (DOMAIN.md §1 defaults)
STATISTICS, SURVEY, SERVICE_INFO, OTHER = 2, 1, 5, 3

#: (module, clause, title zh, title en, [(form key, title zh, title en, pattern, retention)])
DEMO_REGISTER = [
    (
        "delivery",
        "8.5.1",
        "产品交付控制程序",
        "Delivery control",
        [
            ("F01", "发货单", "Shipping note", "FH-{YYYY}{MM}-{SEQ:4}", OTHER),
            ("F02", "送货签收单", "Delivery receipt", "QS-{YYYY}{MM}-{SEQ:4}", OTHER),
            ("F03", "运输异常记录", "Transit damage/loss record", "YC-{YYYY}{MM}-{SEQ:3}", OTHER),
        ],
    ),
    (
        "installation",
        "8.5.2",
        "安装调试控制程序",
        "Installation & commissioning",
        [
            ("F01", "安装服务申请单", "Installation request", "AZ-{YYYY}{MM}-{SEQ:4}", OTHER),
            ("F02", "安装服务计划", "Installation plan", "AZJH-{YYYY}{MM}-{SEQ:4}", OTHER),
            ("F03", "开箱验收记录", "Unboxing inspection", "KX-{YYYY}{MM}-{SEQ:4}", OTHER),
            ("F04", "客户培训记录", "Training record", "PX-{YYYY}{MM}-{SEQ:4}", OTHER),
            (
                "F05",
                "安装验收记录（装机单）",
                "Installation acceptance",
                "AZYS-{YYYY}{MM}-{SEQ:4}",
                SERVICE_INFO,
            ),
        ],
    ),
    (
        "repair",
        "8.5.3",
        "维修服务控制程序",
        "Repair service",
        [
            ("F01", "报修登记单", "Repair request", "WX-{YYYY}{MM}-{SEQ:4}", SERVICE_INFO),
            ("F02", "维修报价单", "Repair quotation", "BJ-{YYYY}{MM}-{SEQ:4}", OTHER),
            ("F03", "维修点领用配件表", "Spare-part requisition", "LY-{YYYY}{MM}-{SEQ:4}", OTHER),
            ("F04", "产品维修单", "Repair record", "WXD-{YYYY}{MM}-{SEQ:4}", SERVICE_INFO),
            ("F05", "售后服务报告单", "Service report", "FW-{YYYY}{MM}-{SEQ:4}", SERVICE_INFO),
        ],
    ),
    (
        "maintenance",
        "8.5.4",
        "定期维护保养控制程序",
        "Preventive maintenance",
        [
            ("F01", "客户设备定期维护保养计划", "Maintenance plan", "BY-{YYYY}{MM}-{SEQ:4}", OTHER),
            ("F02", "维护保养记录", "Maintenance record", "BYJL-{YYYY}{MM}-{SEQ:4}", SERVICE_INFO),
        ],
    ),
    (
        "complaints",
        "8.2.1",
        "顾客反馈与投诉处理程序",
        "Customer feedback & complaints",
        [
            ("F01", "顾客反馈信息单", "Feedback form", "TS-{YYYY}{MM}-{SEQ:4}", OTHER),
            ("F02", "顾客问题通知单", "Problem notice", "WT-{YYYY}{MM}-{SEQ:4}", OTHER),
            ("F03", "8D报告", "8D report", "8D-{YYYY}-{SEQ:3}", OTHER),
            ("F04", "纠正预防措施单", "CAPA", "CAPA-{YYYY}-{SEQ:3}", OTHER),
        ],
    ),
    (
        "returns",
        "8.7.1",
        "退换货处理程序",
        "Returns & exchanges",
        [
            ("F01", "退库产品申请单", "Return request", "TH-{YYYY}{MM}-{SEQ:4}", OTHER),
            ("F02", "成品退货单", "Return receipt", "THD-{YYYY}{MM}-{SEQ:4}", OTHER),
            ("F03", "报废申请单", "Scrap request", "BF-{YYYY}{MM}-{SEQ:4}", OTHER),
        ],
    ),
    (
        "recalls",
        "8.7.2",
        "产品召回控制程序",
        "Product recall",
        [
            ("F01", "召回评估单", "Recall assessment", "ZH-{YYYY}{MM}-{SEQ:4}", OTHER),
            ("F02", "召回通知", "Recall notice", "ZHTZ-{YYYY}{MM}-{SEQ:4}", OTHER),
            ("F03", "召回跟踪记录", "Recall tracking", "ZHGZ-{YYYY}{MM}-{SEQ:4}", OTHER),
        ],
    ),
    (
        "purchasing",
        "8.4.1",
        "售后备件采购控制程序",
        "Spare-part purchasing",
        [
            ("F01", "工作联络单", "Spare-part demand", "CG-{YYYY}{MM}-{SEQ:4}", OTHER),
            ("F02", "采购申请单", "Purchase request", "CGSQ-{YYYY}{MM}-{SEQ:4}", OTHER),
            ("F03", "采购评审单", "Purchase review", "CGPS-{YYYY}{MM}-{SEQ:4}", OTHER),
            ("F04", "采购订单", "Purchase order", "PO-{YYYY}{MM}-{SEQ:4}", OTHER),
            ("F05", "进货检验记录", "Incoming inspection", "JY-{YYYY}{MM}-{SEQ:4}", OTHER),
            ("F06", "售后销货单", "After-sales shipment", "XH-{YYYY}{MM}-{SEQ:4}", OTHER),
        ],
    ),
    (
        "surveys",
        "9.1.2",
        "顾客满意度调查程序",
        "Customer satisfaction",
        [
            ("F01", "用户满意度调查表", "Satisfaction survey", "MY-{YYYY}{MM}-{SEQ:4}", SURVEY),
            ("F02", "顾客满意度分析报告", "Satisfaction analysis report", "MYFX-{YYYY}{MM}-{SEQ:2}", SURVEY),
        ],
    ),
]

_ISSUED = date(2017, 3, 1)
_EFFECTIVE = date(2017, 3, 15)
_SIGNATURES = {
    "prepared_by": "吴质量 Wu",
    "reviewed_by": "郑经理 Zheng",
    "approved_by": "杨代表 Yang",
}


def seed_register() -> int:
    """Add whichever procedure or form of the demo register is missing; returns how many."""
    from app.core.records.services import create_document, find_document

    created = 0
    for module, clause, title_zh, title_en, forms in DEMO_REGISTER:
        code = f"Q/SB-{clause}"
        procedure = find_document(code)
        if procedure is None:
            procedure = create_document(
                dict(
                    kind=DocumentKind.PROCEDURE,
                    module=module,
                    form_key="",
                    code=code,
                    title_zh=title_zh,
                    title_en=title_en,
                    revision="A/0",
                    issue_date=_ISSUED,
                    effective_date=_EFFECTIVE,
                    **_SIGNATURES,
                ),
                actor=None,
            )
            created += 1
        for key, form_zh, form_en, pattern, retention in forms:
            form_code = f"{code}-{key}"
            if find_document(form_code) is not None:
                continue
            create_document(
                dict(
                    kind=DocumentKind.FORM,
                    module=module,
                    form_key=key,
                    procedure_id=procedure.id,
                    code=form_code,
                    title_zh=form_zh,
                    title_en=form_en,
                    revision="A/0",
                    issue_date=_ISSUED,
                    effective_date=_EFFECTIVE,
                    retention_years=retention,
                    number_pattern=pattern,
                    **_SIGNATURES,
                ),
                actor=None,
            )
            created += 1
    return created


STEPS: list = [("register", seed_register)]
