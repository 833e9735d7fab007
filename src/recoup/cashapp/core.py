"""Matching bank credits to customers and open invoices (pure: no session, no clock).

For each credit line every signal a person would use is scored: the structured creditor
reference (``RF…``, the exact key), invoice numbers in the free text, the payer's IBAN
and name learned from earlier decisions, the payer's name against customer names, the
customer's own account number, and the amount (one open invoice, a combination of open
items, the open amount less a small bank charge or discount, the whole balance, a
partial or an overpayment). Each proposal carries its confidence (0-100) and its
reasons in words; a line is applied without a person only when exactly one proposal
reaches the organisation's threshold and no other customer is a serious rival.

Amounts are integer minor units in the line's currency.
"""

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache, lru_cache
from itertools import combinations, pairwise
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process

from recoup import money
from recoup.cashapp.reference import customer_of, printed, references_in

# Confidence points. A customer is named by its strongest signal, plus a little for each
# further signal that agrees; the amount adds what it explains.
REFERENCE_POINTS = 80  # RF creditor reference: the exact key
INVOICE_POINTS = 60  # an open invoice of the customer named in the text
LEARNED_IBAN_POINTS = 60  # a person confirmed this IBAN pays for the customer
ACCOUNT_POINTS = 50  # the customer's own account number in the text
LEARNED_NAME_POINTS = 45  # a person confirmed this payer name pays for the customer
NAME_POINTS = ((92, 40), (85, 30), (75, 15))  # rapidfuzz score -> points
PAID_INVOICE_POINTS = 30  # the text names an invoice already paid
AMOUNT_ONLY_POINTS = 40  # nothing but the amount: it equals one open invoice in the ledger
CORROBORATION_POINTS = 10  # per further agreeing signal, at most two
EXACT_AMOUNT_POINTS = 30  # named invoices, one open invoice or the whole balance
SUBSET_AMOUNT_POINTS = 25  # a combination of open items
SHORT_AMOUNT_POINTS = 15  # open amount less a bank charge or discount
# The text names the invoices and the amount is a little less (a bank charge or discount)
# or a part of them: the story holds together, so it counts more than a short amount
# found among the customer's open items (one further agreeing signal makes it certain).
NAMED_SHORT_POINTS = 20
NAMED_PARTIAL_POINTS = 20
PARTIAL_AMOUNT_POINTS = 10  # more than named invoices, or more than everything open
RIVAL_MARGIN = 25  # a rival customer this close in evidence makes a match uncertain
DEFAULT_THRESHOLD = 90

SUBSET_ITEMS = 16  # the oldest open items a combination is searched among
SUBSET_SIZE = 5  # at most this many items in a combination
MAX_PROPOSALS = 5
NAME_CANDIDATES = 10  # a payer name resembling more customers than this names none alone

_LEGAL_FORMS = re.compile(
    r"\b(gmbh|mbh|ag|kg|ohg|ug|e\.?k|ltd|limited|llc|inc|corp|co|plc|sa|sas|sarl|srl|spa|"
    r"bv|nv|oy|ab|as|aps|kft|sp z o\.?o|s\.?a|the|und|and|&)\b\.?"
)


@dataclass(frozen=True, slots=True)
class Settings:
    """How sure the matcher must be, and what a small short payment may be."""

    threshold: int = DEFAULT_THRESHOLD
    # A payment this much below the open amount still settles it: a bank charge
    # (``short_fixed`` minor units of ``base_currency``) or an early-payment discount
    # (``short_percent`` of the open amount, in any currency).
    short_fixed: int = 1500
    short_percent: Decimal = Decimal("3")
    # The organisation's base currency, the one ``short_fixed`` is in. Recoup keeps no
    # exchange rates, so a fixed amount cannot be said in another currency: an invoice
    # in another currency is settled short only within ``short_percent``. Empty: the
    # fixed amount counts in every currency (a book of one currency).
    base_currency: str = ""

    def tolerance(self, open_amount: int, currency: str = "") -> int:
        """How far below ``open_amount`` (minor units of ``currency``) a payment may fall
        and still settle it.

        >>> s = Settings(short_fixed=1500, short_percent=Decimal("2"), base_currency="EUR")
        >>> s.tolerance(50000, "EUR"), s.tolerance(200000, "EUR"), s.tolerance(50000, "USD")
        (1500, 4000, 1000)
        """
        by_percent = int(Decimal(open_amount) * self.short_percent / 100)
        if self.base_currency and currency != self.base_currency:
            return by_percent
        return max(self.short_fixed, by_percent)


