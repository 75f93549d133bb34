"""Platform-wide chores: `python -m services topics` creates every topic a service
declares; `declared`, `manifests` and `dlq` serve scripts, deployment and operators;
`fake-sms` is the local SMS gateway `make up` runs."""

import asyncio
import json
import os
from pathlib import Path

import typer

from contracts.declarations import declared_services
from services.dead_letters import list_dead_letters, replay_dead_letters
from services.identity import Role
from services.kafka import TopicSpec, ensure_topics
from services.local_issuer import LocalIssuer
from services.manifests import declared_topics
from services.settings import KafkaSettings

cli = typer.Typer(help="Platform chores shared by every service.", add_completion=False)


@cli.callback()
def main() -> None:
    """Platform chores shared by every service."""


@cli.command()
def topics() -> None:
    """Create every topic a declared service reads or writes, if it does not exist
    (per-executor and dead-letter topics are created by the services as needed)."""
    settings = KafkaSettings()
    specs = [
        TopicSpec.compacted(topic.name)
        if topic.compacted
        else TopicSpec(topic.name, settings.kafka_topic_partitions)
        for topic in declared_topics(declared_services())
    ]
    created = asyncio.run(ensure_topics(settings.kafka, specs))
    typer.echo(f"topics: created {', '.join(created) or 'none (all exist)'}")


@cli.command()
def declared(
    field: list[str] = typer.Argument(
        None, help="columns to print (default: name package folder env_prefix port database)"
    ),
) -> None:
    """The declared services, one per line, tab-separated: for scripts and Makefiles."""
    columns = field or ["name", "package", "folder", "env_prefix", "port", "database"]
    for service in declared_services():
        typer.echo("\t".join(str(getattr(service, column)) for column in columns))


@cli.command()
def manifests(
    check: bool = typer.Option(False, "--check", help="exit 1 naming stale files, write none"),
) -> None:
    """Write the Kubernetes manifests in deploy/k8s/ generated from the declarations."""
    from services.manifests import K8S_DIR, stale_files, write

    if not check:
        typer.echo(f"wrote {', '.join(write())} in {K8S_DIR}")
    elif stale := stale_files():
        typer.echo(
            f"stale manifests in {K8S_DIR}: {', '.join(stale)}; run python -m services manifests"
        )
        raise typer.Exit(1)
    else:
        typer.echo(f"Kubernetes manifests in {K8S_DIR} up to date")


def _local_issuer() -> LocalIssuer:
    state = Path(os.environ.get("APPEALS_STATE_DIR", "~/.local/state/appeals-platform"))
    return LocalIssuer.from_file(state.expanduser() / "identity" / "local-issuer.jwk")


@cli.command("trust-local-issuer")
def trust_local_issuer() -> None:
    """Print the IDENTITY_ISSUERS that trusts the local development issuer (made if
    missing, its key under $APPEALS_STATE_DIR/identity). `make up` uses it."""
    typer.echo(json.dumps([_local_issuer().trusted().model_dump(mode="json")]))


@cli.command("local-issuer")
def local_issuer() -> None:
    """Print the `iss` of the local development issuer's tokens (for staff-directory
    grants: `PUT /staff {"issuer": ...}`)."""
    typer.echo(_local_issuer().issuer)


@cli.command()
def token(
    role: Role | None = typer.Argument(
        None, help="the caller's role (none: only what the staff directory grants them)"
    ),
    organisation: str | None = typer.Option(None, help="executor staff: the executor id"),
    subject: str | None = typer.Option(None, help="who (default: derived from the role)"),
    name: str | None = typer.Option(None, help="a display name"),
    hours: float = typer.Option(12.0, min=0.01, max=720.0, help="how long it is valid"),
) -> None:
    """Print a bearer token of the local development issuer (never for production: real
    deployments trust the city's identity providers)."""
    issued = _local_issuer().token(
        subject
        or f"demo-{role.value if role else 'staff'}" + (f"-{organisation}" if organisation else ""),
        [role] if role else [],
        organisation=organisation,
        name=name,
        lifetime_s=int(hours * 3600),
    )
    typer.echo(issued)


