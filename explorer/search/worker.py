"""The program a search worker process runs: `python -m explorer.search.worker FD`, FD the end of a pipe to
the process that started it (explorer/search/workers.py `Processes`)."""

from __future__ import annotations

import sys
from multiprocessing.connection import Connection

from explorer.search.workers import serve

if __name__ == "__main__":
    serve(Connection(int(sys.argv[1])))
