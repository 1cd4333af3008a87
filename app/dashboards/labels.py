"""How the dims of the figures read: an industry, an exam subject (kind · post · 操作项目), a 操作项目, a certificate
kind, a snapshot's context."""

from __future__ import annotations

import sqlalchemy as sa

from app.certificates.models import CertKind
from app.exams.models import ExamKind
from app.extensions import db
from app.people.models import Post, SnapshotContext
from app.rules.models import Operation
from app.tenancy.models import Industry


def operation_names() -> dict[str, str]:
    """Every 操作项目 code's name (one query: the catalogue is small)."""
    return dict(db.session.execute(sa.select(Operation.code, Operation.name)).all())


def _label(enum, value: str) -> str:
    member = enum._value2member_map_.get(value)
    return member.label if member is not None else value


def subject_label(subject: str, operations: dict[str, str]) -> str:
    """``qualification:special_operator:1.2`` → 资格考试 · 1.2 低压电工作业 (a post where no 操作项目)."""
    kind, _, rest = subject.partition(":")
    post, _, code = rest.partition(":")
    parts = [_label(ExamKind, kind)]
    if code:
        parts.append(f"{code} {operations.get(code, '')}".strip())
    elif post in Post._value2member_map_:
        parts.append(_label(Post, post))
    return " · ".join(parts)  # a class exam's subject is its class ("class:12"): the kind says enough


def dim_label(metric: str, dim: str, operations: dict[str, str] | None = None) -> str:
    if metric == "licensed":
        return _label(Industry, dim)
    if metric in ("theory_first",):
        return subject_label(dim, operations if operations is not None else operation_names())
    if metric == "practical_first":
        names = operations if operations is not None else operation_names()
        return f"{dim} {names.get(dim, '')}".strip()
    if metric.startswith("certs_"):
        return _label(CertKind, dim)
    if metric in ("snapshots_flagged", "credit_held"):
        return _label(SnapshotContext, dim)
    return dim
