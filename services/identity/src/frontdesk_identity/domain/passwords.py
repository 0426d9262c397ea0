"""Password rules after NIST SP 800-63B: length only, no composition rules, no common ones."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .errors import PasswordRejected

COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")


@dataclass(frozen=True)
class PasswordPolicy:
    """Length bounds (in characters, after NFKC) and the set of refused common passwords."""

    min_length: int = 8
    max_length: int = 128
    common: frozenset[str] = frozenset()

    @classmethod
    def with_common_list(cls, min_length: int = 8, max_length: int = 128) -> PasswordPolicy:
        """The policy with the common-passwords list kept in the repository."""
        lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
        common = frozenset(line.strip().lower() for line in lines if line.strip())
        return cls(min_length, max_length, common)

    def check(self, password: str) -> str:
        """The normalised password, or `PasswordRejected` saying which rule it breaks."""
        normalised = unicodedata.normalize("NFKC", password)
        if len(normalised) < self.min_length:
            raise PasswordRejected(f"use at least {self.min_length} characters")
        if len(normalised) > self.max_length:
            raise PasswordRejected(f"use at most {self.max_length} characters")
        if normalised.lower() in self.common:
            raise PasswordRejected("this password is too common; choose another")
        return normalised
