"""The command line speaks Vietnamese: every command's help, and the errors of a wrong call."""

from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from tinhso.cli import app

runner = CliRunner(env={"COLUMNS": "240"})
# Words of Click's and Typer's English, and of English help texts, that must not reach an operator.
ENGLISH = re.compile(
    r"\b(Usage|Options|Commands|Arguments|Show this|required|default|Error|Missing|Invalid"
    r"|No such|Try|Aborted|the|and|or|with|of|to|from|for|List|Import|Load|Compute|Build|Start"
    r"|Show|Write|Close|Add|Issue|Report|Map|Recompute|Check|Apply|Run|Value error)\b"
)


def _paths(group: object, prefix: tuple[str, ...]) -> list[tuple[str, ...]]:
    out = [prefix]
    for name, sub in (getattr(group, "commands", None) or {}).items():
        out += _paths(sub, (*prefix, name))
    return out


def _text(output: str) -> str:
    """The output with the help's boxes and line wrapping taken out."""
    return re.sub(r"[\s│╭╮╰╯─]+", " ", output)


def _words(output: str) -> str:
    """What a person reads as words: the text without option names and value types."""
    return re.sub(r"(--|\bno-)[\w-]+|<[^>]*>", " ", _text(output))


COMMANDS = _paths(typer.main.get_command(app), ())


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "tinhso")
def test_every_help_is_vietnamese(path: tuple[str, ...]) -> None:
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    text = _text(result.output)
    assert "Cách dùng:" in text
    assert "Hiện hướng dẫn này rồi thoát." in text
    assert ENGLISH.findall(_words(result.output)) == [], text


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["indicators", "compute", "--period", "2025"], "Thiếu tùy chọn '--index'."),
        (["services", "index", "--bogus"], "Không có tùy chọn: --bogus"),
        (["nope"], "Không có lệnh 'nope'."),
        (["units", "list", "--level", "xx"], "Giá trị không hợp lệ cho '--level'"),
    ],
)
def test_a_wrong_call_is_told_in_vietnamese(args: list[str], expected: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    text = _text(result.output)
    assert expected in text
    assert "Cách dùng:" in text
    assert ENGLISH.findall(_words(result.output)) == [], text
