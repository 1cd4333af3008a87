"""Files the exam organiser downloads: the sitting's results as xlsx (times in the user's zone)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable

from flask_babel import gettext as _
from openpyxl import Workbook

from app.core.clock import format_local
from app.exams.queries import BoardRow


def results_xlsx(rows: Iterable[BoardRow], *, full_id: Callable[[object], bool]) -> bytes:
    """One line per candidate: state, times, answered, score, pass, focus losses, extra minutes, IP.

    :param full_id: whether the reader may see a person's full 证件号码 (``app.auth.policy.people.may_see_full_id``);
        otherwise the masked number is written.
    """
    wb = Workbook()
    ws = wb.active
    ws.title = _("成绩")
    ws.append(
        [
            _("姓名"),
            _("证件号码"),
            _("状态"),
            _("开始时间"),
            _("交卷时间"),
            _("已答题数"),
            _("得分"),
            _("满分"),
            _("是否合格"),
            _("切屏次数"),
            _("延时（分钟）"),
            _("IP"),
        ]
    )
    for r in rows:
        a = r.attempt
        id_number = r.person.id_number if full_id(r.person) else r.person.id_masked
        if a is None:
            ws.append([r.person.name, id_number, _("未开始")])
            continue
        ws.append(
            [
                r.person.name,
                id_number,
                a.state.label,
                format_local(a.started_at),
                format_local(a.submitted_at),
                r.answered,
                a.score,
                a.max_score,
                "" if a.passed is None else (_("合格") if a.passed else _("不合格")),
                a.focus_losses,
                a.extra_minutes,
                a.ip,
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
