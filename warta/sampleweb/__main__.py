"""`python -m warta.sampleweb`: serve the sample web until Ctrl-C, for poking at it by hand."""

from __future__ import annotations

import argparse
import contextlib
import threading
from pathlib import Path

from warta.sampleweb.server import SampleWeb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m warta.sampleweb", description="Serve the warta sample web on 127.0.0.1."
    )
    parser.add_argument(
        "--port",
        type=int,
        default=0,
        help="first port; sites get consecutive ports from here (default: chosen by the OS)",
    )
    parser.add_argument("--registry", type=Path, help="also write a site registry TOML here")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to each response")
    parser.add_argument(
        "--dedup",
        action="store_true",
        help="add the deduplication scenario (URL variants, a syndicated press release)",
    )
    parser.add_argument(
        "--aggregator",
        action="store_true",
        help="add an aggregator site republishing the others' articles, verbatim and edited",
    )
    args = parser.parse_args(argv)

    web = SampleWeb(latency=args.latency, dedup=args.dedup, aggregator=args.aggregator)
    if args.port:
        web = SampleWeb(
            ports={name: args.port + i for i, name in enumerate(web.sites)},
            latency=args.latency,
            dedup=args.dedup,
            aggregator=args.aggregator,
        )
    with web:
        truth = web.ground_truth()
        for name, url in web.base_urls.items():
            count = sum(1 for a in truth.articles if a.site == name)
            print(f"{name:18} {url}  ({count} articles)")
        if args.registry:
            print(f"registry: {web.registry_toml(args.registry)}")
        print("Serving; Ctrl-C stops.", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
