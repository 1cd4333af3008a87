"""A certificate's terms: valid from and to, and when its 复审 falls due, by the rule table of the day of issue."""

from __future__ import annotations

from datetime import date

from app.certificates.issuing.subjects import Subject
from app.certificates.models import CertKind
from app.rules.queries import rule_value


def add_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later (29 February → 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def validity(subject: Subject, region_code: str, today: date) -> dict:
    """valid_from/valid_to/review_due_on/review_years for a certificate issued ``today``."""
    if subject.kind is CertKind.SPECIAL_OPERATOR:
        years = int(rule_value("cert.validity_years.special_operator", region_code=region_code, on=today))
        review = int(rule_value("cert.review_years.special_operator", region_code=region_code, on=today))
        due = add_years(today, review) if review > 0 else None
        if due is not None and rule_value("cert.review_years.special_operator", region_code=region_code, on=due) <= 0:
            due = None  # 30号令 would have scheduled it, but no 复审 exists on that day (令第19号)
        return {
            "valid_from": today,
            "valid_to": add_years(today, years),
            "review_due_on": due,
            "review_years": review if due is not None else None,
        }
    key = "cert.validity_years.manager" if subject.kind is CertKind.MANAGER else "cert.validity_years.training"
    years = int(rule_value(key, region_code=region_code, on=today))
    return {"valid_from": today, "valid_to": add_years(today, years), "review_due_on": None, "review_years": None}
