"""The site's icon: a page names it in its head; browsers that ask for ``/favicon.ico`` anyway get the same SVG."""

from __future__ import annotations

from flask import current_app, send_from_directory

from app.auth.access import public
from app.home import bp


@bp.route("/favicon.ico")
@public
def favicon():
    return send_from_directory(current_app.static_folder, "favicon.svg", mimetype="image/svg+xml", max_age=86400)
