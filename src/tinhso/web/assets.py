"""Static files: fingerprinted names, gzip made once, long cache lifetimes (served by ServeStatic).

The package's own files (``web/static``) and the front-end packages fetched at set-up
(``frontend/dist``, under ``vendor/``) are copied once into a build directory under ``var/``:
each file under its own name and under a name carrying a hash of its content
(``js/app.3f9c2a1b7d04.js``), each with a gzip copy made there and then. Pages name files
through :meth:`Assets.url` (the templates' ``static_url``), so a browser keeps a fingerprinted
file for a year without asking again (``immutable``) and fetches the new name the day the
content changes. A file asked for by its plain name (the API explorer's, a bookmark) is served
too, to be revalidated on every use (``no-cache`` with its hash as ETag: a 304 costs a few
hundred bytes). ServeStatic (the ASGI fork of WhiteNoise) does the serving: content negotiation
(``Accept-Encoding``/``Vary``), conditional requests, ranges, HEAD and path checks.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from servestatic import ServeStaticASGI
from servestatic.compress import Compressor
from starlette.types import ASGIApp

PREFIX = "/static/"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
# Bump when the build's layout changes, so that an older build directory is not reused.
BUILD_FORMAT = "1"
MANIFEST = "manifest.json"
FILES = "files"  # the served tree, beside the manifest (which is not served)

_builds: dict[str, Path] = {}
_builds_lock = threading.Lock()


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fingerprinted(name: str, digest: str) -> str:
    """Return ``name`` with the first 12 hex digits of its content's hash before the extension."""
    head, dot, ext = name.rpartition(".")
    if not dot or "/" in ext:
        return f"{name}.{digest[:12]}"
    return f"{head}.{digest[:12]}.{ext}"


def _sources(roots: list[tuple[str, Path]]) -> list[tuple[str, Path]]:
    """Return (url name, file) for every file under the roots; later roots do not shadow."""
    out: dict[str, Path] = {}
    for prefix, root in roots:
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                name = prefix + path.relative_to(root).as_posix()
                out.setdefault(name, path)
    return sorted(out.items())


def _source_key(files: list[tuple[str, Path]]) -> str:
    """Return a key of the sources' names, sizes and modification times (cheap: no reading)."""
    h = hashlib.sha256(BUILD_FORMAT.encode())
    for name, path in files:
        st = path.stat()
        h.update(f"{name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


def _link(src: Path | str, dst: Path | str) -> None:
    try:
        os.link(src, dst)
    except OSError:  # a file system without hard links
        shutil.copyfile(src, dst)


def _build(files: list[tuple[str, Path]], target: Path) -> None:
    """Write every file, its fingerprinted copy and their gzip copies into ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".build-", dir=target.parent))
    try:
        compressor = Compressor(use_gzip=True, use_brotli=False, use_zstd=False, quiet=True)
        manifest: dict[str, dict[str, str]] = {}
        for name, src in files:
            digest = _digest(src)
            hashed = fingerprinted(name, digest)
            plain_path, hashed_path = work / FILES / name, work / FILES / hashed
            plain_path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, hashed_path)
            _link(hashed_path, plain_path)
            if compressor.should_compress(hashed_path.name):
                for made in compressor.compress(hashed_path):
                    _link(made, str(plain_path) + made[len(str(hashed_path)) :])
            manifest[name] = {"url": hashed, "etag": digest[:32]}
        (work / FILES).mkdir(exist_ok=True)
        (work / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        try:
            work.rename(target)
        except OSError:  # another process built the same sources meanwhile: keep its build
            if not (target / MANIFEST).is_file():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for old in target.parent.iterdir():  # earlier builds (other contents) are of no more use
        if old.is_dir() and old != target and not old.name.startswith("."):
            shutil.rmtree(old, ignore_errors=True)


@dataclass(frozen=True)
class _Entry:
    url: str
    etag: str


class Assets:
    """The built static files of one installation: their URLs and the ASGI app serving them."""

    def __init__(self, roots: list[tuple[str, Path]], build_root: Path) -> None:
        files = _sources(roots)
        key = _source_key(files)
        with _builds_lock:
            # One build per content and process: every app of a process (tests make many)
            # serves the first one made.
            directory = _builds.get(key)
            if directory is None or not (directory / MANIFEST).is_file():
                directory = build_root / key
                if not (directory / MANIFEST).is_file():
                    _build(files, directory)
                _builds[key] = directory
        self.directory = directory
        raw = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
        self.entries = {name: _Entry(e["url"], e["etag"]) for name, e in raw.items()}
        self._immutable = {PREFIX + e.url for e in self.entries.values()}
        self._etags = {PREFIX + e.url: e.etag for e in self.entries.values()}
        self._etags.update({PREFIX + n: e.etag for n, e in self.entries.items()})

    def url(self, name: str) -> str:
        """Return the URL of a static file: fingerprinted if the file exists, else its plain name."""
        entry = self.entries.get(name)
        return PREFIX + (entry.url if entry else name)

    def _is_immutable(self, _path: str, url: str) -> bool:
        return url in self._immutable

    def _headers(self, headers: Any, _path: str, url: str) -> None:
        if url not in self._immutable:
            headers["Cache-Control"] = REVALIDATE
        else:
            headers["Cache-Control"] = IMMUTABLE
        etag = self._etags.get(url)
        if etag:
            headers["ETag"] = f'"{etag}"'

    def middleware(self, app: ASGIApp) -> ASGIApp:
        """Return ``app`` behind the static files (``/static/…``); other paths go to ``app``."""
        server: ASGIApp = ServeStaticASGI(
            app,
            root=str(self.directory / FILES),
            prefix=PREFIX,
            max_age=None,
            allow_all_origins=False,
            immutable_file_test=self._is_immutable,
            add_headers_function=self._headers,
        )
        return server
