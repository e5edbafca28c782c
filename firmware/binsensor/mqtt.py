"""A small MQTT 3.1.1 client for a node that wakes, reports and sleeps.

Every wait is bounded: the socket has a timeout and each acknowledgement a deadline, so a broker
that stops answering costs seconds of battery, never hours. Incoming messages (the retained
config, commands) are handed to a callback while the client waits for its own acknowledgements.
"""

import socket
import struct
import time

CONNECT, CONNACK, PUBLISH, PUBACK = 0x10, 0x20, 0x30, 0x40
SUBSCRIBE, SUBACK, PINGREQ, PINGRESP, DISCONNECT = 0x82, 0x90, 0xC0, 0xD0, 0xE0

CONNACK_REASONS = {
    1: "unacceptable protocol version",
    2: "client identifier rejected",
    3: "server unavailable",
    4: "bad user name or password",
    5: "not authorised",
}


class MQTTError(OSError):
    """The broker refused something or did not answer in time."""


def encode_length(length: int) -> bytes:
    """The variable-length 'remaining length' of a fixed header."""
    out = bytearray()
    while True:
        byte = length & 0x7F
        length >>= 7
        out.append(byte | 0x80 if length else byte)
        if not length:
            return bytes(out)


def encode_string(value: "str | bytes") -> bytes:
    """A length-prefixed UTF-8 string."""
    raw = value.encode() if isinstance(value, str) else value
    return struct.pack("!H", len(raw)) + raw


def connect_packet(
    client_id: str,
    *,
    username: "str | None" = None,
    password: "str | None" = None,
    keepalive_s: int = 60,
    clean_session: bool = True,
    will_topic: "str | None" = None,
    will_payload: bytes = b"",
    will_qos: int = 1,
    will_retain: bool = False,
) -> bytes:
    """A CONNECT packet for protocol level 4 (MQTT 3.1.1)."""
    flags = 0x02 if clean_session else 0
    payload = encode_string(client_id)
    if will_topic is not None:
        flags |= 0x04 | will_qos << 3 | (0x20 if will_retain else 0)
        payload += encode_string(will_topic) + encode_string(will_payload)
    if username is not None:
        flags |= 0x80
        payload += encode_string(username)
        if password is not None:
            flags |= 0x40
            payload += encode_string(password)
    variable = encode_string("MQTT") + struct.pack("!BBH", 4, flags, keepalive_s)
    body = variable + payload
    return bytes((CONNECT,)) + encode_length(len(body)) + body


def publish_packet(
    topic: str, payload: bytes, *, packet_id: int = 0, qos: int = 0, retain: bool = False
) -> bytes:
    """A PUBLISH packet; QoS 1 carries a packet identifier."""
    body = encode_string(topic)
    if qos:
        body += struct.pack("!H", packet_id)
    body += payload
    header = PUBLISH | qos << 1 | (1 if retain else 0)
    return bytes((header,)) + encode_length(len(body)) + body


def subscribe_packet(packet_id: int, topics: "list[tuple[str, int]]") -> bytes:
    """A SUBSCRIBE packet for several topic filters at once."""
    body = struct.pack("!H", packet_id)
    for topic, qos in topics:
        body += encode_string(topic) + bytes((qos,))
    return bytes((SUBSCRIBE,)) + encode_length(len(body)) + body


def parse_publish(flags: int, body: bytes) -> "tuple[str, bytes, int, int]":
    """Topic, payload, QoS and packet id of a PUBLISH body."""
    (topic_len,) = struct.unpack("!H", body[:2])
    topic = body[2 : 2 + topic_len].decode()
    rest = 2 + topic_len
    qos = flags >> 1 & 0x03
    packet_id = 0
    if qos:
        (packet_id,) = struct.unpack("!H", body[rest : rest + 2])
        rest += 2
    return topic, body[rest:], qos, packet_id


