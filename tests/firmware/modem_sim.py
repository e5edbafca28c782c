"""A SIMCom SIM7080G on a pseudo-terminal: its AT dialogue, its radio, and its MQTT client.

Only the radio is simulated: the SIM, the cell's coverage and registration, PSM, a lost signal,
a restart. The module's own MQTT client is bridged to the real Mosquitto with paho, so what the
firmware publishes is what the real ingest stores. The firmware's fake ``machine`` tells the
simulator about the PWRKEY line and how long the node slept through a control FIFO.
"""

from __future__ import annotations

import contextlib
import os
import pty
import select
import threading
import time
import tty
from dataclasses import dataclass, field
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

BROKER_WAIT_S = 10.0
SIM_CLOCK_START = 1795000000  # the node's simulated clock starts here too (fakes/sim.py)


@dataclass
class Scenario:
    """What the radio world does; wake-ups are counted from 0 by the node's deep sleeps."""

    no_sim_wakes: set[int] = field(default_factory=set)  # wake-ups before the SIM was fitted
    # Wake-ups with no cell in reach: the module searches, then gives up ("not searching").
    no_coverage_wakes: set[int] = field(default_factory=set)
    # Wake-ups where the module keeps searching for longer than any timeout.
    endless_search_wakes: set[int] = field(default_factory=set)
    searching_polls: int = 2  # "searching" answers to AT+CEREG? before it registers
    grant_psm: bool = True
    lose_signal_at_publish: int | None = None  # the n-th AT+SMPUB (1-based) loses the signal
    restart_at_publish: int | None = None  # ...or the module restarts during it
    forward_interrupted: bool = True  # the interrupted message still reached the broker
    garble: dict[str, str] = field(default_factory=dict)  # command -> a line it answers once


@dataclass
class Published:
    """One AT+SMPUB as the module handled it."""

    topic: str
    payload: bytes
    acknowledged: bool  # the module answered OK (the broker's PUBACK came back)


