"""The verifier's report: its findings (faults and warnings, each naming file and offset)
and what it saw of each record, for the link and index checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Finding:
    path: str
    offset: int
    message: str
    fault: bool = True

    def __str__(self) -> str:
        kind = "" if self.fault else "warning: "
        return f"{self.path} @ {self.offset}: {kind}{self.message}"


@dataclass
class Seen:
    path: str
    offset: int
    rtype: str
    length: int
    digest: str
    ours: bool
    fingerprint: str = ""  # a hash of the record's bytes, to tell repeats


@dataclass
class Report:
    files: int = 0
    records: int = 0
    findings: list[Finding] = field(default_factory=list)
    seen: dict[str, Seen] = field(default_factory=dict)
    links: list[tuple[str, int, str, str, str]] = field(default_factory=list)
    by_offset: dict[tuple[str, int], Seen] = field(default_factory=dict)

    @property
    def faults(self) -> list[Finding]:
        return [f for f in self.findings if f.fault]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if not f.fault]

    def add(self, path: str, offset: int, message: str, fault: bool = True) -> None:
        self.findings.append(Finding(path, offset, message, fault))
