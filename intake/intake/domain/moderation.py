"""Automatic checks of a new appeal before it becomes public (pure, no I/O).

`Screening.of(text, address)` answers two questions:

- **What may the public read?** Personal data in the text is masked: phone numbers
  (`phonenumbers`' matcher, region RU: `+7 914 123-45-67`, `8 (914) 123 45 67`,
  `89141234567`, `8-4112-42-12-34`…) → `[телефон]`, e-mail addresses → `[e-mail]`, and
  people's names → `[имя]` (see `NameFinder` for what it catches and misses). Masking alone
  never holds an appeal; the address stays private altogether.
- **Must a moderator see it first?** Obscene words (stems or regular expressions found
  anywhere inside a word, so a stem catches its longer forms) and stop words (whole words
  or phrases) in the text or the address hold it, with the reasons.

Matching ignores case, reads `ё` as `е`, and for obscenity also reads Latin look-alike
letters as Cyrillic (`идиoт` with a Latin `o`). The word lists come from the city's
`moderation.json` (`ModerationRules`).
"""

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import ClassVar

import phonenumbers
from pydantic import BaseModel, ConfigDict, Field, field_validator

from contracts.identifiers import CategoryId

PHONE_MASK = "[телефон]"
EMAIL_MASK = "[e-mail]"
NAME_MASK = "[имя]"
PHONE_REGION = "RU"

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}")
LOOK_ALIKES = str.maketrans("aeopcxykmthbAEOPCXYKMTHB", "аеорсхукмтнвАЕОРСХУКМТНВ")


class RejectReason(BaseModel):
    """A reason a moderator may reject an appeal for."""

    model_config = ConfigDict(frozen=True)

    code: CategoryId
    title: str = Field(min_length=1, max_length=300)


DEFAULT_REJECT_REASONS = (
    RejectReason(code="abusive", title="Оскорбления или нецензурная брань"),
    RejectReason(code="spam", title="Реклама или спам"),
    RejectReason(code="not_an_appeal", title="Не обращение о проблеме города"),
    RejectReason(code="duplicate_of_other_channel", title="Уже подано по другому каналу"),
)


