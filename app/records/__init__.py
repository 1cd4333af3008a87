"""Records kept for years: retention per record kind (rule rows), legal holds, and the nightly purge that seals a
person's expired 一人一档 events under an epoch (``app.archive.epochs``) and deletes expired 人像抓拍 with their files."""

from flask import Blueprint

bp = Blueprint("records", __name__)
