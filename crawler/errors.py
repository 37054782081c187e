"""The exceptions that ``crawler`` raises, in one place (``archive`` has its own tree in
``archive/errors.py``).

The tree::

    CrawlerError                 anything the crawler refuses or fails to do
    + ConfigError                an operator's file that cannot be used (also a ValueError)
    | + SourceError              a source file (schedules/*.yaml): names the file and the field
    | + AlertConfigError         <home>/alerts.yaml: names the file and the field
    + SchedulerError             the scheduler daemon cannot start
    + ClusterError               Redis, where distributed runs live, cannot be reached
    + ReplayError                pywb cannot be set up or started
    + BackfillError              another web archive cannot be read (its CDX index or a
                                 capture): names the URL and what to do
    + AddressRefused             a host resolved to an address the network guard refuses
                                 (crawler.middlewares.network; also Twisted's DNSLookupError)
    + HeaderSectionTooLarge      a response's headers went past DOWNLOAD_MAX_HEADER_SIZE
                                 (crawler.handler): the URL and the setting
    + ResearchOutputError        an export or a package cannot be written
      + ExportError              ``archivist export`` (Parquet without pyarrow, ...)
      + WaczError                ``archivist wacz``
      + EvidenceError            ``archivist evidence``: no capture, a key that cannot sign
    + SigningConfigError         the operator's evidence key, certificate or trusted roots

Inside a crawl, Scrapy's own exceptions steer: ``NotConfigured``, ``DropItem``,
``IgnoreRequest``, ``CloseSpider``. Every message here names the thing at fault and,
where there is one, what to do next; the CLI prints it as one line.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "AlertConfigError",
    "BackfillError",
    "ClusterError",
    "ConfigError",
    "CrawlerError",
    "EvidenceError",
    "ExportError",
    "HeaderSectionTooLarge",
    "ReplayError",
    "ResearchOutputError",
    "SchedulerError",
    "SigningConfigError",
    "SourceError",
    "WaczError",
]


class CrawlerError(Exception):
    """Base class of every error raised by ``crawler``."""


class ConfigError(CrawlerError, ValueError):
    """An operator's file that cannot be used; the message names the file and the field."""


class SourceError(ConfigError):
    """A source file that cannot be used; the message names the file and the field."""

    def __init__(
        self, path: Path | str, field: str, message: str, *, at: tuple[int, int] | None = None
    ) -> None:
        self.path = Path(path)
        self.field = field
        where = f"{path}:{at[0]}:{at[1]}" if at else str(path)  # at: (line, column)
        super().__init__(f"{where}: {field}: {message}" if field else f"{where}: {message}")


class AlertConfigError(ConfigError):
    """``alerts.yaml`` cannot be used; the message names the file and the field."""


class SchedulerError(CrawlerError, RuntimeError):
    """The daemon cannot start (another one runs for the same data folder)."""


class ClusterError(CrawlerError, RuntimeError):
    """Redis, where distributed runs live, cannot be reached; names its URL."""

    def __init__(self, url: str, why: object) -> None:
        super().__init__(
            f"cannot reach Redis at {url} ({why}): start it, or set ARCHIVIST_REDIS_URL to "
            "the Redis every worker and the coordinator share"
        )


class ReplayError(CrawlerError, RuntimeError):
    """pywb cannot be set up or started; the message says what to do."""


class BackfillError(CrawlerError, RuntimeError):
    """Another web archive cannot be read for a backfill; the message names the URL."""

    def __init__(self, url: str, why: str) -> None:
        self.url = url
        super().__init__(f"{url}: {why}")


class HeaderSectionTooLarge(CrawlerError):
    """A response's header section went past ``DOWNLOAD_MAX_HEADER_SIZE``."""


class ResearchOutputError(CrawlerError, RuntimeError):
    """A research output (an export, a package) could not be written."""


class ExportError(ResearchOutputError):
    """``archivist export`` could not write its file; the message says why."""


class WaczError(ResearchOutputError):
    """The WACZ package could not be made; the message says why."""


class EvidenceError(ResearchOutputError):
    """The evidence bundle could not be made; the message says why."""


class SigningConfigError(ConfigError):
    """A key, certificate or trusted-roots file for evidence cannot be used: names it."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = path
        super().__init__(f"{path}: {reason}")
