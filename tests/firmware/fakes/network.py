"""Fake ``network``: a station interface that joins when the simulated access point is in reach."""

import sim

STA_IF = 0
STAT_IDLE = 1000
STAT_CONNECTING = 1001
STAT_GOT_IP = 1010
STAT_NO_AP_FOUND = 201
STAT_WRONG_PASSWORD = 202
STAT_CONNECT_FAIL = 203


class WLAN:
    def __init__(self, interface: int = STA_IF) -> None:
        self._active = False
        self._connected = False

    def active(self, state: "bool | None" = None) -> bool:
        if state is not None:
            self._active = state
            if not state:
                self._connected = False
        return self._active

    def connect(self, ssid: str, password: str) -> None:
        if not self._active:
            raise OSError("WLAN not active")
        self._connected = sim.wifi_in_reach

    def isconnected(self) -> bool:
        return self._connected and sim.wifi_in_reach

    def disconnect(self) -> None:
        self._connected = False

    def status(self, name: "str | None" = None) -> int:
        if name == "rssi":
            return sim.rssi_dbm
        if self._connected and sim.wifi_in_reach:
            return STAT_GOT_IP
        return STAT_NO_AP_FOUND if self._active else STAT_IDLE
