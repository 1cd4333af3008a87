"""Certificates: 特种作业操作证, 安全生产知识和管理能力考核合格证 and 培训合格证明 — issued by rule, numbered, rendered
as a Chinese PDF with photo and QR, verified publicly, and followed through 复审, expiry, 暂扣/撤销/注销 and 补发/换发."""

from flask import Blueprint

bp = Blueprint("certificates", __name__)
#: The no-login verification pages (QR, number + name, ID number + name).
public_bp = Blueprint("certverify", __name__)
