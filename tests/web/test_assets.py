"""Static files: compressed once, named by their content, cached for a year where named so."""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tinhso.app import create_app
from tinhso.config import Settings
from tinhso.web.assets import Assets
from tinhso.web.templating import PKG

FINGERPRINT = re.compile(r"/static/[\w/.-]+\.[0-9a-f]{12}\.\w+")


@pytest.fixture
def app_client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        var_dir=tmp_path / "var", database_url=f"sqlite:///{tmp_path / 'x.db'}", warm_up=False
    )
    with TestClient(create_app(settings)) as c:
        yield c


def test_pages_name_static_files_by_their_content(app_client: TestClient) -> None:
    html = app_client.get("/login").text
    urls = FINGERPRINT.findall(html)
    names = {re.sub(r"\.[0-9a-f]{12}\.", ".", u) for u in urls}
    assert {"/static/css/app.css", "/static/js/app.js", "/static/vendor/htmx.min.js"} <= names
    assert not re.search(r'(src|href)="/static/(?![\w/.-]+\.[0-9a-f]{12}\.)', html)
    # No template names a static file by hand: they all go through static_url().
    for template in PKG.rglob("templates/**/*.html"):
        assert 'src="/static/' not in template.read_text(encoding="utf-8"), template
        assert 'href="/static/' not in template.read_text(encoding="utf-8"), template


def test_fingerprinted_files_are_gzipped_and_immutable(app_client: TestClient) -> None:
    url = app_client.app.state.assets.url("vendor/echarts.min.js")  # type: ignore[attr-defined]
    assert FINGERPRINT.fullmatch(url)
    r = app_client.get(url, headers={"Accept-Encoding": "gzip, br"})
    assert r.status_code == 200
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert r.headers["content-encoding"] == "gzip" and r.headers["vary"] == "Accept-Encoding"
    assert r.headers["x-content-type-options"] == "nosniff"
    original = (app_client.app.state.settings.assets_dir / "echarts.min.js").read_bytes()  # type: ignore[attr-defined]
    assert r.content == original  # httpx decodes the gzip body
    assert int(r.headers["content-length"]) < 0.4 * len(original)
    # A client that does not take gzip gets the file as it is.
    r = app_client.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in r.headers and len(r.content) == len(original)


def test_plain_names_are_served_and_revalidated(app_client: TestClient) -> None:
    r = app_client.get("/static/js/app.js")
    assert r.status_code == 200 and r.headers["cache-control"] == "no-cache"
    tag = r.headers["etag"]
    r = app_client.get("/static/js/app.js", headers={"If-None-Match": tag})
    assert r.status_code == 304 and r.content == b""
    # The build's own manifest is not served, nor anything outside the files.
    assert app_client.get("/static/manifest.json").status_code == 404
    assert app_client.get("/static/../pyproject.toml").status_code == 404


def test_a_changed_file_gets_a_new_name(tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "js").mkdir(parents=True)
    (src / "js" / "x.js").write_text("var a = 1;\n" * 200, encoding="utf-8")
    first = Assets([("", src)], tmp_path / "build")
    url1 = first.url("js/x.js")
    built = first.directory / "files"
    assert (built / url1.removeprefix("/static/")).read_text(encoding="utf-8").startswith("var a")
    gz = built / (url1.removeprefix("/static/") + ".gz")
    assert gzip.decompress(gz.read_bytes()) == (src / "js" / "x.js").read_bytes()
    (src / "js" / "x.js").write_text("var a = 2;\n" * 200, encoding="utf-8")
    second = Assets([("", src)], tmp_path / "build")
    assert second.url("js/x.js") != url1 and second.directory != first.directory
    assert not first.directory.exists()  # the build of the old content is removed
    assert second.url("js/none.js") == "/static/js/none.js"  # unknown: its plain name
