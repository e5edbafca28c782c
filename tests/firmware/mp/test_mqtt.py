"""The MQTT 3.1.1 client's packets, and its bounded waits when the broker does not answer."""

import socket
import time

import sim
from binsensor.mqtt import (
    Client,
    MQTTError,
    connect_packet,
    encode_length,
    parse_publish,
    publish_packet,
    subscribe_packet,
)
from helpers import check, equal, provision, raises, set_scene, state, wake


def test_remaining_length_uses_seven_bits_per_byte():
    """The remaining length is encoded as in the MQTT 3.1.1 specification's examples."""
    equal(encode_length(0), b"\x00")
    equal(encode_length(127), b"\x7f")
    equal(encode_length(128), b"\x80\x01")
    equal(encode_length(16383), b"\xff\x7f")
    equal(encode_length(16384), b"\x80\x80\x01")
    equal(encode_length(2097152), b"\x80\x80\x80\x01")


def test_connect_carries_credentials_and_last_will():
    """CONNECT sets protocol level 4, the will (QoS 1), user name and password flags, and keep-alive."""
    packet = connect_packet(
        "fs-1",
        username="fs-1",
        password="pw",
        keepalive_s=60,
        clean_session=False,
        will_topic="r/will",
        will_payload=b"gone",
    )
    equal(packet[0], 0x10)
    body = packet[2:]
    equal(body[:7], b"\x00\x04MQTT\x04")
    equal(body[7], 0x80 | 0x40 | 0x08 | 0x04)
    equal(body[8:10], b"\x00\x3c")
    equal(body[10:], b"\x00\x04fs-1\x00\x06r/will\x00\x04gone\x00\x04fs-1\x00\x02pw")


def test_publish_and_subscribe_packets_round_trip():
    """A QoS 1 PUBLISH carries its packet id and parses back; SUBSCRIBE lists filters with QoS."""
    packet = publish_packet("a/b", b"{}", packet_id=258, qos=1)
    equal(packet[0], 0x32)
    equal(parse_publish(packet[0] & 0x0F, packet[2:]), ("a/b", b"{}", 1, 258))
    equal(subscribe_packet(7, [("x/y", 1)]), b"\x82\x08\x00\x07\x00\x03x/y\x01")


def silent_server() -> "tuple[socket.socket, int]":
    """A listening socket that never answers, on a free port (the Unix port has no getsockname)."""
    import os

    for _ in range(50):
        port = 20000 + int.from_bytes(os.urandom(2), "big") % 30000
        listener = socket.socket()
        try:
            listener.bind(socket.getaddrinfo("127.0.0.1", port)[0][-1])
        except OSError:
            listener.close()
            continue
        listener.listen(1)
        return listener, port
    raise AssertionError("no free port")


def test_silent_broker_costs_a_bounded_wait():
    """A server that accepts the connection but never answers CONNACK fails within the timeout."""
    listener, port = silent_server()
    client = Client("fs-1", "127.0.0.1", port, timeout_s=0.5)
    start = time.ticks_ms()
    raises(OSError, client.connect)
    elapsed = time.ticks_diff(time.ticks_ms(), start)
    check(400 <= elapsed < 3000, "waited %d ms" % elapsed)
    listener.close()


def test_unreachable_broker_gives_up_after_the_configured_attempts():
    """With Wi-Fi but no broker, the node tries exactly `attempts` times, keeps the reading and sleeps."""
    mqtt = {
        "host": "127.0.0.1",
        "port": 9,  # discard port: nothing listens, the connection is refused at once
        "tls": False,
        "username": "fs-1",
        "password": "pw",
        "socket_timeout_s": 1,
        "attempts": 3,
    }
    provision(mqtt=mqtt)
    set_scene(500)
    watchdog_before = sim.wdt_feeds
    equal(wake(), "first")
    kept = state()
    equal(len(kept.readings), 1)
    check(kept.last_failure > 0, "failure not remembered")
    equal(len(sim.sleeps_ms), 1)
    check(sim.wdt_feeds - watchdog_before >= 3, "watchdog not fed per attempt")


def test_client_refuses_to_send_when_not_connected():
    """Using a client that is not connected is an error, never a silent loss."""
    raises(MQTTError, lambda: Client("fs-1", "127.0.0.1", 1883).publish("a", b"b"))
