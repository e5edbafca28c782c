"""Devices: provisioning of fill sensors and camera units (database, config files, broker)."""
