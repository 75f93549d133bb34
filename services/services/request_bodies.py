"""The base of every JSON request body a service takes: a field the API does not know is
refused with a 422 naming it, never silently dropped (a client sending `submitted_at`
must learn it is not honoured)."""

from pydantic import BaseModel, ConfigDict


class RequestBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
