"""A token issuer for development and tests — never for production.

It signs tokens with a key of its own (kept in a file for `make up`, in memory for
tests), and says how the services should trust it (`trusted()` → an `IDENTITY_ISSUERS`
entry with its public key inline). Production trusts real identity providers: the city's
Keycloak or the state ID service for staff and citizens, intake's phone sign-in.

    python -m services token --role operator
    python -m services token --role executor_dispatcher --organisation uk-tsentralnaya
"""

import json
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from uuid import uuid4

from joserfc import jwt
from joserfc.jwk import ECKey

from services.identity import Role, TrustedIssuer

LOCAL_ISSUER = "http://127.0.0.1/appeals-local-issuer"
AUDIENCE = "appeals-platform"


class LocalIssuer:
    def __init__(self, key: ECKey, issuer: str = LOCAL_ISSUER) -> None:
        self._key = key
        self.issuer = issuer

    @classmethod
    def generate(cls, issuer: str = LOCAL_ISSUER) -> "LocalIssuer":
        kid = uuid4().hex[:12]
        return cls(ECKey.generate_key("P-256", parameters={"kid": kid, "alg": "ES256"}), issuer)

    @classmethod
    def from_file(cls, path: Path, issuer: str = LOCAL_ISSUER) -> "LocalIssuer":
        """The issuer whose private key is in `path`, made (mode 0600) if it is missing."""
        if path.exists():
            return cls(ECKey.import_key(json.loads(path.read_text())), issuer)
        local = cls.generate(issuer)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(json.dumps(local._key.as_dict(private=True)))
        return local

    def trusted(self, **overrides: Any) -> TrustedIssuer:
        """How a service trusts this issuer (an `IDENTITY_ISSUERS` entry)."""
        jwks = {"keys": [self._key.as_dict(private=False)]}
        return TrustedIssuer(issuer=self.issuer, audience=AUDIENCE, jwks=jwks, **overrides)

    def token(
        self,
        subject: str,
        roles: Iterable[Role | str] = (),
        *,
        organisation: str | None = None,
        name: str | None = None,
        lifetime_s: int = 3600,
        now: float | None = None,
        **claims: Any,
    ) -> str:
        issued = int(now if now is not None else time.time())
        body: dict[str, Any] = {
            "iss": self.issuer,
            "aud": AUDIENCE,
            "sub": subject,
            "iat": issued,
            "exp": issued + lifetime_s,
            "roles": [str(r) for r in roles],
            **claims,
        }
        if organisation is not None:
            body["organisation"] = organisation
        if name is not None:
            body["name"] = name
        header = {"alg": "ES256", "kid": self._key.kid}
        return jwt.encode(header, body, self._key)
