"""Settings from ``[tool.dedup]`` in pyproject.toml or ``[dedup]`` in setup.cfg.

The nearest file found walking up from the working directory wins; flags given on
the command line win over both.
"""

from __future__ import annotations

import configparser
import os
import sys
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

LIST_KEYS = frozenset({"include", "exclude"})
INT_KEYS = frozenset({"ngram", "num_perm", "seed", "min_words", "max_bucket", "jobs"})
FLOAT_KEYS = frozenset({"threshold", "containment"})
BOOL_KEYS = frozenset({"fix_joins", "quiet"})


class ConfigError(Exception):
    """A configuration file that cannot be used; the message names the file."""


def find_config(start: str | os.PathLike[str] | None = None) -> tuple[Path, dict[str, Any]] | None:
    """The nearest ``(file, settings)`` holding dedup settings, if any."""
    here = Path(start or os.getcwd()).resolve()
    for folder in (here, *here.parents):
        for loader in (_from_pyproject, _from_setup_cfg):
            found = loader(folder)
            if found is not None:
                return found
        if (folder / ".git").exists():
            break
    return None


def load_config(start: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    found = find_config(start)
    if found is None:
        return {}
    path, raw = found
    return {key: _coerce(path, key, value) for key, value in raw.items()} | {"_file": str(path)}


def _from_pyproject(folder: Path) -> tuple[Path, dict[str, Any]] | None:
    path = folder / "pyproject.toml"
    if not path.is_file():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read settings: {exc}") from None
    section = data.get("tool", {}).get("dedup")
    if section is None:
        return None
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: [tool.dedup] must be a table")
    return path, {k.replace("-", "_"): v for k, v in section.items()}


def _from_setup_cfg(folder: Path) -> tuple[Path, dict[str, Any]] | None:
    path = folder / "setup.cfg"
    if not path.is_file():
        return None
    parser = configparser.ConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except (OSError, UnicodeDecodeError, configparser.Error) as exc:
        raise ConfigError(f"{path}: cannot read settings: {exc}") from None
    if not parser.has_section("dedup"):
        return None
    return path, {k.replace("-", "_"): v for k, v in parser.items("dedup")}


def _coerce(path: Path, key: str, value: Any) -> Any:
    try:
        if key in LIST_KEYS:
            if isinstance(value, str):
                return tuple(v.strip() for v in value.replace("\n", ",").split(",") if v.strip())
            return tuple(str(v) for v in value)
        if key in INT_KEYS:
            return int(value)
        if key in FLOAT_KEYS:
            return float(value)
        if key in BOOL_KEYS:
            if isinstance(value, str):
                return value.strip().lower() in ("1", "true", "yes", "on")
            return bool(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{path}: invalid value for {key}: {value!r}") from None
    if key == "index" and isinstance(value, str) and not value.startswith("redis://") \
            and not os.path.isabs(value):
        return str(path.parent / value)
    return value
