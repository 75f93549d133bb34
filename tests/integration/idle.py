"""What running services cost at rest: CPU from /proc, database work from PostgreSQL.

Two views of a service's database over a window:
- `busy`: its connections that ran any statement in the window (pg_stat_activity: one
  that stayed idle since before the window ran nothing). Live and exact, and blind to
  PostgreSQL's own visitors, so this is what a test asserts.
- `commits`: pg_stat_database.xact_commit, the figure operators see. It also counts
  autovacuum's visits (a few commits now and then in any database) and PostgreSQL 15
  reports a backend's commits up to ~10 s late, so it is printed, not asserted.
"""

import asyncio
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import asyncpg


@dataclass(frozen=True)
class Watched:
    """A service process and the database it owns."""

    pid: int
    database: str


@dataclass(frozen=True)
class IdleFigures:
    seconds: float
    cores: dict[str, float]
    """CPU used per service, as a fraction of one core."""
    busy: dict[str, int]
    """Connections to each service's database that ran a statement in the window."""
    commits: dict[str, int]
    """Transactions committed in each service's database (autovacuum's included)."""

    def report(self) -> str:
        return "\n".join(
            f"{name:<18} cpu {100 * self.cores[name]:5.2f} % of a core   "
            f"busy connections {self.busy[name]}   "
            f"commits {self.commits[name]:>5} ({self.commits[name] / self.seconds:.1f}/s)"
            for name in self.cores
        )


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of proc(5)
    return (utime + stime) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """CPU time of the process and its descendants: those still running and those that
    exited and were reaped (PostgreSQL's postmaster and its backends); 0 once it is gone."""
    stats = _stats()
    children: dict[int, list[int]] = {}
    for child, fields in stats.items():
        children.setdefault(int(fields[1]), []).append(child)
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        if current in stats:
            total += sum(int(f) for f in stats[current][11:15])  # utime stime cutime cstime
            todo.extend(children.get(current, []))
    return total / os.sysconf("SC_CLK_TCK")


def _stats() -> dict[int, list[str]]:
    """The fields after the command name of /proc/<pid>/stat, for every process."""
    stats: dict[int, list[str]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat") as stat:
                    stats[int(entry.name)] = stat.read().rsplit(")", 1)[1].split()
            except (FileNotFoundError, ProcessLookupError):
                continue
    return stats


class Server:
    """Statistics of a PostgreSQL server, read from its `postgres` database (so that
    reading them touches none of the databases watched)."""

    def __init__(self, server_url: str) -> None:
        dsn = server_url.replace("postgresql+asyncpg://", "postgresql://", 1).rstrip("/")
        self._dsn = f"{dsn}/postgres"

    async def _fetch(self, query: str, *args: object) -> list[asyncpg.Record]:
        connection = await asyncpg.connect(self._dsn)
        try:
            return list(await connection.fetch(query, *args))
        finally:
            await connection.close()

    async def now(self) -> datetime:
        [row] = await self._fetch("SELECT clock_timestamp() AS now")
        now: datetime = row["now"]
        return now

    async def commits(self, databases: list[str]) -> dict[str, int]:
        rows = await self._fetch(
            "SELECT datname, xact_commit FROM pg_stat_database WHERE datname = ANY($1)",
            databases,
        )
        return {row["datname"]: int(row["xact_commit"]) for row in rows}

    async def busy(self, databases: list[str], since: datetime) -> dict[str, int]:
        """Client connections per database that ran a statement, or connected, since."""
        rows = await self._fetch(
            "SELECT datname, count(*) AS busy FROM pg_stat_activity"
            " WHERE datname = ANY($1) AND backend_type = 'client backend'"
            " AND (state_change >= $2 OR backend_start >= $2 OR state <> 'idle')"
            " GROUP BY datname",
            databases,
            since,
        )
        found = {row["datname"]: int(row["busy"]) for row in rows}
        return {database: found.get(database, 0) for database in databases}


async def measure_idle(
    server_url: str, services: Mapping[str, Watched], seconds: float
) -> IdleFigures:
    """CPU and database work of each service over the next `seconds`."""
    server = Server(server_url)
    databases = [watched.database for watched in services.values()]
    commits_before = await server.commits(databases)
    cpu_before = {name: cpu_seconds(watched.pid) for name, watched in services.items()}
    since = await server.now()
    started = asyncio.get_running_loop().time()
    await asyncio.sleep(seconds)
    elapsed = asyncio.get_running_loop().time() - started
    cpu_after = {name: cpu_seconds(watched.pid) for name, watched in services.items()}
    busy = await server.busy(databases, since)
    commits_after = await server.commits(databases)
    return IdleFigures(
        seconds=elapsed,
        cores={name: (cpu_after[name] - cpu_before[name]) / elapsed for name in services},
        busy={name: busy[w.database] for name, w in services.items()},
        commits={
            name: commits_after[w.database] - commits_before[w.database]
            for name, w in services.items()
        },
    )
