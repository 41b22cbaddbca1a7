"""The docs stay true: every CLI command and every API route is documented."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from tests.routes import api_routes
from tinhso.app import create_app
from tinhso.cli import app as cli_app
from tinhso.config import Settings

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _commands(group: object, prefix: str) -> list[str]:
    subcommands = getattr(group, "commands", None)
    if subcommands:
        out: list[str] = []
        for name, sub in subcommands.items():
            out += _commands(sub, f"{prefix} {name}")
        return out
    return [prefix]


def test_every_cli_command_is_documented() -> None:
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    commands = _commands(typer.main.get_command(cli_app), "tinhso")
    assert len(commands) >= 11
    missing = [c for c in commands if f"### `{c}" not in text]
    assert missing == []


def test_every_api_route_is_documented(tmp_path: Path) -> None:
    text = (DOCS / "api.md").read_text(encoding="utf-8")
    app = create_app(Settings(var_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'x.db'}"))
    missing = [f"{m} {p}" for m, p in api_routes(app) if f"`{m} {p}`" not in text]
    assert missing == []


def test_docs_links_resolve() -> None:
    for md in [*DOCS.glob("*.md"), DOCS.parent / "README.md"]:
        for target in re.findall(r"\]\(([^)#:]+\.md)\)", md.read_text(encoding="utf-8")):
            assert (md.parent / target).exists(), f"{md.name} links to missing {target}"
