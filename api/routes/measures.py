"""GET /api/v1/measures/{n}."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel

from api.deps import get_bot
from bot.policybot import PolicyBot
from ingest.plan import Plan

router = APIRouter(prefix="/api/v1", tags=["measures"])


class MeasureRecord(BaseModel):
    """A measure of the plan, as parsed."""

    number: int
    text: str
    responsible_units: list[str]
    part: int
    part_title: str
    section: int
    section_title: str


@router.get("/measures/{number}", response_model=MeasureRecord)
def measure(number: int, bot: Annotated[PolicyBot, Depends(get_bot)]) -> MeasureRecord:
    """One measure of the bundled plan by number; 404 outside the plan's range."""
    return measure_record(bot.plan, number)


def measure_record(plan: Plan, number: int) -> MeasureRecord:
    """The record of a plan's measure; HTTPException 404 when it has no such number."""
    found = plan.measure(number)
    if found is None:
        raise HTTPException(404, f"no measure {number}: the document has measures 1 to "
                                 f"{len(plan.measures)}")
    return MeasureRecord(number=found.number, text=found.text,
                         responsible_units=list(found.responsible_units), part=found.part,
                         part_title=plan.part(found.part).title, section=found.section,
                         section_title=plan.section(found.section).title)
