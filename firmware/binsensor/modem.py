"""A SIMCom SIM7080G (LTE-M / NB-IoT) on a UART: power, registration, PSM and eDRX, and MQTT.

The module runs its own TCP/IP stack and MQTT client (``AT+SMCONF``/``AT+SMCONN``/``AT+SMPUB``),
so the ESP32 only speaks AT. Between reports the module sleeps in PSM and keeps its registration
and PDP context; the ESP32 wakes it with a PWRKEY pulse. When it is not registered (no SIM, no
coverage) the driver switches it off instead, because a module searching for a network draws
tens of milliamperes.

Anything unexpected (an error, an unknown line, a restart, silence) raises ``ATError`` with the
reason; the node logs it, counts a failed attempt and keeps its readings.
"""

import time

from binsensor import atparse
from binsensor.atparse import ATError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    import machine
    from _mpy_shed.time_mp import _TicksMs  # the stubs' type of a ticks_ms() value

# Lines the module may send at any moment; not an answer to the command in flight.
_URC_PREFIXES = (
    "+APP PDP:",
    "+CEREG:",
    "+CFUN:",
    "+CPIN:",
    "+CTZV:",
    "*PSUTTZ:",
    "DST:",
    "SMS Ready",
    "+SMSTATE:",
    "ENTER PSM",
    "EXIT PSM",
)
_RESTART_LINES = ("RDY", "NORMAL POWER DOWN")
POLL_MS = 5
SHORT_MS = 150  # an idle module answers AT within a few milliseconds
BOOT_MS = 10000  # SIM7080G hardware design: UART ready about 1.8 s after power-on, with margin


def log(*parts: object) -> None:
    """One line on the serial console."""
    print("[modem]", *parts)


class ModemRestarted(ATError):
    """The module restarted (it said RDY or powered down) in the middle of a dialogue."""


class NoNetwork(ATError):
    """No SIM, no cell, no registration: another try in the same wake-up would only repeat the
    search at some 100 mA, so the node waits for its back-off instead (``retry_now``)."""

    retry_now = False


class RadioSettings:
    """How the module attaches; checked at construction, so a bad config fails at boot."""

    def __init__(self, document: "dict[str, Any]") -> None:
        self.apn = str(document.get("apn", ""))
        self.rat = str(document.get("rat", "lte-m"))
        self.register_timeout_s = int(document.get("register_timeout_s", 120))
        self.psm = bool(document.get("psm", True))
        self.psm_tau_s = int(document.get("psm_tau_s", 86400))
        self.psm_active_s = int(document.get("psm_active_s", 4))
        edrx = document.get("edrx_s")
        self.edrx_s: "float | None" = None if edrx is None else float(edrx)
        self.pwrkey_ms = int(document.get("pwrkey_ms", 1100))
        self.command_timeout_ms = int(document.get("command_timeout_ms", 5000))
        self.mqtt_timeout_ms = int(document.get("mqtt_timeout_ms", 30000))
        self.ca_file = document.get("ca_file")
        self.listen_ms = int(document.get("listen_ms", 500))
        if self.rat not in atparse.RAT_CODES:
            raise ValueError("cellular.rat must be one of %s" % ", ".join(atparse.RAT_CODES))
        if not 1 <= self.register_timeout_s <= 600:
            raise ValueError("cellular.register_timeout_s must be 1..600")
        if '"' in self.apn or "\r" in self.apn or "\n" in self.apn:
            raise ValueError("cellular.apn cannot hold a quote or a line break")
        # The encodings raise ValueError for timers the standard cannot express.
        self.tau_code = atparse.periodic_tau(self.psm_tau_s)
        self.active_code = atparse.active_time(self.psm_active_s)
        self.edrx_code = None if self.edrx_s is None else atparse.edrx_code(self.edrx_s)


