"""Does the name on a bank account belong to this person? Banks write names their own way:
"J PRICE", "MR JORDAN PRICE", "PRICE, JORDAN", "Mr J and Mrs S Price", "J Price & S Evans".
`account_holders` splits an account name into its holders; `holder_matches` says whether one
of them can be the person, given their given names and family name.

A holder is the person when:

- their family name is there (any part of a double-barrelled name will do, as people often
  use one half; case, accents, punctuation and order do not matter), and
- one of the other words is their first given name, the start of it (three letters or more:
  "Chris" for "Christopher"), or its initial ("J" for "Jordan", "JA" for "Jordan Alex").

Titles (Mr, Mrs, Ms, Miss, Mx, Dr…) and suffixes (Jr, Snr…) are left out. A holder who is
only a title and a family name ("Mr Price") is not a match: it does not say which Price.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

TITLES = {
    "MR", "MRS", "MS", "MISS", "MX", "DR", "PROF", "PROFESSOR", "REV", "REVD", "SIR", "DAME",
    "LADY", "LORD", "MASTER", "MADAM", "FR", "CAPT", "MSTR",
}  # fmt: skip
SUFFIXES = {"JR", "JNR", "SR", "SNR", "II", "III", "IV"}
# Parts of family names that say little on their own ("ap" in "ap Gwilym"): another part of
# the family name must be there too.
PARTICLES = {"AP", "AB", "FERCH", "VERCH", "VAN", "VON", "DER", "DE", "DA", "DI", "DU", "LE", "LA"}
# Words that join the holders of a joint account.
JOINERS = re.compile(r"\s*(?:&|\+|/|\bAND\b|\bOR\b)\s*")
SHORTEST_NAME_START = 3


def _plain(text: str) -> str:
    """Upper case without accents; apostrophes dropped (O'Brien is OBRIEN); any other
    punctuation a space."""
    folded = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    folded = re.sub(r"['’`]", "", folded.upper())
    return re.sub(r"[^A-Z&+/]+", " ", folded).strip()


def words_of(text: str) -> list[str]:
    """A name's words, without titles or suffixes."""
    return [word for word in _plain(text).split() if word not in TITLES and word not in SUFFIXES]


@dataclass(frozen=True)
class Holder:
    words: tuple[str, ...]


def account_holders(account_name: str) -> list[Holder]:
    """The holders named on an account. In "Mr J and Mrs S Price" or "J & S Price" the first
    holder has no family name written: they share the last holder's."""
    parts = [part for part in JOINERS.split(_plain(account_name)) if part.strip()]
    holders = [words_of(part) for part in parts]
    holders = [words for words in holders if words] or []
    if len(holders) > 1:
        family = holders[-1][-1] if len(holders[-1]) > 1 else None
        for words in holders[:-1]:
            # One word, or only initials: the family name is the last holder's.
            if family and (len(words) == 1 or all(len(word) <= 2 for word in words)):
                words.append(family)
    return [Holder(tuple(words)) for words in holders]


def _given_word_matches(word: str, given: list[str]) -> bool:
    first = given[0]
    if word == first or word in given[1:]:
        return True
    if len(word) >= SHORTEST_NAME_START and first.startswith(word):
        return True
    # Initials, on their own ("J") or run together ("JA" for Jordan Alex).
    initials = "".join(name[0] for name in given)
    return len(word) <= len(initials) and initials.startswith(word)


def holder_matches(holder: Holder, *, given_names: str, family_name: str) -> bool:
    """Can this holder be the person with these names? (See the module.)"""
    given = words_of(given_names)
    family = words_of(family_name)
    if not given or not family:
        return False
    rest = list(holder.words)
    found = []
    # Each part of the family name once; a double-barrelled one may be written as one word.
    for part in [*family, "".join(family)] if len(family) > 1 else family:
        if part in rest:
            rest.remove(part)
            found.append(part)
    if not any(part not in PARTICLES for part in found):
        return False
    return any(_given_word_matches(word, given) for word in rest)


def name_on_account_matches(account_name: str, *, given_names: str, family_name: str) -> bool:
    """Whether any holder of the account can be the person."""
    return any(
        holder_matches(holder, given_names=given_names, family_name=family_name)
        for holder in account_holders(account_name)
    )


def split_full_name(full_name: str) -> tuple[str, str]:
    """Given names and family name from a name written in one field: "Jo Evans" (the last
    word is the family name) or "Evans, Jo"."""
    full_name = full_name or ""
    if "," in full_name:
        family, _comma, given = full_name.partition(",")
        return given.strip(), family.strip()
    words = full_name.split()
    if len(words) < 2:
        return "", full_name
    return " ".join(words[:-1]), words[-1]
