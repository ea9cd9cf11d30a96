"""How ``nesy run --ray ADDRESS`` finds Ray's authentication token (Ray's documented order) and what it says when
the cluster refuses it; the end-to-end check against a real head is ``test_ray_cluster.py``."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.runs import ray_auth
from envs.errors import WorkerError


@pytest.fixture(autouse=True)
def no_ray_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in (ray_auth.TOKEN_VAR, ray_auth.PATH_VAR, ray_auth.MODE_VAR):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv(ray_auth.MODE_VAR, "unset-by-the-fixture")  # so that monkeypatch restores its absence
    monkeypatch.delenv(ray_auth.MODE_VAR)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(ray_auth, "_refresh_ray_config", lambda: None)


def test_the_token_is_found_in_rays_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert ray_auth.token_source() is None and ray_auth.prepare_token_auth() is None
    default = tmp_path / "home" / ".ray" / "auth_token"
    default.parent.mkdir(parents=True)
    default.write_text("secret\n")
    assert ray_auth.token_source() == str(default)
    named = tmp_path / "token"
    named.write_text("other")
    monkeypatch.setenv(ray_auth.PATH_VAR, str(named))
    assert ray_auth.token_source() == f"RAY_AUTH_TOKEN_PATH ({named})"
    monkeypatch.setenv(ray_auth.TOKEN_VAR, "third")
    assert ray_auth.token_source() == "RAY_AUTH_TOKEN"


def test_a_token_turns_token_mode_on_unless_the_user_turned_it_off(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    monkeypatch.setenv(ray_auth.TOKEN_VAR, "secret")
    assert ray_auth.prepare_token_auth() == "RAY_AUTH_TOKEN" and os.environ[ray_auth.MODE_VAR] == "token"
    monkeypatch.setenv(ray_auth.MODE_VAR, "disabled")
    assert ray_auth.prepare_token_auth() is None and os.environ[ray_auth.MODE_VAR] == "disabled"


def test_missing_or_unreadable_tokens_are_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(ray_auth.MODE_VAR, "token")
    with pytest.raises(WorkerError, match="RAY_AUTH_MODE=token but no token was found: set RAY_AUTH_TOKEN"):
        ray_auth.prepare_token_auth()
    monkeypatch.setenv(ray_auth.PATH_VAR, str(tmp_path / "nowhere"))
    with pytest.raises(WorkerError, match=r"RAY_AUTH_TOKEN_PATH=.*nowhere: cannot read the token file"):
        ray_auth.prepare_token_auth()
    (tmp_path / "empty").write_text("  \n")
    monkeypatch.setenv(ray_auth.PATH_VAR, str(tmp_path / "empty"))
    with pytest.raises(WorkerError, match="the token file is empty"):
        ray_auth.prepare_token_auth()


def test_a_refusal_is_recognised_through_rays_exception_chain() -> None:
    try:
        try:
            raise RuntimeError("Failed to connect to GCS. ... RPC error: InvalidAuthToken: Authentication token is "
                               "missing or incorrect.")
        except RuntimeError as inner:
            raise ConnectionError("Failed to connect to Ray cluster at 127.0.0.1:6379") from inner
    except ConnectionError as exc:
        assert ray_auth.is_token_refusal(exc)
    assert not ray_auth.is_token_refusal(ConnectionError("Failed to connect to Ray cluster at 127.0.0.1:6379"))
    assert "none was found" in ray_auth.refused_message("h:1", None)
    assert "refused the token read from RAY_AUTH_TOKEN" in ray_auth.refused_message("h:1", "RAY_AUTH_TOKEN")
