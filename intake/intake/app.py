"""Composition root of intake."""

from fastapi import FastAPI

from contracts.topics import APPEAL_EVENTS
from intake import api, citizen_steps_api, moderation_api, photos_api, sign_in_api
from intake.appeal_photos import AppealPhotos
from intake.citizen_steps import CitizenSteps
from intake.citizen_tokens import CitizenTokens, trusting_own_tokens
from intake.declaration import SERVICE
from intake.domain.catalogue import Catalogue
from intake.handlers import HANDLERS
from intake.moderation import Moderation
from intake.phone_sign_in import PhoneSignIn, SignInConfig
from intake.settings import IntakeSettings
from intake.submissions import Submissions
from intake.unconfirmed import UnconfirmedAnswers
from services.adapters import REAL, Adapters
from services.photo_store import PhotoStore
from services.runtime import ServiceRuntime
from services.sms import HttpSmsGateway

SIGN_IN_PRUNE_EVERY_S = 3600.0
CLOSE_UNCONFIRMED = "close-unconfirmed"


def create_app(settings: IntakeSettings | None = None, adapters: Adapters = REAL) -> FastAPI:
    """The service with the real adapters, or the ones a test passes in."""
    settings = settings or IntakeSettings()
    tokens = CitizenTokens.with_key_file(
        settings.token_key_file,
        settings.token_issuer(),
        settings.token_lifetime_s,
        settings.token_key.get_secret_value(),
    )
    trusting = settings.model_copy(
        update={"identity_issuers": trusting_own_tokens(settings.identity_issuers, tokens)}
    )
    runtime = ServiceRuntime(SERVICE, trusting, adapters)
    submissions = Submissions(
        runtime.db, Catalogue("nobody", None, []), runtime.clock, settings.filing_limits()
    )
    runtime.on_startup(submissions.reload_catalogue)
    runtime.consume(HANDLERS, APPEAL_EVENTS)
    steps = CitizenSteps(runtime.db, runtime.clock, settings.verdict_window())
    unconfirmed = UnconfirmedAnswers(
        runtime.db, runtime.clock, settings.verdict_window(), settings.verdict_sweep_batch
    )
    runtime.every(settings.verdict_sweep_every_s, CLOSE_UNCONFIRMED, unconfirmed.run)
    sign_in = PhoneSignIn(
        runtime.db, runtime.clock, _sign_in_config(settings), adapters.sms, tokens
    )
    if adapters.sms is None and settings.sms_base_url:

        async def connect_sms_gateway() -> None:
            api_key = settings.sms_api_key.get_secret_value()
            sign_in.sms = HttpSmsGateway(settings.sms_base_url, api_key)

        async def close_sms_gateway() -> None:
            if isinstance(sign_in.sms, HttpSmsGateway):
                await sign_in.sms.aclose()

        runtime.on_startup(connect_sms_gateway)
        runtime.on_shutdown(close_sms_gateway)
    runtime.every(SIGN_IN_PRUNE_EVERY_S, "sign-in-prune", sign_in.prune)
    app = runtime.http_app(
        title="Appeals intake",
        description="Citizens sign in by phone, submit appeals and follow their status.",
        routers=[
            api.router,
            citizen_steps_api.router,
            sign_in_api.router,
            photos_api.router,
            moderation_api.router,
        ],
        larger_bodies={photos_api.PHOTO_UPLOAD_PATH: settings.photo_max_bytes},
    )
    blobs = settings.blobs.store(SERVICE.name)
    runtime.on_shutdown(blobs.close)
    files = PhotoStore(blobs, settings.image_limits())
    app.state.appeal_photos = AppealPhotos(
        runtime.db, runtime.clock, files, settings.photos_per_appeal
    )
    app.state.submissions = submissions
    app.state.moderation = Moderation(
        runtime.db,
        runtime.clock,
        lambda: submissions.checks.rules,
        clarification_wait=settings.clarification_wait(),
    )
    app.state.citizen_steps = steps
    app.state.unconfirmed_answers = unconfirmed
    app.state.phone_sign_in = sign_in
    return app


def _sign_in_config(settings: IntakeSettings) -> SignInConfig:
    secret = settings.phone_code_secret.get_secret_value().encode()
    return SignInConfig(
        rules=settings.sign_in_rules(),
        secret=secret or SignInConfig.random_secret(),
        default_region=settings.phone_default_region,
        text=settings.phone_code_text,
    )
