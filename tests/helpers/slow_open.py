"""A pipeline that takes seconds to open, loaded by crawls under test (by its dotted path):
a stop can arrive before Scrapy's engine runs. It writes a marker file once it is opening."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path


class SlowOpenPipeline:
    async def open_spider(self) -> None:
        Path(os.environ["ARCHIVIST_TEST_OPENING"]).touch()  # noqa: ASYNC240 - a marker, once
        await asyncio.sleep(5)

    def process_item(self, item: object) -> object:
        return item
