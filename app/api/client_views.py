"""``/api-clients``: the platform admin and regulators create API clients for a tenant in their area, see their
calls and webhook deliveries, rotate tokens and signing secrets, and revoke them. A token and a secret are shown
once, on the page that answers the POST that made them (never stored in clear, never in a URL)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.api import clients as client_services
from app.api import clients_bp as bp
from app.api import ids
from app.api import scope as client_scope
from app.api.forms import ClientForm
from app.api.models import ApiCall, ApiClient, TenantKind, WebhookDelivery, WebhookSubscription
from app.auth.access import roles_required
from app.core.errors import DomainError
from app.extensions import db
from app.tenancy.models import Enterprise, Jurisdiction, TrainingInstitution


@bp.route("/api-clients")
@roles_required(*client_scope.MANAGERS)
def index():
    rows = db.session.scalars(client_scope.clients_query(current_user).order_by(ApiClient.id.desc())).all()
    return render_template("api/clients.html", clients=rows)


def _tenant(kind: str, code: str):
    code = (code or "").strip().upper()
    model = {
        TenantKind.JURISDICTION.value: (Jurisdiction, Jurisdiction.code),
        TenantKind.ENTERPRISE.value: (Enterprise, Enterprise.uscc),
        TenantKind.INSTITUTION.value: (TrainingInstitution, TrainingInstitution.uscc),
    }.get(kind)
    if model is None:
        return None
    return db.session.scalar(sa.select(model[0]).where(model[1] == code))


@bp.route("/api-clients/new", methods=["GET", "POST"])
@roles_required(*client_scope.MANAGERS)
def new():
    form = ClientForm()
    if form.validate_on_submit():
        try:
            client, credentials = client_services.create_client(
                actor=current_user,
                name=form.name.data,
                tenant=_tenant(form.tenant_kind.data, form.tenant_code.data),
                scopes=form.scopes.data or [],
                rate_limit=form.rate_limit.data,
                note=form.note.data or "",
            )
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            return render_template("api/credentials.html", client=client, credentials=credentials, created=True)
    return render_template("api/new.html", form=form)


@bp.route("/api-clients/<int:client_id>")
@roles_required(*client_scope.MANAGERS)
def detail(client_id: int):
    client = client_scope.get_client_or_404(current_user, client_id)
    calls = db.session.scalars(
        sa.select(ApiCall).where(ApiCall.client_id == client.id).order_by(ApiCall.id.desc()).limit(50)
    ).all()
    subscriptions = db.session.scalars(
        sa.select(WebhookSubscription)
        .where(WebhookSubscription.client_id == client.id)
        .order_by(WebhookSubscription.id)
    ).all()
    deliveries = db.session.scalars(
        sa.select(WebhookDelivery)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .where(WebhookSubscription.client_id == client.id)
        .order_by(WebhookDelivery.id.desc())
        .limit(50)
    ).all()
    return render_template(
        "api/detail.html",
        client=client,
        public_id=ids.encode("client", client.id),
        calls=calls,
        subscriptions=subscriptions,
        deliveries=deliveries,
    )


def _act(client_id: int, action):
    client = client_scope.get_client_or_404(current_user, client_id)
    try:
        credentials = action(client, actor=current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("api_clients.detail", client_id=client.id))
    db.session.commit()
    if credentials is None:
        flash(_("已停用：该客户端的令牌已失效，不再推送事件。"), "success")
        return redirect(url_for("api_clients.detail", client_id=client.id))
    return render_template("api/credentials.html", client=client, credentials=credentials, created=False)


@bp.route("/api-clients/<int:client_id>/rotate-token", methods=["POST"])
@roles_required(*client_scope.MANAGERS)
def rotate_token(client_id: int):
    return _act(client_id, client_services.rotate_token)


@bp.route("/api-clients/<int:client_id>/rotate-secret", methods=["POST"])
@roles_required(*client_scope.MANAGERS)
def rotate_secret(client_id: int):
    return _act(client_id, client_services.rotate_secret)


@bp.route("/api-clients/<int:client_id>/revoke", methods=["POST"])
@roles_required(*client_scope.MANAGERS)
def revoke(client_id: int):
    return _act(client_id, lambda client, actor: client_services.revoke(client, actor=actor))
