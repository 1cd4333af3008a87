"""Every foundation page renders for the roles that may see it, in both languages, and errors are translated."""

import io

import pytest

from tests.people.world import good_rows, xlsx_bytes

PAGES = {
    "platform_admin": [
        "/",
        "/people/",
        "/enterprises/",
        "/enterprises/new",
        "/admin/catalogue",
        "/admin/rules",
        "/people/{person}",
        "/people/{person}/timeline",
        "/enterprises/{ent_a}",
        "/people/?enterprise={ent_a}",
        "/people/new?enterprise={ent_a}",
        "/people/import?enterprise={ent_a}",
    ],
    "regulator_nj": [
        "/",
        "/people/",
        "/people/?status=ended",
        "/enterprises/",
        "/enterprises/new",
        "/people/{person}",
        "/people/{person}/timeline",
        "/enterprises/{ent_a}",
    ],
    "admin_a": [
        "/",
        "/people/",
        "/people/?post=special_operator&q=王",
        "/people/new",
        "/people/import",
        "/people/{person}",
        "/people/{person}/timeline",
        "/employments/{employment}/edit",
        "/employments/{employment}/end",
        "/enterprises/{ent_a}",
        "{preview}",
    ],
    "worker_a": ["/", "/people/{person}", "/people/{person}/timeline"],
}


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_pages_render(client, login, world, locale):
    login(world.admin_a)
    staged = client.post("/people/import", data={"file": (io.BytesIO(xlsx_bytes(good_rows(2))), "r.xlsx")})
    values = {
        "person": world.person_a.id,
        "ent_a": world.ent_a.id,
        "employment": world.person_a.employments[0].id,
        "preview": staged.location,
    }
    lang = 'lang="zh-CN"' if locale == "zh_CN" else 'lang="en"'
    for role, urls in PAGES.items():
        login(getattr(world, role))
        client.post(f"/lang/{locale}")
        for template in urls:
            url = template.format(**values)
            response = client.get(url)
            assert response.status_code == 200, (role, url, response.status_code)
            page = response.get_data(as_text=True)
            assert f"<html {lang}>" in page, (role, url)
            assert "<h1>" in page, (role, url)
            if "{person}" in template or "{employment}" in template:
                assert "王大锤" in page, (role, url)


def test_error_pages_are_translated(client, login, world):
    login(world.admin_a)
    response = client.get("/no/such/page")
    assert response.status_code == 404 and "页面不存在" in response.get_data(as_text=True)
    response = client.get("/admin/rules")
    assert response.status_code == 403 and "没有权限访问此页面" in response.get_data(as_text=True)
    response = client.put("/people/")
    assert response.status_code == 405 and "不支持的请求方法" in response.get_data(as_text=True)


def test_error_page_for_guest_renders(client):
    response = client.get("/no/such/page")
    # an unknown URL is no endpoint at all, so there is nothing to log in for: a plain, translated 404
    assert response.status_code == 404 and "页面不存在" in response.get_data(as_text=True)


def test_navigation_follows_role(client, login, world):
    login(world.admin_a)
    page = client.get("/").get_data(as_text=True)
    assert 'href="/people/import"' in page and 'href="/enterprises/"' not in page
    login(world.regulator_nj)
    page = client.get("/").get_data(as_text=True)
    assert 'href="/enterprises/"' in page and 'href="/admin/rules"' not in page
    login(world.worker_a)
    page = client.get("/").get_data(as_text=True)
    assert 'href="/me"' in page and 'href="/people/"' not in page


def test_home_counts(client, login, world, factory):
    factory.employ(world.ent_a, name="第二人")
    factory.employ(world.ent_c, name="苏州人")
    factory.commit()
    login(world.admin_a)
    page = client.get("/").get_data(as_text=True)
    assert 'data-testid="staff-total">2<' in page
    login(world.regulator_nj)
    page = client.get("/").get_data(as_text=True)
    assert "玄武化工有限公司" in page and "虎丘烟花有限公司" not in page
