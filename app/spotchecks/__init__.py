"""逢查必考: on-site tests of an enterprise's staff during an inspection, their results and 整改 findings."""

from flask import Blueprint

bp = Blueprint("spotchecks", __name__)
