"""The database: connections, the migration runner and the typed data-access layer.

The data-access layer has one module per aggregate (``from db import plans``): keyword-only
functions taking a ``Conn``, rows as frozen dataclasses. Every SQL statement of the services
lives in exactly one of them.
"""

from db import (
    accounts,
    advice,
    audit,
    bins,
    coordinator,
    crew,
    deadletters,
    devices,
    dumping,
    dumps,
    enforcement,
    evidence,
    fleet,
    health,
    hotspot_checks,
    kpis,
    maintenance,
    plans,
    readings,
    schedule,
    servicedays,
    sites,
    trends,
)
from db.conn import (
    Conn,
    connect,
    database_name,
    drop_database,
    ensure_database,
    timescaledb_installed,
    with_database,
)
from db.migrate import TimescaleMode, load_migrations, upgrade, uses_timescale

__all__ = [
    "Conn",
    "TimescaleMode",
    "accounts",
    "advice",
    "audit",
    "bins",
    "connect",
    "coordinator",
    "crew",
    "database_name",
    "deadletters",
    "devices",
    "drop_database",
    "dumping",
    "dumps",
    "enforcement",
    "ensure_database",
    "evidence",
    "fleet",
    "health",
    "hotspot_checks",
    "kpis",
    "load_migrations",
    "maintenance",
    "plans",
    "readings",
    "schedule",
    "servicedays",
    "sites",
    "timescaledb_installed",
    "trends",
    "upgrade",
    "uses_timescale",
    "with_database",
]