class Modem:
    """The AT dialogue with one module over a UART (``transport``: ``any``/``read``/``write``)."""

    def __init__(
        self,
        transport: "machine.UART",
        pwrkey: "machine.Pin",
        settings: RadioSettings,
        *,
        feed: "object | None" = None,
    ) -> None:
        self.uart = transport
        self.pwrkey = pwrkey
        self.settings = settings
        self.feed = feed
        self.messages: "list[tuple[str, bytes]]" = []
        self.broker_lost = False
        self.registered = False
        self.used = False  # the module was woken in this wake-up
        self._buffer = bytearray()

    # -- the AT channel -------------------------------------------------------------------

    def _fill(self, deadline: "_TicksMs") -> bool:
        """Wait for bytes from the module until ``deadline``; False when none came."""
        while time.ticks_diff(deadline, time.ticks_ms()) > 0:
            waiting = self.uart.any()
            if waiting:
                chunk = self.uart.read(min(waiting, 256))
                if chunk:
                    self._buffer.extend(chunk)
                    return True
            if self.feed is not None:
                self.feed()  # type: ignore[operator]  # the watchdog's feed
            time.sleep_ms(POLL_MS)
        return False

    def _line(self, deadline: "_TicksMs") -> "str | None":
        """The next non-empty line from the module, or None at the deadline."""
        while True:
            end = self._buffer.find(b"\n")
            if end >= 0:
                raw = bytes(self._buffer[:end])
                self._buffer = self._buffer[end + 1 :]
                text = raw.decode().strip()
                if text:
                    return text
                continue
            if len(self._buffer) > 2048:
                self._buffer = bytearray()
                raise ATError("line from the module longer than 2 kB")
            if not self._fill(deadline):
                return None

    def _unsolicited(self, line: str, command: str) -> bool:
        """Handle a line the module sends on its own; False when it is not one."""
        if line in _RESTART_LINES:
            self.registered = False
            raise ModemRestarted("module restarted (%s) during %s" % (line, command))
        if line.startswith("+SMSUB:"):
            try:
                self.messages.append(atparse.incoming_message(line))
            except ATError as exc:
                log("dropped an incoming message:", exc)
            return True
        if line.startswith("+SMSTATE: 0"):
            self.broker_lost = True
            return True
        return line.startswith(_URC_PREFIXES)

    def command(
        self, command: str, *, expect: "str | None" = None, timeout_ms: "int | None" = None
    ) -> "list[str]":
        """Send one command; its answer lines starting with ``expect`` (ATError otherwise)."""
        timeout = self.settings.command_timeout_ms if timeout_ms is None else timeout_ms
        self.uart.write(command.encode() + b"\r")
        return self._answer(command, expect, timeout)

    def _answer(self, command: str, expect: "str | None", timeout_ms: int) -> "list[str]":
        deadline = time.ticks_add(time.ticks_ms(), timeout_ms)
        lines: list[str] = []
        while True:
            line = self._line(deadline)
            if line is None:
                raise ATError("no answer to %s within %d ms" % (command, timeout_ms))
            if line.startswith("AT"):
                continue  # the module's echo, before ATE0 took effect
            if line == atparse.FINAL_OK:
                return lines
            if line.startswith(atparse.FINAL_ERRORS):
                raise ATError("%s answered %s" % (command, line))
            if expect is not None and line.startswith(expect):
                lines.append(line)
                continue
            if self._unsolicited(line, command):
                continue
            raise ATError("unexpected %r in answer to %s" % (line[:60], command))

    def _one(self, command: str, expect: str) -> str:
        """The single information line a query must answer."""
        lines = self.command(command, expect=expect)
        if len(lines) != 1:
            raise ATError("%s answered %d lines, expected one %s" % (command, len(lines), expect))
        return lines[0]

    # -- power ----------------------------------------------------------------------------

    def _answers(self) -> bool:
        """Whether the module is awake and answers AT (a few tries: it detects the baud rate).

        Whatever else it says meanwhile (its echo, RDY and the other lines of a fresh boot, a
        late answer from before) is skipped; the lines left over after the OK are drained.
        """
        for _ in range(3):
            self.uart.write(b"AT\r")
            deadline = time.ticks_add(time.ticks_ms(), SHORT_MS)
            while True:
                try:
                    line = self._line(deadline)
                except ATError:
                    line = ""
                if line is None:
                    break
                if line == atparse.FINAL_OK:
                    while self._line(time.ticks_add(time.ticks_ms(), 20)) is not None:
                        pass
                    return True
        return False

    def _pulse(self) -> None:
        """Press PWRKEY (through the NPN transistor: a high GPIO pulls PWRKEY low)."""
        self.pwrkey.value(1)
        time.sleep_ms(self.settings.pwrkey_ms)
        self.pwrkey.value(0)

    def wake(self) -> None:
        """Bring the module to answer AT, from PSM or from off; ATError when it will not."""
        if self._answers():
            return
        for _ in range(2):
            self._pulse()
            deadline = time.ticks_add(time.ticks_ms(), BOOT_MS)
            while time.ticks_diff(deadline, time.ticks_ms()) > 0:
                if self._answers():
                    self.command("ATE0")
                    return
        raise ATError("module does not answer after two PWRKEY pulses")

    def power_off(self) -> None:
        """Switch the module off (``AT+CPOWD=1``); it then draws only its leakage."""
        self.registered = False
        try:
            self.command("AT+CPOWD=1", timeout_ms=SHORT_MS)
        except ModemRestarted:
            return  # "NORMAL POWER DOWN" is the expected answer
        except ATError as exc:
            log("power-down not confirmed:", exc)

    def rest(self) -> None:
        """After a wake-up: leave a registered module to PSM, switch any other one off."""
        if self.used and not (self.registered and self.settings.psm):
            self.power_off()

    # -- network --------------------------------------------------------------------------

    def _configure(self) -> None:
        """Radio settings for a module that is not registered (after power-on or a restart)."""
        s = self.settings
        self.command("AT+CFUN=0", timeout_ms=10000)
        self.command("AT+CNMP=38")  # LTE only
        self.command("AT+CMNB=%d" % atparse.RAT_CODES[s.rat])
        self.command("AT+CEREG=0")  # no unsolicited registration lines: we ask
        self.command("AT+CLTS=1")  # take the time from the network
        if s.psm:
            self.command('AT+CPSMS=1,,,"%s","%s"' % (s.tau_code, s.active_code))
        else:
            self.command("AT+CPSMS=0")
        if s.edrx_code is not None:
            self.command('AT+CEDRXS=1,%d,"%s"' % (atparse.EDRX_ACT[s.rat], s.edrx_code))
        else:
            self.command("AT+CEDRXS=0")
        self.command("AT+CNCFG=0,1,%s" % atparse.quoted(s.apn))
        self.command("AT+CFUN=1", timeout_ms=10000)

    def _registration(self) -> int:
        return atparse.registration(self._one("AT+CEREG?", "+CEREG:"))

    def attach(self) -> "int | None":
        """Awake, registered, with a data connection: the signal in dBm (None when unknown)."""
        self.used = True
        self.registered = False
        self.wake()
        try:
            ready = atparse.sim_ready(self._one("AT+CPIN?", "+CPIN:"))
        except ATError as exc:
            if "+CME ERROR: %d" % atparse.CME_SIM_NOT_INSERTED in str(exc):
                raise NoNetwork("no SIM card") from None
            raise
        if not ready:
            raise NoNetwork("SIM card locked (PIN)")
        if self._registration() not in atparse.REGISTERED:
            self._configure()
            self._wait_registered()
        self.registered = True
        self._data_connection()
        return atparse.signal_dbm(self._one("AT+CSQ", "+CSQ:"))

    def _wait_registered(self) -> int:
        timeout_ms = self.settings.register_timeout_s * 1000
        deadline = time.ticks_add(time.ticks_ms(), timeout_ms)
        searched = False
        while True:
            state = self._registration()
            if state in atparse.REGISTERED:
                return state
            if state == atparse.DENIED:
                raise NoNetwork("registration denied by the network")
            if state == atparse.SEARCHING:
                searched = True
            elif state == atparse.NOT_SEARCHING and searched:
                raise NoNetwork("no network found (searched, gave up)")
            if time.ticks_diff(deadline, time.ticks_ms()) <= 0:
                raise NoNetwork(
                    "not registered within %d s (state %d)"
                    % (self.settings.register_timeout_s, state)
                )
            self._fill(time.ticks_add(time.ticks_ms(), 200))  # a pause that still reads URCs

    def _data_connection(self) -> None:
        if any(atparse.pdp_active(x) for x in self.command("AT+CNACT?", expect="+CNACT:")):
            return
        self.command("AT+CNACT=0,1", timeout_ms=self.settings.mqtt_timeout_ms)
        deadline = time.ticks_add(time.ticks_ms(), self.settings.mqtt_timeout_ms)
        while time.ticks_diff(deadline, time.ticks_ms()) > 0:
            if any(atparse.pdp_active(x) for x in self.command("AT+CNACT?", expect="+CNACT:")):
                return
            self._fill(time.ticks_add(time.ticks_ms(), 200))
        raise ATError("no data connection (PDP context 0 not active)")

    def network_time(self) -> int:
        """Unix seconds from the network's time (``AT+CCLK?``); ATError when it never said."""
        return atparse.network_time(self._one("AT+CCLK?", "+CCLK:"))

    def listen(self, milliseconds: int) -> None:
        """Read what the module sends for a while (messages from the broker arrive as URCs)."""
        deadline = time.ticks_add(time.ticks_ms(), milliseconds)
        while True:
            line = self._line(deadline)
            if line is None:
                return
            if not self._unsolicited(line, "a pause"):
                raise ATError("unexpected %r while idle" % line[:60])


