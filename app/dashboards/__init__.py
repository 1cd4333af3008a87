"""The regulator's view: dashboards that drill from province to person (tiles from rollups, lists behind them),
institution 动态积分 and the public 排名公告, complaints, 退出 recommendations, and the alerts of every role's bell."""

from flask import Blueprint

bp = Blueprint("dashboards", __name__)
#: The no-login 排名公告 (published rankings of training institutions).
public_bp = Blueprint("rankings", __name__)
