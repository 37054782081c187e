"""crawler/ has one exception tree: every exception class it defines is a CrawlerError."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import crawler
from crawler.errors import CrawlerError, SourceError


def _crawler_modules():
    for info in pkgutil.walk_packages(crawler.__path__, "crawler."):
        yield importlib.import_module(info.name)


def test_every_exception_defined_in_crawler_derives_from_crawler_error():
    outside = sorted(
        f"{cls.__module__}.{cls.__qualname__}"
        for module in _crawler_modules()
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, BaseException)
        and cls.__module__ == module.__name__
        and not issubclass(cls, CrawlerError)
    )
    assert outside == []


def test_a_source_error_names_the_file_and_the_field():
    error = SourceError("schedules/x.yaml", "limits.max_pages", "must be at least 1")
    assert str(error) == "schedules/x.yaml: limits.max_pages: must be at least 1"
    assert isinstance(error, ValueError)  # callers that knew it as a ValueError still catch it
