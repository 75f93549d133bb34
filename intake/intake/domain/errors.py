"""Errors of intake's domain: every one says what is wrong in words a client can show."""


class IntakeError(ValueError):
    field: str = "body"
    code: str = "invalid"


class UnknownCategory(IntakeError):
    field = "category"
    code = "unknown_category"

    def __init__(self, category: str, known: list[str]) -> None:
        super().__init__(f"unknown category {category!r}; known categories: {', '.join(known)}")


class UnknownChannel(IntakeError):
    field = "channel"
    code = "unknown_channel"

    def __init__(self, channel: str, declared: list[str]) -> None:
        super().__init__(
            f"the city takes no appeals through channel {channel!r}; its channels:"
            f" {', '.join(declared)}"
        )


class OutsideServedArea(IntakeError):
    field = "location"
    code = "outside_served_area"

    def __init__(self, lat: float, lon: float, area: str) -> None:
        super().__init__(f"point ({lat}, {lon}) is outside the area served by {area}")


class CityNotLoaded(IntakeError):
    code = "city_not_loaded"

    def __init__(self) -> None:
        super().__init__("no served area or categories are loaded yet; run `intake load-city`")


class AppealNotFound(LookupError):
    pass


class StepRefused(Exception):
    """A citizen's step that cannot be taken in the appeal's current state (HTTP 409)."""


class NotYourAppeal(PermissionError):
    """Only the citizen who filed an appeal may act on it (HTTP 403)."""

    def __init__(self) -> None:
        super().__init__("only the citizen who filed this appeal may do this")
