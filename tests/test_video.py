"""``nesy run --video``: one playable file per episode, MP4 by default, GIF on request or without ffmpeg."""

from __future__ import annotations

import json
from pathlib import Path

import imageio.v2 as imageio
import numpy as np
import pytest

import agent.runs.video
from agent.cli import main
from agent.runs.video import encode, resolve_format


@pytest.mark.slow
def test_one_video_per_episode_from_workers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    assert main(["run", "--task", "hanoi", "--size", "1", "--episodes", "2", "--seed", "3", "--goal", "oracle",
                 "--video", "--workers", "2", "--out", str(out), "--quiet"]) == 0
    assert "100.0%" in capsys.readouterr().out
    assert json.loads((out / "summary.json").read_text())["execution"] == {"backend": "processes", "workers": 2}
    videos = sorted((out / "videos").iterdir())
    assert [v.name for v in videos] == ["episode-seed3.mp4", "episode-seed4.mp4"]
    for video in videos:
        reader = imageio.get_reader(video)
        assert reader.count_frames() > 10
        assert reader.get_meta_data()["size"] == (320, 240)


@pytest.mark.slow
def test_gif_on_request(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    assert main(["run", "--task", "hanoi", "--size", "1", "--goal", "oracle", "--video", "gif", "--out", str(out),
                 "--quiet"]) == 0
    frames = imageio.mimread(out / "videos" / "episode-seed0.gif")
    assert len(frames) > 10 and frames[0].shape[:2] == (240, 320)
    assert "video_format: gif" in (out / "config.yaml").read_text()


def test_gif_when_there_is_no_ffmpeg(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(agent.runs.video, "ffmpeg_available", lambda: False)
    assert resolve_format("mp4") == "gif"
    assert "writing GIF" in capsys.readouterr().err
    assert resolve_format("gif") == "gif"


def test_encoded_frames_come_back() -> None:
    frames = [np.full((24, 32, 3), value, dtype=np.uint8) for value in (0, 128, 255)]
    gif = encode(frames, "gif", fps=10)
    assert gif.startswith(b"GIF89a")
    decoded = imageio.mimread(gif, format="GIF")
    assert [int(f[..., :3].mean()) for f in decoded] == [0, 128, 255]


def test_unknown_video_format_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["run", "--video", "avi"])
    assert exited.value.code == 2
    assert "--video" in capsys.readouterr().err
