"""Online exams: sittings (考试场次), frozen per-candidate attempts, autosave, exactly-once submission."""

from flask import Blueprint

bp = Blueprint("exams", __name__)
