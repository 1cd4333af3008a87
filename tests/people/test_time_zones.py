"""One clock, shown in each user's zone: the platform default (Asia/Shanghai) or their jurisdiction's setting."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.extensions import db
from tests.exams.conftest import make_sitting, make_template


def test_each_user_reads_times_in_their_jurisdictions_zone(app, client, login, exam_world, factory):
    opens = datetime(2030, 6, 1, 2, 0)  # 02:00 UTC = 10:00 in Beijing = 08:00 in Ürümqi
    sitting = make_sitting(
        make_template(), exam_world.organiser, exam_world.persons, opens=opens, closes=opens + timedelta(hours=2)
    )
    regulator = factory.regulator("320100")
    factory.commit()
    board = f"/exams/sittings/{sitting.id}"
    beijing, urumqi = "2030-06-01 10:00 – 2030-06-01 12:00", "2030-06-01 08:00 – 2030-06-01 10:00"
    assert beijing in login(exam_world.organiser).get(board).get_data(as_text=True)

    result = app.test_cli_runner().invoke(args=["set-time-zone", "320100", "Asia/Urumqi"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    page = login(regulator).get(board).get_data(as_text=True)
    assert urumqi in page and beijing not in page
    # the enterprise's district (not under 320100 in this world) keeps the default
    assert beijing in login(exam_world.organiser).get(board).get_data(as_text=True)


def test_an_unknown_zone_is_refused(app, factory):
    factory.regulator("320100")
    factory.commit()
    result = app.test_cli_runner().invoke(args=["set-time-zone", "320100", "Mars/Olympus"])
    assert result.exit_code != 0 and "unknown time zone 'Mars/Olympus'" in result.output
