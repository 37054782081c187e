"""The names of a distributed run's Redis keys (no Redis needed to name them: the add-on,
which every crawl loads, imports only this)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RunKeys"]


@dataclass(frozen=True)
class RunKeys:
    """The names of one run's keys."""

    prefix: str
    run_id: str

    @property
    def runs(self) -> str:
        return f"{self.prefix}:runs"

    def __getattr__(self, name: str) -> str:
        if name.startswith("_"):
            raise AttributeError(name)
        return f"{self.prefix}:run:{self.run_id}:{name}"

    def of(self, name: str, part: str) -> str:
        """A key of one worker or host: ``inflight:<worker>``, ``host:<host>``."""
        return f"{self.prefix}:run:{self.run_id}:{name}:{part}"
