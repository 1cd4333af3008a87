"""The registries lower layers keep are filled by ``create_app``'s one list (``app.WIRING``), and an exam kind that
must pass a gate refuses everyone when no gate is wired (closed, not open)."""

from __future__ import annotations

import importlib
from datetime import date, datetime
from pathlib import Path
from types import ModuleType

import pytest

from app import BLUEPRINTS, WIRING
from app.exams import gates
from app.exams.models import ExamKind


def test_the_app_wires_the_hours_and_fraud_gates_and_the_class_exam_start_gate(app):
    enrolment = {f"{g.__module__}.{g.__name__}" for g in gates._GATES}
    assert enrolment == {"app.training.gate.hours_gate", "app.certificates.gate.fraud_gate"}
    assert [f"{g.__module__}" for g in gates._START_GATES] == ["app.training.gate"]
    assert "app.training.gate" in WIRING and "app.certificates.gate" in WIRING


@pytest.mark.parametrize("kind", [ExamKind.QUALIFICATION, ExamKind.REVIEW])
def test_a_gated_kind_with_no_gate_wired_refuses_everyone(app, factory, monkeypatch, kind):
    person = factory.employ(factory.enterprise(), name="赵六").person
    monkeypatch.setattr(gates, "_GATES", [])
    refused = gates.refusals(kind, "special_operator", "1.2", [person.id], date(2026, 12, 7))
    assert refused == {person.id: "赵六：考试准入检查未接入，暂不能报名或开考（请联系平台管理员）"}
    assert gates.refusals(ExamKind.TRAINING, "worker", "", [person.id], date(2026, 12, 7)) == {}


def test_a_class_exam_with_no_start_gate_wired_does_not_start(app, factory, monkeypatch):
    person = factory.employ(factory.enterprise(), name="赵六").person
    monkeypatch.setattr(gates, "_START_GATES", [])

    class Sitting:
        kind = ExamKind.CLASS

    assert "考试准入检查未接入" in gates.start_refusal(Sitting(), person.id, datetime(2026, 12, 7, 2))
    Sitting.kind = ExamKind.TRAINING
    assert gates.start_refusal(Sitting(), person.id, datetime(2026, 12, 7, 2)) is None


def test_every_route_module_on_a_packages_blueprint_is_imported_by_its_views_module(app):
    """A package whose pages are split keeps one blueprint: its ``views.py`` (the module ``app.BLUEPRINTS`` names)
    imports every route module that registers on it, so no page depends on an import made elsewhere by chance."""
    for module_name, _prefix in BLUEPRINTS:
        views = importlib.import_module(module_name)
        package = module_name.rpartition(".")[0]
        imported = {value.__name__ for value in vars(views).values() if isinstance(value, ModuleType)}
        for path in Path(importlib.import_module(package).__file__).parent.glob("*_views.py"):
            name = f"{package}.{path.stem}"
            if name != module_name and vars(importlib.import_module(name)).get("bp") is views.bp:
                assert name in imported, f"{name} registers on {views.bp.name} but {module_name} does not import it"
                endpoints = [e for e, f in app.view_functions.items() if f.__module__ == name]
                assert endpoints and all(e.startswith(f"{views.bp.name}.") for e in endpoints), name
