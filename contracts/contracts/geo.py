"""Geographic value types shared by events."""

from pydantic import BaseModel, ConfigDict, Field


class GeoPoint(BaseModel):
    """A WGS 84 point (what a phone's GPS or a map pin gives)."""

    model_config = ConfigDict(frozen=True)

    lat: float = Field(ge=-90, le=90, allow_inf_nan=False, description="latitude, degrees")
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False, description="longitude, degrees")
