"""Every HTTP endpoint says who may call it, and a test fails when one does not.

    @router.get("/routing/manual")
    async def manual_queue(caller: Annotated[Principal, Depends(allow(Role.OPERATOR))]): ...

- `allow(*roles)`: a verified bearer token with one of `roles`, else 401 (no or a bad
  token) or 403 (a token without those roles); the handler gets the `Principal`. Whose
  data the caller may touch (an executor's own assignments, a citizen's own appeals) the
  handler checks with `forbid_unless(...)`.
- `public()`: anyone, no token needed.
- `viewer()`: anyone; the handler gets the `Principal` if a valid token came, else None
  (a public view that shows its owner and staff more).

The rule is kept on the dependency (`ACCESS_ATTRIBUTE`), so `rules_of(app)` lists every
route's rule and `document_access(app)` adds 401/403 to the OpenAPI of guarded routes.
"""

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request, status
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.identity import Principal, Role, TokenVerifier, Unauthenticated

ACCESS_ATTRIBUTE = "__access_rule__"

bearer = HTTPBearer(auto_error=False, description="a token from a trusted identity provider")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


@dataclass(frozen=True)
class AccessRule:
    roles: frozenset[Role]
    """Who may call; empty with `public` for anyone."""
    public: bool = False

    def admits(self, roles: frozenset[Role] | None) -> bool:
        """Would a caller with `roles` (None: no token) get past the rule?"""
        if self.public:
            return True
        return roles is not None and not self.roles.isdisjoint(roles)


def _verifier(request: Request) -> TokenVerifier:
    verifier: TokenVerifier = request.app.state.runtime.identity
    return verifier


def _challenge(reason: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        detail=reason,
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


async def _caller(request: Request, credentials: HTTPAuthorizationCredentials | None) -> Principal:
    if credentials is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="sign in: this needs a bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    try:
        return await _verifier(request).verify(credentials.credentials)
    except Unauthenticated as error:
        raise _challenge(str(error)) from error


def _ruled(rule: AccessRule, dependency: Callable[..., Awaitable[Any]]) -> Any:
    setattr(dependency, ACCESS_ATTRIBUTE, rule)
    return dependency


def allow(*roles: Role) -> Any:
    """A dependency admitting callers with any of `roles`; gives the `Principal`."""
    if not roles:
        raise ValueError("allow() needs at least one role; use public() for anyone")
    rule = AccessRule(frozenset(roles))

    async def guarded(request: Request, credentials: Credentials) -> Principal:
        caller = await _caller(request, credentials)
        if not rule.admits(caller.roles):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail=f"this needs one of the roles {', '.join(sorted(rule.roles))}",
            )
        return caller

    return _ruled(rule, guarded)


def public() -> Any:
    """A dependency admitting anyone (no token needed)."""

    async def anyone() -> None:
        return None

    return _ruled(AccessRule(frozenset(), public=True), anyone)


def viewer() -> Any:
    """A dependency admitting anyone; gives the `Principal` when a valid token came."""

    async def maybe(request: Request, credentials: Credentials) -> Principal | None:
        if credentials is None:
            return None
        return await _caller(request, credentials)

    return _ruled(AccessRule(frozenset(), public=True), maybe)


def forbid_unless(allowed: bool, reason: str) -> None:
    """403 with `reason` unless `allowed` (whose data the caller may touch)."""
    if not allowed:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=reason)


def refused(reason: str, caller: Principal | None) -> HTTPException:
    """Not for this caller: 401 asking an anonymous visitor to sign in (someone signed in
    might see it), 403 to someone signed in."""
    if caller is None:
        return HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail=f"sign in: {reason}",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return HTTPException(status.HTTP_403_FORBIDDEN, detail=reason)


def rule_of(route: Any) -> AccessRule | None:
    """The access rule among a route's dependencies (None: the route has none)."""
    dependant = getattr(route, "dependant", None)
    pending = [dependant] if dependant is not None else []
    while pending:
        dependant = pending.pop()
        rule = getattr(dependant.call, ACCESS_ATTRIBUTE, None)
        if isinstance(rule, AccessRule):
            return rule
        pending.extend(dependant.dependencies)
    return None


def _api_routes(app: FastAPI) -> Iterator[Any]:
    """Every API route of `app` as served (prefixes and router dependencies included)."""
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute):
            yield context


def rules_of(app: FastAPI) -> dict[tuple[str, str], AccessRule | None]:
    """(method, path) → rule, for every API route of `app`."""
    return {
        (method, route.path): rule_of(route)
        for route in _api_routes(app)
        for method in sorted(route.methods or ())
    }


def document_access(app: FastAPI) -> None:
    """Document 401 and 403 on every guarded operation of the app's OpenAPI."""
    guarded = {
        (method.lower(), path)
        for (method, path), rule in rules_of(app).items()
        if rule is not None and not rule.public
    }
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                if (method, path) in guarded:
                    responses = operation.setdefault("responses", {})
                    responses.setdefault("401", {"description": "no valid bearer token"})
                    responses.setdefault("403", {"description": "the caller may not do this"})
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
