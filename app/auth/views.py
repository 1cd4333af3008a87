from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from werkzeug.routing import BuildError

from app.auth import bp
from app.auth.access import public
from app.auth.forms import LoginForm
from app.auth.models import User
from app.auth.services import authenticate
from app.core.clock import format_local
from app.extensions import db, login_manager


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id))


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    form = LoginForm()
    if form.validate_on_submit():
        outcome = authenticate(
            form.username.data,
            form.password.data,
            max_failures=current_app.config["LOGIN_MAX_FAILURES"],
            lockout_minutes=current_app.config["LOGIN_LOCKOUT_MINUTES"],
        )
        if outcome.status == "ok":
            locale = session.get("locale")
            session.clear()  # no session fixation across the login boundary
            if locale:  # but keep the language picked on the login page
                session["locale"] = locale
            login_user(outcome.user)  # before the commit, which would expire the user and cost a reload
        db.session.commit()
        if outcome.status == "ok":
            return redirect(_safe_next(request.args.get("next")) or url_for("home.index"))
        if outcome.status == "locked":
            flash(
                _(
                    "登录失败次数过多，账号已锁定至 %(time)s，请稍后再试。",
                    time=format_local(outcome.locked_until, "%H:%M"),
                ),
                "error",
            )
        elif outcome.status == "inactive":
            flash(_("该账号已停用。"), "error")
        else:
            flash(_("用户名或密码错误。"), "error")
    return render_template("auth/login.html", form=form)


def _safe_next(target: str | None) -> str | None:
    r"""Only same-site relative paths; never an absolute URL (open redirect).

    Browsers drop tabs and newlines from URLs and read ``\`` as ``/``, so ``/<TAB>/evil`` and ``/\evil`` are
    refused as well as ``//evil``.
    """
    if not target or any(c == "\\" or ord(c) < 0x21 or ord(c) == 0x7F for c in target):
        return None
    if target.startswith("/") and not target.startswith("//"):
        return target
    return None


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.route("/lang/<code>", methods=["POST"])
@public
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["locale"] = code
    back = _safe_next(request.form.get("next"))
    try:
        return redirect(back or url_for("home.index"))
    except BuildError:  # pragma: no cover
        return redirect("/")