@cli.command("fake-sms")
def fake_sms(
    port: int = typer.Option(8090, help="the port to listen on"),
    host: str = typer.Option("127.0.0.1", help="the address to listen on"),
    refuse: list[str] = typer.Option([], help="a number the gateway refuses (error 207)"),
    per_second: int = typer.Option(5, min=1, help="messages a second to one phone before 429"),
) -> None:
    """Run the local fake SMS gateway (SMS.ru's API; read what it took at /inbox).
    Development only: anyone who reaches it reads every code."""
    import uvicorn

    from services.fake_sms import FakeSmsGateway, fake_sms_app
    from services.logs import configure_logging

    configure_logging("fake-sms")
    gateway = FakeSmsGateway(refused=refuse, per_second=per_second)
    typer.echo(f"fake SMS gateway: inbox at http://{host}:{port}/inbox")
    uvicorn.run(fake_sms_app(gateway), host=host, port=port, log_config=None, access_log=False)


@cli.command("kafka-principals")
def kafka_principals(
    executor: list[str] = typer.Option([], help="an executor organisation's id (repeatable)"),
) -> None:
    """Grant every declared service (and each --executor) its ACLs, signed in as the
    admin (KAFKA_USERNAME/KAFKA_PASSWORD). A service whose <PREFIX>_KAFKA_PASSWORD is set
    also gets its SCRAM user on the local broker (deploy/local/kafka.sh add-user)."""
    from services.discovery import settings_class
    from services.kafka_acls import executor_principal, service_principal
    from services.kafka_principals import add_local_user, grant

    principals = [service_principal(s) for s in declared_services()]
    for service in declared_services():
        own = settings_class(service)().kafka_password
        if own is not None:
            add_local_user(service.name, own.get_secret_value())
    principals += [executor_principal(e) for e in executor]
    sent = asyncio.run(grant(KafkaSettings().kafka, principals))
    typer.echo(f"kafka: {sent} ACLs for {', '.join(p.name for p in principals)}")


dlq = typer.Typer(help="Dead-letter topics: dlq.<consumer>.<topic>.", no_args_is_help=True)
cli.add_typer(dlq, name="dlq")


@dlq.command("list")
def dlq_list(topic: str, limit: int = typer.Option(50, help="show the newest N")) -> None:
    """Show what is parked on a dead-letter topic and why."""
    from rich.console import Console
    from rich.table import Table

    letters = asyncio.run(list_dead_letters(KafkaSettings().kafka, topic))
    if not letters:  # also a topic nothing was ever dead-lettered to (not created yet)
        typer.echo(f"{topic}: the queue is empty (no dead letters)")
        return
    table = Table(title=f"{topic}: {len(letters)} dead letters")
    for column in ("partition:offset", "from", "parked at", "reason", "message"):
        table.add_column(column, overflow="fold")
    for letter in letters[-limit:]:
        table.add_row(
            f"{letter.partition}:{letter.offset}",
            f"{letter.origin}:{letter.headers.get('dlq-original-partition')}"
            f":{letter.headers.get('dlq-original-offset')}",
            letter.headers.get("dlq-at", ""),
            letter.reason,
            letter.value[:200].decode(errors="replace"),
        )
    Console().print(table)


@dlq.command("replay")
def dlq_replay(
    topic: str, dry_run: bool = typer.Option(False, "--dry-run", help="only show what would go")
) -> None:
    """Send dead letters not replayed before back to the topics they came from."""
    letters = asyncio.run(replay_dead_letters(KafkaSettings().kafka, topic, dry_run=dry_run))
    verb = "would replay" if dry_run else "replayed"
    typer.echo(f"{verb} {len(letters)} dead letters from {topic}")


if __name__ == "__main__":
    cli()
