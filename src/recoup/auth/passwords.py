"""What makes a password too weak to accept: too short, too guessable, or made of what an
attacker already knows about its owner.

Guessability is zxcvbn's estimate (the strength estimator password managers and most
sign-up forms use: dictionaries of common passwords, names and words, keyboard patterns,
dates, repeats, l33t substitutions). It is given the user's own details too, and on top
of that a password that is nothing but those details, digits and punctuation is refused
outright (``Acme2026!Acme`` for someone at Acme).
"""

import re
from collections.abc import Sequence

from zxcvbn import zxcvbn

MIN_LENGTH = 10
MAX_LENGTH = 200  # argon2 hashes anything, but nobody types more; the estimator slows down
# zxcvbn's score 3: "safely unguessable", about 10^8 guesses or more; 0-2 are refused.
MIN_SCORE = 3
_WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)
_FILLER = re.compile(r"[\W\d_]+", re.UNICODE)


def context_words(context: Sequence[str]) -> list[str]:
    """The words of the user's details an attacker would try first, longest first.

    >>> context_words(["kim.lee@acme-trading.example", "Kim Lee"])
    ['example', 'trading', 'acme', 'kim', 'lee']
    """
    words = {word.lower() for value in context for word in _WORD.findall(value)}
    return sorted(words, key=lambda word: (-len(word), word))


def weakness(password: str, *, context: Sequence[str] = ()) -> str:
    """Why ``password`` is refused, or ``""`` when it is good enough.

    >>> weakness("password12")
    'is too common or too easy to guess (This is a very common password.)'
    >>> weakness("Acme2026!Acme", context=["ar@acme.example"])
    'is made of your own name, email or organisation'
    >>> weakness("correct horse battery")
    ''
    """
    if len(password) < MIN_LENGTH:
        return f"must have at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"must have at most {MAX_LENGTH} characters"
    words = context_words(context)
    rest = password.lower()
    for word in words:
        rest = rest.replace(word, "")
    if rest != password.lower() and len(_FILLER.sub("", rest)) < 4:
        return "is made of your own name, email or organisation"
    estimate = zxcvbn(password, user_inputs=words)
    if estimate["score"] < MIN_SCORE:
        warning = estimate["feedback"].get("warning") or ""
        return "is too common or too easy to guess" + (f" ({warning})" if warning else "")
    return ""
