"""question_bank must stay a standalone library (STYLE §3.10)."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "question_bank"
FORBIDDEN = {"flask", "sqlalchemy", "app", "flask_sqlalchemy", "celery", "werkzeug"}


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_no_framework_imports_anywhere_in_the_package():
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) >= 15  # the scan really sees the package
    offenders = {str(f.relative_to(PACKAGE)): sorted(_imported_roots(f) & FORBIDDEN) for f in files}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_scan_would_catch_an_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from flask import Flask\nimport sqlalchemy.orm\n")
    assert _imported_roots(bad) & FORBIDDEN == {"flask", "sqlalchemy"}
