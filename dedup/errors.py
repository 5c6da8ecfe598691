"""The errors of dedup, its exit codes and the version of its JSON documents.

Library code raises :class:`DedupError` subclasses (never click exceptions); the
command line turns them into one-line messages and exit codes in one place
(:mod:`dedup.cli.main`). A bad input does not stop a run: it becomes an
:class:`InputError` record, reported at the end while the other inputs go on.
"""

from __future__ import annotations

from dataclasses import dataclass

# The exit-code contract of every command and hook.
EXIT_CLEAN = 0  # nothing found, nothing to change
EXIT_FOUND = 1  # duplicates found, or files changed / would change
EXIT_ERROR = 2  # usage, configuration, input or index error
EXIT_INTERNAL = 3  # an unexpected error: a bug to report

# The version of every JSON document the commands print (scan, clean, index).
JSON_VERSION = 1


class DedupError(Exception):
    """Base of every error dedup raises on purpose; the message says where and why."""

    exit_code = EXIT_ERROR


class UsageError(DedupError):
    """Options that cannot be used together or a value out of its bounds."""


class SettingsError(UsageError, ValueError):
    """A detection setting out of its bounds ("ngram must be between 1 and 32")."""


class ConfigError(DedupError):
    """A configuration file that cannot be used; the message names the file."""


class InputFailure(DedupError):
    """Inputs that cannot be read at all (as opposed to one bad record or file)."""


class WriteRefused(DedupError):
    """A file that is left as it is on purpose (changed since it was read, read-only,
    hard-linked); the message says why."""


@dataclass(frozen=True)
class InputError:
    """A bad input, reported while the run goes on: ``input`` names the file
    (``path:line`` for a JSON lines record)."""

    input: str
    message: str

    def __str__(self) -> str:
        return f"{self.input}: {self.message}"
