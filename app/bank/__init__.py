"""题库: stored questions, banks by owner, paper templates (组卷规则). Uses the pure ``question_bank`` library."""

from flask import Blueprint

bp = Blueprint("bank", __name__)
