"""GET /api/v1/documents and /api/v1/documents/{id}/measures/{n}: the policy library."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException

from api.deps import get_bot
from api.routes.measures import MeasureRecord, measure_record
from bot.policybot import PolicyBot
from vectorstore.library import DocumentRecord, library_documents

router = APIRouter(prefix="/api/v1", tags=["documents"])


@router.get("/documents", response_model=list[DocumentRecord])
def documents(bot: Annotated[PolicyBot, Depends(get_bot)]) -> list[DocumentRecord]:
    """The library's documents, the bundled plan first; ``status`` is ``in force``,
    ``expired`` (past ``valid_until``) or ``not yet in force``."""
    return library_documents(bot.client)


@router.get("/documents/{document}/measures/{number}", response_model=MeasureRecord)
def document_measure(document: str, number: int,
                     bot: Annotated[PolicyBot, Depends(get_bot)]) -> MeasureRecord:
    """One measure of one document by number; 404 for an unknown document or number."""
    pipeline = bot.current().pipelines.get(document)
    if pipeline is None:
        raise HTTPException(404, f"no document {document!r} in the library")
    return measure_record(pipeline.composer.plan, number)
