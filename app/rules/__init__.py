"""Editable reference data: the 特种作业目录 and the rule tables (hours, pass marks, validity)."""

from flask import Blueprint

bp = Blueprint("rules", __name__)
