"""The shape of the code, checked like behaviour: layers, purity, who commits, lint and format.

The layer contracts live in pyproject.toml ([tool.importlinter]); docs/architecture.md explains them.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

#: Request and job boundaries: the only modules that end a unit of work (STYLE.md 3.4). Services flush.
COMMITTERS = ("views.py", "_views.py", "tasks.py")
COMMITTER_PACKAGES = ("app/seed/",)
COMMITTER_MODULES = ("app/cli.py",)


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_layers_import_downward_only():
    result = _run(str(BIN / "lint-imports"))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "BROKEN" not in result.stdout


def _commit_calls(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "commit"
    ]


def test_only_views_tasks_cli_and_seed_commit():
    offenders = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if path.name.endswith(COMMITTERS) or rel.startswith(COMMITTER_PACKAGES) or rel in COMMITTER_MODULES:
            continue
        offenders += [f"{rel}:{line}" for line in _commit_calls(path)]
    assert offenders == [], "services flush, boundaries commit: " + ", ".join(offenders)


def test_the_commit_check_sees_a_commit_in_a_service(tmp_path):
    """The check above would catch a service that commits (it parses calls, not text)."""
    service = tmp_path / "services.py"
    service.write_text("def f(db):\n    db.session.flush()\n    db.session.commit()\n", encoding="utf-8")
    assert _commit_calls(service) == [3]


def reexports(init: Path, source: str) -> set[str]:
    """The names a package's ``__init__.py`` imports from its own modules (so that callers may skip the module),
    absolute or relative, anywhere in the file."""
    package = ".".join(init.parent.relative_to(ROOT).parts)
    names = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ImportFrom):
            continue
        module = node.module or ""
        if node.level:  # from .grading import submit: relative to the package (one dot), or above it
            base = package.split(".")[: len(package.split(".")) - node.level + 1]
            module = ".".join([*base, module] if module else base)
        if module.startswith(package + "."):
            names.update(alias.asname or alias.name for alias in node.names)
    return names


def test_packages_re_export_nothing_from_their_modules():
    """A caller imports the module that defines a name (``from app.exams.attempts import grading``): one path each."""
    offenders = []
    for init in sorted((ROOT / "app").rglob("*/__init__.py")):  # app/__init__.py is the factory: it wires
        rel = init.relative_to(ROOT).as_posix()
        names = reexports(init, init.read_text(encoding="utf-8"))
        if names:
            offenders.append(f"{rel}: {', '.join(sorted(names))}")
    assert offenders == [], "import these from their modules: " + "; ".join(offenders)


@pytest.mark.parametrize(
    "source",
    [
        "from app.exams.attempts.grading import submit\n",
        "from .grading import submit\n",
        "if True:\n    from app.exams.attempts.grading import submit\n",
    ],
    ids=["absolute", "relative", "nested"],
)
def test_the_re_export_check_sees_a_re_export(source):
    init = ROOT / "app" / "exams" / "attempts" / "__init__.py"
    assert reexports(init, "from app.exams import messages as _m\nfrom .. import messages\n" + source) == {"submit"}


@pytest.mark.parametrize("command", [("check", "."), ("format", "--check", ".")], ids=["lint", "format"])
def test_ruff(command):
    result = _run(str(BIN / "ruff"), *command)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
