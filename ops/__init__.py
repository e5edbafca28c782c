"""Operations: backup and restore of the database and the evidence store."""
