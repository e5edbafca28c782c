"""The whole camera unit on real public footage: OpenCV's sample video of a plaza.

    .venv/bin/python bench/edge/real_footage.py [--cache ~/.cache/nettestad/footage]

`vtest.avi` (768x576, 10 frames/s, 795 frames: people walking, standing and talking; nothing is
left behind) ships in the source distribution of ``opencv-python`` on PyPI, the one registry
this project may reach. The script fetches that archive once into ``--cache`` (about 83 MB),
takes the video out of it and runs ``edge.replay.replay`` over it with all defaults, as
``nettestad edge replay`` does. Prints one JSON line per event (all of them are false alarms)
and a summary line. The footage is for development only: it is not committed.
"""

from __future__ import annotations

import argparse
import json
import sys
import tarfile
import urllib.request
from pathlib import Path
from urllib.parse import urljoin

if Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(Path(__file__).resolve().parents[2])

from edge.replay import ReplayError, replay

RELEASE = "5.1.0.95"
INDEX = "https://pypi.org/pypi/opencv-python/json"
MEMBER = f"opencv_python-{RELEASE}/opencv/samples/data/vtest.avi"


def _sdist_url() -> str:
    with urllib.request.urlopen(INDEX, timeout=60) as answer:
        project = json.load(answer)
    files = project.get("releases", {}).get(RELEASE) or (
        project["urls"] if project["info"]["version"] == RELEASE else []
    )
    for item in files:
        if item["packagetype"] == "sdist":
            return urljoin(INDEX, str(item["url"]))
    raise OSError(f"no source archive of opencv-python {RELEASE} on PyPI")


def fetch(cache: Path) -> Path:
    """The video, taken out of the source archive (downloaded on first use)."""
    video = cache / "vtest.avi"
    if video.exists():
        return video
    cache.mkdir(parents=True, exist_ok=True)
    archive = cache / f"opencv_python-{RELEASE}.tar.gz"
    if not archive.exists():
        partial = archive.with_suffix(".part")
        urllib.request.urlretrieve(_sdist_url(), partial)  # noqa: S310 - the registry's address
        partial.replace(archive)
    with tarfile.open(archive) as tar:
        source = tar.extractfile(MEMBER)
        if source is None:
            raise OSError(f"{archive} holds no {MEMBER}")
        partial = video.with_suffix(".part")
        partial.write_bytes(source.read())
        partial.replace(video)
    return video


def main() -> None:
    """Fetch the footage and replay it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache/nettestad/footage")
    args = parser.parse_args()
    try:
        video = fetch(args.cache)
        result = replay(video)
    except (OSError, ReplayError, tarfile.TarError, KeyError) as exc:
        sys.exit(f"real_footage: {exc}")
    for line in result.lines():
        print(line)


if __name__ == "__main__":
    main()
