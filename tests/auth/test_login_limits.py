"""Login limits are no weapon: a guesser locks only their own (account, address) pair; one address cannot spray
many accounts; an unknown account looks exactly like a real one; a cookie dies with logout or a new password."""

from __future__ import annotations

import os
import time

import pytest

from app.auth.models import User
from app.auth.services import account_key
from app.core import limits
from app.extensions import db
from tests.exams.test_concurrency import in_parallel

LOCKED = "登录失败次数过多，账号已锁定至"
WRONG = "用户名或密码错误。"


def post_login(client, username, password, ip="10.0.0.1"):
    return client.post("/login", data={"username": username, "password": password}, environ_base={"REMOTE_ADDR": ip})


def text(response) -> str:
    return response.get_data(as_text=True)


def test_an_attacker_cannot_lock_the_owner_out(app, world):
    attacker, owner = app.test_client(), app.test_client()
    for _ in range(10):
        post_login(attacker, world.admin_a.username, "guess", ip="203.0.113.7")
    assert LOCKED in text(post_login(attacker, world.admin_a.username, "pw", ip="203.0.113.7"))
    response = post_login(owner, world.admin_a.username, "pw", ip="198.51.100.2")
    assert response.status_code == 302 and response.location == "/"


def test_unknown_account_gets_the_same_answers_as_a_real_one(app, world):
    pages = {}
    for username in (world.admin_a.username, "no-such-user"):
        c = app.test_client()
        pages[username] = [text(post_login(c, username, "wrong", ip="192.0.2.5")) for _ in range(6)]
    real, unknown = pages[world.admin_a.username], pages["no-such-user"]
    assert [WRONG in p for p in real] == [WRONG in p for p in unknown] == [True] * 4 + [False] * 2
    assert [LOCKED in p for p in real] == [LOCKED in p for p in unknown] == [False] * 4 + [True] * 2


def test_unknown_account_costs_the_same_time_as_a_real_one(app, world):
    c = app.test_client()

    def timed(username, ip):
        started = time.perf_counter()
        post_login(c, username, "wrong", ip=ip)
        return time.perf_counter() - started

    # the fastest of nine: what each costs without the noise of a busy machine (a load spike only adds time)
    real = min(timed(world.admin_a.username, f"10.9.0.{i}") for i in range(9))
    unknown = min(timed("no-such-user", f"10.9.1.{i}") for i in range(9))
    assert unknown > real * 0.5 and real > unknown * 0.5


def test_one_address_cannot_spray_many_accounts(app, world, factory):
    app.config["LOGIN_IP_MAX_FAILURES"] = 6
    try:
        victims = [factory.admin() for _ in range(4)]
        factory.commit()
        c = app.test_client()
        answers = [text(post_login(c, v.username, "guess", ip="203.0.113.9")) for v in victims for _ in range(2)]
        assert [WRONG in a for a in answers] == [True] * 5 + [False] * 3
        assert all(LOCKED in a for a in answers[5:])
        # even a right password from that address waits; the same account from elsewhere does not
        assert LOCKED in text(post_login(c, world.admin_a.username, "pw", ip="203.0.113.9"))
        assert post_login(app.test_client(), world.admin_a.username, "pw", ip="203.0.113.10").status_code == 302
    finally:
        app.config["LOGIN_IP_MAX_FAILURES"] = 50


def test_right_passwords_do_not_use_up_the_address_limit(app, world):
    """An exam room behind one NAT: 30 people logging in are not 30 failures."""
    app.config["LOGIN_IP_MAX_FAILURES"] = 3
    try:
        for _ in range(10):
            c = app.test_client()
            assert post_login(c, world.admin_b.username, "pw", ip="192.0.2.77").status_code == 302
        assert limits.count("login:ip:192.0.2.77") == 0
    finally:
        app.config["LOGIN_IP_MAX_FAILURES"] = 50


def test_session_cookie_replayed_after_logout_is_refused(app, world):
    c = app.test_client()
    assert post_login(c, world.admin_a.username, "pw").status_code == 302
    stolen = c.get_cookie("session").value
    assert c.get("/people/").status_code == 200
    c.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/people/")
    assert response.status_code == 302 and "/login" in response.location


def test_new_password_ends_other_sessions(app, world):
    c = app.test_client()
    assert post_login(c, world.admin_a.username, "pw").status_code == 302
    assert c.get("/people/").status_code == 200
    user = db.session.get(User, world.admin_a.id)
    user.set_password("a-new-password")
    db.session.commit()
    response = c.get("/people/")
    assert response.status_code == 302 and "/login" in response.location


# ---------------------------------------------------------------- the race, on a real database server

on_postgresql = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
    reason="concurrency tests need PostgreSQL (set DATABASE_URL=postgresql+psycopg://…); "
    "SQLite serialises all writers, so the races cannot happen there",
)

N = 29


@pytest.mark.postgres
@on_postgresql
def test_parallel_wrong_passwords_count_every_one_then_the_right_one_is_refused(app, world):
    username, ip = world.admin_a.username, "203.0.113.50"

    def attempt():
        return text(post_login(app.test_client(), username, "wrong", ip=ip))

    pages = in_parallel([attempt] * N)
    assert limits.count(account_key(username, ip)) == N
    # only the first five tries were checked at all; the rest were refused before any password check
    assert sum(WRONG in p for p in pages) == 4
    assert sum(LOCKED in p for p in pages) == N - 4
    assert LOCKED in text(post_login(app.test_client(), username, "pw", ip=ip))