@dataclass(frozen=True, slots=True)
class Item:
    """An invoice as the matcher sees it (paid ones too: a payer may name them)."""

    invoice_id: int
    number: str
    customer_id: int
    currency: str
    open_amount: int
    issue_date: date
    due_date: date
    status: str = "open"
    disputed: bool = False


@dataclass(frozen=True, slots=True)
class Party:
    """A customer, with what people taught the matcher about who pays for it."""

    customer_id: int
    account: str  # the customer's own account number (external id)
    name: str
    ibans: frozenset[str] = frozenset()
    payer_names: frozenset[str] = frozenset()
    # Pending promises to pay: (amount, currency, {invoice id: amount promised on it}).
    promises: tuple["Promised", ...] = ()


@dataclass(frozen=True, slots=True)
class Promised:
    """A pending promise (or the next instalment of a payment plan): its amount and
    what it pays, each invoice at most its amount, in order."""

    amount: int
    currency: str
    invoices: tuple[tuple[int, int], ...]  # (invoice id, amount), in the promise's order
    what: str = " promised for"  # in the reason: "amount = EUR 100.00 promised for INV-1057"


@dataclass(frozen=True, slots=True)
class Line:
    """A credit line to match, amounts in minor units."""

    amount: int
    currency: str
    booking_date: date
    creditor_reference: str = ""
    remittance: str = ""
    payer_name: str = ""
    payer_iban: str = ""


@dataclass(frozen=True, slots=True)
class Share:
    """Part of a line applied to one invoice."""

    invoice_id: int
    number: str
    amount: int


@dataclass(frozen=True, slots=True)
class Proposal:
    """Apply a line to one customer: these invoices, the rest on account."""

    customer_id: int
    account: str
    shares: tuple[Share, ...]
    on_account: int
    confidence: int
    reasons: tuple[str, ...]
    disputed: tuple[str, ...] = ()  # numbers of invoices under dispute it pays

    @property
    def reason(self) -> str:
        """The reasons in one sentence."""
        return "; ".join(self.reasons)

    @property
    def applied(self) -> int:
        """What goes to invoices."""
        return sum(s.amount for s in self.shares)


@dataclass(frozen=True, slots=True)
class Decision:
    """The proposals for a line, best first, and the one to apply without a person."""

    proposals: tuple[Proposal, ...]
    certain: Proposal | None = None
    note: str = ""


@dataclass
class Book:
    """What the matcher knows: customers, their invoices and indexes over them."""

    parties: Mapping[int, Party]
    items: Sequence[Item]
    by_customer: dict[int, list[Item]] = field(default_factory=dict)
    by_number: dict[str, list[Item]] = field(default_factory=dict)
    by_digits: dict[str, list[Item]] = field(default_factory=dict)
    by_amount: dict[tuple[str, int], list[Item]] = field(default_factory=dict)
    by_iban: dict[str, list[int]] = field(default_factory=dict)
    by_payer: dict[str, list[int]] = field(default_factory=dict)
    by_account: dict[str, int] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)
    # Invoices whose open amount changed since the book was built (applied meanwhile).
    current: dict[int, Item] = field(default_factory=dict)
    # Customers by their name (as ``normal_name`` has it), and those names by the first
    # three letters of each of their words.
    by_name: dict[str, list[int]] = field(default_factory=dict)
    first_words: dict[str, list[str]] = field(default_factory=dict)
    # Payer names already compared with every customer name: the customers that resemble.
    similar: dict[str, "_Similar"] = field(default_factory=dict)


def build_book(parties: Iterable[Party], items: Iterable[Item]) -> Book:
    """Index customers and invoices for matching many lines."""
    book = Book({p.customer_id: p for p in parties}, [])
    _index_parties(book)
    return with_items(book, items)


