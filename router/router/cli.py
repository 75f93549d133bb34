"""`python -m router serve | migrate | load-city DIR | openapi | rules … | territories …`."""

import asyncio
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.progress import track
from rich.table import Table

from router import rule_publishing
from router.city import load_city
from router.rule_publishing import PublishError
from router.rules_file import RuleFileError
from router.settings import RouterSettings
from router.territory_import import TerritoryImportError, import_territories, read_features
from services.cli import service_cli

cli = service_cli(
    settings=RouterSettings,
    app_factory="router.app:create_app",
    migrations="router:store/migrations",
    load_city=load_city,
    help="Router: assigns appeals to executors.",
)
rules = typer.Typer(help="Rule sets: try a draft on recent appeals, publish it to every router.")
territories = typer.Typer(help="Territories: import GeoJSON service areas, districts, zones.")
cli.add_typer(rules, name="rules")
cli.add_typer(territories, name="territories")
console = Console()


def _fail(problems: list[str]) -> NoReturn:
    for problem in problems:
        console.print(f"[red]✗[/red] {problem}", highlight=False)
    raise typer.Exit(1)


@rules.command("check")
def check(
    file: Path,
    replay: int = typer.Option(1000, "--replay", help="how many recent appeals to replay"),
) -> None:
    """Validate FILE and show how many of the last N appeals would change executor."""
    try:
        draft, report = asyncio.run(rule_publishing.check(RouterSettings(), file, replay))
    except RuleFileError as error:
        _fail(error.problems)
    except PublishError as error:
        _fail([str(error)])
    console.print(
        f"{file}: valid rule set v{draft.rules.version} ({len(draft.rules.rules)} rules);"
        f" in force: v{draft.current.rules.version}"
    )
    console.print(
        f"replayed {report.appeals} recent appeals: {report.executor_changed} would change"
        f" executor ({report.now_manual} to manual routing, {report.now_routed} out of it),"
        f" {report.rule_changed} more would keep the executor under another rule"
    )
    if report.moves:
        moves = Table("from", "to", "appeals", title="moves")
        for (was, will), count in report.moves.most_common():
            moves.add_row(was, will, str(count))
        console.print(moves)
    if report.examples:
        examples = Table("appeal", "category", "now", "with the draft", title="examples")
        for change in report.examples:
            examples.add_row(str(change.appeal_id), change.category, change.before, change.after)
        console.print(examples)


@rules.command("publish")
def publish(
    file: Path, by: str = typer.Option(None, "--by", help="who publishes (kept in the event)")
) -> None:
    """Publish FILE to `routing.changes`; every router switches to it as a whole."""
    try:
        published = asyncio.run(rule_publishing.publish(RouterSettings(), file, by))
    except RuleFileError as error:
        _fail(error.problems)
    except PublishError as error:
        _fail([str(error)])
    console.print(f"published rule set v{published.version}; routers switch as they read it")


def _progress(items: Iterable[Any], description: str, total: int) -> Iterable[Any]:
    return track(items, description=description, total=total, console=console)


@territories.command("import")
def import_(file: Path) -> None:
    """Check every feature of a GeoJSON FeatureCollection, then import them all (upsert by
    id) — or none, listing every bad feature."""
    try:
        count = asyncio.run(
            import_territories(RouterSettings(), read_features(file), file.name, _progress)
        )
    except TerritoryImportError as error:
        _fail(error.problems)
    console.print(f"imported {count} territories from {file}; routers reload them")
