"""Over-the-air update: SHA-256 checked, confirmed by reaching the broker, else rolled back.

Cases that reach the broker use the one named by NT_MQTT_HOST/NT_MQTT_PORT and the topic root
NT_TOPIC_ROOT; the HTTP download case fetches NT_OTA_URL.
"""

import binascii
import hashlib
import json
import os

import sim
from helpers import DEVICE_ID, TOPIC_ROOT, check, equal, provision, raises, set_scene, wake

IMAGE = bytes((i * 7 + 3) % 251 for i in range(10000))
IMAGE_SHA = binascii.hexlify(hashlib.sha256(IMAGE).digest()).decode()
# Made before the test starts: the firmware's heap budget is not the test data's.
DAMAGED = bytearray(IMAGE)
DAMAGED[5000] ^= 1
LONGER = IMAGE + b"x"


def partition_holds(label: str, read: "object", size: int) -> bool:
    """Whether an app partition starts with ``size`` bytes equal to what ``read(n)`` gives."""
    at = 0
    while at < size:
        want = read(min(1024, size - at))  # type: ignore[operator]
        if sim.partition_read(label, at, len(want)) != want:
            return False
        at += len(want)
    return True


def image_reader(data: bytes) -> "object":
    """``read(n)`` over bytes, for partition_holds."""
    position = [0]

    def read(size: int) -> bytes:
        start = position[0]
        position[0] += size
        return data[start : start + size]

    return read


def chunks(data: bytes, size: int = 1500) -> list:
    """The image as it would arrive over the network."""
    return [data[i : i + size] for i in range(0, len(data), size)]


def reboot() -> None:
    """Reset the board (the fake bootloader then picks the partition)."""
    import machine

    try:
        machine.reset()
    except sim.Reset:
        pass


def listen():
    """A client of our own on the device's status topic, to see what the node reports."""
    from binsensor.mqtt import Client

    heard = []
    client = Client(
        "listener-" + DEVICE_ID,
        os.getenv("NT_MQTT_HOST") or "localhost",
        int(os.getenv("NT_MQTT_PORT") or "1883"),
        on_message=lambda _topic, payload: heard.append(json.loads(payload)),
    )
    client.connect()
    client.subscribe([("%s/v1/dev/%s/up/status" % (TOPIC_ROOT, DEVICE_ID), 1)])
    return client, heard


def test_image_with_a_wrong_hash_is_not_booted():
    """A corrupted image fails the SHA-256 check and the boot partition stays the running one."""
    from binsensor import ota

    error = raises(
        ota.UpdateRejected,
        lambda: ota.install(chunks(DAMAGED), len(IMAGE), IMAGE_SHA, "2.0.0"),
    )
    check("SHA-256 mismatch" in str(error), str(error))
    equal(sim.boot, "ota_0")
    raises(
        ota.UpdateRejected,
        lambda: ota.install(chunks(LONGER), len(IMAGE), IMAGE_SHA, "2.0.0"),
    )
    equal(sim.boot, "ota_0")


def test_good_image_is_written_and_set_to_boot():
    """A good image lands byte for byte in the idle partition, which becomes the boot partition."""
    from binsensor import ota

    equal(ota.install(chunks(IMAGE), len(IMAGE), IMAGE_SHA, "2.0.0"), "ota_1")
    equal(sim.boot, "ota_1")
    check(partition_holds("ota_1", image_reader(IMAGE), len(IMAGE)), "image not in ota_1")


def test_update_that_cannot_reach_the_broker_rolls_back():
    """A new image that cannot confirm itself is undone at the next reset, and the rollback is reported."""
    from binsensor import ota

    provision()
    set_scene(600)
    ota.install(chunks(IMAGE), len(IMAGE), IMAGE_SHA, "2.0.0")
    reboot()
    equal((sim.running, sim.probation), ("ota_1", True))
    sim.wifi_in_reach = False
    try:
        wake()
        raise AssertionError("the unconfirmed image did not reset")
    except sim.Reset:
        pass
    equal((sim.running, sim.probation), ("ota_0", False))
    sim.wifi_in_reach = True
    listener, heard = listen()
    wake()
    listener.ping()
    listener.disconnect()
    details = [message.get("detail", "") for message in heard]
    check(any("update to 2.0.0 rolled back" in d for d in details), repr(heard))
    equal(ota.pending_update(), None)


def test_update_that_reaches_the_broker_is_kept():
    """A new image that connects confirms itself and stays after further resets."""
    from binsensor import ota

    provision()
    set_scene(600)
    ota.install(chunks(IMAGE), len(IMAGE), IMAGE_SHA, "2.0.0")
    reboot()
    listener, heard = listen()
    wake()
    listener.ping()
    listener.disconnect()
    equal(sim.probation, False)
    reboot()
    equal(sim.running, "ota_1")
    check(any("updated to 2.0.0" in m.get("detail", "") for m in heard), repr(heard))


def test_update_command_downloads_checks_and_reboots():
    """An ota command queued while the node slept is fetched over HTTP, checked and booted."""
    from binsensor.mqtt import Client

    provision()
    set_scene(600)
    wake()  # the first report opens the node's persistent session at the broker
    image_path = os.getenv("NT_OTA_FILE") or ""
    image_size = os.stat(image_path)[6]
    hasher = hashlib.sha256()
    with open(image_path, "rb") as handle:
        piece = handle.read(1024)
        while piece:
            hasher.update(piece)
            piece = handle.read(1024)
    digest = binascii.hexlify(hasher.digest()).decode()
    command = {
        "cmd": "ota",
        "url": os.getenv("NT_OTA_URL"),
        "sha256": digest,
        "size": image_size,
        "version": "2.1.0",
    }
    server = Client(
        "server-" + DEVICE_ID,
        os.getenv("NT_MQTT_HOST") or "localhost",
        int(os.getenv("NT_MQTT_PORT") or "1883"),
    )
    server.connect()
    server.publish("%s/v1/dev/%s/down/cmd" % (TOPIC_ROOT, DEVICE_ID), json.dumps(command).encode())
    server.disconnect()
    set_scene(300)  # a change, so the node reports (and hears the command) on this wake-up
    try:
        wake()
        raise AssertionError("the node did not reboot into the update")
    except sim.Reset:
        pass
    equal((sim.running, sim.probation), ("ota_1", True))
    with open(image_path, "rb") as handle:
        check(partition_holds("ota_1", handle.read, image_size), "image not in ota_1")
