"""The admin bearer token."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Header, HTTPException

from api.deps import get_settings
from bot.settings import Settings


def require_admin(settings: Annotated[Settings, Depends(get_settings)],
                  authorization: Annotated[str | None, Header()] = None) -> None:
    """401 unless the request carries ``Authorization: Bearer <POLICYBOT_ADMIN_TOKEN>``."""
    scheme, _, token = (authorization or "").partition(" ")
    expected = settings.admin_token or ""
    if scheme.lower() != "bearer" or not secrets.compare_digest(token.encode(),
                                                               expected.encode()):
        raise HTTPException(401, "admin token required", headers={"WWW-Authenticate": "Bearer"})
