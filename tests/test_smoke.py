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
    from app.tenancy.models import Enterprise

    assert db.session.query(Enterprise).count() == 0


def test_behind_one_proxy_the_client_ip_is_the_forwarded_one(tmp_path):
    """ANPEI_PROXY_HOPS=1: the recorded IP (attempts, lockout, spot-check guessing limit) is the client's."""
    from flask import request

    from app import create_app
    from app.auth.access import public
    from config import TestingConfig

    def seen_ip(hops):
        app = create_app(
            TestingConfig, PROXY_HOPS=hops, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/ip{hops}.sqlite"
        )
        app.add_url_rule("/_ip", "ip", public(lambda: request.remote_addr or ""))
        response = app.test_client().get(
            "/_ip", headers={"X-Forwarded-For": "203.0.113.7"}, environ_base={"REMOTE_ADDR": "10.0.0.2"}
        )
        return response.data.decode()

    assert seen_ip(1) == "203.0.113.7"
    assert seen_ip(0) == "10.0.0.2"  # not trusted by default: a client could claim any address


def test_gunicorn_config_freezes_each_workers_start_up_heap():
    """gunicorn reads ./gunicorn.conf.py; after loading the app a worker moves its heap out of the collector's reach."""
    import gc
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "gunicorn.conf.py"
    spec = importlib.util.spec_from_file_location("gunicorn_conf", path)
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    assert gc.get_freeze_count() == 0
    conf.post_worker_init(worker=None)
    try:
        assert gc.get_freeze_count() > 10_000  # the app and the test suite's objects, all frozen
    finally:
        gc.unfreeze()