def with_items(book: Book, items: Iterable[Item], numbered: Iterable[int] | None = None) -> Book:
    """The same customers (sharing their indexes) with ``items`` as the invoices; only
    those in ``numbered`` (ids) found by number when given.

    Matching a line reads only the invoices it names, the open items of the customers
    it may be from and the open invoices of its amount: a book holding those (in the
    ledger's order) decides every line as a book of every invoice would.
    """
    item_list = list(items)
    by_number_too = None if numbered is None else set(numbered)
    book = Book(
        book.parties,
        item_list,
        by_iban=book.by_iban,
        by_payer=book.by_payer,
        by_account=book.by_account,
        names=book.names,
        by_name=book.by_name,
        first_words=book.first_words,
        similar=book.similar,
    )
    by_customer: dict[int, list[Item]] = defaultdict(list)
    by_number: dict[str, list[Item]] = defaultdict(list)
    by_digits: dict[str, list[Item]] = defaultdict(list)
    by_amount: dict[tuple[str, int], list[Item]] = defaultdict(list)
    for item in item_list:
        if item.status == "open" and item.open_amount > 0:
            by_customer[item.customer_id].append(item)
            by_amount[(item.currency, item.open_amount)].append(item)
        if by_number_too is not None and item.invoice_id not in by_number_too:
            continue
        by_number[_alnum(item.number)].append(item)
        digits = _digits_key(item.number)
        if len(digits) >= 3:
            by_digits[digits].append(item)
    for open_items in by_customer.values():
        open_items.sort(key=lambda i: (i.due_date, i.issue_date, i.invoice_id))
    book.by_customer = dict(by_customer)
    book.by_number = dict(by_number)
    book.by_digits = dict(by_digits)
    book.by_amount = dict(by_amount)
    return book


def _index_parties(book: Book) -> None:
    by_iban: dict[str, list[int]] = defaultdict(list)
    by_payer: dict[str, list[int]] = defaultdict(list)
    by_name: dict[str, list[int]] = defaultdict(list)
    for party in book.parties.values():
        for iban in party.ibans:
            by_iban[_alnum(iban)].append(party.customer_id)
        for name in party.payer_names:
            by_payer[normal_name(name)].append(party.customer_id)
        book.by_account[_alnum(party.account)] = party.customer_id
        name = normal_name(party.name)
        book.names[party.customer_id] = name
        if name:
            by_name[name].append(party.customer_id)
    first_words: dict[str, list[str]] = defaultdict(list)
    for name in by_name:
        for prefix in {word[:3] for word in name.split() if len(word) >= 3}:
            first_words[prefix].append(name)
    book.by_iban = dict(by_iban)
    book.by_payer = dict(by_payer)
    book.by_name = dict(by_name)
    book.first_words = dict(first_words)


_NOT_ASCII_ALNUM = re.compile(r"[^A-Z0-9]+")
_NOT_ASCII_DIGIT = re.compile(r"[^0-9]+")


def _alnum(text: str) -> str:
    if text.isascii():  # the same, faster
        return _NOT_ASCII_ALNUM.sub("", text.upper())
    return "".join(ch for ch in text.upper() if ch.isalnum())


def _digits_key(text: str) -> str:
    """The digits of an invoice number without leading zeros ("INV-001042" -> "1042")."""
    if text.isascii():  # the same, faster
        return _NOT_ASCII_DIGIT.sub("", text).lstrip("0")
    return "".join(ch for ch in text if ch.isdigit()).lstrip("0")


