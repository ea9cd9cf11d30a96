"""One torch thread per process unless NESY_TORCH_THREADS asks for more; a bad value is a one-line error."""

from __future__ import annotations

import pytest

from agent.cli import main
from envs.errors import ConfigError
from policies.threads import ENV_VAR, limit_torch_threads, torch_threads


def test_one_thread_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    monkeypatch.delenv(ENV_VAR, raising=False)
    assert torch_threads() == 1
    previous = torch.get_num_threads()
    try:
        assert limit_torch_threads() == 1 and torch.get_num_threads() == 1
        monkeypatch.setenv(ENV_VAR, "2")
        assert limit_torch_threads() == 2 and torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(previous)


@pytest.mark.parametrize("value", ["0", "two", ""])
def test_bad_value_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                       value: str) -> None:
    monkeypatch.setenv(ENV_VAR, value)
    with pytest.raises(ConfigError, match=ENV_VAR):
        torch_threads()
    assert main(["run", "--task", "hanoi", "--goal", "oracle"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and ENV_VAR in err[0]
