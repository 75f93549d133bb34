"""Citizens sign in by phone: ask for a code, trade it for a bearer token; and the public
keys that check intake's tokens."""

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel, Field, StringConstraints

from contracts.text import STORABLE
from intake.domain.phone_sign_in import (
    CODE_DIGITS,
    CodeRefused,
    InvalidPhone,
    SendLimited,
    WrongCode,
)
from intake.phone_sign_in import PhoneSignIn, SignInUnavailable
from services.access import public
from services.http_responses import error, invalid
from services.request_bodies import RequestBody
from services.runtime import from_app_state

router = APIRouter(tags=["sign-in"], dependencies=[Depends(public())])

Phone = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32), STORABLE
]
Code = Annotated[str, StringConstraints(pattern=f"^[0-9]{{{CODE_DIGITS}}}$")]


class StartIn(RequestBody):
    phone: Phone = Field(
        description="the citizen's mobile number, best in E.164", examples=["+79141234567"]
    )


class Started(BaseModel):
    """A code went out (the same answer for every valid number)."""

    challenge_id: UUID = Field(description="send it back with the code")
    expires_in: int = Field(description="seconds the code is good for")
    resend_after: int = Field(description="seconds before another code may be asked for")


class VerifyIn(RequestBody):
    challenge_id: UUID
    code: Code = Field(description="the code from the text message", examples=["123456"])


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int = Field(description="seconds the token is good for")


class Jwks(BaseModel):
    keys: list[dict[str, Any]]


Service = Annotated[PhoneSignIn, Depends(from_app_state(PhoneSignIn, "phone_sign_in"))]


@router.post(
    "/auth/phone/start",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Started,
    responses=error(429, "too many codes asked for; ask again after `Retry-After` s"),
)
async def start_phone_sign_in(body: StartIn, service: Service, request: Request) -> Started:
    """Text a one-time code to the phone. The answer is the same whether or not the number
    belongs to a known citizen; codes to one number, from one address and overall are
    limited."""
    client = request.client.host if request.client else "unknown"
    try:
        sent = await service.start(body.phone, client[:64])
    except InvalidPhone as refused:
        raise invalid(["body", "phone"], str(refused), refused.code) from refused
    except SendLimited as limited:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail=str(limited),
            headers={"Retry-After": str(limited.retry_after_s)},
        ) from limited
    except SignInUnavailable as down:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            detail=str(down),
            headers={"Retry-After": str(down.retry_after_s)},
        ) from down
    return Started(
        challenge_id=sent.challenge_id,
        expires_in=int(sent.expires_in.total_seconds()),
        resend_after=int(sent.resend_after.total_seconds()),
    )


@router.post(
    "/auth/phone/verify",
    response_model=TokenOut,
    responses={
        **error(400, "the code request is unknown, expired, used or out of tries"),
        **error(401, "wrong code (the answer says how many tries are left)"),
    },
)
async def verify_phone_sign_in(body: VerifyIn, service: Service) -> TokenOut:
    """Trade the code for a bearer token of the citizen (their first sign-in registers
    them)."""
    try:
        signed_in = await service.verify(body.challenge_id, body.code)
    except WrongCode as wrong:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail=str(wrong)) from wrong
    except CodeRefused as refused:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail=str(refused)) from refused
    return TokenOut(access_token=signed_in.access_token, expires_in=signed_in.expires_in)


@router.get("/.well-known/jwks.json", response_model=Jwks)
async def citizen_token_keys(service: Service) -> Jwks:
    """The public keys that check the citizens' tokens intake signs."""
    return Jwks(keys=service.tokens.jwks()["keys"])