class ModemMQTT:
    """The module's MQTT client, with the same calls as ``binsensor.mqtt.Client``."""

    def __init__(
        self,
        modem: Modem,
        client_id: str,
        host: str,
        port: int,
        *,
        username: str,
        password: str,
        tls: bool = False,
        keepalive_s: int = 60,
        on_message: "object | None" = None,
    ) -> None:
        self.modem = modem
        self.client_id = client_id
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.tls = tls
        self.keepalive_s = keepalive_s
        self.on_message = on_message

    def connect(
        self,
        *,
        clean_session: bool = True,
        will_topic: "str | None" = None,
        will_payload: bytes = b"",
    ) -> bool:
        """Connect through the module; True when the broker kept a session for us.

        The module takes its last will as a quoted AT string, which cannot hold the contract's
        JSON: a will with quotes is left out, and the server notices the node by its heartbeat.
        """
        if '"' in will_payload.decode():
            will_topic = None
        modem = self.modem
        modem.broker_lost = False
        if atparse.mqtt_state(modem._one("AT+SMSTATE?", "+SMSTATE:")):
            modem.command("AT+SMDISC", timeout_ms=modem.settings.mqtt_timeout_ms)
        for command in atparse.mqtt_settings(
            client_id=self.client_id,
            host=self.host,
            port=self.port,
            username=self.username,
            password=self.password,
            keepalive_s=self.keepalive_s,
            clean_session=clean_session,
            will_topic=will_topic,
            will_payload=will_payload,
        ):
            modem.command(command)
        if self.tls:
            ca = modem.settings.ca_file or "ca.pem"
            modem.command('AT+CSSLCFG="SSLVERSION",0,3')  # TLS 1.2
            modem.command("AT+SMSSL=1,%s,%s" % (atparse.quoted(ca), atparse.quoted("")))
        modem.command("AT+SMCONN", timeout_ms=modem.settings.mqtt_timeout_ms)
        return atparse.mqtt_state(modem._one("AT+SMSTATE?", "+SMSTATE:")) == 2

    def subscribe(self, topics: "list[tuple[str, int]]") -> None:
        """Subscribe to each filter in turn."""
        for topic, qos in topics:
            self.modem.command(
                "AT+SMSUB=%s,%d" % (atparse.quoted(topic), qos),
                timeout_ms=self.modem.settings.mqtt_timeout_ms,
            )
        self._deliver()

    def ping(self) -> None:
        """Check the broker connection and take in what the broker sent meanwhile."""
        modem = self.modem
        if not atparse.mqtt_state(modem._one("AT+SMSTATE?", "+SMSTATE:")):
            raise ATError("broker connection lost")
        modem.listen(modem.settings.listen_ms)
        self._deliver()

    def publish(self, topic: str, payload: bytes, *, qos: int = 1, retain: bool = False) -> None:
        """Publish; return only on the module's OK (for QoS 1: the broker acknowledged it)."""
        modem = self.modem
        if len(payload) > atparse.MAX_PUBLISH_BYTES:
            raise ValueError("message of %d bytes is over the module's limit" % len(payload))
        if modem.broker_lost:
            raise ATError("broker connection lost")
        command = "AT+SMPUB=%s,%d,%d,%d" % (atparse.quoted(topic), len(payload), qos, int(retain))
        modem.uart.write(command.encode() + b"\r")
        self._prompt(command)
        modem.uart.write(payload)
        modem._answer(command, None, modem.settings.mqtt_timeout_ms)
        self._deliver()

    def _prompt(self, command: str) -> None:
        """Wait for the ``>`` that asks for the message body."""
        modem = self.modem
        deadline = time.ticks_add(time.ticks_ms(), modem.settings.command_timeout_ms)
        while True:
            end = modem._buffer.find(b"\n")
            if end >= 0:
                line = bytes(modem._buffer[:end]).decode().strip()
                modem._buffer = modem._buffer[end + 1 :]
                if not line or line == command or modem._unsolicited(line, command):
                    continue
                if line.startswith(atparse.FINAL_ERRORS):
                    raise ATError("%s answered %s" % (command, line))
                raise ATError("unexpected %r in answer to %s" % (line[:60], command))
            if bytes(modem._buffer).strip() == b">":
                modem._buffer = bytearray()
                return
            if not modem._fill(deadline):
                raise ATError("no prompt for %s" % command)

    def _deliver(self) -> None:
        modem = self.modem
        while modem.messages:
            topic, payload = modem.messages.pop(0)
            if self.on_message is not None:
                self.on_message(topic, payload)  # type: ignore[operator]  # a callable, kept loose for MicroPython

    def disconnect(self) -> None:
        """Say goodbye (``AT+SMDISC``), so the broker discards the last will."""
        self.modem.command("AT+SMDISC", timeout_ms=self.modem.settings.mqtt_timeout_ms)

    def close(self) -> None:
        """Leave the connection as it is; the module's rest ends it and the broker sends the will."""
