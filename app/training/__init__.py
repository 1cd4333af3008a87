"""Training: courses and lessons, classes (班次), server-measured 学时, attendance, the hours ledger and gate."""

from flask import Blueprint

bp = Blueprint("training", __name__)
