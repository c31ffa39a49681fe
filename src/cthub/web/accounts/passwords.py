"""Password hashing with argon2id (argon2-cffi), the OWASP-recommended choice.

A check against an unknown user still runs one argon2 verification, so response time does not tell an attacker
which usernames exist.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12


@functools.cache
def _hasher_for(profile: str) -> PasswordHasher:
    if profile == "cheapest":  # test suites only: hashes made with it are trivially cheap to attack
        return PasswordHasher.from_parameters(profiles.CHEAPEST)
    return PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)  # argon2id, 64 MiB, t=3, p=4


def hasher() -> PasswordHasher:
    """The argon2id hasher; CTHUB_ARGON2_PROFILE=cheapest makes test suites fast (never use it for a real hub)."""
    return _hasher_for(os.environ.get("CTHUB_ARGON2_PROFILE", "default"))


@functools.cache
def _dummy_hash(profile: str) -> str:
    return _hasher_for(profile).hash("not a real password, only here to spend time")


class WeakPassword(ValueError):
    """A password too short to protect an account that can read validation reports or publish releases."""


MIN_DISTINCT = 5
_LEET = str.maketrans({"@": "a", "4": "a", "0": "o", "1": "i", "!": "i", "3": "e", "$": "s", "5": "s", "7": "t"})
_SEQUENCES = ("01234567890123456789", "98765432109876543210", "abcdefghijklmnopqrstuvwxyz",
              "zyxwvutsrqponmlkjihgfedcba", "qwertyuiopasdfghjklzxcvbnm", "qazwsxedcrfvtgbyhnujmikolp")


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped blocklist (`common-passwords.txt`, offline): frequent passwords and stems, lowercase."""
    text = (Path(__file__).with_name("common-passwords.txt")).read_text(encoding="utf-8")
    return frozenset(w.strip() for w in text.splitlines() if w.strip() and not w.startswith("#"))


def _is_repetition(text: str) -> bool:
    """'abcabcabcabc', 'qwertyqwerty': one short unit repeated."""
    n = len(text)
    return any(n % k == 0 and text[:k] * (n // k) == text for k in range(1, n // 2 + 1))


def check_strength(password: str) -> None:
    """Length alone let `aaaaaaaaaaaa` and `password1234` through: refuse repeated characters, repetitions,
    keyboard and number runs, and common passwords with digits or symbols around them (ASVS 2.1.7). Messages never
    repeat the password."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"the password must have at least {MIN_LENGTH} characters (a passphrase of a few words works)")
    low = password.casefold()
    compact = "".join(low.split())
    if len(set(compact)) < MIN_DISTINCT or _is_repetition(compact):
        raise WeakPassword("the password repeats too few characters; choose a passphrase of a few unrelated words")
    if any(compact in seq for seq in _SEQUENCES):
        raise WeakPassword("the password is a keyboard or number run; choose a passphrase of a few unrelated words")
    common = common_passwords()
    stem = compact.strip("0123456789!@#$%^&*()_+-=.,;:?/\\|~`'\"[]{}<>")
    candidates = {compact, stem, stem.translate(_LEET), compact.translate(_LEET)}
    if any(c in common or (c and _is_repetition(c) and _unit(c) in common) for c in candidates):
        raise WeakPassword("the password is too common (it is on the list of passwords attackers try first); "
                           "choose a passphrase of a few unrelated words")


def _unit(text: str) -> str:
    n = len(text)
    return next(text[:k] for k in range(1, n + 1) if n % k == 0 and text[:k] * (n // k) == text)


def hash_password(password: str) -> str:
    check_strength(password)
    return hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when `password` matches; a missing hash still costs one verification (no username oracle)."""
    try:
        dummy = _dummy_hash(os.environ.get("CTHUB_ARGON2_PROFILE", "default"))
        return hasher().verify(stored_hash or dummy, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    try:
        return hasher().check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True
