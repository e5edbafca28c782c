"""The network server's integration account on the locked-down broker: its own topics only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from broker import add_device_credentials, set_service_credentials
from contracts.topics import UpKind, up_topic
from harness.securebroker import (
    SERVICE_PASSWORD,
    SecureBroker,
    Session,
    close,
    connect_client,
    running_secure_broker,
)
from tests.helpers import poll

LNS_PASSWORD = "chirpstack-integration-password"  # noqa: S105 - a throwaway test broker's
DEVICE_PASSWORD = "device-password-for-the-test"  # noqa: S105 - a throwaway test broker's


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecureBroker]:
    """The generated configuration and ACL, with ChirpStack's account and one device."""
    with running_secure_broker(tmp_path_factory.mktemp("lns-broker")) as secure:
        set_service_credentials(
            passwd_file=secure.passwd_file, service="svc_lns_chirpstack", password=LNS_PASSWORD
        )
        add_device_credentials(
            passwd_file=secure.passwd_file, device_id="fill-l001", password=DEVICE_PASSWORD
        )
        assert secure.process is not None
        secure.process.send_signal(1)  # SIGHUP: reread the password file
        yield secure


def _session(broker: SecureBroker, username: str, password: str) -> Session:
    """A session for ``username``, once the broker has reread its password file after the
    fixture's SIGHUP (it may refuse a connection or the new account for a moment)."""

    def attempt() -> Session | None:
        found = connect_client(broker, username=username, password=password)
        return found if isinstance(found, Session) else None

    return poll(attempt, what=f"a session for {username}")


def test_the_network_server_reaches_ingest_and_nothing_else(broker: SecureBroker) -> None:
    """ChirpStack's uplink reaches ingest; its publish on a device's or TTS's topic is refused,
    a device cannot forge a LoRaWAN uplink, and ChirpStack cannot read devices' readings."""
    root = broker.root
    uplink = f"{root}/lns/application/app-1/device/24e124710c401234/event/up"
    ingest = _session(broker, "svc_ingest", SERVICE_PASSWORD)
    lns = _session(broker, "svc_lns_chirpstack", LNS_PASSWORD)
    device = _session(broker, "fill-l001", DEVICE_PASSWORD)
    try:
        _, sub_ingest = ingest.client.subscribe(f"{root}/lns/#", qos=1)
        _, sub_lns = lns.client.subscribe(f"{root}/v1/dev/+/up/#", qos=1)
        # the broker must have taken both subscriptions before anything is published
        poll(
            lambda: sub_ingest in ingest.subscribed and sub_lns in lns.subscribed,
            what="both SUBACKs",
        )
        own = lns.client.publish(uplink, b"{}", qos=1)
        on_device = lns.client.publish(
            up_topic("fill-l001", UpKind.READING, root=root), b"{}", qos=1
        )
        on_tts = lns.client.publish(f"{root}/lns/v3/a@t/devices/d/up", b"{}", qos=1)
        forged = device.client.publish(uplink, b"{}", qos=1)
        device.client.publish(up_topic("fill-l001", UpKind.READING, root=root), b"{}", qos=1)
        poll(lambda: len(lns.acks) == 3 and len(device.acks) == 2, what="every PUBACK")
        poll(lambda: ingest.messages, what="the network server's uplink at ingest")
        assert (lns.acks[own.mid], lns.acks[on_device.mid], lns.acks[on_tts.mid]) == (0, 135, 135)
        assert device.acks[forged.mid] == 135  # MQTT v5 "not authorized"
        assert [m.topic for m in ingest.messages] == [uplink]
        assert lns.messages == []
    finally:
        for session in (ingest, lns, device):
            close(session)


def test_generated_acl_names_the_integration_accounts(broker: SecureBroker) -> None:
    """The ACL written for the broker holds both network servers' accounts."""
    acl = (Path(broker.folder) / "acl").read_text()
    assert (
        f"user svc_lns_chirpstack\ntopic write {broker.root}/lns/application/+/device/+/event/+"
        in acl
    )
    assert f"user svc_lns_tts\ntopic write {broker.root}/lns/v3/+/devices/+/up" in acl
