"""Custom matchers that ship with the router (registered as entry points like any plugin)."""

from collections.abc import Mapping, Sequence
from typing import Any

from router.domain.appeal import AppealToRoute
from router.domain.matchers import Matcher
from router.domain.territories import Territory


def _fold(text: str) -> str:
    return " ".join(text.lower().replace("ё", "е").split())


def address_mentions(config: Mapping[str, Any]) -> Matcher:
    """`when: {address_mentions: {words: ["Ленина", "Кирова"]}}`: the appeal's address
    mentions one of the words (case, ё/е and spacing ignored)."""
    words = config.get("words")
    if (
        not isinstance(words, list)
        or not words
        or not all(isinstance(w, str) and w.strip() for w in words)
    ):
        raise ValueError("address_mentions needs `words`: a list of non-empty strings")
    folded = [_fold(w) for w in words]

    def matches(appeal: AppealToRoute, territories: Sequence[Territory]) -> bool:
        address = _fold(appeal.address or "")
        return bool(address) and any(word in address for word in folded)

    return matches
