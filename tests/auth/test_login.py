"""Login, lockout, redirects, logout, CSRF, language and cookies."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.auth.models import Role, User
from app.auth.services import account_key, authenticate
from app.core import limits
from app.core.db import utcnow
from app.extensions import db
from app.tenancy.models import Enterprise
from tests.conftest import csrf_token_from


def post_login(client, username, password, query=""):
    return client.post(f"/login{query}", data={"username": username, "password": password})


def h1(page: str) -> str:
    return re.search(r"<h1>(.*?)</h1>", page, re.S).group(1).strip()


def test_each_role_lands_on_its_home_page(client, world, factory):
    institution = factory.institution()
    inst_user = factory.user(Role.INSTITUTION, institution_id=institution.id)
    factory.commit()
    expected = {
        world.platform_admin: "平台管理",
        world.regulator_nj: "监管工作台 · 南京市",
        world.admin_a: "玄武化工有限公司",
        world.worker_a: "您好，王大锤",
        inst_user: institution.name,
    }
    for user, heading in expected.items():
        client.post("/logout")
        response = post_login(client, user.username, "pw")
        assert response.status_code == 302 and response.location == "/", user
        page = client.get("/").get_data(as_text=True)
        assert h1(page) == heading, user
        assert f"{user.role.label}" in page


def test_wrong_password_and_unknown_user_give_the_same_message(client, world):
    for username in (world.admin_a.username, "nobody"):
        response = post_login(client, username, "wrong")
        assert response.status_code == 200
        assert "用户名或密码错误。" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_lockout_after_five_failures_then_right_password_fails(client, world):
    for _ in range(4):
        assert "用户名或密码错误。" in post_login(client, world.admin_a.username, "wrong").get_data(as_text=True)
    page = post_login(client, world.admin_a.username, "wrong").get_data(as_text=True)
    assert "登录失败次数过多，账号已锁定至" in page
    page = post_login(client, world.admin_a.username, "pw").get_data(as_text=True)
    assert "登录失败次数过多，账号已锁定至" in page
    assert client.get("/").status_code == 302  # still a guest
    until = limits.blocked(account_key(world.admin_a.username, "127.0.0.1"))
    assert until is not None and until > utcnow() + timedelta(minutes=14)


def test_lock_expires_then_backs_off_exponentially(world):
    username, ip = world.admin_a.username, "10.1.1.1"
    start = utcnow()
    for _ in range(5):
        outcome = authenticate(username, "wrong", ip=ip, now=start)
    assert outcome.status == "locked" and outcome.locked_until == start.replace(microsecond=0) + timedelta(minutes=15)
    assert authenticate(username, "pw", ip=ip, now=start + timedelta(minutes=14)).status == "locked"
    # the block has passed: one more try; wrong again → twice as long
    outcome = authenticate(username, "wrong", ip=ip, now=start + timedelta(minutes=16))
    assert outcome.status == "locked"
    assert outcome.locked_until == (start + timedelta(minutes=16)).replace(microsecond=0) + timedelta(minutes=30)
    assert authenticate(username, "pw", ip=ip, now=start + timedelta(minutes=45)).status == "locked"
    outcome = authenticate(username, "pw", ip=ip, now=start + timedelta(minutes=47))
    assert outcome.status == "ok" and outcome.user.id == world.admin_a.id
    assert limits.count(account_key(username, ip), now=start + timedelta(minutes=47)) == 0


def test_successful_login_resets_failure_count(world):
    for _ in range(4):
        authenticate(world.admin_a.username, "wrong", ip="10.0.0.9")
    assert authenticate(world.admin_a.username, "pw", ip="10.0.0.9").status == "ok"
    for _ in range(4):
        assert authenticate(world.admin_a.username, "wrong", ip="10.0.0.9").status == "bad_credentials"


def test_inactive_user_cannot_log_in(client, world):
    world.admin_a.active = False
    db.session.commit()
    assert "该账号已停用。" in post_login(client, world.admin_a.username, "pw").get_data(as_text=True)
    assert "用户名或密码错误。" in post_login(client, world.admin_a.username, "nope").get_data(as_text=True)


def test_deactivated_user_is_logged_out_on_next_request(client, login, world):
    login(world.admin_a)
    assert client.get("/people/").status_code == 200
    db.session.get(User, world.admin_a.id).active = False
    db.session.commit()
    assert client.get("/people/").status_code == 302


def test_next_parameter(client, world):
    response = post_login(client, world.admin_a.username, "pw", "?next=/people/%3Fpost%3Dworker")
    assert response.location == "/people/?post=worker"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "/\t/evil.example",
    ],
)
def test_open_redirect_refused(client, world, target):
    from urllib.parse import quote

    response = post_login(client, world.admin_a.username, "pw", f"?next={quote(target, safe='')}")
    assert response.status_code == 302
    assert response.location == "/"


def test_guest_redirected_to_login_with_next(client):
    response = client.get("/people/?post=worker")
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")
    assert "people" in response.location


def test_logout_requires_post(client, login, world):
    login(world.admin_a)
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200  # still logged in
    response = client.post("/logout")
    assert response.status_code == 302 and response.location == "/login"
    assert client.get("/").status_code == 302


def test_login_page_for_logged_in_user_still_renders(client, login, world):
    login(world.admin_a)
    assert client.get("/login").status_code == 200


def test_csrf_missing_token_is_refused_and_stores_nothing(csrf_client, world):
    response = csrf_client.post("/login", data={"username": world.admin_a.username, "password": "pw"})
    assert response.status_code == 400
    assert "页面已过期或表单来源无效，请刷新页面后重试。" in response.get_data(as_text=True)
    assert csrf_client.get("/").status_code == 302  # not logged in
    # with the token from the form it works
    token = csrf_token_from(csrf_client.get("/login").get_data(as_text=True))
    response = csrf_client.post(
        "/login", data={"username": world.admin_a.username, "password": "pw", "csrf_token": token}
    )
    assert response.status_code == 302
    # a logged-in POST without token changes nothing
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Enterprise))
    data = {"name": "伪造企业", "uscc": world.ent_a.uscc[:-1] + "0", "industry": "general", "jurisdiction_id": "1"}
    csrf_client.post("/logout", data={"csrf_token": csrf_token_from(csrf_client.get("/").get_data(as_text=True))})
    response = csrf_client.post(
        "/login",
        data={
            "username": world.platform_admin.username,
            "password": "pw",
            "csrf_token": csrf_token_from(csrf_client.get("/login").get_data(as_text=True)),
        },
    )
    assert response.status_code == 302
    response = csrf_client.post("/enterprises/new", data=data)
    assert response.status_code == 400
    assert "页面已过期或表单来源无效" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enterprise)) == before
    # logout without token: still logged in
    assert csrf_client.post("/logout").status_code == 400
    assert csrf_client.get("/").status_code == 200


def test_language_switch_changes_html_lang(client, login, world):
    login(world.admin_a)
    page = client.get("/people/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page
    response = client.post("/lang/en", data={"next": "/people/?post=worker"})
    assert response.status_code == 302 and response.location == "/people/?post=worker"
    with client.session_transaction() as session:
        assert session["locale"] == "en"
    assert '<html lang="en">' in client.get("/people/").get_data(as_text=True)
    client.post("/lang/zh_CN", data={"next": "/"})
    assert '<html lang="zh-CN">' in client.get("/").get_data(as_text=True)


def test_language_switch_ignores_unknown_language_and_foreign_next(client):
    response = client.post("/lang/xx", data={"next": "//evil.example/"})
    assert response.status_code == 302 and "evil" not in response.location
    with client.session_transaction() as session:
        assert "locale" not in session
    response = client.post("/lang/en")
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)


def test_language_survives_login(client, world):
    client.post("/lang/en")
    post_login(client, world.admin_a.username, "pw")
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)


def test_session_cookie_flags(client, world):
    response = post_login(client, world.admin_a.username, "pw")
    cookies = [v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith("session=")]
    assert cookies
    flags = {part.strip().split("=")[0].lower(): part for part in cookies[-1].split(";")}
    assert "httponly" in flags
    assert flags["samesite"].split("=")[1].strip().lower() == "lax"
