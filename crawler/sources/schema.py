"""Sources: what to crawl, declared one YAML file per source in ``schedules/``.

A source file looks like this (the demo world's ``schedules/demo-news.yaml``)::

    name: demo-news              # must equal the file name without .yaml
    family: news                 # news | blogger | wordpress | auto: the spider to use
    collection: demo             # pywb collection the WARCs go into (default: name)
    seeds: [http://thoisu.test/]
    allowed_hosts: [thoisu.test] # default: the seeds' hosts
    limits: {max_pages: 500, max_depth: 6, max_duration: 10m, max_bytes: 2GB}
    scope: {prefixes: [], include: [], exclude: ['/tag/']}
    manners: {delay: 1s, per_host: 2, autothrottle: true}
    discovery: {feeds: true, sitemaps: true, api: true}
    recrawl: {incremental: true, full_sweep_every_runs: 10, full_sweep_every: 7d}
    user_agent: archivist/0.1
    contact: archivist@example.org
    robots: obey                 # obey | ignore
    article_patterns: ['-[0-9]{6}[.]html$']  # which pages are articles (news sites)
    evidence_on: [edited, removed]  # evidence bundles written after scheduled runs

``schedules/example-*.yaml`` explain every field with comments.

``load_source`` refuses a bad file with a ``SourceError`` that names the file and
the field: every fault of the file at once, one line each (``SourceFaults``), with a
close match for a mistyped field name. Wherever zero means "none" it is accepted: a
limit of 0 is no limit, a delay or jitter of 0 no wait.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from crawler.errors import SourceError
from crawler.sources._faults import (
    SourceFaults,
    faults_of,
    gathered,
    unknown_source,
    validation_faults,
    yaml_fault,
)
from crawler.sources._regex import backtracking_risk
from crawler.sources.durations import ByteSize, Delay, Duration
from crawler.sources.monitors import MonitorConfig
from crawler.sources.schedule import Schedule

__all__ = [
    "Discovery",
    "Limits",
    "Manners",
    "Recrawl",
    "Scope",
    "Source",
    "SourceError",
    "SourceFaults",
    "faults_of",
    "find_source",
    "load_source",
    "load_sources",
]

_NAME = r"^[a-z0-9][a-z0-9_-]{0,63}$"


class Limits(BaseModel):
    """How far one crawl of a source may go; None or 0 means no limit."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_pages: int | None = Field(default=None, ge=0)
    """Pages after which the crawl stops: the spider's pages, lists, feeds and sitemaps,
    not the requisites (images, styles, scripts) fetched with them, nor robots.txt. 0: no limit."""
    max_depth: int | None = Field(default=None, ge=0)
    """Links followed away from a seed (Scrapy's ``DEPTH_LIMIT``). 0: no limit."""
    max_duration: Delay | None = None
    """Time after which the crawl stops. 0: no limit."""
    max_bytes: ByteSize | None = None
    """Bytes downloaded (bodies, as received) after which the crawl stops. 0: no limit."""
    max_pages_per_host: int | None = Field(default=10_000, ge=0)
    """A trap guard: pages (not requisites) requested from any one host. 0: no limit."""

    @field_validator("*", mode="after")
    @classmethod
    def _zero_is_no_limit(cls, value: float | None) -> float | None:
        return value or None


def _regexes(patterns: tuple[str, ...]) -> tuple[str, ...]:
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"{pattern!r} is not a regular expression: {exc}") from exc
        risk = backtracking_risk(pattern)
        if risk is not None:
            raise ValueError(
                f"{pattern!r} can take for ever on some URLs ({risk}): write it without the nesting"
            )
    return patterns


