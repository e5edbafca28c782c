"""The MQTT side of the platform: the client every service connects with, and broker tooling.

``broker.client`` connects a service; ``broker.passwords`` keeps the password file,
``broker.mosquitto`` writes the broker's configuration and ACL, ``broker.exporter`` serves the
broker's statistics to Prometheus, ``broker.cli`` is ``nettestad broker ...``.
"""

from broker.client import connect, make_client
from broker.exporter import BrokerExporter, ExporterSettings, run_exporter, sys_metric
from broker.mosquitto import (
    LNS_ACL,
    SERVICE_ACL,
    BrokerLayout,
    acl_rules,
    reload_broker,
    render_acl,
    render_config,
)
from broker.passwords import (
    PBKDF2_ITERATIONS,
    SERVICE_PATTERN,
    CredentialError,
    add_device_credentials,
    hash_password,
    read_passwd,
    revoke_device_credentials,
    set_service_credentials,
    verify_password,
)

__all__ = [
    "LNS_ACL",
    "PBKDF2_ITERATIONS",
    "SERVICE_ACL",
    "SERVICE_PATTERN",
    "BrokerExporter",
    "BrokerLayout",
    "CredentialError",
    "ExporterSettings",
    "acl_rules",
    "add_device_credentials",
    "connect",
    "hash_password",
    "make_client",
    "read_passwd",
    "reload_broker",
    "render_acl",
    "render_config",
    "revoke_device_credentials",
    "run_exporter",
    "set_service_credentials",
    "sys_metric",
    "verify_password",
]
