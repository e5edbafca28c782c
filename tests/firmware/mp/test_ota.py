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

    damaged = bytearray(IMAGE)
    damaged[5000] ^= 1
    error = raises(
        ota.UpdateRejected,
        lambda: ota.install(chunks(bytes(damaged)), len(IMAGE), IMAGE_SHA, "2.0.0"),
    )
    check("SHA-256 mismatch" in str(error), str(error))
    equal(sim.boot, "ota_0")
    raises(
        ota.UpdateRejected,
        lambda: ota.install(chunks(IMAGE + b"x"), len(IMAGE), IMAGE_SHA, "2.0.0"),
    )
    equal(sim.boot, "ota_0")


def test_good_image_is_written_and_set_to_boot():
    """A good image lands byte for byte in the idle partition, which becomes the boot partition."""
    from binsensor import ota

    equal(ota.install(chunks(IMAGE), len(IMAGE), IMAGE_SHA, "2.0.0"), "ota_1")
    equal(sim.boot, "ota_1")
    equal(bytes(sim.partitions["ota_1"][: len(IMAGE)]), IMAGE)


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
    with open(os.getenv("NT_OTA_FILE") or "", "rb") as handle:
        image = handle.read()
    digest = binascii.hexlify(hashlib.sha256(image).digest()).decode()
    command = {
        "cmd": "ota",
        "url": os.getenv("NT_OTA_URL"),
        "sha256": digest,
        "size": len(image),
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
    equal(bytes(sim.partitions["ota_1"][: len(image)]), image)
