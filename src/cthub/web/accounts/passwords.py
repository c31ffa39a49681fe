"""Password hashing with argon2id (argon2-cffi), the OWASP-recommended choice.

A check against an unknown user still runs one argon2 verification, so response time does not tell an attacker
which usernames exist.
"""

from __future__ import annotations

import functools
import os

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


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"the password must have at least {MIN_LENGTH} characters (a passphrase of a few words works)")


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
