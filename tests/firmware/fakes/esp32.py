"""Fake ``esp32``: two OTA app partitions over the simulated flash, and the wake-up sources."""

import sim

WAKEUP_ALL_LOW = False
WAKEUP_ANY_HIGH = True


def wake_on_ext0(pin: object, level: bool) -> None:
    pass


class Partition:
    BOOT = 0
    RUNNING = 1

    def __init__(self, which: "int | str") -> None:
        if which == Partition.RUNNING:
            self.label = sim.running
        elif which == Partition.BOOT:
            self.label = sim.boot
        else:
            self.label = str(which)

    def info(self) -> tuple:
        size = sim.PARTITION_BYTES
        return (0, 16 if self.label == "ota_0" else 17, 0x10000, size, self.label, False)

    def get_next_update(self) -> "Partition":
        return Partition("ota_1" if self.label == "ota_0" else "ota_0")

    def ioctl(self, op: int, arg: int) -> int:
        if op == 4:
            return sim.PARTITION_BYTES // sim.BLOCK
        if op == 5:
            return sim.BLOCK
        return 0

    def writeblocks(self, block: int, data: bytes) -> None:
        start = block * sim.BLOCK
        sim.partition_write(self.label, start, data)

    def readblocks(self, block: int, buffer: bytearray) -> None:
        start = block * sim.BLOCK
        sim.partition_readinto(self.label, start, buffer)

    def set_boot(self) -> None:
        sim.boot = self.label

    @staticmethod
    def mark_app_valid_cancel_rollback() -> None:
        sim.probation = False