class Scope(BaseModel):
    """Which links are followed, beyond the allowed hosts (requisites are always fetched)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    prefixes: tuple[str, ...] = ()
    """URL prefixes a followed link must start with; empty: anywhere on the allowed hosts."""
    include: tuple[str, ...] = ()
    """Regular expressions; when given, a followed link must match one."""
    exclude: tuple[str, ...] = ()
    """Regular expressions of links never followed."""

    @field_validator("include", "exclude")
    @classmethod
    def _check_patterns(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        return _regexes(patterns)

    @field_validator("prefixes")
    @classmethod
    def _check_prefixes(cls, prefixes: tuple[str, ...]) -> tuple[str, ...]:
        for prefix in prefixes:
            if urlsplit(prefix).scheme not in {"http", "https"} or not urlsplit(prefix).hostname:
                raise ValueError(f"{prefix!r} is not an absolute http(s) URL prefix")
        return prefixes


class Manners(BaseModel):
    """How hard a crawl may press on each host."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    delay: Delay = 0.0
    """Least time between two requests to one host."""
    per_host: int = Field(default=4, gt=0, le=64)
    """Requests in flight at once to one host."""
    autothrottle: bool = True
    """Slow down further when the server slows down (Scrapy's AutoThrottle)."""
    max_retry_after: Duration = 600.0
    """The longest a 429/503 ``Retry-After`` is honoured; beyond it the host is given up."""
    max_crawl_delay: Delay = 60.0
    """The longest robots.txt ``Crawl-delay`` honoured (a longer one counts as this); 0
    ignores it. Only where robots.txt is obeyed."""


class Recrawl(BaseModel):
    """Incremental recrawls: which runs fetch every page again (a full sweep)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    incremental: bool = True
    """Between sweeps, a known article is fetched again only when a feed, sitemap or the
    API says it changed since its last capture; false: every run is a full sweep."""
    full_sweep_every_runs: int = Field(default=10, gt=0)
    full_sweep_every: Duration = 7 * 86400.0


class Discovery(BaseModel):
    """Which of its family's post lists the spider reads, besides following links."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    feeds: bool = True
    sitemaps: bool = True
    api: bool = True
    """The WordPress REST API (``/wp-json/wp/v2/posts``)."""
    label_feeds: bool = True
    """Blogger: each label's feed as well (catches posts a truncated main feed misses)."""
    comment_feeds: bool = False
    """Comment feeds too (Blogger ``/feeds/<post>/comments/default``, WordPress ``.../feed/``)."""
    follow_links: bool = True
    """Follow links in pages within scope (always true for news sites without feeds)."""


