"""The console's page and its files, served by us (no CDN, no build step). They hold no data
and need no token: the page asks for it and sends it with every API call."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

router = APIRouter(prefix="/admin", include_in_schema=False)

STATIC = Path(__file__).resolve().parent / "static"
HEADERS = {"Cache-Control": "no-cache"}


@router.get("", response_class=FileResponse)
def page() -> FileResponse:
    return FileResponse(STATIC / "admin.html", media_type="text/html; charset=utf-8",
                        headers=HEADERS)


@router.get("/static/admin.js", response_class=FileResponse)
def script() -> FileResponse:
    return FileResponse(STATIC / "admin.js", media_type="text/javascript; charset=utf-8",
                        headers=HEADERS)


@router.get("/static/admin.css", response_class=FileResponse)
def style() -> FileResponse:
    return FileResponse(STATIC / "admin.css", media_type="text/css; charset=utf-8",
                        headers=HEADERS)
