"""The database: connections, the migration runner and the typed data-access layer."""
