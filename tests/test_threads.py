"""One torch and BLAS thread per process unless NESY_TORCH_THREADS asks for more; a bad value is a one-line error."""

from __future__ import annotations

import pytest

from agent.cli import main
from envs.errors import ConfigError
from policies.threads import ENV_VAR, limit_blas_threads, limit_torch_threads, torch_threads


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


def test_blas_follows_the_same_count(monkeypatch: pytest.MonkeyPatch) -> None:
    from threadpoolctl import threadpool_info, threadpool_limits

    def blas_threads() -> set[int]:
        return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}

    with threadpool_limits(None):  # restores the pools' counts on leaving
        monkeypatch.delenv(ENV_VAR, raising=False)
        assert limit_blas_threads() == 1 and blas_threads() == {1}
        monkeypatch.setenv(ENV_VAR, "2")
        assert limit_blas_threads() == 2 and blas_threads() == {2}


@pytest.mark.parametrize("value", ["0", "two", ""])
def test_bad_value_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                       value: str) -> None:
    monkeypatch.setenv(ENV_VAR, value)
    with pytest.raises(ConfigError, match=ENV_VAR):
        torch_threads()
    assert main(["run", "--task", "hanoi", "--goal", "oracle"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and ENV_VAR in err[0]
