"""A lean MQTT 3.1.1 publisher for the benchmark's simulated sensors: QoS 1 packets encoded in
advance and written in bulk, every PUBACK counted.

Ten thousand real sensors publish on their own chips; simulated on the two cores that also run
the broker, ingest and PostgreSQL, a full client library spent about a third of the machine's CPU
on the publishing side alone. Here a message costs one ``sendall`` share and a PUBACK count, so
what the benchmark measures is the system under test.
"""

from __future__ import annotations

import socket
import struct
import threading
import time


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _text(value: str) -> bytes:
    data = value.encode()
    return struct.pack("!H", len(data)) + data


def connect_packet(client_id: str) -> bytes:
    """CONNECT with a clean session and no keep-alive (the run is short and always busy)."""
    body = _text("MQTT") + bytes([4, 0x02]) + struct.pack("!H", 0) + _text(client_id)
    return b"\x10" + _varint(len(body)) + body


def publish_packet(topic: str, payload: bytes, packet_id: int) -> bytes:
    """PUBLISH at QoS 1."""
    body = _text(topic) + struct.pack("!H", packet_id) + payload
    return b"\x32" + _varint(len(body)) + body


class Publisher:
    """One connection publishing pre-encoded QoS 1 messages, with at most ``window`` unacked."""

    def __init__(self, port: int, client_id: str, window: int = 20_000) -> None:
        self._sock = socket.create_connection(("127.0.0.1", port))
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._window = window
        self.acked = 0
        self.sent = 0
        self._progress = threading.Condition()
        self._sock.sendall(connect_packet(client_id))
        connack = self._sock.recv(4)
        if len(connack) < 4 or connack[0] != 0x20 or connack[3] != 0:
            raise RuntimeError(f"broker refused the connection: {connack!r}")
        self._reader = threading.Thread(target=self._read_acks, daemon=True)
        self._reader.start()

    def _read_acks(self) -> None:
        buffer = b""
        while True:
            chunk = self._sock.recv(65536)
            if not chunk:
                return
            buffer += chunk
            count = 0
            while len(buffer) >= 4 and buffer[1] == 2:  # PUBACK: 0x40 0x02 id id
                if buffer[0] != 0x40:
                    raise RuntimeError(f"unexpected packet {buffer[:4]!r}")
                buffer = buffer[4:]
                count += 1
            with self._progress:
                self.acked += count
                self._progress.notify_all()

    def send(self, packets: list[bytes]) -> None:
        """Write these packets at once, first waiting while too many are unacknowledged."""
        with self._progress:
            while self.sent + len(packets) - self.acked > self._window:
                self._progress.wait(1.0)
        self._sock.sendall(b"".join(packets))
        self.sent += len(packets)

    def wait_acked(self, timeout: float) -> bool:
        """Block until the broker has acknowledged every message sent."""
        deadline = time.monotonic() + timeout
        with self._progress:
            while self.acked < self.sent:
                if not self._progress.wait(max(deadline - time.monotonic(), 0)):
                    return False
        return True

    def close(self) -> None:
        """DISCONNECT cleanly: the broker then closes the connection, which ends the reader,
        before the socket is released (closing it under a blocked ``recv`` raised there)."""
        self._sock.sendall(b"\xe0\x00")
        self._reader.join(5.0)
        self._sock.close()
