"""The crawl process's entry point: Scrapy's command line, with its exit code written down.

``python -m crawler.runs.crawl crawl <family> -a ...`` is ``scrapy crawl <family> -a ...``;
when ``ARCHIVIST_EXIT_FILE`` is set, the exit code is written there as the process ends.
Whoever watches the crawl reads it from the process; whoever adopts a crawl whose
watcher died (it is not their child, so they cannot wait for it) reads it from the file.
A crawl killed outright writes nothing: its stats file then says how far it got.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from scrapy.cmdline import execute

from crawler.runs.child import EXIT_FILE_ENV

__all__ = ["main"]


def _code(exc: BaseException) -> int:
    if isinstance(exc, SystemExit):
        if exc.code is None:
            return 0
        return exc.code if isinstance(exc.code, int) else 1
    return 1


def main() -> None:
    target = os.environ.get(EXIT_FILE_ENV)
    code = 1
    try:
        execute(["scrapy", *sys.argv[1:]])
        code = 0
    except BaseException as exc:
        code = _code(exc)
        raise
    finally:
        if target:
            path = Path(target)
            part = path.with_name(path.name + ".part")
            part.write_text(f"{code}\n", encoding="utf-8")
            part.replace(path)


if __name__ == "__main__":
    main()
