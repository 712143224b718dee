"""What a replica offers the screens-as-devices code (``state.shared_devices``).

Its pairing store (Redis, shared by every replica) and the shared fleet (each replica's
screens published in Redis, commands over pub/sub). A mixin, so the replica module
keeps to its own job: the lease and the board.
"""

from __future__ import annotations

from collections.abc import Callable

import redis

from wallboard.state.replicas.devices_redis import RedisDeviceStore
from wallboard.state.replicas.fleet_redis import RedisFleet
from wallboard.state.replicas.keys import Keys
from wallboard.state.replicas.limits_redis import RedisLimiter
from wallboard.state.shared_devices import Command, FleetRow


class SharesDevicesInRedis:
    client: redis.Redis
    keys: Keys
    devices: RedisDeviceStore
    fleet: RedisFleet

    def limiter(self, name: str, limit: int, window: float = 60.0) -> RedisLimiter:
        return RedisLimiter(self.client, self.keys, name, limit, window)

    def device_store(self) -> RedisDeviceStore:
        return self.devices

    @property
    def replica_id(self) -> str:
        return self.fleet.replica_id

    def join_fleet(
        self, rows: Callable[[], list[FleetRow]], apply: Callable[[Command], None]
    ) -> None:
        self.fleet.join_fleet(rows, apply)

    def fleet_elsewhere(self) -> dict[str, list[FleetRow]]:
        return self.fleet.fleet_elsewhere()

    def tell_replicas(self, command: Command) -> None:
        self.fleet.tell_replicas(command)
