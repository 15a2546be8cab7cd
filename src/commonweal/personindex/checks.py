"""The person index as a check, for the checks registry (registered in apps.py)."""

from .selectors import score_case


def person_match_check(case) -> dict:
    """Possible other records of the same person, from the person index. A match is for a
    person to look at, never a reason to refuse."""
    return score_case(case.pk)
