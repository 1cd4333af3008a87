"""Passwords are stored as Argon2id (OWASP's minimum); an older install's hashes still sign in and are replaced at
that sign-in, by the right password only; the sessions already open stay open."""

from __future__ import annotations

import pytest
from werkzeug.security import generate_password_hash

from app.auth.models import Role, User
from app.extensions import db

ARGON2_OWASP = "$argon2id$v=19$m=19456,t=2,p=1$"


@pytest.fixture
def argon2(app, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_HASH_METHOD", "argon2id")


def post_login(client, username, password):
    return client.post("/login", data={"username": username, "password": password})


def stored_hash(user) -> str:
    db.session.expire_all()
    return db.session.get(User, user.id).password_hash


def signed_in(response) -> bool:
    return response.status_code == 302 and response.location == "/"


def test_a_new_password_is_stored_as_argon2id_and_signs_in(app, factory, argon2):
    user = factory.user(Role.ENTERPRISE, password="correct horse", enterprise_id=factory.enterprise().id)
    factory.commit()
    assert stored_hash(user).startswith(ARGON2_OWASP)
    assert not signed_in(post_login(app.test_client(), user.username, "correct hors"))
    assert signed_in(post_login(app.test_client(), user.username, "correct horse"))


@pytest.mark.parametrize("method", ["scrypt:32768:8:1", "pbkdf2:sha256:600000", "argon2id:1:8192:1"])
def test_an_older_hash_signs_in_and_is_replaced_at_that_sign_in(app, factory, argon2, method):
    user = factory.user(Role.ENTERPRISE, enterprise_id=factory.enterprise().id)
    if method.startswith("argon2id"):  # made under a lower Argon2id cost than today's
        from argon2 import PasswordHasher

        old = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("old-pw")
    else:  # an install from before Argon2id (Werkzeug's scrypt and pbkdf2)
        old = generate_password_hash("old-pw", method=method)
    user.password_hash = old
    factory.commit()
    open_session = app.test_client()
    assert signed_in(post_login(open_session, user.username, "old-pw"))

    assert not signed_in(post_login(app.test_client(), user.username, "wrong"))
    assert stored_hash(user) != old and stored_hash(user).startswith(ARGON2_OWASP)
    assert signed_in(post_login(app.test_client(), user.username, "old-pw"))  # the same password, the new hash
    assert open_session.get("/").status_code == 200  # a re-hash is no password change: sessions stay


def test_a_wrong_password_replaces_nothing(app, factory, argon2):
    user = factory.user(Role.ENTERPRISE, enterprise_id=factory.enterprise().id)
    old = user.password_hash = generate_password_hash("old-pw", method="scrypt")
    factory.commit()
    assert not signed_in(post_login(app.test_client(), user.username, "not-it"))
    assert stored_hash(user) == old


def test_a_configured_werkzeug_method_replaces_no_hash(app, factory, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_HASH_METHOD", "scrypt")
    user = factory.user(Role.ENTERPRISE, enterprise_id=factory.enterprise().id)
    old = user.password_hash = generate_password_hash("pw", method="pbkdf2:sha256:1000")
    factory.commit()
    assert signed_in(post_login(app.test_client(), user.username, "pw"))
    assert stored_hash(user) == old


def test_a_broken_stored_hash_is_a_wrong_password_not_an_error(app, factory, argon2):
    user = factory.user(Role.ENTERPRISE, enterprise_id=factory.enterprise().id)
    user.password_hash = "$argon2id$v=19$m=19456,t=2,p=1$bm90LWEtaGFzaA"
    factory.commit()
    response = post_login(app.test_client(), user.username, "pw")
    assert response.status_code == 200 and "用户名或密码错误。" in response.get_data(as_text=True)


@pytest.mark.parametrize("method", ["argon2id:1:4:1", "argon2id:two:19456:1", "bcrypt"])
def test_a_method_that_hashes_nothing_stops_the_app_at_start_up(method):
    from app import create_app
    from config import ConfigError, TestingConfig

    with pytest.raises(ConfigError, match="ANPEI_PASSWORD_HASH"):
        create_app(TestingConfig, PASSWORD_HASH_METHOD=method)
