"""Intake as the citizens' identity provider: it signs a token for a citizen who proved
their phone, and publishes the public keys every service checks it with.

Services trust it through `IDENTITY_ISSUERS` with an entry like
`{"issuer": "<issuer>", "jwks_url": "<issuer>/.well-known/jwks.json",
"grants": ["citizen"], "default_roles": ["citizen"]}`; intake itself trusts its own
tokens with the key in hand (`trusting_own_tokens`).
"""

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from joserfc.jwk import ECKey

from services.identity import Role, TrustedIssuer
from services.local_issuer import LocalIssuer


class CitizenTokens:
    def __init__(self, signer: LocalIssuer, lifetime_s: int) -> None:
        self._signer = signer
        self.lifetime_s = lifetime_s

    @classmethod
    def with_key_file(
        cls, key_file: str, issuer: str, lifetime_s: int, key: str = ""
    ) -> "CitizenTokens":
        """Signing with `key` (JWK JSON), else the key in `key_file` (made, mode 0600, if
        missing), else a key made in memory."""
        if key:
            signer = LocalIssuer(ECKey.import_key(json.loads(key)), issuer)
        elif key_file:
            signer = LocalIssuer.from_file(Path(key_file).expanduser(), issuer)
        else:
            signer = LocalIssuer.generate(issuer)
        return cls(signer, lifetime_s)

    @property
    def issuer(self) -> str:
        return self._signer.issuer

    def issue(self, citizen_id: UUID, now: datetime) -> str:
        """A bearer token naming the citizen (subject: their id) with the role citizen."""
        return self._signer.token(
            str(citizen_id), [Role.CITIZEN], lifetime_s=self.lifetime_s, now=now.timestamp()
        )

    def trusted(self) -> TrustedIssuer:
        """How a service trusts these tokens with the public key inline."""
        return self._signer.trusted(grants=[Role.CITIZEN], default_roles=[Role.CITIZEN])

    def jwks(self) -> dict[str, Any]:
        """The public keys, as served at `/.well-known/jwks.json`."""
        keys = self.trusted().jwks
        assert keys is not None
        return keys


def trusting_own_tokens(issuers: list[TrustedIssuer], tokens: CitizenTokens) -> list[TrustedIssuer]:
    """`issuers` with intake's own entry replaced by one holding its key (no need to fetch
    the JWKS from itself)."""
    return [i for i in issuers if i.issuer != tokens.issuer] + [tokens.trusted()]
