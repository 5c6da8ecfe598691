"""datasketch objects in and out of the index: their signatures, checked against its settings.

datasketch is imported lazily: a ``MinHash`` is recognised by its attributes, so the
index works without datasketch installed as long as none is given.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..settings import Settings

# dedup's signatures are datasketch's "affine32" scheme, value for value.
SCHEME = "affine32"
_MAX32 = 0xFFFFFFFF


def is_minhash(value: object) -> bool:
    """Whether ``value`` looks like a ``datasketch.MinHash`` / ``LeanMinHash``."""
    return hasattr(value, "hashvalues") and hasattr(value, "seed")


def signature_of(minhash: Any, settings: Settings, location: str) -> np.ndarray:
    """The uint32 signature of a datasketch ``MinHash`` or ``LeanMinHash``.

    Raises:
        IncompatibleSettingsError: its ``num_perm``, seed or permutation scheme is not
            the index's, so its values cannot be compared with the index's.
        TypeError: it is not a MinHash.
    """
    from .model import IncompatibleSettingsError

    if not is_minhash(minhash):
        raise TypeError(f"expected text or a datasketch MinHash, got {type(minhash).__name__}")
    values = np.asarray(minhash.hashvalues)
    scheme = getattr(minhash, "scheme", SCHEME)
    problems = []
    if len(values) != settings.num_perm:
        problems.append(f"num_perm={len(values)}")
    if int(minhash.seed) != settings.seed:
        problems.append(f"seed={minhash.seed}")
    if scheme != SCHEME:
        problems.append(f"scheme={scheme}")
    if problems:
        raise IncompatibleSettingsError(
            f"{location}: index signatures have num_perm={settings.num_perm} "
            f"seed={settings.seed} scheme={SCHEME}, not {' '.join(problems)}; make the MinHash "
            f"with MinHash(num_perm={settings.num_perm}, seed={settings.seed})")
    if values.size and (values.min() < 0 or values.max() > _MAX32):
        raise IncompatibleSettingsError(f"{location}: MinHash values exceed 32 bits")
    return values.astype(np.uint32)


def to_lean_minhash(signature: np.ndarray, seed: int) -> Any:
    """A ``datasketch.LeanMinHash`` holding ``signature``."""
    from datasketch import LeanMinHash

    return LeanMinHash(seed=seed, hashvalues=signature, scheme=SCHEME)
