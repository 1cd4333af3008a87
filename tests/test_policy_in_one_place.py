"""Who may do and see what is decided in one place: ``app/auth/policy/`` and the ``scope.py`` modules.

Templates show what the view's capabilities object says (``caps.can_start_inspection``); they never test a role.
Views ask the policy; they never compare roles themselves. Displaying a role (``current_user.role.label``) is fine,
deciding on it is not. Decorator arguments (``@roles_required(Role.WORKER)``) say who may call an endpoint at all
and stay where they are.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: A role test in a template: ``current_user.role`` used for anything but its label, ``role.value``, a comparison of
#: something called ``role`` (``x.role == …``, ``role in ('admin', …)``) or the ``Role`` enum itself.
TEMPLATE_ROLE_TEST = re.compile(
    r"current_user\.role\b(?!\.label)"
    r"|\brole\.value\b"
    r"|\brole\s*(?:==|!=|\bis\b|\bnot\s+in\b|\bin\s*[\(\[])"
    r"|\bRole\."
)


def template_role_tests(text: str) -> list[str]:
    """Each line of a template that decides on a role."""
    return [line.strip() for line in text.splitlines() if TEMPLATE_ROLE_TEST.search(line)]


def _is_role(node: ast.AST) -> bool:
    """``x.role``, ``x.role.value``, ``Role.X``, or a tuple/list/set of ``Role.X``."""
    match node:
        case ast.Attribute(attr="role"):
            return True
        case ast.Attribute(attr="value", value=ast.Attribute(attr="role")):
            return True
        case ast.Attribute(value=ast.Name(id="Role")):
            return True
        case ast.Tuple(elts=elts) | ast.List(elts=elts) | ast.Set(elts=elts):
            return any(_is_role(e) for e in elts)
    return False


def view_role_decisions(source: str) -> list[int]:
    """Lines inside function bodies (not decorators) that compare, match on or read the value of a role."""
    lines: list[int] = []
    for fn in ast.walk(ast.parse(source)):
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for stmt in fn.body:
            for node in ast.walk(stmt):
                match node:
                    case ast.Compare(left=left, comparators=rights) if any(_is_role(n) for n in [left, *rights]):
                        lines.append(node.lineno)
                    case ast.Match(subject=subject) if _is_role(subject):
                        lines.append(node.lineno)
                    case ast.Attribute(attr="value", value=ast.Attribute(attr="role")):
                        lines.append(node.lineno)
    return sorted(set(lines))


def test_templates_test_no_roles():
    offenders = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        rel = path.relative_to(ROOT).as_posix()
        offenders += [f"{rel}: {line}" for line in template_role_tests(path.read_text(encoding="utf-8"))]
    assert offenders == [], "templates show the view's capabilities, they do not test roles:\n" + "\n".join(offenders)


def test_views_compare_no_roles():
    offenders = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        if not (path.name == "views.py" or path.name.endswith("_views.py")):
            continue
        rel = path.relative_to(ROOT).as_posix()
        offenders += [f"{rel}:{line}" for line in view_role_decisions(path.read_text(encoding="utf-8"))]
    assert offenders == [], "views ask app.auth.policy (or a scope module), they do not compare roles: " + ", ".join(
        offenders
    )


def test_the_template_check_sees_role_tests_and_allows_labels():
    assert template_role_tests("{% if current_user.role.value == 'regulator' %}")
    assert template_role_tests("{% if current_user.role == 'admin' %}")
    assert template_role_tests("{% if user.role in ('admin', 'regulator') %}")
    assert template_role_tests("{% if role in ['admin'] %}")
    assert template_role_tests("{% if u.role is sameas x %}")
    assert not template_role_tests("<span>{{ current_user.role.label }}</span>")
    assert not template_role_tests('<div role="alert">')
    assert not template_role_tests("{% for col, role in layout.columns.items() %}")


def test_the_view_check_sees_comparisons_and_allows_decorators():
    source = (
        "@roles_required(Role.WORKER)\n"
        "def a():\n"
        "    if current_user.role is Role.ADMIN:\n"
        "        pass\n"
        "    x = user.role in (Role.ADMIN, Role.REGULATOR)\n"
        "    y = f'home/{user.role.value}.html'\n"
        "    match current_user.role:\n"
        "        case _:\n"
        "            pass\n"
        "    z = Role.WORKER == kind\n"
        "    return render(label=current_user.role.label)\n"
        "STAFF = (Role.ADMIN, Role.REGULATOR)\n"
    )
    assert view_role_decisions(source) == [3, 5, 6, 7, 10]


def test_no_template_global_reaches_into_an_upper_layer(app):
    """The 一人一档 and 逢查必考 pages get certificates and hours from their views (app.people.sections)."""
    assert not {"certificates_of", "training_hours_of"} & set(app.jinja_env.globals)
