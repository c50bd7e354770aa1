"""The console's document library: list, upload (indexed in the background, with progress),
remove. Behind the admin token like the rest of /admin/api."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile

from api.admin.auth import require_admin
from api.admin.ingests import Ingests
from api.deps import get_bot
from api.routes.documents import documents
from bot.policybot import PolicyBot
from ingest.formats import READERS
from vectorstore.library import (
    DocumentRecord,
    UnknownDocument,
    check_id,
    document_id,
    remove_document,
)

router = APIRouter(prefix="/admin/api", tags=["admin"], dependencies=[Depends(require_admin)])

Bot = Annotated[PolicyBot, Depends(get_bot)]


def get_ingests(request: Request) -> Ingests:
    return request.app.state.ingests


@router.get("/documents", response_model=list[DocumentRecord])
def list_documents(bot: Bot) -> list[DocumentRecord]:
    """The library, as ``GET /api/v1/documents`` lists it."""
    return documents(bot)


@router.post("/documents", status_code=202)
def upload(bot: Bot, ingests: Annotated[Ingests, Depends(get_ingests)],
           file: Annotated[UploadFile, File(description=".txt, .md, .docx, .pdf or .html")],
           id: Annotated[str | None, Form(description="its id; the file's stem by default")]
           = None) -> dict:
    """Add a document to the library, or replace the one with its id: it is indexed in the
    background; poll ``GET /admin/api/ingests/{job}`` for progress. 422 for a file type that
    cannot be read or an invalid id."""
    name = Path(file.filename or "")
    if name.suffix.lower() not in READERS:
        raise HTTPException(422, f"cannot read {name.name!r}: upload one of "
                                 f"{', '.join(sorted(READERS))}")
    try:
        doc_id = check_id(id or document_id(name))
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc
    return ingests.submit(bot, name.name, file.file.read(), doc_id).as_dict()


@router.get("/ingests/{job}")
def ingest_progress(job: str, ingests: Annotated[Ingests, Depends(get_ingests)]) -> dict:
    """An upload's progress: ``state`` queued, indexing, done or failed; ``done`` of
    ``total`` texts embedded; ``error`` when it failed."""
    found = ingests.get(job)
    if found is None:
        raise HTTPException(404, f"no ingest {job!r}")
    return found.as_dict()


@router.delete("/documents/{document}", status_code=204)
def remove(document: str, bot: Bot) -> None:
    """Take a document out of the library; 404 when it is not in it."""
    try:
        remove_document(bot.client, document)
    except UnknownDocument as exc:
        raise HTTPException(404, str(exc)) from exc
    bot.refresh()
