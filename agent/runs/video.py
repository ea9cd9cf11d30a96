"""Episode videos: encode the frames an episode recorded as MP4 (through imageio's ffmpeg) or GIF (Pillow).

Encoding happens where the episode ran and returns the file's bytes, so a worker process or a Ray actor on
another machine hands back a finished video and only the run's own process writes into the run directory.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

VIDEO_FPS = 15


def ffmpeg_available() -> bool:
    """Whether imageio-ffmpeg can find an ffmpeg binary (its wheel ships one; a source install may not)."""
    try:
        import imageio_ffmpeg

        imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError):
        return False
    return True


def resolve_format(requested: str) -> str:
    """The format a run will write: ``requested``, or GIF with a warning when MP4 has no ffmpeg to encode it."""
    if requested == "mp4" and not ffmpeg_available():
        print("nesy run: warning: no ffmpeg for MP4 (imageio-ffmpeg has none); writing GIF videos instead",
              file=sys.stderr)
        return "gif"
    return requested


def encode(frames: list[np.ndarray], fmt: str, fps: int = VIDEO_FPS) -> bytes:
    """The bytes of a ``fmt`` video of ``frames`` (RGB uint8 arrays of one size)."""
    import imageio.v2 as imageio

    if not frames:
        raise ValueError("no frames to encode")
    with tempfile.TemporaryDirectory(prefix="nesy-video-") as folder:
        path = Path(folder) / f"episode.{fmt}"
        if fmt == "mp4":
            imageio.mimsave(path, frames, fps=fps, macro_block_size=8)
        else:
            imageio.mimsave(path, frames, duration=1000 / fps, loop=0)
        return path.read_bytes()
