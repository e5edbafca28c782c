"""Over-the-air update into the idle app partition, checked by SHA-256, confirmed or rolled back.

The new image is written to the partition that is not running and hashed as it is read back from
flash, so what is checked is what will boot. Only a matching hash makes it the boot partition.
After the reboot the bootloader runs it on probation: the node confirms it only once it has
reached the broker again. If it never does (it crashes, or cannot connect), the next reset boots
the previous image, which finds the marker file and reports the rollback.
"""

import binascii
import hashlib
import json

import esp32

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

MARKER_PATH = "ota.json"
CHUNK = 1024  # read from the network this much at a time


class UpdateRejected(ValueError):
    """The image was not installed; the message says why."""


def _running() -> "esp32.Partition":
    # The stubs type the argument as a label only; the port also takes RUNNING and BOOT.
    return esp32.Partition(esp32.Partition.RUNNING)  # type: ignore[arg-type]  # see above


def _label(partition: "esp32.Partition") -> str:
    return str(partition.info()[4])


def install(chunks: "object", size: int, sha256_hex: str, version: str) -> str:
    """Write an image from an iterable of byte chunks; returns the label of the new boot partition."""
    running = _running()
    target = running.get_next_update()
    # ioctl 5 and 4: block size and block count (the block-device protocol)
    block_size = int(target.ioctl(5, 0) or 0)
    blocks = int(target.ioctl(4, 0) or 0)
    if size <= 0 or size > block_size * blocks:
        raise UpdateRejected("image of %d bytes does not fit the partition" % size)
    # One flash block of RAM, filled in place: the image never sits in RAM, nor grows a buffer.
    buffer = bytearray(block_size)
    fill = 0
    block = 0
    written = 0
    for chunk in chunks:  # type: ignore[attr-defined]  # any iterable of bytes
        written += len(chunk)
        if written > size:
            raise UpdateRejected("image longer than announced")
        view = memoryview(chunk)
        at = 0
        while at < len(view):
            take = min(block_size - fill, len(view) - at)
            buffer[fill : fill + take] = view[at : at + take]
            fill += take
            at += take
            if fill == block_size:
                target.writeblocks(block, buffer)
                block += 1
                fill = 0
    if written != size:
        raise UpdateRejected("image of %d bytes, %d announced" % (written, size))
    if fill:
        for i in range(fill, block_size):
            buffer[i] = 0
        target.writeblocks(block, buffer)
    digest = hashlib.sha256()
    remaining = size
    block = 0
    while remaining > 0:
        target.readblocks(block, buffer)
        digest.update(memoryview(buffer)[: min(block_size, remaining)])
        remaining -= block_size
        block += 1
    got = binascii.hexlify(digest.digest()).decode()
    if got != sha256_hex.lower():
        raise UpdateRejected("SHA-256 mismatch: got %s" % got)
    with open(MARKER_PATH, "w") as handle:
        json.dump({"from": _label(running), "to": _label(target), "version": version}, handle)
    target.set_boot()
    return _label(target)


def pending_update() -> "dict[str, Any] | None":
    """The update this boot is the probation of (or the rolled-back remains of), if any."""
    try:
        with open(MARKER_PATH) as handle:
            marker = json.load(handle)
    except (OSError, ValueError):
        return None
    return marker if isinstance(marker, dict) else None


def on_probation() -> bool:
    """Whether the running image is a new one that has not confirmed itself yet."""
    marker = pending_update()
    running = _label(_running())
    return marker is not None and marker.get("to") == running


def settle(confirmed: bool) -> "str | None":
    """After an update: confirm the running image, or report that the old one is back.

    Returns a status detail for the server, or None when there was no update to settle.
    ``confirmed`` says whether the node reached the broker on this boot.
    """
    import os

    marker = pending_update()
    if marker is None:
        return None
    running = _label(_running())
    if running == marker.get("to"):
        if not confirmed:
            return None  # still on probation: the caller resets, the bootloader rolls back
        esp32.Partition.mark_app_valid_cancel_rollback()
        detail = "updated to %s" % marker.get("version")
    else:
        detail = "update to %s rolled back" % marker.get("version")
    os.remove(MARKER_PATH)
    return detail


def http_chunks(url: str, timeout_s: float = 10.0) -> "object":
    """The body of an HTTP(S) GET, in chunks (a generator, so the image never sits in RAM)."""
    import socket

    scheme, _, rest = url.partition("://")
    hostport, _, path = rest.partition("/")
    host, _, port_text = hostport.partition(":")
    port = int(port_text) if port_text else (443 if scheme == "https" else 80)
    address = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)[0][-1]
    sock = socket.socket()
    sock.settimeout(timeout_s)
    sock.connect(address)
    stream: object = sock
    if scheme == "https":
        import ssl

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        stream = context.wrap_socket(sock, server_hostname=host)
    try:
        request = "GET /%s HTTP/1.0\r\nHost: %s\r\n\r\n" % (path, host)
        stream.write(request.encode())  # type: ignore[attr-defined]  # socket or TLS stream
        status_line = stream.readline()  # type: ignore[attr-defined]  # socket or TLS stream
        if b" 200 " not in status_line:
            raise UpdateRejected("download failed: %s" % status_line.strip())
        while stream.readline() not in (b"\r\n", b"\n", b""):  # type: ignore[attr-defined]  # socket or TLS stream
            pass
        while True:
            chunk = stream.read(CHUNK)  # type: ignore[attr-defined]  # socket or TLS stream
            if not chunk:
                return
            yield chunk
    finally:
        sock.close()
