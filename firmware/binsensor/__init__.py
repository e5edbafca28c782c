"""Fill-level sensor node for a litter bin or an underground container (MicroPython, ESP32)."""

VERSION = "1.0.0"
