"""What the parts of nettestad agree on: the domain model, the database schema and the MQTT contract."""
