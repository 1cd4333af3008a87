"""Dates as people type them: the shapes real sheets hold, and what is refused rather than guessed."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from app.core.dates import parse_date

JAN_5 = date(2024, 1, 5)


@pytest.mark.parametrize(
    "cell",
    [
        "2024-01-05",
        "2024-1-5",
        "2024/1/5",
        "2024/01/05",
        "2024.1.5",
        "2024年1月5日",
        "2024年01月05日",
        "2024年1月5号",
        "2024年1月5",
        " 2024 年 1 月 5 日 ",
        "２０２４／１／５",  # full-width, as a Chinese input method types it
        "２０２４年１月５日",
        "2024-01-05 00:00:00",  # a datetime as a CSV export prints it
        "2024/1/5 8:30",
        "2024-01-05T08:30:00",
        "20240105",
        20240105,  # typed into a cell formatted as a number
        20240105.0,
        "45296",  # an Excel serial, as a CSV export of a number cell holds it
        45296,
        45296.0,
        45296.75,  # a serial with a time of day
        datetime(2024, 1, 5, 8, 30),  # an xlsx date cell
        JAN_5,
    ],
)
def test_reads_the_shapes_people_type(cell):
    assert parse_date(cell) == JAN_5


@pytest.mark.parametrize(
    "cell",
    [
        None,
        "",
        "   ",
        "2024-13-45",
        "2024-02-30",
        "1/5/2024",  # month or day first: not guessed
        "24/1/5",  # two-digit year
        "2024-01",
        "2024年1月",
        "明天",
        "2024-01-05 下午",
        "2024010",
        "4529",  # too short for a serial
        60,  # Excel's 29 February 1900, which never was
        -1,
        True,
        float("nan"),
        202401050,
    ],
)
def test_refuses_what_it_cannot_read(cell):
    assert parse_date(cell) is None


def test_serials_follow_excels_1900_system():
    assert parse_date(7306) == date(1920, 1, 1)
    assert parse_date(36526) == date(2000, 1, 1)
    assert parse_date(73050) == date(2099, 12, 31)


@pytest.mark.parametrize("cell", [2024, 100, 61, 7305, 73051, 2958465, "99999"])
def test_a_number_is_a_serial_only_of_a_date_a_person_could_have(cell):
    """A bare year typed into a number cell (2024) is not 1905-07-16: serials are read from 1920 to 2099 only."""
    assert parse_date(cell) is None


def test_a_leap_day_is_read_only_in_a_leap_year():
    assert parse_date("2024-02-29") == date(2024, 2, 29)
    assert parse_date("2023-02-29") is None


def test_a_pages_render_time_comes_back_as_utc_and_never_later_than_now():
    from app.core.clock import rendered_at

    now = datetime(2026, 12, 7, 10, 0, 0)
    assert rendered_at("2026-12-07T09:59:30.250000", now) == datetime(2026, 12, 7, 9, 59, 30, 250000)
    assert rendered_at("2026-12-07T17:59:30+08:00", now) == datetime(2026, 12, 7, 9, 59, 30)  # an offset: to UTC
    assert rendered_at("2027-01-01T00:00:00", now) == now  # ahead of the server: now
    assert rendered_at("昨天", now) == now and rendered_at(None, now) == now  # a form from before the field
