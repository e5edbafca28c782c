"""Operations: backup and restore of the database and the evidence store.

``ops.backup`` writes and restores the archive; ``ops.cli`` is ``nettestad backup ...``.
"""

from ops.backup import (
    COUNTED_TABLES,
    FORMAT_VERSION,
    BackupError,
    PgTools,
    create_backup,
    find_pg_tools,
    restore_backup,
)

__all__ = [
    "COUNTED_TABLES",
    "FORMAT_VERSION",
    "BackupError",
    "PgTools",
    "create_backup",
    "find_pg_tools",
    "restore_backup",
]
