"""Commands a camera must get even when it is away: legal holds and approved unblur requests.

The camera deletes its sealed originals after 30 days (``edge/vault.py``); an open case needs
them longer. Opening a case sends ``{"cmd": "legal_hold", "hold": true}`` for its event over the
device's ``down/cmd`` topic; closing it sends ``"hold": false``, after which the camera's own
retention applies again. A command the broker did not take (broker or network away) stays due
and is sent again by the retention worker, every interval, until it gets through. The same goes
for an approved unblur request whose command did not get through, while the approval holds.
"""

from __future__ import annotations

import logging

from api.device_commands import CommandSender
from db import Conn
from db import enforcement as q

log = logging.getLogger(__name__)


def hold_command(*, event_id: str, case_number: str, hold: bool) -> dict[str, object]:
    """The ``down/cmd`` payload that holds (or releases) an event's originals on the camera."""
    return {"cmd": "legal_hold", "event_id": event_id, "case_number": case_number, "hold": hold}


def send_pending(*, conn: Conn, commands: CommandSender) -> int:
    """Send every hold and release the cameras have not yet received; returns how many went."""
    sent = 0
    for row in q.holds_to_send(conn=conn):
        hold = row.legal_hold
        command = hold_command(event_id=row.event_id, case_number=row.case_number, hold=hold)
        if not commands.send(row.device_id, command):
            log.warning("legal hold of %s not sent (broker unreachable)", row.case_number)
            continue
        q.mark_hold_sent(conn=conn, case_number=row.case_number, hold=hold)
        conn.commit()
        sent += 1
    return sent


def unblur_command(*, event_id: str, request_id: int) -> dict[str, object]:
    """The ``down/cmd`` payload that asks the camera for an event's unblurred originals."""
    return {"cmd": "upload_unblurred", "event_id": event_id, "request_id": request_id}


def send_pending_unblur(*, conn: Conn, commands: CommandSender) -> int:
    """Send approved unblur requests the broker did not take before; returns how many went."""
    sent = 0
    for row in q.unblur_commands_to_send(conn=conn):
        command = unblur_command(event_id=row.event_id, request_id=row.id)
        if not commands.send(row.device_id, command):
            continue
        q.mark_unblur_sent(conn=conn, request_id=row.id)
        conn.commit()
        sent += 1
    return sent