class Source(BaseModel):
    """One crawl target, validated: every field is safe to use once this exists."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=_NAME)
    family: Literal["news", "blogger", "wordpress", "auto"] = "news"
    collection: str = Field(default="", pattern=r"^$|" + _NAME)
    seeds: tuple[str, ...] = Field(min_length=1)
    allowed_hosts: tuple[str, ...] = ()
    allow_private: tuple[str, ...] = ()
    """Hosts or networks (CIDR) on private, loopback or link-local addresses that the
    crawl may connect to (an intranet site); every other such address is refused."""
    limits: Limits = Limits()
    scope: Scope = Scope()
    manners: Manners = Manners()
    discovery: Discovery = Discovery()
    recrawl: Recrawl = Recrawl()
    monitors: MonitorConfig = MonitorConfig()
    """Health checks of its runs, by name (``crawler.monitoring.monitors``): retuned, switched off, added."""
    user_agent: str = Field(default="archivist/0.1", min_length=1)
    contact: str = Field(min_length=3)
    robots: Literal["obey", "ignore"] = "obey"
    article_patterns: tuple[str, ...] = ()
    """Regular expressions of article URLs (news sites); og:type and JSON-LD also count."""
    schedule: Schedule | None = None
    """When the scheduler crawls it (``crawler.sources.schedule``); None: only by hand."""
    evidence_on: tuple[Literal["edited", "removed"], ...] = ()
    """After a scheduled run, write an evidence bundle (``archivist evidence``) of each
    article the run saw edited or removed, as listed; signed with the operator's key."""
    distributed: bool = False
    """Crawled on the workers (``archivist worker``, docs/scaling.md), by the scheduler and
    by ``archivist crawl``, rather than in one local process."""

    @field_validator("seeds")
    @classmethod
    def _check_seeds(cls, seeds: tuple[str, ...]) -> tuple[str, ...]:
        for seed in seeds:
            parts = urlsplit(seed)
            if parts.scheme not in {"http", "https"} or not parts.hostname:
                raise ValueError(f"{seed!r} is not an absolute http(s) URL")
        return seeds

    @field_validator("allowed_hosts")
    @classmethod
    def _check_hosts(cls, hosts: tuple[str, ...]) -> tuple[str, ...]:
        for host in hosts:
            if not re.fullmatch(r"[a-z0-9.-]+", host) or "." not in host.strip("."):
                raise ValueError(f"{host!r} is not a lower-case host name such as example.org")
        return hosts

    @field_validator("allow_private")
    @classmethod
    def _check_private(cls, entries: tuple[str, ...]) -> tuple[str, ...]:
        for entry in entries:
            with contextlib.suppress(ValueError):
                ipaddress.ip_network(entry, strict=False)
                continue
            if not re.fullmatch(r"[a-z0-9.-]+", entry):
                raise ValueError(f"{entry!r} is neither a host name nor a network like 10.0.0.0/8")
        return entries

    @field_validator("article_patterns")
    @classmethod
    def _check_patterns(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        return _regexes(patterns)

    @field_validator("contact")
    @classmethod
    def _check_contact(cls, contact: str) -> str:
        if "@" not in contact and not contact.startswith(("http://", "https://")):
            raise ValueError("give an e-mail address or an http(s) URL where site owners reach you")
        return contact

    @model_validator(mode="after")
    def _fill_defaults(self) -> Source:
        if not self.collection:
            object.__setattr__(self, "collection", self.name)
        if not self.allowed_hosts:
            hosts = tuple(dict.fromkeys(urlsplit(s).hostname or "" for s in self.seeds))
            object.__setattr__(self, "allowed_hosts", hosts)
        return self

    @property
    def full_user_agent(self) -> str:
        """The user agent sent: the declared one plus the operator's contact."""
        if self.contact in self.user_agent:
            return self.user_agent
        return f"{self.user_agent} (+{self.contact})"


MAX_SOURCE_BYTES = 256 * 1024
"""The largest source file read: a real one is a few kB; an 8.9 MB one took 49 s and
814 MB to validate, for a scheduler that reads every file again and again."""


def _read_mapping(path: Path) -> dict[str, Any]:
    try:
        size = path.stat().st_size
        if size > MAX_SOURCE_BYTES:
            raise SourceError(
                path, "", f"{size:,} bytes: a source file is at most {MAX_SOURCE_BYTES:,} bytes"
            )
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SourceError(path, "", f"cannot read the file: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise SourceError(path, "", f"not valid UTF-8: {exc.reason} at byte {exc.start}") from exc
    except yaml.YAMLError as exc:
        raise yaml_fault(path, exc) from exc
    if not isinstance(data, dict):
        raise SourceError(path, "", "expected a mapping of fields (name: ..., seeds: ...)")
    return data


def load_source(path: Path) -> Source:
    """Read and validate one source file; every fault is reported at once, one line each
    (``SourceFaults`` when there are several)."""
    data = _read_mapping(path)
    faults: list[SourceError] = []
    name = data.get("name")
    if isinstance(name, str) and name != path.stem:
        faults.append(SourceError(path, "name", f"{name!r} must equal the file name {path.stem!r}"))
    try:
        source = Source.model_validate(data)
    except ValidationError as exc:
        raise gathered([*validation_faults(path, exc, Source), *faults]) from exc
    if faults:
        raise gathered(faults)
    return source


def find_source(name_or_path: str, sources_dir: Path) -> Path:
    """A source given by name (looked up in ``sources_dir``) or by file path."""
    candidate = Path(name_or_path)
    if candidate.suffix in {".yaml", ".yml"}:
        if not candidate.is_file():
            raise SourceError(candidate, "", "no such source file")
        return candidate
    for suffix in (".yaml", ".yml"):
        path = sources_dir / f"{name_or_path}{suffix}"
        if path.is_file():
            return path
    raise unknown_source(name_or_path, sources_dir)


def load_sources(sources_dir: Path) -> list[Source]:
    """Every source in a folder, sorted by name; the first bad file raises."""
    paths = sorted([*sources_dir.glob("*.yaml"), *sources_dir.glob("*.yml")])
    return [load_source(path) for path in paths]
