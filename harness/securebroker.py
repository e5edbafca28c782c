"""A private, locked-down Mosquitto started from the generated configuration (no Docker here).

It listens on spare ports with a certificate authority made for the test, so the tests exercise
the same configuration, ACL and password file that the Compose stack ships.
"""

from __future__ import annotations

import datetime as dt
import getpass
import ipaddress
import shutil
import socket
import ssl
import subprocess
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import paho.mqtt.client as mqtt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from broker import BrokerLayout, render_acl, render_config, set_service_credentials
from harness.local import free_port, poll

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
SERVICE_PASSWORD = "ingest-test-password"  # noqa: S105 - a password for a throwaway test broker


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def make_certificates(folder: Path) -> None:
    """A test CA and a server certificate for localhost, written as ca.crt/server.crt/server.key."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("nettestad test CA"))
        .issuer_name(_name("nettestad test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    server = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    (folder / "ca.crt").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (folder / "server.crt").write_bytes(server.public_bytes(serialization.Encoding.PEM))
    (folder / "server.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


@dataclass
class SecureBroker:
    """A running private broker: its ports, files and topic root."""

    folder: Path
    root: str
    tls_port: int
    health_port: int
    service_port: int = 0
    process: subprocess.Popen[bytes] | None = None
    log: list[str] = field(default_factory=list)

    @property
    def ca_file(self) -> Path:
        """The test CA that signed the broker's certificate."""
        return self.folder / "ca.crt"

    @property
    def passwd_file(self) -> Path:
        """The password file the broker reads."""
        return self.folder / "passwd"

    @property
    def pid_file(self) -> Path:
        """The broker's pid file (what `nettestad broker reload` signals)."""
        return self.folder / "mosquitto.pid"


@contextmanager
def running_secure_broker(folder: Path) -> Iterator[SecureBroker]:
    """Generate the configuration into ``folder``, start Mosquitto on it, stop it afterwards."""
    make_certificates(folder)
    broker = SecureBroker(
        folder=folder, root=f"t{uuid.uuid4().hex[:10]}", tls_port=free_port(), health_port=0
    )
    broker.health_port = free_port()
    broker.service_port = free_port()
    layout = BrokerLayout(
        cafile=str(folder / "ca.crt"),
        certfile=str(folder / "server.crt"),
        keyfile=str(folder / "server.key"),
        password_file=str(broker.passwd_file),
        acl_file=str(folder / "acl"),
        tls_port=broker.tls_port,
        tls_bind="127.0.0.1",
        service_port=broker.service_port,
        service_bind="127.0.0.1",
        health_port=broker.health_port,
        persistence_dir=None,
        log_dest="stderr",
        pid_file=str(broker.pid_file),
        sys_interval_s=1,
        run_as_user=getpass.getuser(),  # as root, Mosquitto would drop to a user who cannot read tmp
    )
    (folder / "mosquitto.conf").write_text(render_config(layout))
    (folder / "acl").write_text(render_acl(root=broker.root))
    for service in ("svc_ingest", "svc_metrics"):
        set_service_credentials(
            passwd_file=broker.passwd_file, service=service, password=SERVICE_PASSWORD
        )
    process = subprocess.Popen(
        [MOSQUITTO, "-c", str(folder / "mosquitto.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    broker.process = process
    reader = threading.Thread(target=_collect, args=(process, broker.log), daemon=True)
    reader.start()
    try:
        poll(
            lambda: process.poll() is not None or _listening(broker.tls_port),
            timeout=10,
            what="the private broker to listen",
        )
        assert process.poll() is None, "mosquitto exited:\n" + "\n".join(broker.log)
        poll(broker.pid_file.exists, timeout=5, what="the broker's pid file")
        yield broker
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        reader.join(5)


def _collect(process: subprocess.Popen[bytes], log: list[str]) -> None:
    assert process.stderr is not None
    for line in process.stderr:
        log.append(line.decode(errors="replace").rstrip())


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return False
    return True


@dataclass
class Session:
    """A connected test client and what it has seen."""

    client: mqtt.Client
    messages: list[mqtt.MQTTMessage] = field(default_factory=list)
    disconnected: threading.Event = field(default_factory=threading.Event)
    acks: dict[int, int] = field(default_factory=dict)  # mid -> reason code value
    subscribed: dict[int, list[int]] = field(default_factory=dict)  # SUBSCRIBE mid -> codes


def connect_client(
    broker: SecureBroker,
    *,
    username: str | None,
    password: str | None,
    tls: bool = True,
    port: int | None = None,
    timeout: float = 5.0,
    client_id: str | None = None,
) -> Session | str:
    """Connect an MQTT v5 client; the session, or why the broker would not have it."""
    client = mqtt.Client(
        callback_api_version=CallbackAPIVersion.VERSION2,
        client_id=client_id or f"t-{uuid.uuid4().hex[:12]}",
        protocol=mqtt.MQTTv5,
    )
    if username is not None:
        client.username_pw_set(username, password)
    if tls:
        client.tls_set_context(ssl.create_default_context(cafile=str(broker.ca_file)))
    outcome: list[str] = []
    session = Session(client)

    def on_connect(_c: object, _u: object, _f: object, reason: object, _p: object) -> None:
        outcome.append(str(reason))

    def on_disconnect(*args: object) -> None:
        session.disconnected.set()
        if not outcome:
            outcome.append(f"disconnected: {args[3] if len(args) > 3 else ''}")

    def on_publish(_c: object, _u: object, mid: int, reason: object, _p: object) -> None:
        session.acks[mid] = int(getattr(reason, "value", 0))

    def on_subscribe(
        _c: mqtt.Client, _u: object, mid: int, codes: list[ReasonCode], _p: Properties
    ) -> None:
        session.subscribed[mid] = [int(code.value) for code in codes]

    client.on_connect = on_connect
    client.on_subscribe = on_subscribe
    client.on_disconnect = on_disconnect
    client.on_publish = on_publish
    client.on_message = lambda _c, _u, message: session.messages.append(message)
    try:
        client.connect("127.0.0.1", port or broker.tls_port, keepalive=30)
    except (OSError, ssl.SSLError) as exc:
        return f"connect failed: {exc}"
    client.loop_start()
    try:
        poll(lambda: outcome, timeout=timeout, what="a CONNACK or a disconnect")
    except AssertionError:
        outcome.append("no answer from the broker")
    if outcome[0] != "Success":
        client.loop_stop()
        client.disconnect()
        return outcome[0]
    return session


def close(session: Session) -> None:
    """Disconnect a test client."""
    session.client.disconnect()
    session.client.loop_stop()
