"""Item 10: common and repetitive passwords are refused, not just short ones (ASVS 2.1.7, offline list)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("pw", ["aaaaaaaaaaaa", "password1234", "Password1234!", "123456789012", "qwertyuiop12",
                                "abcabcabcabc", "iloveyou2024", "letmein12345", "P@ssw0rd1234", "welcome12345",
                                "111111111111", "abababababab", "administrator", "qwertyqwerty"])
def test_weak_passwords_are_refused(pw):
    from cthub.web.accounts.passwords import WeakPassword, check_strength

    with pytest.raises(WeakPassword) as exc:
        check_strength(pw)
    assert "password" in str(exc.value) or "passphrase" in str(exc.value)
    assert pw not in str(exc.value)  # the message never repeats the password


@pytest.mark.parametrize("pw", ["lantern orbit meadow", "ana-passphrase-12", "river Tuesday 7 lantern",
                                "x9#Lq2!vB7zR"])
def test_good_passwords_pass(pw):
    from cthub.web.accounts.passwords import check_strength

    check_strength(pw)


def test_the_blocklist_is_shipped_and_large_enough():
    from cthub.web.accounts.passwords import common_passwords

    words = common_passwords()
    assert len(words) >= 200 and "password" in words and "qwerty" in words
