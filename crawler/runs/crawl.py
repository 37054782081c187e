"""The crawl process's entry point: Scrapy's command line, with its exit code written down.

``python -m crawler.runs.crawl crawl <family> -a ...`` is ``scrapy crawl <family> -a ...``;
when ``ARCHIVIST_EXIT_FILE`` is set, the exit code is written there as the process ends.
Whoever watches the crawl reads it from the process; whoever adopts a crawl whose
watcher died (it is not their child, so they cannot wait for it) reads it from the file.
A crawl killed outright writes nothing: its stats file then says how far it got.

A SIGTERM (or SIGINT) that comes while the process still starts (importing Scrapy takes
seconds on a busy machine), before Scrapy handles signals, is not lost and does not kill
the process unclean: it is held and sent again as soon as Scrapy's own handler is in
place, so the crawl stops as any asked crawl does (``shutdown``, its files closed).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.runs.child import EXIT_FILE_ENV

if TYPE_CHECKING:
    from types import FrameType

__all__ = ["main"]


def _code(exc: BaseException) -> int:
    if isinstance(exc, SystemExit):
        if exc.code is None:
            return 0
        return exc.code if isinstance(exc.code, int) else 1
    return 1


_STOPS = (signal.SIGTERM, signal.SIGINT)
_held: list[int] = []


def _hold(signum: int, frame: FrameType | None) -> None:
    _held.append(signum)


def _send_again_when_scrapy_listens() -> None:
    """Wait for Scrapy to put its own handler in place, then send the held signal."""
    while signal.getsignal(_held[0]) is _hold:
        time.sleep(0.05)
    os.kill(os.getpid(), _held[0])


def _watch_held() -> None:
    while not _held:
        if all(signal.getsignal(s) is not _hold for s in _STOPS):
            return  # Scrapy listens now: nothing was held
        time.sleep(0.05)
    _send_again_when_scrapy_listens()


def main() -> None:
    for signum in _STOPS:
        signal.signal(signum, _hold)
    threading.Thread(target=_watch_held, name="held-signals", daemon=True).start()
    from scrapy.cmdline import execute  # noqa: PLC0415 - after the handler: imports take seconds

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
