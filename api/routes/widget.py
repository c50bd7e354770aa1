"""The embeddable chat widget (``/widget.js``, ``/widget.css``) and its demo page (``/``).

Everything is served from the package, so the widget works without any CDN or network.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

router = APIRouter(tags=["widget"])

STATIC = Path(__file__).resolve().parent.parent / "static"
# Pages embed the script from us; revalidating on every load (cheap, by ETag) means they pick
# up a new widget as soon as it is deployed.
HEADERS = {"Cache-Control": "no-cache"}


@router.get("/widget.js", response_class=FileResponse)
def widget_script() -> FileResponse:
    """The widget: ``<script src="http://HOST/widget.js" data-title="…" defer></script>``."""
    return FileResponse(STATIC / "widget.js", media_type="text/javascript; charset=utf-8",
                        headers=HEADERS)


@router.get("/widget.css", response_class=FileResponse)
def widget_style() -> FileResponse:
    """The widget's styles, loaded by the script into its shadow root."""
    return FileResponse(STATIC / "widget.css", media_type="text/css; charset=utf-8",
                        headers=HEADERS)


@router.get("/", response_class=FileResponse, include_in_schema=False)
def demo_page() -> FileResponse:
    """A district service page with the widget on it."""
    return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8",
                        headers=HEADERS)
