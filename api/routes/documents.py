"""GET /api/v1/documents and /api/v1/documents/{id}/measures/{n}: the policy library."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel

from api.deps import get_bot
from api.routes.measures import MeasureRecord, measure_record
from bot.policybot import PolicyBot
from vectorstore.library import library_documents

router = APIRouter(prefix="/api/v1", tags=["documents"])


class DocumentEntry(BaseModel):
    """A document of the library."""

    id: str
    title: str
    number: str
    issuer: str
    date: str
    valid_from: str
    valid_until: str
    measures: int
    status: str


@router.get("/documents", response_model=list[DocumentEntry])
def documents(bot: Annotated[PolicyBot, Depends(get_bot)]) -> list[DocumentEntry]:
    """The library's documents, the bundled plan first; ``status`` is ``in force``,
    ``expired`` (past ``valid_until``) or ``not yet in force``."""
    return [DocumentEntry(id=r.id, title=r.title, number=r.number, issuer=r.issuer, date=r.date,
                          valid_from=r.valid_from, valid_until=r.valid_until,
                          measures=r.measures, status=r.status())
            for r in library_documents(bot.client)]


@router.get("/documents/{document}/measures/{number}", response_model=MeasureRecord)
def document_measure(document: str, number: int,
                     bot: Annotated[PolicyBot, Depends(get_bot)]) -> MeasureRecord:
    """One measure of one document by number; 404 for an unknown document or number."""
    pipeline = bot.current().pipelines.get(document)
    if pipeline is None:
        raise HTTPException(404, f"no document {document!r} in the library")
    return measure_record(pipeline.composer.plan, number)
