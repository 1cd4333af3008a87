"""Every figure of the dashboards, defined once, as rows: ``METRICS``, the catalogue the tiles, rollups and lists read.

A metric is a query of rows — a person in a post that needs a certificate, a first exam attempt, a graded
逢查必考 ticket, a certificate due — each with its enterprise, a ``dim`` (what its tile breaks it down by), a
``month`` (event metrics) and a ``hit`` (1 when it counts in the numerator). The same rows are

- summed per enterprise × dim × month into the rollups (:mod:`app.dashboards.rollups`), which the region tiles add up;
- summed live for one enterprise's tiles;
- listed, paginated and exported behind each tile (:mod:`app.dashboards.lists`),

so a tile and its list count the same thing by construction, and ``tests/dashboards`` checks that they do.

Rows are counted **at each current employer** of a person (an employment of today; a person with two employers
counts at both), except 逢查必考 (the inspected enterprise), 整改 findings and 退出 recommendations (their enterprise).
Certificate statuses are today's, in SQL (:func:`app.certificates.status_sql.status_expr`: the dates and the rule
in force on each obligation's day), never the stored column (which the nightly job moves). Rules come from one
:class:`~app.rules.book.RuleBook` per computation (``cached_book``: read once, whatever the number of regions).
"""

from __future__ import annotations

from app.dashboards.exam_metrics import GateOverrides, PracticalFirst, TheoryFirst
from app.dashboards.metric_base import Metric
from app.dashboards.oversight_metrics import (
    FlaggedSnapshots,
    HeldCredit,
    OpenExits,
    OpenFindings,
    OverdueFindings,
    SpotChecks,
)
from app.dashboards.staff_metrics import (
    CertificatesDue,
    CertificatesLapsed,
    CertificatesSuspended,
    Licensed,
    ManagersOverdue,
    Retraining,
)

METRICS: dict[str, Metric] = {
    m.key: m
    for m in (
        Licensed(),
        Retraining(),
        TheoryFirst(),
        PracticalFirst(),
        SpotChecks(),
        OpenFindings(),
        OverdueFindings(),
        CertificatesDue(60),
        CertificatesDue(90),
        CertificatesLapsed(),
        CertificatesSuspended(),
        ManagersOverdue(),
        FlaggedSnapshots(),
        HeldCredit(),
        GateOverrides(),
        OpenExits(),
    )
}
