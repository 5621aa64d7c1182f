"""Benchmark: each connector image's size and how long `spec` takes in a fresh container.

    .venv/bin/python -m integration_tests.benchmarks.images [--runs 5]

Uses the images `.ci/images` built (or runs it first when its variables are unset, like the image
tests). The cold start is one `docker run --rm IMAGE spec` through podman's API, as the platform
starts a connector for every job: container creation, the interpreter and the CDK's imports, the
SPEC message; the median of --runs is printed next to the fastest and slowest run.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

import pytest

from integration_tests.images.container import Launch, inspect, run_in_image
from integration_tests.images.environment import CONNECTORS, ConnectorImages, connector_images


def _images() -> ConnectorImages:
    try:
        return connector_images()
    except (pytest.skip.Exception, pytest.fail.Exception) as outcome:
        sys.exit(f"no images: {outcome.msg}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    images = _images()
    print(f"{'image':<56} {'size MB':>8} {'spec median s':>14} {'min s':>6} {'max s':>6}")
    for connector in CONNECTORS:
        image = images.image(connector)
        size_mb = inspect(image)["Size"] / 1e6
        seconds = []
        for _ in range(args.runs):
            output = run_in_image(image, "spec", Launch.ENTRYPOINT)
            if output.returncode != 0 or len(output.of_type("SPEC")) != 1:
                sys.exit(f"`spec` failed in {image}:\n{output.stderr[-2000:]}")
            seconds.append(output.seconds)
        print(
            f"{image:<56} {size_mb:>8.0f} {statistics.median(seconds):>14.2f} "
            f"{min(seconds):>6.2f} {max(seconds):>6.2f}"
        )
    podman = subprocess.run(
        ["docker", "version", "--format", "{{.Server.Version}}"],
        text=True,
        capture_output=True,
        check=False,
    )
    print(f"engine: podman {podman.stdout.strip()} via DOCKER_HOST; runs per image: {args.runs}")


if __name__ == "__main__":
    main()
