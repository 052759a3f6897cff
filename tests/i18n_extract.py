"""Finds every message a person reads in the code, as catalogue templates (see domain.i18n):
the message argument of `DomainError`, `ApiError`, `forbidden`, `unauthenticated`,
`bad_request`, `InvalidToken` and `error_response`, the template of `t()`, and texts marked with
`N_()`. An f-string becomes a template with each `{expression}` as a placeholder."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("domain", "authz", "resolvers", "schema", "server", "workers", "storage")
# Call name -> position of the message argument.
MESSAGE_ARGUMENT = {
    "DomainError": 1,
    "ApiError": 1,
    "InvalidToken": 1,
    "forbidden": 0,
    "unauthenticated": 0,
    "bad_request": 0,
    "error_response": 2,
    "t": 1,
    "N_": 0,
    "notify": 2,
    "notify_many": 2,
}


def template_of(node: ast.expr, source: str) -> str | None:
    """The template of a message expression, or None when it is not a literal text."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            elif isinstance(value, ast.FormattedValue):
                parts.append("{" + ast.get_source_segment(source, value.value) + "}")
        return "".join(parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = template_of(node.left, source), template_of(node.right, source)
        if left is not None and right is not None:
            return left + right
    return None


def _called(node: ast.Call) -> str | None:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _defaults(node: ast.FunctionDef | ast.AsyncFunctionDef, source: str) -> list[str]:
    """Default messages of the error helpers (`def forbidden(message="...")`)."""
    if node.name not in MESSAGE_ARGUMENT:
        return []
    found = []
    for default in node.args.defaults:
        text = template_of(default, source)
        if text:
            found.append(text)
    return found


def messages_in(path: Path) -> set[str]:
    source = path.read_text(encoding="utf-8")
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found.update(_defaults(node, source))
        if not isinstance(node, ast.Call):
            continue
        position = MESSAGE_ARGUMENT.get(_called(node) or "")
        if position is None:
            continue
        argument = None
        if len(node.args) > position:
            argument = node.args[position]
        else:
            argument = next((k.value for k in node.keywords if k.arg == "message"), None)
        text = template_of(argument, source) if argument is not None else None
        if text and text.strip():
            found.add(text)
    return found


def all_messages() -> dict[str, set[str]]:
    """Template -> the files it appears in."""
    where: dict[str, set[str]] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for text in messages_in(path):
                where.setdefault(text, set()).add(str(path.relative_to(ROOT)))
    return where


if __name__ == "__main__":
    import json
    import sys

    from domain.i18n import CHINESE, catalogue

    known = catalogue(CHINESE)
    missing = sorted(m for m in all_messages() if m not in known)
    json.dump({m: "" for m in missing}, sys.stdout, ensure_ascii=False, indent=1)
