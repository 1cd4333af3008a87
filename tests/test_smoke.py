def test_login_page_renders_in_chinese(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "登录" in response.data.decode()


def test_guest_is_sent_to_login(client):
    response = client.get("/people/")
    assert response.status_code == 302
    assert response.location.startswith("/login")


def test_isolation_canary_writes(factory):
    factory.enterprise(name="金丝雀企业")
    factory.commit()


def test_isolation_canary_sees_empty_tables(app):
    from app.extensions import db
    from app.people.models import Enterprise

    assert db.session.query(Enterprise).count() == 0
