"""The ingest service: MQTT messages from devices into PostgreSQL, nothing lost, nothing twice."""
