"""The simulated city on one clock: true fills, sensors, dumps and what each step sends.

The same ``World`` drives the live demo (its messages go over MQTT) and the in-process policy
comparison (its readings go straight to the planner's inputs). Every random draw comes from
generators seeded by the scenario seed, so a seed gives the same city, litter, faults and dumps.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from contracts import DumpingEvent, ReadingBatch
from twin.city import BinSite, City
from twin.conditions import conditions
from twin.dumping import BRUSSELS, Dump, DumpingProcess
from twin.fill import BinState
from twin.sensors import SensorFaults, SimulatedSensor


@dataclass(frozen=True, slots=True)
class WorldParams:
    """How sensors measure and report."""

    seed: int = 7
    measure_every: timedelta = timedelta(minutes=15)
    report_every: int = 4  # measurements per upload (batched, as the firmware does)
    faults: SensorFaults = field(default_factory=SensorFaults)


@dataclass(slots=True)
class StepOutput:
    """What the devices sent during one step."""

    batches: list[ReadingBatch] = field(default_factory=list)
    events: list[DumpingEvent] = field(default_factory=list)
    new_dumps: list[Dump] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Collection:
    """A container emptied by a crew."""

    bin_id: str
    at: datetime
    fill_before: float


class World:
    """Every container, sensor and hotspot, stepped together."""

    def __init__(self, city: City, *, params: WorldParams, start: datetime) -> None:
        self.city = city
        self.params = params
        self.clock = start
        self.started = start
        seeds = random.Random(f"world:{params.seed}")
        self.states = {
            site.bin_id: BinState.create(site, random.Random(seeds.random())) for site in city.bins
        }
        self.sensors = [
            SimulatedSensor(
                state=self.states[site.bin_id],
                rng=random.Random(seeds.random()),
                faults=params.faults,
                battery_v=round(seeds.uniform(3.3, 3.6), 3),
            )
            for site in city.bins
        ]
        self.dumping = DumpingProcess(city.hotspots, seed=params.seed)
        self.collections: list[Collection] = []
        # when a crew last passed each hotspot (a stop near it, a cleanup, a check): the crews'
        # sheets tell the city where they were when
        self.hotspot_seen: dict[str, datetime] = {}
        self.checks = 0  # hotspot checks the crews made
        self._steps = 0
        self._event_seq = 0

    def site(self, bin_id: str) -> BinSite:
        """The container with this id."""
        return self.states[bin_id].site

    def step(self) -> StepOutput:
        """Advance one measurement interval."""
        step = self.params.measure_every
        self.clock += step
        self._steps += 1
        cond = conditions(self.params.seed, self.clock.astimezone(BRUSSELS).date())
        out = StepOutput()
        upload = self._steps % self.params.report_every == 0
        factors: dict[str, tuple[float, float]] = {}  # per kind of place, for this step
        for sensor in self.sensors:
            sensor.state.advance(self.clock, step, cond, factors)
            sensor.measure(self.clock, step)
            if upload:
                batch = sensor.try_upload(self.clock, step * self.params.report_every)
                if batch is not None:
                    out.batches.append(batch)
        out.new_dumps = self.dumping.step(self.clock, step)
        for dump in self.dumping.dumps:
            detected = dump.camera_detected_at
            if detected is not None and self.clock - step < detected <= self.clock:
                self._event_seq += 1
                out.events.append(dump.event(self._event_seq))
        return out

    def empty(self, bin_id: str, at: datetime) -> float:
        """A crew empties a container; returns the fill it had."""
        before = self.states[bin_id].empty(at)
        self.collections.append(Collection(bin_id, at, before))
        return before

    def clear(self, dump_id: str, at: datetime) -> bool:
        """A crew clears a dump; False when it was already gone."""
        for dump in self.dumping.dumps:
            if dump.dump_id == dump_id and dump.cleared_at is None:
                dump.cleared_at = at
                return True
        return False

    def overflow_bin_hours(self) -> float:
        """Hours containers spent overflowing, summed over all containers."""
        return sum(s.overflow_h for s in self.states.values())

    def street_litres(self) -> float:
        """Litres of litter that no longer fitted in their container, summed over all containers."""
        return sum(s.street_l for s in self.states.values())
