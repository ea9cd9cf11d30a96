"""Ray's token authentication, for ``nesy run --ray ADDRESS``: find the token the way Ray documents it, say
clearly when it is missing or wrong.

Ray (2.52 and later) reads the token from, in order, ``RAY_AUTH_TOKEN``, the file ``RAY_AUTH_TOKEN_PATH`` names,
then ``~/.ray/auth_token``; ``RAY_AUTH_MODE=token`` turns authentication on and ``disabled`` off
(https://docs.ray.io/en/latest/ray-security/token-auth.html). The pinned Ray turns it on by itself for
``ray.init()`` (which writes ``~/.ray/auth_token``), for ``ray start --head`` when a token exists, and for a
driver joining with ``address="auto"``, but not for a driver given an explicit address: that one sends no token
and is refused, with a message about a crashed Ray instance. Here a driver joining any cluster turns token mode
on whenever a token is available, as Ray does for ``auto``; a cluster without authentication accepts such a
driver as well (checked with the pinned Ray).
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

from envs.errors import WorkerError

TOKEN_VAR, PATH_VAR, MODE_VAR = "RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH", "RAY_AUTH_MODE"
#: how to get the right token, for the messages
HOW = (f"set {TOKEN_VAR} to the cluster's token, or {PATH_VAR} to a file holding it, or write it to "
       "~/.ray/auth_token (`ray get-auth-token` on the head node prints it)")


def default_token_path() -> Path:
    return Path.home() / ".ray" / "auth_token"


def token_source() -> str | None:
    """Where Ray will read the token from (in its order), or None when there is no token. A ``RAY_AUTH_TOKEN_PATH``
    that cannot be read or is empty is a ``WorkerError`` here: Ray itself aborts the process on it."""
    if os.environ.get(TOKEN_VAR, "").strip():
        return TOKEN_VAR
    named = os.environ.get(PATH_VAR)
    if named:
        try:
            text = Path(named).expanduser().read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not a text file"
            raise WorkerError(f"--ray: {PATH_VAR}={named}: cannot read the token file ({reason})") from None
        if not text.strip():
            raise WorkerError(f"--ray: {PATH_VAR}={named}: the token file is empty")
        return f"{PATH_VAR} ({named})"
    default = default_token_path()
    try:
        if default.is_file() and default.read_text(encoding="utf-8").strip():
            return str(default)
    except (OSError, UnicodeDecodeError):
        return None
    return None


def prepare_token_auth() -> str | None:
    """Before joining a running cluster: turn Ray's token mode on when a token is available and
    ``RAY_AUTH_MODE`` is unset. Returns where the token comes from, None when none will be sent."""
    mode = os.environ.get(MODE_VAR)
    if mode is not None and mode.strip().lower() != "token":
        return None  # the user turned authentication off
    source = token_source()
    if source is None:
        if mode is not None:
            raise WorkerError(f"--ray: {MODE_VAR}=token but no token was found: {HOW}")
        return None
    if mode is None:
        os.environ[MODE_VAR] = "token"
        _refresh_ray_config()
    return source


def refused_message(address: str, source: str | None) -> str:
    """What to say when the cluster refused the connection for its token."""
    if source is None:
        return f"--ray {address}: the cluster requires a token (Ray token authentication) and none was found: {HOW}"
    return (f"--ray {address}: the cluster refused the token read from {source}: it is not this cluster's token; "
            f"{HOW}")


def is_token_refusal(exc: BaseException) -> bool:
    """Whether ``ray.init`` failed because the cluster refused the token (or its absence)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        text = str(current)
        if type(current).__name__ == "AuthenticationError" or "InvalidAuthToken" in text \
                or "Authentication token is missing or incorrect" in text:
            return True
        current = current.__cause__ or current.__context__
    return False


def _refresh_ray_config() -> None:
    """Ray caches its configuration, the authentication mode with it; reread it as Ray does when it turns
    token mode on itself (``authentication_token_setup._enable_token_auth`` of the pinned Ray)."""
    try:
        raylet = importlib.import_module("ray._raylet")
    except ImportError:  # no Ray: nothing to refresh
        return
    if hasattr(raylet, "Config"):  # another Ray may read the variable only when it connects
        raylet.Config.initialize("")
