"""Text every contract accepts: what PostgreSQL can store and JSON can carry.

A NUL character cannot be stored in a PostgreSQL `text` column, and a lone surrogate
(half of a UTF-16 pair, which Python's JSON decoder lets through from `"\\ud800"`) cannot
be encoded as UTF-8: either would fail deep inside a service. `SafeText` refuses both at
the edge with a reason.
"""

from typing import Annotated

from pydantic import AfterValidator


def _refuse_unstorable(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain a NUL character (U+0000)")
    if any("\ud800" <= char <= "\udfff" for char in value):
        raise ValueError("must not contain a lone surrogate (U+D800..U+DFFF); send UTF-8 text")
    return value


STORABLE = AfterValidator(_refuse_unstorable)
"""The check itself, to put after `StringConstraints` in an `Annotated` (nesting `SafeText`
inside `Annotated[..., StringConstraints(strip_whitespace=True, min_length=1)]` would
let a blank string through: the bounds must come first)."""

SafeText = Annotated[str, STORABLE]
"""A string with no NUL character and no lone surrogate; bound its length with `Field`."""
