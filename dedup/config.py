"""Settings from ``[tool.dedup]`` in pyproject.toml or ``[dedup]`` in setup.cfg.

The nearest folder holding either, walking up from the working directory (and
stopping at the repository root), wins; in one folder ``pyproject.toml`` is read
first. ``--config FILE`` names the file instead (no search): a ``.toml`` file's
``[tool.dedup]`` table, or any other file's ``[dedup]`` section. Flags given on the
command line win over the file. Keys may be spelt with
``-`` or ``_``. Values are checked here so that a bad one is reported with the file
that holds it::

    [tool.dedup]
    threshold = 0.85
    exclude = ["drafts/*"]
    ignore = ["DUP3"]                   # rule codes or prefixes (``dedup rules``)
    per-file-ignores = {"wire/*" = ["DUP201"]}

In ``setup.cfg``, ``per-file-ignores`` is one ``glob: CODE, CODE`` a line.
"""

from __future__ import annotations

import configparser
import difflib
import os
import sys
from pathlib import Path
from typing import Any

from .errors import ConfigError, UsageError
from .rules import check_selectors

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

LIST_KEYS = frozenset({"include", "exclude"})
RULE_KEYS = frozenset({"select", "ignore"})
MAP_KEYS = frozenset({"per_file_ignores"})
INT_KEYS = frozenset({"ngram", "num_perm", "seed", "min_words", "max_bucket", "jobs"})
FLOAT_KEYS = frozenset({"threshold", "containment"})
BOOL_KEYS = frozenset({"fix_joins", "quiet"})
STR_KEYS = frozenset({"text_field", "id_field", "date_field", "index", "encoding", "language"})
# Sizes: a number of bytes, or a string with K, M or G ("512M").
SIZE_KEYS = frozenset({"max_input_size"})
CHOICES: dict[str, tuple[str, ...]] = {
    "scope": ("within", "across", "all"),
    "shingle": ("word", "char"),
    "keep": ("first", "longest", "newest"),
    "format": ("rich", "json", "github"),
}
# Inclusive bounds of the numeric settings (None: unbounded).
BOUNDS: dict[str, tuple[float | None, float | None]] = {
    "ngram": (1, 32), "num_perm": (16, 1024), "min_words": (1, None), "max_bucket": (2, None),
    "jobs": (0, None),
}
KNOWN_KEYS = (LIST_KEYS | RULE_KEYS | MAP_KEYS | INT_KEYS | FLOAT_KEYS | BOOL_KEYS | STR_KEYS
              | SIZE_KEYS | frozenset(CHOICES))
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def find_config(start: str | os.PathLike[str] | None = None) -> tuple[Path, dict[str, Any]] | None:
    """The nearest ``(file, raw settings)`` holding dedup settings, if any."""
    here = Path(start or os.getcwd()).resolve()
    for folder in (here, *here.parents):
        for loader in (_from_pyproject, _from_setup_cfg):
            found = loader(folder)
            if found is not None:
                return found
        if (folder / ".git").exists():
            break
    return None


def read_config_file(path: str | os.PathLike[str]) -> tuple[Path, dict[str, Any]]:
    """``(file, raw settings)`` of the file ``--config`` names: ``[tool.dedup]`` of a
    ``.toml`` file, ``[dedup]`` of any other (``setup.cfg``, ``tox.ini``, ``dedup.cfg``).

    Raises :class:`ConfigError` when the file cannot be read or has no such section.
    """
    file = Path(path)
    if not file.is_file():
        what = "a directory" if file.is_dir() else "not a regular file" if file.exists() \
            else "no such file"
        raise ConfigError(f"{file}: cannot read settings: {what}")
    toml = file.suffix.lower() == ".toml"
    found = _from_pyproject(file.parent, file.name) if toml else _from_setup_cfg(file.parent, file.name)
    if found is None:
        section = "[tool.dedup] table" if toml else "[dedup] section"
        raise ConfigError(f"{file}: no {section}")
    return found


