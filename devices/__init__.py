"""Devices: provisioning of fill sensors and camera units (database, config files, broker).

``devices.provision`` registers a device and writes what it boots with; ``devices.cli`` is
``nettestad device ...``.
"""

from devices.provision import (
    RADIOS,
    LoRaWANSensor,
    Mounting,
    Network,
    ProvisioningError,
    camera_env,
    device_config,
    generate_password,
    provision,
    register_camera,
    register_fill_sensor,
    register_lorawan_sensor,
    revoke_device,
    send_interval,
    write_private,
)

__all__ = [
    "RADIOS",
    "LoRaWANSensor",
    "Mounting",
    "Network",
    "ProvisioningError",
    "camera_env",
    "device_config",
    "generate_password",
    "provision",
    "register_camera",
    "register_fill_sensor",
    "register_lorawan_sensor",
    "revoke_device",
    "send_interval",
    "write_private",
]
