"""What the parts of nettestad agree on: the MQTT contract (topics, payloads, decoding), the
evidence manifest and the database schema's SQL files. Pure: no I/O, no platform code."""