class ModemSimulator:
    """The module behind a pseudo-terminal, in a thread of the test process."""

    def __init__(self, mqtt_address: tuple[str, int], scenario: Scenario, workdir: Path) -> None:
        self.broker = mqtt_address
        self.scenario = scenario
        self.master, slave = pty.openpty()
        tty.setraw(slave)
        self._slave = slave
        self.tty_path = os.ttyname(slave)
        self.control_path = str(workdir / "modem-control")
        os.mkfifo(self.control_path)
        self._control = os.open(self.control_path, os.O_RDWR | os.O_NONBLOCK)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        # the module
        self.power = "off"  # "on", "psm" or "off"
        self.echo = True
        self.functionality = 1
        self.registered = False
        self.pdp_active = False
        self.psm_requested = False
        self.searches_left = scenario.searching_polls
        self.searched = 0
        self.mqtt_config: dict[str, str] = {}
        self.client: mqtt.Client | None = None
        self.session_present = False
        # what happened, for the tests
        self.wake_index = 0
        self.attaches = 0
        self.psm_wakes = 0
        self.boots = 0
        self.commands: list[str] = []
        self.published: list[Published] = []
        self.power_at_sleep: list[str] = []
        self._publishes = 0
        self._pending_pub: tuple[str, int, int, bool] | None = None
        self._rx = b""
        self._control_rx = b""

    # -- life cycle -----------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        """What the MicroPython process needs to find the module's wires."""
        return {"NT_MODEM_TTY": self.tty_path, "NT_MODEM_CONTROL": self.control_path}

    def __enter__(self) -> ModemSimulator:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self._drop_broker(clean=True)
        for fd in (self.master, self._slave, self._control):
            with contextlib.suppress(OSError):
                os.close(fd)

    def _run(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.master, self._control], [], [], 0.05)
            # Wire events first: the node pulsed PWRKEY or slept before it wrote to the UART.
            self._read_control()
            if self.master in ready:
                try:
                    data = os.read(self.master, 4096)
                except OSError:
                    return
                if self.power == "on":
                    self._rx += data
                    self._process()

    def _read_control(self) -> None:
        try:
            self._control_rx += os.read(self._control, 4096)
        except BlockingIOError:
            return
        while b"\n" in self._control_rx:
            line, self._control_rx = self._control_rx.split(b"\n", 1)
            event, _, value = line.decode().partition(" ")
            if event == "pwrkey" and value == "0":
                self._pwrkey_pressed()
            elif event == "sleep":
                self._node_slept()

    def _send(self, text: str) -> None:
        with self._lock:
            os.write(self.master, text.encode())

    def _line(self, text: str) -> None:
        self._send("\r\n%s\r\n" % text)

    # -- power ----------------------------------------------------------------------------

    def _pwrkey_pressed(self) -> None:
        if self.power == "off":
            self.boots += 1
            self._boot()
        elif self.power == "psm":
            self.psm_wakes += 1
            self.power = "on"
        else:
            self._power_down()

    def _boot(self) -> None:
        self.power = "on"
        self.echo = True
        self.functionality = 1
        self.registered = False
        self.pdp_active = False
        self.searches_left = self.scenario.searching_polls
        self.searched = 0
        self._rx = b""
        self._pending_pub = None
        self._line("RDY")
        self._line("+CFUN: 1")
        if self._sim_inserted():
            self._line("+CPIN: READY")
            self._line("SMS Ready")

    def _power_down(self) -> None:
        self._line("NORMAL POWER DOWN")
        self.power = "off"
        self.registered = False
        self.pdp_active = False
        self._drop_broker(clean=False)

    def _node_slept(self) -> None:
        self.power_at_sleep.append(self.power)
        self.wake_index += 1
        if (
            self.power == "on"
            and self.registered
            and self.psm_requested
            and self.scenario.grant_psm
        ):
            # After its active time the module enters PSM: the radio off, registration kept.
            self.power = "psm"
            self._drop_broker(clean=False)

    # -- coverage -------------------------------------------------------------------------

    def _sim_inserted(self) -> bool:
        return self.wake_index not in self.scenario.no_sim_wakes

    def _registration_state(self) -> int:
        if not self._sim_inserted() or self.functionality != 1:
            return 0
        if self.registered:
            return 1
        if self.wake_index in self.scenario.endless_search_wakes:
            self.searched += 1
            return 2
        if self.wake_index in self.scenario.no_coverage_wakes:
            self.searched += 1
            return 2 if self.searched <= self.scenario.searching_polls else 0
        if self.searches_left > 0:
            self.searches_left -= 1
            return 2
        self.registered = True
        self.attaches += 1
        return 1

    # -- the AT dialogue ------------------------------------------------------------------

    def _process(self) -> None:
        while True:
            if self._pending_pub is not None:
                topic, length, qos, retain = self._pending_pub
                if len(self._rx) < length:
                    return
                payload, self._rx = self._rx[:length], self._rx[length:]
                self._pending_pub = None
                self._publish(topic, payload, qos, retain)
                continue
            if b"\r" not in self._rx:
                return
            raw, self._rx = self._rx.split(b"\r", 1)
            command = raw.decode(errors="replace").strip()
            if not command:
                continue
            if self.echo:
                self._send(command + "\r")
            self.commands.append(command)
            garbled = self.scenario.garble.pop(command, None)
            if garbled is not None:
                self._line(garbled)
                self._line("OK")
                continue
            self._answer(command)

    def _answer(self, command: str) -> None:  # noqa: PLR0912 -- one branch per AT command
        if command in {"AT", "AT+CNMP=38", "AT+CEREG=0", "AT+CLTS=1", "AT+CEDRXS=0"} or (
            command.startswith(("AT+CMNB=", "AT+CNCFG=", "AT+CEDRXS=1", "AT+CSSLCFG=", "AT+SMSSL="))
        ):
            self._line("OK")
        elif command == "ATE0":
            self.echo = False
            self._line("OK")
        elif command == "AT+CPIN?":
            self._line("+CPIN: READY" if self._sim_inserted() else "+CME ERROR: 10")
            if self._sim_inserted():
                self._line("OK")
        elif command.startswith("AT+CPSMS="):
            self.psm_requested = command.startswith("AT+CPSMS=1")
            self._line("OK")
        elif command in {"AT+CFUN=0", "AT+CFUN=1"}:
            self.functionality = int(command[-1])
            self.registered = self.pdp_active = False
            self.searches_left = self.scenario.searching_polls
            self.searched = 0
            self._line("OK")
        elif command == "AT+CEREG?":
            self._line("+CEREG: 0,%d" % self._registration_state())
            self._line("OK")
        elif command == "AT+CSQ":
            self._line("+CSQ: %s,99" % (20 if self.registered else 99))
            self._line("OK")
        elif command == "AT+CCLK?":
            utc = SIM_CLOCK_START + self.wake_index * 3600
            local = time.gmtime(utc + 3600)  # Brussels in winter: +1 h, four quarter hours
            self._line(time.strftime('+CCLK: "%y/%m/%d,%H:%M:%S+04"', local))
            self._line("OK")
        elif command == "AT+CNACT?":
            self._line(
                '+CNACT: 0,%d,"%s"'
                % (self.pdp_active, "10.64.0.7" if self.pdp_active else "0.0.0.0")  # noqa: S104 -- an address the module reports, nothing binds
            )
            self._line('+CNACT: 1,0,"0.0.0.0"')
            self._line("OK")
        elif command == "AT+CNACT=0,1":
            if not self.registered:
                self._line("ERROR")
                return
            self.pdp_active = True
            self._line("OK")
            self._line("+APP PDP: 0,ACTIVE")
        elif command == "AT+SMSTATE?":
            connected = self.client is not None and self.client.is_connected()
            self._line("+SMSTATE: %d" % ((2 if self.session_present else 1) if connected else 0))
            self._line("OK")
        elif command.startswith("AT+SMCONF="):
            key, _, value = command[len("AT+SMCONF=") :].partition(",")
            self.mqtt_config[key.strip('"')] = value.strip('"')
            self._line("OK")
        elif command == "AT+SMCONN":
            self._line("OK" if self._connect_broker() else "ERROR")
        elif command.startswith("AT+SMSUB="):
            topic, _, qos = command[len("AT+SMSUB=") :].rpartition(",")
            self._line("OK" if self._subscribe(topic.strip('"'), int(qos)) else "ERROR")
        elif command.startswith("AT+SMPUB="):
            topic, length, qos, retain = command[len("AT+SMPUB=") :].rsplit(",", 3)
            if self.client is None or not self.client.is_connected():
                self._line("ERROR")
                return
            self._pending_pub = (topic.strip('"'), int(length), int(qos), retain == "1")
            self._send("\r\n> ")
        elif command == "AT+SMDISC":
            self._drop_broker(clean=True)
            self._line("OK")
        elif command == "AT+CPOWD=1":
            self._power_down()
        else:
            self._line("ERROR")

    # -- the module's MQTT client, bridged to the real broker -----------------------------

    def _connect_broker(self) -> bool:
        if not self.pdp_active:
            return False
        config = self.mqtt_config
        client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=config["CLIENTID"],
            clean_session=config.get("CLEANSS", "1") == "1",
        )
        client.username_pw_set(config.get("USERNAME"), config.get("PASSWORD"))
        if "TOPIC" in config:
            client.will_set(config["TOPIC"], config.get("MESSAGE", ""), qos=1, retain=False)
        connected = threading.Event()
        outcome: dict[str, bool] = {}

        def on_connect(
            _c: mqtt.Client, _u: object, flags: mqtt.ConnectFlags, reason: object, _p: object
        ) -> None:
            outcome["ok"] = not getattr(reason, "is_failure", False)
            outcome["session"] = bool(flags.session_present)
            connected.set()

        client.on_connect = on_connect
        client.on_message = self._incoming
        host, _, port = config["URL"].partition(",")
        client.connect(host.strip('"'), int(port), keepalive=int(config.get("KEEPTIME", "60")))
        client.loop_start()
        if not connected.wait(BROKER_WAIT_S) or not outcome.get("ok"):
            client.loop_stop()
            return False
        self.client = client
        self.session_present = outcome["session"]
        return True

    def _incoming(self, _c: mqtt.Client, _u: object, message: mqtt.MQTTMessage) -> None:
        if self.power == "on":
            self._line('+SMSUB: "%s","%s"' % (message.topic, message.payload.decode()))

    def _subscribe(self, topic: str, qos: int) -> bool:
        if self.client is None:
            return False
        done = threading.Event()
        self.client.on_subscribe = lambda *_args: done.set()
        self.client.subscribe(topic, qos)
        if not done.wait(BROKER_WAIT_S):
            return False
        # The broker sends retained messages right after the SUBACK: one acknowledged round
        # trip later they have reached the bridge, so they come before the module's OK, as
        # they would over a real link.
        sync = self.client.publish("modem-sim/sync", b"", qos=1)
        sync.wait_for_publish(BROKER_WAIT_S)
        return sync.is_published()

    def _publish(self, topic: str, payload: bytes, qos: int, retain: bool) -> None:
        self._publishes += 1
        scenario = self.scenario
        interrupted = self._publishes in {
            scenario.lose_signal_at_publish,
            scenario.restart_at_publish,
        }
        if interrupted:
            if scenario.forward_interrupted:
                self._forward(topic, payload, qos, retain)
            self.published.append(Published(topic, payload, acknowledged=False))
            self._drop_broker(clean=False)
            if self._publishes == scenario.restart_at_publish:
                self._boot()
            else:
                # The cell is gone for the rest of this wake-up.
                self.registered = self.pdp_active = False
                scenario.no_coverage_wakes.add(self.wake_index)
                self._line("ERROR")
                self._line("+SMSTATE: 0")
            return
        ok = self._forward(topic, payload, qos, retain)
        self.published.append(Published(topic, payload, acknowledged=ok))
        self._line("OK" if ok else "ERROR")

    def _forward(self, topic: str, payload: bytes, qos: int, retain: bool) -> bool:
        if self.client is None:
            return False
        info = self.client.publish(topic, payload, qos=qos, retain=retain)
        with contextlib.suppress(RuntimeError, ValueError):
            info.wait_for_publish(BROKER_WAIT_S)
        return info.is_published()

    def _drop_broker(self, *, clean: bool) -> None:
        """End the bridged connection: with DISCONNECT, or as a lost radio link would (no will kept)."""
        client, self.client = self.client, None
        if client is None:
            return
        if clean:
            client.disconnect()
            client.loop_stop()
            return
        client.loop_stop()
        sock = client.socket()
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()


def readings_seqs(published: list[Published]) -> list[tuple[list[int], bool]]:
    """Each reading message the module handled: its readings' seq numbers and whether acknowledged."""
    import json

    out = []
    for message in published:
        if message.topic.endswith("/up/reading"):
            seqs = [int(r["seq"]) for r in json.loads(message.payload)["readings"]]
            out.append((seqs, message.acknowledged))
    return out
