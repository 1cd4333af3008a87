"""``flask import-questions`` / ``export-questions`` and the demo bank."""

import sqlalchemy as sa

from app.bank.models import Bank, PaperTemplate
from app.bank.queries import question_index
from app.bank.seed import DEMO_BANK, seed_demo_bank
from app.extensions import db
from question_bank import assemble_paper, read_questions
from tests.bank.conftest import file_of, make_questions, stored


def test_cli_import_then_export(app, tmp_path):
    runner = app.test_cli_runner()
    data, name = file_of(make_questions(5, "c"), "xlsx")
    source = tmp_path / name
    source.write_bytes(data)
    result = runner.invoke(args=["import-questions", str(source), "--bank", "命令行题库"])
    assert result.exit_code == 0, result.output
    assert "created 5, updated 0, unchanged 0" in result.output
    again = runner.invoke(args=["import-questions", str(source), "--bank", "命令行题库"])
    assert "created 0, updated 0, unchanged 5" in again.output
    bank = db.session.scalars(sa.select(Bank).where(Bank.name == "命令行题库")).one()
    assert len(stored(bank.id)) == 5

    for suffix, fmt in ((".json", "json"), (".xml", "moodle"), (".gift", "gift"), (".xlsx", "xlsx")):
        target = tmp_path / f"out{suffix}"
        result = runner.invoke(args=["export-questions", str(target), "--bank", "命令行题库"])
        assert result.exit_code == 0, result.output
        exported = read_questions(target.read_bytes(), format=fmt)
        assert sorted(q.stem for q in exported.questions) == sorted(q.stem for q in make_questions(5, "c")), fmt


def test_cli_import_with_errors_is_all_or_nothing_unless_valid_only(app, tmp_path):
    source = tmp_path / "bad.gift"
    source.write_text("::a:: 正确的题 {T}\n\n::b:: 坏的题 { =甲 ~乙\n", encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import-questions", str(source), "--bank", "命令行题库"])
    assert result.exit_code == 1 and "花括号不配对" in result.output and "nothing imported" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Bank)) == 0
    result = runner.invoke(args=["import-questions", str(source), "--bank", "命令行题库", "--valid-only"])
    assert result.exit_code == 0 and "created 1" in result.output


def test_export_unknown_bank_fails(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["export-questions", str(tmp_path / "x.json"), "--bank", "没有"])
    assert result.exit_code != 0 and "no bank named" in result.output


def test_demo_bank_loads_and_every_demo_template_assembles(app):
    bank = seed_demo_bank()
    db.session.commit()
    assert bank.name == DEMO_BANK
    assert len(stored(bank.id)) >= 300
    templates = db.session.scalars(sa.select(PaperTemplate).order_by(PaperTemplate.id)).all()
    assert len(templates) == 3
    for template in templates:
        spec = template.paper_spec
        assert spec.total_points == 100 and spec.pass_mark == 80, template.name
        index = question_index(template.bank_ids)
        assert all(a.ok for a in index.availability(spec)), template.name
        for seed in range(20):
            paper = assemble_paper(spec, index, seed=seed)
            assert len(paper.items) == spec.question_count
    spot = next(t for t in templates if "逢查必考" in t.name).paper_spec
    assert spot.question_count == 10 and spot.time_limit_minutes == 10
    # idempotent: a second run adds nothing
    revision = bank.revision
    seed_demo_bank()
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PaperTemplate)) == 3
    assert db.session.get(Bank, bank.id).revision == revision


def test_seed_demo_includes_the_demo_bank(app):
    from app.seed.demo import seed_demo

    seed_demo()
    db.session.commit()
    assert db.session.scalars(sa.select(Bank).where(Bank.name == DEMO_BANK)).one()
