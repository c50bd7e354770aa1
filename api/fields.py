"""Field types shared by request bodies."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, StrictStr


def encodable(value: str) -> str:
    """JSON may carry lone UTF-16 surrogates ("\\ud800") that no UTF-8 text can hold; they
    are refused here (422) rather than failing deep inside the model or the response."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("text is not valid Unicode (lone surrogate)") from exc
    return value


# A string (never a number coerced to one) that is valid Unicode.
Text = Annotated[StrictStr, AfterValidator(encodable)]
