"""`python -m warta.pdeathsig CMD ARG...`: run CMD so that it dies with the process that started it.

A Celery worker's crawls run in their own session (warta.daemon's SubprocessRunner), so a worker
killed outright (SIGKILL, OOM killer) would leave its crawl running unsupervised, holding the
site lock while its task is redelivered to another worker. Linux's PR_SET_PDEATHSIG, which survives
exec, makes the kernel SIGKILL the crawl when its parent dies; the crawl's run is then closed as
orphaned and its lock released by whoever crawls the site next. Elsewhere CMD just runs.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return  # not Linux
    if prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def main(argv: list[str]) -> None:
    if not argv:
        sys.exit("usage: python -m warta.pdeathsig CMD [ARG...]")
    die_with_parent()
    os.execvp(argv[0], argv)


if __name__ == "__main__":
    main(sys.argv[1:])