def load_config(start: str | os.PathLike[str] | None = None, *,
                file: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The checked settings of the nearest config file (``{}`` when there is none),
    or of ``file`` when one is named (``--config``).

    The file's path is under the key ``"_file"``. Raises :class:`ConfigError` for
    a file that cannot be parsed or a value that is not allowed.

    Example:
        >>> load_config("/")
        {}
    """
    found = read_config_file(file) if file is not None else find_config(start)
    if found is None:
        return {}
    path, raw = found
    return {key: coerce(path, key, value) for key, value in raw.items()} | {"_file": str(path)}


def _from_pyproject(folder: Path, name: str = "pyproject.toml") -> tuple[Path, dict[str, Any]] | None:
    path = folder / name
    if not path.is_file():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read settings: {exc}") from None
    tool = data.get("tool", {})
    section = tool.get("dedup") if isinstance(tool, dict) else None
    if section is None:
        return None
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: [tool.dedup] must be a table")
    return path, _keys(path, section)


def _from_setup_cfg(folder: Path, name: str = "setup.cfg") -> tuple[Path, dict[str, Any]] | None:
    path = folder / name
    if not path.is_file():
        return None
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (OSError, UnicodeDecodeError, configparser.Error) as exc:
        message = " ".join(str(exc).split())
        raise ConfigError(f"{path}: cannot read settings: {message}") from None
    if not parser.has_section("dedup"):
        return None
    return path, _keys(path, dict(parser.items("dedup")))


def _keys(path: Path, section: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in section.items():
        name = key.replace("-", "_")
        if name not in KNOWN_KEYS:
            # A misspelt setting would be silently ignored; an unrelated key is left for
            # commands that know it.
            close = difflib.get_close_matches(name, KNOWN_KEYS, n=1, cutoff=0.8)
            if close:
                raise ConfigError(f"{path}: unknown setting {key!r} (did you mean {close[0]!r}?)")
        out[name] = value
    return out


def coerce(path: Path, key: str, value: Any) -> Any:
    """A setting's value as the command line would give it, or :class:`ConfigError`."""
    where = f"{path}: {key}"
    if key in RULE_KEYS:
        return _codes(where, value)
    if key in MAP_KEYS:
        return _per_file(where, value)
    if key in LIST_KEYS:
        if isinstance(value, str):
            return tuple(v.strip() for v in value.replace("\n", ",").split(",") if v.strip())
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
        raise ConfigError(f"{where} must be a list of globs, got {value!r}")
    if key in INT_KEYS:
        number = _number(where, value, int)
        _check_bounds(where, key, number)
        return number
    if key in FLOAT_KEYS:
        share = _number(where, value, float)
        if not 0.0 < share <= 1.0:
            raise ConfigError(f"{where} must be in (0, 1], got {value!r}")
        return share
    if key in BOOL_KEYS:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
            return value.strip().lower() in _TRUE
        raise ConfigError(f"{where} must be true or false, got {value!r}")
    if key in CHOICES:
        if value not in CHOICES[key]:
            raise ConfigError(f"{where} must be one of {', '.join(CHOICES[key])}, got {value!r}")
        return value
    if key in SIZE_KEYS:
        return _size(where, value)
    if key in STR_KEYS:
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{where} must be a non-empty string, got {value!r}")
        if key == "encoding":
            return _encoding(where, value)
        if key == "index" and "://" not in value and not os.path.isabs(value):
            return str(path.parent / value)  # relative to the config file, not the cwd
        return value
    return value


def _codes(where: str, value: Any) -> tuple[str, ...]:
    """Rule codes or prefixes: a list, or one string separated by commas or lines."""
    if isinstance(value, str):
        value = value.replace("\n", ",").split(",")
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where} must be a list of rule codes, got {value!r}")
    try:
        return check_selectors(v for v in value if v.strip())
    except UsageError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _per_file(where: str, value: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``glob -> codes``: a TOML table, or ``glob: CODE, CODE`` lines (setup.cfg)."""
    if isinstance(value, str):
        table: dict[str, Any] = {}
        for line in value.splitlines():
            if not line.strip():
                continue
            glob, sep, codes = line.rpartition(":")
            if not sep or not glob.strip():
                raise ConfigError(f"{where}: each line must be 'glob: CODE, CODE', got {line.strip()!r}")
            table[glob.strip()] = codes
        value = table
    if not isinstance(value, dict):
        raise ConfigError(f"{where} must be a table of glob = [codes], got {value!r}")
    return tuple((str(glob), _codes(f"{where} {glob!r}", codes)) for glob, codes in value.items())


def _size(where: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ConfigError(f"{where} must be a size such as 512M, got {value!r}")
    try:
        return parse_size(str(value))
    except UsageError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _encoding(where: str, value: str) -> str:
    import codecs

    if value != "auto":
        try:
            codecs.lookup(value)
        except LookupError:
            raise ConfigError(f"{where}: unknown encoding {value!r} (a Python codec name such "
                              "as latin-1 or cp1252, or auto)") from None
    return value


def _number(where: str, value: Any, kind: type[int] | type[float]) -> Any:
    if isinstance(value, bool):
        raise ConfigError(f"{where} must be a number, got {value!r}")
    if kind is int and isinstance(value, float):
        raise ConfigError(f"{where} must be a whole number, got {value!r}")
    try:
        return kind(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        raise ConfigError(f"{where} must be a {'whole ' if kind is int else ''}number, "
                          f"got {value!r}") from None


def _check_bounds(where: str, key: str, number: int) -> None:
    low, high = BOUNDS.get(key, (None, None))
    if (low is not None and number < low) or (high is not None and number > high):
        span = f"at least {low}" if high is None else f"between {low} and {high}"
        raise ConfigError(f"{where} must be {span}, got {number}")


def format_size(size: int) -> str:
    """``268435456`` -> ``'256M'``: the largest binary unit that divides ``size``."""
    for unit, factor in (("G", 2**30), ("M", 2**20), ("K", 2**10)):
        if size >= factor and size % factor == 0:
            return f"{size // factor}{unit}"
    return f"{size:,} bytes"


def parse_size(text: str) -> int:
    """``'512M'`` -> ``536870912``; plain digits are bytes (K, M, G: powers of 1024)."""
    value = text.strip().upper().replace(",", "").removesuffix(" BYTES")
    value = value.removesuffix("B").removesuffix("I")
    factor = 1
    if value[-1:] in ("K", "M", "G", "T"):
        factor = 2 ** (10 * ("KMGT".index(value[-1]) + 1))
        value = value[:-1]
    try:
        number = float(value)
    except ValueError:
        raise UsageError(f"not a size: {text!r} (a number of bytes, or with K, M, G)") from None
    if not (number >= 1 and number * factor <= 2**62):  # NaN too
        raise UsageError(f"size out of range: {text!r}")
    return int(number * factor)