class Client:
    """One connection to the broker; not reconnecting by itself (the caller bounds retries)."""

    def __init__(
        self,
        client_id: str,
        host: str,
        port: int,
        *,
        username: "str | None" = None,
        password: "str | None" = None,
        tls: bool = False,
        ca_file: "str | None" = None,
        timeout_s: float = 5.0,
        keepalive_s: int = 60,
        on_message: "object | None" = None,
    ) -> None:
        self.client_id = client_id
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.tls = tls
        self.ca_file = ca_file
        self.timeout_s = timeout_s
        self.keepalive_s = keepalive_s
        self.on_message = on_message
        self._sock: "socket.socket | None" = None
        self._next_id = 0

    def connect(
        self,
        *,
        clean_session: bool = True,
        will_topic: "str | None" = None,
        will_payload: bytes = b"",
    ) -> bool:
        """Open the connection; True when the broker still had a session for us."""
        address = socket.getaddrinfo(self.host, self.port, 0, socket.SOCK_STREAM)[0][-1]
        sock = socket.socket()
        sock.settimeout(self.timeout_s)
        self._sock = sock
        try:
            sock.connect(address)
            if self.tls:
                import ssl

                # A client context verifies the broker's certificate against the given CA.
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                if self.ca_file:
                    context.load_verify_locations(cafile=self.ca_file)
                self._sock = context.wrap_socket(sock, server_hostname=self.host)
            self._send(
                connect_packet(
                    self.client_id,
                    username=self.username,
                    password=self.password,
                    keepalive_s=self.keepalive_s,
                    clean_session=clean_session,
                    will_topic=will_topic,
                    will_payload=will_payload,
                )
            )
            kind, body = self._read_packet()
            if kind & 0xF0 != CONNACK or len(body) != 2:
                raise MQTTError("expected CONNACK")
            if body[1]:
                raise MQTTError("connection refused: %s" % CONNACK_REASONS.get(body[1], body[1]))
            return bool(body[0] & 0x01)
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        """Drop the connection without a DISCONNECT (the broker then sends the last will)."""
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass
            self._sock = None

    def disconnect(self) -> None:
        """Say goodbye, so the broker discards the last will, and close."""
        try:
            self._send(bytes((DISCONNECT, 0)))
        finally:
            self.close()

    def publish(self, topic: str, payload: bytes, *, qos: int = 1, retain: bool = False) -> None:
        """Send a message; with QoS 1 return only once the broker acknowledged it."""
        packet_id = self._packet_id() if qos else 0
        self._send(publish_packet(topic, payload, packet_id=packet_id, qos=qos, retain=retain))
        if qos:
            self._wait_for(PUBACK, packet_id)

    def subscribe(self, topics: "list[tuple[str, int]]") -> None:
        """Subscribe to several filters; raise if the broker refused any."""
        packet_id = self._packet_id()
        self._send(subscribe_packet(packet_id, topics))
        body = self._wait_for(SUBACK, packet_id)
        if any(code == 0x80 for code in body[2:]):
            raise MQTTError("subscription refused")

    def ping(self) -> None:
        """Round trip to the broker (also delivers anything that arrived meanwhile)."""
        self._send(bytes((PINGREQ, 0)))
        self._wait_for(PINGRESP, None)

    def _packet_id(self) -> int:
        self._next_id = self._next_id % 0xFFFF + 1
        return self._next_id

    def _wait_for(self, kind: int, packet_id: "int | None") -> bytes:
        deadline = time.ticks_add(time.ticks_ms(), int(self.timeout_s * 1000))
        while time.ticks_diff(deadline, time.ticks_ms()) > 0:
            got, body = self._read_packet()
            if got & 0xF0 == PUBLISH:
                self._deliver(got, body)
                continue
            if got & 0xF0 == kind & 0xF0 and (
                packet_id is None or struct.unpack("!H", body[:2])[0] == packet_id
            ):
                return body
        raise MQTTError("no acknowledgement within %s s" % self.timeout_s)

    def _deliver(self, flags: int, body: bytes) -> None:
        topic, payload, qos, packet_id = parse_publish(flags, body)
        if self.on_message is not None:
            self.on_message(topic, payload)  # type: ignore[operator]  # a callable, kept loose for MicroPython
        if qos == 1:
            self._send(bytes((PUBACK, 2)) + struct.pack("!H", packet_id))

    def _send(self, data: bytes) -> None:
        if self._sock is None:
            raise MQTTError("not connected")
        view = memoryview(data)
        sent = 0
        while sent < len(data):
            written = self._sock.write(view[sent:])
            if not written:
                raise MQTTError("connection closed while sending")
            sent += written

    def _read_exact(self, size: int) -> bytes:
        if self._sock is None:
            raise MQTTError("not connected")
        out = b""
        while len(out) < size:
            chunk = self._sock.read(size - len(out))
            if not chunk:
                raise MQTTError("connection closed by the broker")
            out += chunk
        return out

    def _read_packet(self) -> "tuple[int, bytes]":
        kind = self._read_exact(1)[0]
        length = 0
        shift = 0
        while True:
            byte = self._read_exact(1)[0]
            length |= (byte & 0x7F) << shift
            if not byte & 0x80:
                break
            shift += 7
            if shift > 21:
                raise MQTTError("malformed remaining length")
        return kind, self._read_exact(length) if length else b""
