"""How the twin's crews get their route sheet and report their work.

``ApiCrewChannel`` does it as a real crew's phone does: it logs in as the vehicle's crew account,
reads ``GET /api/v1/crew/route`` and posts ``POST /api/v1/crew/actions`` (with a client key, so a
retry is stored once). ``DbCrewChannel`` reads the stored plan and marks stops in the database
directly; ``nettestad simulate`` uses it only when no API is given.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

import httpx

from db import connect, plans

TIMEOUT_S = 15.0


@dataclass(frozen=True, slots=True)
class SheetStop:
    """What a crew needs of one stop on its sheet."""

    ref: str  # the sheet's reference ('bin:KRT-0001', 'fixed:12', ...)
    eta: datetime
    bin_id: str | None
    label: str
    kind: str


@dataclass(frozen=True, slots=True)
class Done:
    """A stop a crew finished."""

    stop: SheetStop
    fill_seen: str | None
    at: datetime


class CrewChannel(Protocol):
    """A crew's route sheet and its stop reports."""

    def route(self, vehicle_id: str, day: date) -> list[SheetStop]:
        """The vehicle's stops for ``day`` in driving order (unloads left out)."""

    def done(self, vehicle_id: str, day: date, work: Sequence[Done]) -> None:
        """Report stops as done, with the fill the crew saw at each."""


def _sheet_stop(row: dict[str, Any]) -> SheetStop | None:
    if row["kind"] == "unload" or row.get("eta") is None:
        return None
    eta = row["eta"]
    return SheetStop(
        ref=str(row["ref"]),
        eta=datetime.fromisoformat(eta) if isinstance(eta, str) else eta,
        bin_id=row.get("bin_id"),
        label=str(row.get("label") or ""),
        kind=str(row["kind"]),
    )


@dataclass(slots=True)
class ApiCrewChannel:
    """Crews acting through the web app's crew API, one account per vehicle."""

    base_url: str
    accounts: dict[str, tuple[str, str]]  # vehicle id → (username, password)
    seed: int = 7
    _tokens: dict[str, str] = field(default_factory=dict)
    _client: httpx.Client | None = None

    def _http(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(base_url=self.base_url, timeout=TIMEOUT_S)
        return self._client

    def _headers(self, vehicle_id: str) -> dict[str, str]:
        if vehicle_id not in self._tokens:
            username, password = self.accounts[vehicle_id]
            response = self._http().post(
                "/api/v1/auth/login", json={"username": username, "password": password}
            )
            response.raise_for_status()
            self._tokens[vehicle_id] = str(response.json()["token"])
        return {"Authorization": f"Bearer {self._tokens[vehicle_id]}"}

    def route(self, vehicle_id: str, day: date) -> list[SheetStop]:
        """Today's sheet as the crew's phone loads it."""
        if vehicle_id not in self.accounts:
            return []
        response = self._http().get(
            "/api/v1/crew/route",
            params={"service_date": day.isoformat()},
            headers=self._headers(vehicle_id),
        )
        response.raise_for_status()
        stops = [_sheet_stop(s) for s in response.json()["stops"]]
        return [s for s in stops if s is not None]

    def done(self, vehicle_id: str, day: date, work: Sequence[Done]) -> None:
        """Post the stops as done in one batch, as the phone's outbox does."""
        actions = [
            {
                # The same stop on the same day always gets the same key: a re-send is a duplicate.
                "client_key": str(
                    uuid.uuid5(uuid.NAMESPACE_URL, f"nettestad-twin:{self.seed}:{day}:{d.stop.ref}")
                ),
                "stop_ref": d.stop.ref,
                "service_date": day.isoformat(),
                "action": "done",
                "fill_seen": d.fill_seen or "half",
                "bin_id": d.stop.bin_id,
                "acted_at": d.at.isoformat(),
            }
            for d in work
        ]
        for start in range(0, len(actions), 500):
            response = self._http().post(
                "/api/v1/crew/actions",
                json=actions[start : start + 500],
                headers=self._headers(vehicle_id),
            )
            response.raise_for_status()

    def close(self) -> None:
        """Close the HTTP connection."""
        if self._client is not None:
            self._client.close()


@dataclass(slots=True)
class DbCrewChannel:
    """The stored plan read and marked directly (no web app running)."""

    database_url: str

    def route(self, vehicle_id: str, day: date) -> list[SheetStop]:
        """The vehicle's stops in the day's active plan."""
        with connect(self.database_url) as conn:
            plan_id = plans.active_plan_id(conn=conn, day=day)
            if plan_id is None:
                return []
            stops = plans.stops(conn=conn, plan_id=plan_id, vehicle_id=vehicle_id)
        return [
            SheetStop(
                ref=s.ref,
                eta=s.start_at,
                bin_id=s.ref if s.kind == "bin" else None,
                label=s.name,
                kind=s.kind,
            )
            for s in stops
            if s.kind != "unload"
        ]

    def done(
        self,
        vehicle_id: str,  # noqa: ARG002 - the CrewChannel signature; the plan row is found by ref
        day: date,
        work: Sequence[Done],
    ) -> None:
        """Mark the plan's stops done (the plan tables keep no fill seen; the API does)."""
        with connect(self.database_url) as conn:
            plan_id = plans.active_plan_id(conn=conn, day=day)
            if plan_id is not None:
                for d in work:
                    plans.mark_stop(
                        conn=conn, plan_id=plan_id, ref=d.stop.ref, state="done", at=d.at
                    )
            conn.commit()
