"""A declared service's parts, found by convention in its package:

- `<package>.app:create_app(settings=None, adapters=REAL)` — the composition root;
- `<package>.settings` — its one `ServiceSettings` subclass;
- `<package>.city:load_city` — loads its part of a city directory.

Tools that work on every service (the in-process test platform, manifests) use these
instead of naming services.
"""

import importlib
import inspect
from typing import Any, Protocol

from fastapi import FastAPI

from contracts.declarations import ServiceDeclaration
from services.adapters import Adapters
from services.cli import CityLoader
from services.settings import ServiceSettings


class AppFactory(Protocol):
    def __call__(self, settings: Any = None, adapters: Adapters = ...) -> FastAPI: ...


def app_factory(declaration: ServiceDeclaration) -> AppFactory:
    factory: AppFactory = importlib.import_module(f"{declaration.package}.app").create_app
    return factory


def settings_class(declaration: ServiceDeclaration) -> type[ServiceSettings]:
    module = importlib.import_module(f"{declaration.package}.settings")
    found = [
        value
        for value in vars(module).values()
        if inspect.isclass(value)
        and issubclass(value, ServiceSettings)
        and value is not ServiceSettings
        and value.__module__ == module.__name__
    ]
    if len(found) != 1:
        raise LookupError(f"{module.__name__} must define one ServiceSettings subclass")
    return found[0]


def city_loader(declaration: ServiceDeclaration) -> CityLoader[Any]:
    loader: CityLoader[Any] = importlib.import_module(f"{declaration.package}.city").load_city
    return loader
