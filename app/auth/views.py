import hmac

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.routing import BuildError

from app.auth import bp
from app.auth.access import public
from app.auth.forms import AccountForm, LoginForm
from app.auth.models import User
from app.auth.services import authenticate
from app.core.clock import format_local
from app.core.web import safe_next
from app.extensions import db, login_manager


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """``"<user id>:<session token>"`` (``User.get_id``): a cookie from before a logout or a password change
    carries an old token and loads nobody."""
    user_id, _sep, token = session_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not hmac.compare_digest(user.session_token, token):
        return None
    return user


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    form = LoginForm()
    if form.validate_on_submit():
        outcome = authenticate(form.username.data, form.password.data, ip=request.remote_addr or "-")
        if outcome.status == "ok":
            locale = session.get("locale")
            session.clear()  # no session fixation across the login boundary
            if locale:  # but keep the language picked on the login page
                session["locale"] = locale
            login_user(outcome.user)  # before the commit, which would expire the user and cost a reload
        db.session.commit()
        if outcome.status == "ok":
            return redirect(safe_next(request.args.get("next")) or url_for("home.index"))
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


@bp.route("/logout", methods=["POST"])
def logout():
    """End this session and, by a new session token, every copy of its cookie."""
    if current_user.is_authenticated:
        current_user.rotate_session_token()
        db.session.commit()
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.route("/lang/<code>", methods=["POST"])
@public
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["locale"] = code
    back = safe_next(request.form.get("next"))
    try:
        return redirect(back or url_for("home.index"))
    except BuildError:  # pragma: no cover
        return redirect("/")


@bp.route("/account", methods=["GET", "POST"])
def account():
    """The user's own account: the email address reminders go to when the platform sends email."""
    form = AccountForm(obj=current_user)
    if form.validate_on_submit():
        current_user.email = (form.email.data or "").strip()
        db.session.commit()
        flash(_("已保存"), "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form, mail_on=bool(current_app.config.get("SMTP_HOST")))
