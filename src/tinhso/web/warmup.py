"""Warm-up at start-up: what the first pages need is made ready in the background.

Without it the first visitor pays for opening the analytics copy, bringing it up to date,
counting the current year's 766 figures and compiling the templates (about 1–3 s on the
province's server). The server answers (``/healthz``, the login page) at once; a page that
needs the analytics copy before the warm-up is done waits for it on the copy's lock, as it
would have waited for its own computation.

Each domain may contribute a ``warm_up(app)`` in its routes module; the core knows no domain.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from tinhso.web.templating import ENV

log = logging.getLogger("tinhso.warmup")
Warmer = Callable[[Any], None]


def compile_templates(_app: Any) -> None:
    """Compile every page template once (Jinja caches the compiled form)."""
    for name in ENV.list_templates(extensions=["html"]):
        ENV.get_template(name)


def start(app: Any, warmers: Iterable[Warmer]) -> threading.Thread:
    """Run the warmers in a background thread; ``app.state.warmed`` is set when they are done."""
    done = threading.Event()
    app.state.warmed = done
    steps: list[Warmer] = [compile_templates, *warmers]

    def run() -> None:
        began = time.perf_counter()
        try:
            for step in steps:
                if app.state.closing.is_set():
                    return
                try:
                    step(app)
                except Exception:  # a warm-up failure must not stop the server: log it
                    log.exception("warm-up step %s failed", getattr(step, "__qualname__", step))
            log.info("warm-up done in %.2f s", time.perf_counter() - began)
        finally:
            done.set()

    thread = threading.Thread(target=run, name="tinhso-warmup", daemon=True)
    thread.start()
    return thread
