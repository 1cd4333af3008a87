"""Issue #15, small things a user trips over, checked in the browser as they are seen."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.spotchecks.models import Inspection
from tests.bank.conftest import make_questions
from tests.spotchecks.world import World, forget_question_indexes


def test_inspection_form_refuses_a_single_officer(factory, page, log_in):
    forget_question_indexes()
    world = World.build(factory, managers=1, operators=1, workers=1)
    factory.commit()
    log_in(page, world.regulator.username)
    page.goto(f"/spotchecks/new?enterprise={world.enterprise.id}")
    page.fill("#inspectors", "李明")
    page.fill("#doc_number", "（宁）应急检〔2026〕1号")
    page.click("form.stack button[type=submit]")
    assert page.get_by_text("执法人员不得少于两人：请填写至少两名执法人员的姓名，用顿号分隔。").is_visible()
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Inspection)) == 0
    forget_question_indexes()


def test_admin_nav_has_spotchecks_and_bank_buttons_are_styled(factory, page, log_in):
    from app.auth.ownership import OwnerScope
    from app.bank.models import Bank, BankQuestion

    admin = factory.admin()
    bank = Bank(name="国家题库", scope=OwnerScope.NATIONAL)
    db.session.add(bank)
    db.session.flush()
    db.session.add_all(BankQuestion.from_question(q, bank_id=bank.id) for q in make_questions(3))
    factory.commit()
    log_in(page, admin.username)
    assert page.locator("header.top nav").get_by_role("link", name="逢查必考").is_visible()

    page.goto(f"/bank/{bank.id}")
    retire = page.get_by_role("button", name="停用").first
    style = retire.evaluate(
        "b => { const s = getComputedStyle(b); return [s.backgroundColor, s.borderTopStyle, s.textDecorationLine]; }"
    )
    assert style == ["rgba(0, 0, 0, 0)", "none", "underline"]

    page.goto("/bank/templates/new")
    select = page.locator("select[name='sections-0-type']")
    widths = select.evaluate(
        "s => { const c = document.createElement('canvas').getContext('2d'); c.font = getComputedStyle(s).font;"
        " const text = Math.max(...[...s.options].map(o => c.measureText(o.text).width));"
        " return [s.clientWidth, text]; }"
    )
    assert widths[0] >= widths[1] + 20, widths  # the longest 题型 fits with room for the arrow