class ModerationRules(BaseModel):
    """The city's moderation lists (`deploy/<city>/moderation.json`); the defaults hold
    nothing and mask names by their shape only."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    obscene: tuple[str, ...] = Field(
        default=(),
        description="stems or regular expressions; found anywhere inside a word, they hold",
    )
    stop_words: tuple[str, ...] = Field(
        default=(), description="words or phrases that hold when found as whole words"
    )
    first_names: tuple[str, ...] = Field(
        default=(), description="first names (nominative) masked wherever they stand"
    )
    reject_reasons: tuple[RejectReason, ...] = Field(default=DEFAULT_REJECT_REASONS, min_length=1)

    @field_validator("obscene")
    @classmethod
    def compiles(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValueError(f"{pattern!r} is not a regular expression: {error}") from error
        return patterns

    def reason(self, code: str) -> RejectReason | None:
        return next((r for r in self.reject_reasons if r.code == code), None)


def _normal(text: str) -> str:
    return text.lower().replace("ё", "е")


def _whole(phrase: str) -> re.Pattern[str]:
    words = (re.escape(w) for w in _normal(phrase).split())
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    mask: str


class NameFinder:
    """People's names by a heuristic for Russian names, plus the city's first names.

    Catches: a listed first name in its regular case forms (Иван, Ивана, Ивану, Мария,
    Марии, Сергей, Сергея…) with a patronymic and surname-looking words next to it
    ("Иванов Иван Петрович", "Мария Петрова"); any capitalised word followed by a
    patronymic (…ович/…евич/…ьич/…овна/…евна/…ична and their cases: "Ермолай Кузьмич"
    is missed, "Ермолай Ильич" is caught); initials next to a surname ("Иванов И.И.",
    "И. И. Иванову", "И. Петров" — one initial only with a surname-looking word: -ов, -ев,
    -ин, -ын, -ский, -цкий, -енко, -ук, -юк, -ян, -дзе, -швили and their cases).
    Leaves alone: a name right after a street or place word ("ул. Ленина", "улица Карла
    Маркса", "им. М.К. Аммосова", "проспект Мира"), a bare surname ("Иванов опять…",
    which cannot be told from a place or a word), names in Latin letters, irregular case
    forms of listed names (Петра for Пётр, Павла for Павел: list them too if wanted), and
    first names not on the list without a patronymic.
    """

    WORD = re.compile(r"[А-ЯЁ]\.|[А-ЯЁа-яё]+(?:-[А-ЯЁа-яё]+)*")
    CAPITAL = re.compile(r"[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)*")
    PATRONYMIC = re.compile(r"[А-ЯЁ][а-яё]+(?:ович|евич|ьич|овн|евн|ичн)[а-яё]{0,3}")
    SURNAME = re.compile(r"[А-ЯЁ][а-яё]+(?:ов|ев|ёв|ин|ын|ск|цк|енк|ук|юк|ян|дзе|швили)[а-яё]{0,3}")
    PLACE_BEFORE = re.compile(
        r"(?:\b(?:ул|пр|пр-т|просп|пер|пл|б-р|ш|наб|мкр|им|пос|г|с|д)\."
        r"|\b(?:улиц[аеиуы]|проспект[аеу]?|переул[оа]?к[аеу]?|площад[ьи]|бульвар[аеу]?|шоссе"
        r"|набережн(?:ая|ой)|микрорайон[аеу]?|имени|парк[аеу]?|сквер[аеу]?|пос[её]лок|село"
        r"|город[аеу]?))\s*$",
        re.IGNORECASE,
    )
    ENDINGS: ClassVar[dict[str, tuple[str, ...]]] = {
        "й": ("й", "я", "ю", "ем", "е", "и"),
        "ь": ("ь", "я", "ю", "ем", "е"),
        "а": ("а", "ы", "и", "е", "у", "ой", "ою"),
        "я": ("я", "и", "е", "ю", "ей", "ею"),
        "": ("", "а", "у", "ом", "е", "ем"),
    }

    def __init__(self, first_names: Iterable[str]) -> None:
        self._forms = frozenset(f for name in first_names for f in self._forms_of(name))

    @classmethod
    def _forms_of(cls, name: str) -> Iterator[str]:
        name = _normal(name.strip())
        if not name:
            return
        yield name
        last = name[-1] if name[-1] in "йьая" else ""
        stem = name[:-1] if last else name
        for ending in cls.ENDINGS[last]:
            yield stem + ending

    def spans(self, text: str) -> list[Span]:
        words = list(self.WORD.finditer(text))
        kinds = [self._kind(w.group()) for w in words]
        found: list[tuple[int, int]] = []
        for i, kind in enumerate(kinds):
            found.extend(self._around(i, kind, kinds, words, text))
        spans: list[Span] = []
        for first, last in sorted(found):
            start, end = words[first].start(), words[last].end()
            if self.PLACE_BEFORE.search(text[:start]):
                continue
            if spans and start <= spans[-1].end:
                spans[-1] = Span(spans[-1].start, max(end, spans[-1].end), NAME_MASK)
            else:
                spans.append(Span(start, end, NAME_MASK))
        return spans

    def _kind(self, word: str) -> str:
        if len(word) == 2 and word.endswith("."):
            return "initial"
        if not self.CAPITAL.fullmatch(word):
            return "other"
        if _normal(word) in self._forms:
            return "first"
        if self.PATRONYMIC.fullmatch(word):
            return "patronymic"
        if self.SURNAME.fullmatch(word):
            return "surname"
        return "capital"

    def _around(
        self,
        i: int,
        kind: str,
        kinds: Sequence[str],
        words: Sequence[re.Match[str]],
        text: str,
    ) -> Iterator[tuple[int, int]]:
        def joined(a: int) -> bool:
            """Words a and a+1 stand next to each other (only spaces between)."""
            return (
                0 <= a < len(words) - 1 and not text[words[a].end() : words[a + 1].start()].strip()
            )

        def at(a: int, *wanted: str) -> bool:
            return 0 <= a < len(kinds) and kinds[a] in wanted

        def widen(first: int, last: int) -> tuple[int, int]:
            if at(last + 1, "patronymic") and joined(last):
                last += 1
            if at(last + 1, "surname") and joined(last):
                last += 1
            if at(first - 1, "surname") and joined(first - 1):
                first -= 1
            return first, last

        if kind == "first":
            yield widen(i, i)
        elif kind == "patronymic" and at(i - 1, "capital", "surname") and joined(i - 1):
            yield widen(i - 1, i)
        elif kind == "initial" and not at(i - 1, "initial"):
            last = i + 1 if at(i + 1, "initial") and joined(i) else i
            two = last > i
            after = ("capital", "surname") if two else ("surname",)
            if at(last + 1, *after) and joined(last):
                yield i, last + 1
            elif at(i - 1, *after) and joined(i - 1):
                yield i - 1, last


@dataclass(frozen=True)
class Screening:
    """What the checks made of an appeal: the text the public may read, what was masked,
    and why a moderator must see it first (nothing: it goes on at once)."""

    public_text: str
    masked: tuple[str, ...] = ()
    hold_reasons: tuple[str, ...] = ()

    @property
    def held(self) -> bool:
        return bool(self.hold_reasons)


@dataclass(frozen=True)
class Checks:
    """The automatic checks under one city's rules."""

    rules: ModerationRules = field(default_factory=ModerationRules)

    @cached_property
    def _obscene(self) -> list[re.Pattern[str]]:
        return [re.compile(_normal(p), re.IGNORECASE) for p in self.rules.obscene]

    @cached_property
    def _stop_words(self) -> list[re.Pattern[str]]:
        return [_whole(w) for w in self.rules.stop_words if w.strip()]

    @cached_property
    def _names(self) -> NameFinder:
        return NameFinder(self.rules.first_names)

    def screen(self, text: str, address: str | None = None) -> Screening:
        spans = self._personal_data(text)
        public = text
        for span in sorted(spans, key=lambda s: s.start, reverse=True):
            public = public[: span.start] + span.mask + public[span.end :]
        masked = tuple(dict.fromkeys(s.mask for s in spans))
        return Screening(public, masked, self.hold_reasons(text, address or ""))

    def hold_reasons(self, *texts: str) -> tuple[str, ...]:
        """Why a moderator must see texts first (empty: they may go on)."""
        reasons: list[str] = []
        for text in texts:
            normal = _normal(text)
            look_alike = _normal(text.translate(LOOK_ALIKES))
            for pattern in self._obscene:
                found = pattern.search(normal) or pattern.search(look_alike)
                if found:
                    reasons.append(f"obscene language: «{_word_at(look_alike, found)}»")
            for pattern in self._stop_words:
                found = pattern.search(normal)
                if found:
                    reasons.append(f"stop word: «{found.group()}»")
        return tuple(dict.fromkeys(reasons))

    def _personal_data(self, text: str) -> list[Span]:
        """Non-overlapping spans to mask: e-mails first, then phones, then names."""
        spans = [Span(m.start(), m.end(), EMAIL_MASK) for m in EMAIL.finditer(text)]
        for match in phonenumbers.PhoneNumberMatcher(text, PHONE_REGION):
            spans.append(Span(match.start, match.end, PHONE_MASK))
        spans.extend(self._names.spans(text))
        chosen: list[Span] = []
        for span in spans:  # the earlier kind wins where they overlap
            if all(span.end <= c.start or span.start >= c.end for c in chosen):
                chosen.append(span)
        return chosen


def _word_at(text: str, found: re.Match[str]) -> str:
    """The whole word a match lies in (for the moderator's reason), at most 40 letters."""
    start, end = found.start(), found.end()
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    return text[start:end][:40]
