"""The columns of a 花名册 file: their accepted header spellings, and the spellings accepted in its cells."""

from __future__ import annotations

import re

from app.people.models import EmploymentType, IdType, Post

#: Column → accepted header spellings (case- and space-insensitive).
COLUMNS = {
    "name": ("姓名", "name"),
    "id_type": ("证件类型", "id type", "id_type"),
    "id_number": ("证件号码", "身份证号", "身份证号码", "公民身份号码", "id number", "id_number"),
    "phone": ("手机号", "手机号码", "联系电话", "phone", "mobile"),
    "post": ("岗位类别", "人员类别", "post"),
    "employment_type": ("用工形式", "用工类型", "employment type", "employment_type"),
    "category": ("作业类别", "category"),
    "operation": ("操作项目", "准操项目", "operation"),
    "start_date": ("入职日期", "start date", "start_date"),
    "education": ("文化程度", "学历", "education"),
    "job_title": ("岗位名称", "工种", "job title", "job_title"),
}
REQUIRED = ("name", "id_number", "post")
HEADERS_ZH = {
    "name": "姓名",
    "id_type": "证件类型",
    "id_number": "证件号码",
    "phone": "手机号",
    "post": "岗位类别",
    "employment_type": "用工形式",
    "category": "作业类别",
    "operation": "操作项目",
    "start_date": "入职日期",
    "education": "文化程度",
    "job_title": "岗位名称",
}

POST_ALIASES = {
    **{p.value: p for p in Post},
    "主要负责人": Post.PRINCIPAL,
    "安全管理人员": Post.SAFETY_MANAGER,
    "安全生产管理人员": Post.SAFETY_MANAGER,
    "安管人员": Post.SAFETY_MANAGER,
    "特种作业人员": Post.SPECIAL_OPERATOR,
    "特种作业": Post.SPECIAL_OPERATOR,
    "其他从业人员": Post.WORKER,
    "从业人员": Post.WORKER,
    "一般从业人员": Post.WORKER,
}
TYPE_ALIASES = {
    **{t.value: t for t in EmploymentType},
    "": EmploymentType.REGULAR,
    "正式": EmploymentType.REGULAR,
    "正式工": EmploymentType.REGULAR,
    "合同工": EmploymentType.REGULAR,
    "劳务派遣": EmploymentType.DISPATCHED,
    "派遣": EmploymentType.DISPATCHED,
    "灵活用工": EmploymentType.FLEXIBLE,
    "临时工": EmploymentType.FLEXIBLE,
    "实习": EmploymentType.INTERN,
    "实习生": EmploymentType.INTERN,
}
ID_TYPE_ALIASES = {
    **{t.value: t for t in IdType},
    "": IdType.RESIDENT_ID,
    "身份证": IdType.RESIDENT_ID,
    "居民身份证": IdType.RESIDENT_ID,
    "港澳台居民居住证": IdType.HMT_RESIDENCE_PERMIT,
    "外国人永久居留身份证": IdType.FOREIGN_PERMANENT_ID,
}
NAME_RE = re.compile(r"^[\u3400-\u9fffA-Za-z·•．.\s]{1,50}$")