@lru_cache(maxsize=1 << 18)
def normal_name(name: str) -> str:
    """A company name for comparison: lower case, no accents, no legal form.

    >>> normal_name("Müller & Söhne GmbH")
    'muller sohne'
    """
    text = unicodedata.normalize("NFKD", name.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("ß", "ss")
    text = _LEGAL_FORMS.sub(" ", text)
    text = re.sub(r"[^a-z0-9]+", " ", text)
    # "Mueller" and "Müller" are the same name.
    text = text.replace("ae", "a").replace("oe", "o").replace("ue", "u")
    return " ".join(text.split())


_TOKEN = re.compile(r"[A-Za-z]*[0-9][0-9A-Za-z]*")


def invoice_mentions(text: str) -> list[str]:
    """Keys in free text that may name invoices (see ``_mentions``).

    >>> invoice_mentions("INV 1042/1057")
    ['INV1042', '1042', '1057', '10421057']
    """
    return list(_mentions(text))


@lru_cache(maxsize=1 << 16)
def _mentions(text: str) -> tuple[str, ...]:
    """Keys in free text that may name invoices: whole tokens and runs of digits.

    Payers drop the prefix, add or drop leading zeros, put spaces or dashes inside
    the number and name several at once ("INV 1042/1057"). Kept for texts seen again.
    """
    # Nothing that is a reference or an IBAN.
    cleaned = re.sub(r"\bRF\s?\d\d(?:\s?[0-9A-Z]){1,21}\b", " ", text, flags=re.IGNORECASE)
    cleaned = re.sub(r"\b[A-Z]{2}\d\d(?:\s?[0-9A-Z]{4}){3,7}(?:\s?[0-9A-Z]{1,3})?\b", " ", cleaned)
    keys: list[str] = []

    def add(key: str) -> None:
        if key and key not in keys:
            keys.append(key)

    # A prefix joined to the number by a space or dash ("INV 1042", "INV-1042").
    for match in re.finditer(r"\b([A-Za-z]{1,6})[\s\-#.:]{0,2}(\d[\d\-]*)", cleaned):
        add(_alnum(match.group(1) + match.group(2)))
    for token in _TOKEN.findall(cleaned):
        add(_alnum(token))
    runs = [m for m in re.finditer(r"\d+", cleaned)]
    for run in runs:
        add(run.group(0).lstrip("0"))
    # A number split by a space or dash ("2026 0042", "10-42").
    for first, second in pairwise(runs):
        between = cleaned[first.end() : second.start()]
        if between in (" ", "-", " - ", "/"):
            add((first.group(0) + second.group(0)).lstrip("0"))
    return tuple(keys)


def named_items(book: Book, text: str) -> list[Item]:
    """The invoices (open or not) that ``text`` names, in the order named."""
    found: list[Item] = []
    for key in invoice_mentions(text):
        matches = book.by_number.get(key)
        if matches is None and key.isdigit() and len(key) >= 3:
            matches = book.by_digits.get(key)
        for item in matches or ():
            item = book.current.get(item.invoice_id, item)
            if item not in found:
                found.append(item)
    return found


@dataclass
class _Evidence:
    points: list[tuple[int, str]] = field(default_factory=list)
    exact_key: bool = False
    learned: bool = False
    name_only: bool = True

    def add(self, points: int, reason: str, *, exact: bool = False, name: bool = False) -> None:
        self.points.append((points, reason))
        self.exact_key = self.exact_key or exact
        self.name_only = self.name_only and name

    @property
    def score(self) -> int:
        ranked = sorted((p for p, _ in self.points), reverse=True)
        if not ranked:
            return 0
        return ranked[0] + CORROBORATION_POINTS * min(2, len(ranked) - 1)

    @property
    def reasons(self) -> list[str]:
        return [r for _, r in sorted(self.points, key=lambda pr: -pr[0])]


def _name_points(score: float) -> int:
    for bound, points in NAME_POINTS:
        if score >= bound:
            return points
    return 0


def _fmt(amount: int, currency: str) -> str:
    return f"{currency} {money.format_minor(amount, currency)}"


def line_text(line: Line) -> str:
    """The line's reference and remittance text, where it names invoices and customers."""
    return " ".join(t for t in (line.creditor_reference, line.remittance) if t)


def candidate_customers(book: Book, line: Line) -> list[int]:
    """The customers ``decide`` may weigh the line's amount for, by every signal but the
    amount (a book with every customer and at least the invoices the line names): those
    of the invoices it names (whether they are paid may change while a statement is
    applied, and their evidence with it) and the best of the others, whose evidence
    does not change. None: only the amount can point to someone."""
    found, named, _ = _evidence(book, line)
    naming = {i.customer_id for i in named}
    others = sorted((c for c in found if c not in naming), key=lambda c: -found[c].score)
    return [c for c in found if c in naming] + others[: MAX_PROPOSALS * 2]


def _evidence(book: Book, line: Line) -> tuple[dict[int, _Evidence], list[Item], list[str]]:
    """Who the line may be from: evidence per customer, the invoices named, notes."""
    found: dict[int, _Evidence] = defaultdict(_Evidence)
    notes: list[str] = []
    text = line_text(line)
    for ref in references_in(text) + (
        [r] if (r := _alnum(line.creditor_reference)) and r.startswith("RF") else []
    ):
        customer_id = customer_of(ref)
        party = book.parties.get(customer_id) if customer_id is not None else None
        if party is not None:
            evidence = found[party.customer_id]
            reason = f"reference {printed(ref)} = customer {party.account}"
            if reason not in evidence.reasons:
                evidence.add(REFERENCE_POINTS, reason, exact=True)
    named = named_items(book, text)
    for item in named:
        party = book.parties.get(item.customer_id)
        if party is None:
            continue
        if item.status == "open" and item.open_amount > 0:
            found[item.customer_id].add(
                INVOICE_POINTS, f"text names {item.number} of {party.account}", exact=True
            )
        else:
            found[item.customer_id].add(
                PAID_INVOICE_POINTS,
                f"text names {item.number} of {party.account}, already {item.status}",
            )
    for key in invoice_mentions(text):
        customer_id = book.by_account.get(key)
        if customer_id is not None and len(key) >= 3:
            found[customer_id].add(
                ACCOUNT_POINTS, f"text names account {book.parties[customer_id].account}"
            )
    iban = _alnum(line.payer_iban)
    for customer_id in book.by_iban.get(iban, []) if iban else []:
        evidence = found[customer_id]
        evidence.add(
            LEARNED_IBAN_POINTS,
            f"IBAN {line.payer_iban[:8]}… paid for {book.parties[customer_id].account} before",
        )
        evidence.learned = True
    payer = normal_name(line.payer_name)
    for customer_id in book.by_payer.get(payer, []) if payer else []:
        evidence = found[customer_id]
        evidence.add(
            LEARNED_NAME_POINTS,
            f"payer {line.payer_name} paid for {book.parties[customer_id].account} before",
        )
        evidence.learned = True
    if payer:
        similar = _similar_names(book, payer)
        # A name many customers share names none of them: it only corroborates.
        for customer_id, score in similar.naming:
            _add_name(found[customer_id], book, line, customer_id, score)
        for customer_id in [c for c in found if book.names.get(c) in similar.others]:
            score = similar.others[book.names[customer_id]]
            _add_name(found[customer_id], book, line, customer_id, score)
        if similar.others:
            notes.append(f"payer name {line.payer_name!r} fits {similar.count} customers")
    return dict(found), named, notes


def _add_name(evidence: _Evidence, book: Book, line: Line, customer_id: int, score: float) -> None:
    evidence.add(
        _name_points(score),
        f"payer name {line.payer_name!r} resembles {book.parties[customer_id].name!r} "
        f"({score:.0f}%)",
        name=True,
    )


@dataclass(frozen=True, slots=True)
class _Similar:
    """Customers whose names resemble a payer's: those the name may stand for alone (the
    best, when few), and the others, by score, that it only corroborates."""

    naming: tuple[tuple[int, float], ...]  # (customer id, score)
    others: dict[str, float]  # name (as ``normal_name`` has it) -> score
    count: int  # customers in all


def _similar_names(book: Book, payer: str) -> _Similar:
    """Customers whose name resembles the payer's enough to count (sharing a word, then
    rapidfuzz, each distinct name compared once), with the score: the best ones (a tier
    of points at a time) as long as they are at most ``NAME_CANDIDATES``."""
    known = book.similar.get(payer)
    if known is not None:
        return known
    candidates: set[str] = set()
    for word in payer.split():
        if len(word) >= 3:
            candidates.update(book.first_words.get(word[:3], ()))
    if len(candidates) > 200:  # a common word: compare with those only when very close
        candidates = {name for name in candidates if name[:3] == payer[:3]}
    names = sorted(candidates)
    cutoff = min(bound for bound, _ in NAME_POINTS)
    best: dict[str, float] = {}
    for scorer in (fuzz.token_sort_ratio, fuzz.ratio):
        for name, score, _ in process.extract(
            payer, names, scorer=scorer, score_cutoff=cutoff, limit=None
        ):
            best[name] = max(best.get(name, 0.0), float(score))
    ranked = sorted(best.items(), key=lambda ns: (-ns[1], ns[0]))
    naming: list[tuple[int, float]] = []
    others = dict(ranked)
    for points in sorted({_name_points(score) for _, score in ranked}, reverse=True):
        tier = [(name, score) for name, score in ranked if _name_points(score) == points]
        customers = [(c, score) for name, score in tier for c in book.by_name[name]]
        if len(naming) + len(customers) > NAME_CANDIDATES:
            break
        naming += customers
        for name, _ in tier:
            del others[name]
    count = sum(len(book.by_name[name]) for name in best)
    similar = _Similar(tuple(naming), others, count)
    book.similar[payer] = similar
    return similar


def _eligible(book: Book, customer_id: int, line: Line) -> list[Item]:
    """The customer's open items this line can pay: its currency, issued by then."""
    return [
        i
        for i in book.by_customer.get(customer_id, [])
        if i.currency == line.currency and i.issue_date <= line.booking_date
    ]


def _in_order(amount: int, items: Sequence[Item]) -> tuple[list[Share], int]:
    """Apply ``amount`` to ``items`` in order, each up to its open amount; the rest."""
    shares = []
    left = amount
    for item in items:
        part = min(left, item.open_amount)
        if part > 0:
            shares.append(Share(item.invoice_id, item.number, part))
            left -= part
    return shares, left


@cache
def _combinations(count: int, size: int) -> "np.ndarray[Any, np.dtype[np.intp]]":
    """Every combination of ``size`` positions among ``count``, in ``combinations`` order."""
    return np.array(list(combinations(range(count), size)), dtype=np.intp).reshape(-1, size)


def _subsets(items: Sequence[Item], amount: int, low: int) -> list[tuple[Item, ...]]:
    """Combinations of the oldest items whose sum is within ``low..amount`` (bounded).

    By size, then in ``itertools.combinations`` order; the sums of all combinations of a
    size are taken at once (numpy), which a statement of thousands of lines needs.
    """
    pool = list(items[:SUBSET_ITEMS])
    values = np.array([i.open_amount for i in pool], dtype=np.int64)
    found: list[tuple[Item, ...]] = []
    for size in range(2, min(SUBSET_SIZE, len(pool)) + 1):
        combos = _combinations(len(pool), size)
        sums = values[combos].sum(axis=1)
        for row in combos[(sums >= low) & (sums <= amount)].tolist():
            found.append(tuple(pool[j] for j in row))
        if len(found) > 50:
            break
    return found


def _numbers(items: Iterable[Item]) -> str:
    return " + ".join(i.number for i in items)


def _plan(
    book: Book, customer_id: int, line: Line, named: Sequence[Item], settings: Settings
) -> tuple[list[Share], int, int, list[str]]:
    """How the line would be applied to this customer: shares, rest on account, amount
    points and the amount's reasons."""
    items = _eligible(book, customer_id, line)
    amount = line.amount
    cur = line.currency
    if not items:
        return [], amount, 0, [f"nothing of the customer is open in {cur}; all on account"]
    eligible = {i.invoice_id for i in items}
    mine = [i for i in named if i.invoice_id in eligible]
    eligible_named = {i.invoice_id for i in mine}
    if mine:
        total = sum(i.open_amount for i in mine)
        ordered = sorted(mine, key=lambda i: (i.due_date, i.issue_date, i.invoice_id))
        if amount == total:
            shares, _ = _in_order(amount, ordered)
            return shares, 0, EXACT_AMOUNT_POINTS, [f"amount = open {_numbers(ordered)}"]
        if total - settings.tolerance(total, cur) <= amount < total:
            shares, _ = _in_order(amount, ordered)
            return (
                shares,
                0,
                NAMED_SHORT_POINTS,
                [
                    f"amount = open {_numbers(ordered)} less {_fmt(total - amount, cur)} "
                    "(bank charge or discount)"
                ],
            )
        shares, rest = _in_order(amount, ordered)
        if rest:
            return (
                shares,
                rest,
                PARTIAL_AMOUNT_POINTS,
                [f"pays {_numbers(ordered)} and {_fmt(rest, cur)} more, left on account"],
            )
        reasons = [f"part payment of {_numbers(ordered)} (open {_fmt(total, cur)})"]
        # A mistyped number may name another invoice of the same customer: when one
        # the text does not name is open for exactly this amount, the story is unsure.
        same_amount = [
            i for i in items if i.open_amount == amount and i.invoice_id not in eligible_named
        ]
        if same_amount:
            reasons.append(f"but {same_amount[0].number} is open for exactly this amount")
            return shares, 0, PARTIAL_AMOUNT_POINTS, reasons
        return shares, 0, NAMED_PARTIAL_POINTS, reasons
    by_id = {i.invoice_id: i for i in items}
    for promise in book.parties[customer_id].promises:
        if promise.currency != cur or promise.amount != amount:
            continue
        shares = []
        left = amount
        for invoice_id, part in promise.invoices:
            take = min(part, by_id[invoice_id].open_amount, left) if invoice_id in by_id else 0
            if take > 0:
                shares.append(Share(invoice_id, by_id[invoice_id].number, take))
                left -= take
        if shares:
            paid = " + ".join(s.number for s in shares)
            return (
                shares,
                left,
                EXACT_AMOUNT_POINTS,
                [f"amount = {_fmt(amount, cur)}{promise.what} {paid}"],
            )
    same = [i for i in items if i.open_amount == amount]
    if same:
        reason = f"amount = open {same[0].number}"
        if len(same) > 1:
            reason += f" (the oldest of {len(same)} invoices open for this amount)"
        return [Share(same[0].invoice_id, same[0].number, amount)], 0, EXACT_AMOUNT_POINTS, [reason]
    total = sum(i.open_amount for i in items)
    if amount == total:
        shares, _ = _in_order(amount, items)
        return shares, 0, EXACT_AMOUNT_POINTS, [f"amount = everything open ({_numbers(items)})"]
    exact = _subsets(items, amount, amount)
    if exact:
        # Oldest first on ties: the combination whose items come earliest.
        position = {i.invoice_id: n for n, i in enumerate(items)}
        exact.sort(key=lambda c: sorted(position[i.invoice_id] for i in c))
        chosen = exact[0]
        reason = f"amount = open {_numbers(chosen)}"
        points = SUBSET_AMOUNT_POINTS
        if len(exact) > 1:
            reason += f" (the oldest of {len(exact)} combinations)"
            points -= 10
        shares, _ = _in_order(amount, chosen)
        return shares, 0, points, [reason]
    single_short = [
        i
        for i in items
        if i.open_amount - settings.tolerance(i.open_amount, cur) <= amount < i.open_amount
    ]
    if single_short:
        item = single_short[0]
        return (
            [Share(item.invoice_id, item.number, amount)],
            0,
            SHORT_AMOUNT_POINTS,
            [
                f"amount = open {item.number} less {_fmt(item.open_amount - amount, cur)} "
                "(bank charge or discount)"
            ],
        )
    if amount > total:
        shares, rest = _in_order(amount, items)
        return (
            shares,
            rest,
            PARTIAL_AMOUNT_POINTS,
            [f"pays everything open and {_fmt(rest, cur)} more, left on account"],
        )
    shares, _ = _in_order(amount, items)
    return (
        shares,
        0,
        PARTIAL_AMOUNT_POINTS,
        [f"part payment, applied oldest first ({_numbers(i for i in items[: len(shares)])})"],
    )


def decide(book: Book, line: Line, settings: Settings = Settings()) -> Decision:
    """Score every candidate customer for a credit line; apply only what is certain."""
    if line.amount <= 0:
        return Decision((), None, "not a credit")
    found, named, notes = _evidence(book, line)
    amount_only = False
    if not found:
        same = [
            i
            for i in book.by_amount.get((line.currency, line.amount), [])
            if i.issue_date <= line.booking_date
        ]
        for item in same[:MAX_PROPOSALS]:
            found.setdefault(item.customer_id, _Evidence()).add(
                AMOUNT_ONLY_POINTS // len({i.customer_id for i in same}),
                f"only the amount: {item.number} is open for it",
            )
        amount_only = True
    if not found:
        return Decision((), None, "no customer, invoice or amount matches")
    ranked = sorted(found.items(), key=lambda kv: -kv[1].score)[: MAX_PROPOSALS * 2]
    proposals = []
    for customer_id, evidence in ranked:
        party = book.parties.get(customer_id)
        if party is None:
            continue
        shares, rest, amount_points, amount_reasons = _plan(
            book, customer_id, line, named, settings
        )
        confidence = evidence.score + (0 if amount_only else amount_points)
        reasons = list(evidence.reasons) + amount_reasons
        paid_named = [i for i in named if i.customer_id == customer_id and i.status != "open"]
        open_named = [i for i in named if i.customer_id == customer_id and i.status == "open"]
        if paid_named and not open_named:
            confidence = min(confidence, 60)
        disputed_ids = {i.invoice_id for i in book.by_customer.get(customer_id, []) if i.disputed}
        disputed = tuple(s.number for s in shares if s.invoice_id in disputed_ids)
        proposals.append(
            Proposal(
                customer_id=customer_id,
                account=party.account,
                shares=tuple(shares),
                on_account=rest,
                confidence=max(0, min(100, confidence)),
                reasons=tuple(reasons),
                disputed=disputed,
            )
        )
    proposals = _rivalry(proposals, found)
    proposals.sort(key=lambda p: (-p.confidence, -p.applied))
    proposals = proposals[:MAX_PROPOSALS]
    best = proposals[0] if proposals else None
    certain = None
    if best is not None and best.confidence >= settings.threshold:
        others = [p for p in proposals[1:] if p.confidence >= settings.threshold]
        if not others:
            certain = best
    return Decision(tuple(proposals), certain, "; ".join(notes))


def _rivalry(proposals: list[Proposal], found: Mapping[int, _Evidence]) -> list[Proposal]:
    """Lower a proposal's confidence when another customer is a serious rival.

    A rival is one whose own evidence comes within ``RIVAL_MARGIN`` points. A rival
    with nothing but a similar name does not count against a customer a person has
    confirmed this payer pays for (a payer paying for a sister company).
    """
    result = []
    scores = {cid: ev.score for cid, ev in found.items()}
    for proposal in proposals:
        mine = found[proposal.customer_id]
        bar = scores[proposal.customer_id] - RIVAL_MARGIN
        rivals = [
            (cid, ev)
            for cid, ev in found.items()
            if cid != proposal.customer_id
            and scores[cid] >= bar
            and not (ev.name_only and mine.learned)
        ]
        if rivals:
            accounts = ", ".join(
                sorted(str(p.account) for p in proposals if p.customer_id in dict(rivals))
            )
            penalty = 20 if all(ev.name_only for _, ev in rivals) and mine.exact_key else 40
            proposal = Proposal(
                customer_id=proposal.customer_id,
                account=proposal.account,
                shares=proposal.shares,
                on_account=proposal.on_account,
                confidence=max(0, proposal.confidence - penalty),
                reasons=(*proposal.reasons, f"but {accounts or 'another customer'} also fits"),
                disputed=proposal.disputed,
            )
        result.append(proposal)
    return result


# Returned payments


@dataclass(frozen=True, slots=True)
class Received:
    """An applied credit line a returned payment may give back."""

    line_id: int
    customer_id: int | None
    amount: int
    currency: str
    booking_date: date
    payer_name: str = ""
    payer_iban: str = ""
    text: str = ""  # its reference and remittance


def returned_payment(return_line: Line, received: Iterable[Received]) -> tuple[int | None, str]:
    """Which applied credit a return without an end-to-end id gives back (the MT940
    ``RTI`` line names none): one of the same amount and currency, received on or before
    the return, from the same payer (IBAN or name, when the return names either) and,
    when the return quotes a reference, the one whose reference it quotes. The latest of
    those wins only when every such credit was applied to the same customer; payments of
    two customers that fit equally are left for a person. The line's id (None) and why.

    >>> day = date(2026, 3, 9)
    >>> back = Line(50000, "EUR", day, remittance="RTI INV-1042", payer_name="Nordwind")
    >>> returned_payment(back, [
    ...     Received(7, 1, 50000, "EUR", date(2026, 3, 2), "Nordwind", "", "INV-1042"),
    ...     Received(8, 2, 50000, "EUR", date(2026, 3, 3), "Blue Harbour", "", "INV-2001"),
    ... ])
    (7, 'the payment of EUR 500.00 received on 2026-03-02 from Nordwind')
    """
    iban = _alnum(return_line.payer_iban)
    payer = normal_name(return_line.payer_name)
    keys = set(invoice_mentions(line_text(return_line))) | set(
        references_in(line_text(return_line))
    )
    fitting = []
    for credit in received:
        if (credit.amount, credit.currency) != (return_line.amount, return_line.currency):
            continue
        if credit.booking_date > return_line.booking_date:
            continue
        same_iban = bool(iban) and _alnum(credit.payer_iban) == iban
        same_name = bool(payer) and normal_name(credit.payer_name) == payer
        if (iban or payer) and not (same_iban or same_name):
            continue
        quoted = keys & (set(invoice_mentions(credit.text)) | set(references_in(credit.text)))
        if not (iban or payer or quoted):
            continue  # nothing but the amount: not enough to take money back
        fitting.append((bool(quoted), credit))
    if any(quoted for quoted, _ in fitting):
        fitting = [(q, c) for q, c in fitting if q]
    if not fitting:
        return None, "no applied payment of this amount from this payer"
    customers = {c.customer_id for _, c in fitting}
    if len(customers) > 1:
        return None, "payments of several customers fit: for a person to decide"
    chosen = max((c for _, c in fitting), key=lambda c: (c.booking_date, c.line_id))
    who = f" from {chosen.payer_name}" if chosen.payer_name else ""
    return chosen.line_id, (
        f"the payment of {_fmt(chosen.amount, chosen.currency)} received on "
        f"{chosen.booking_date.isoformat()}{who}"
    )
