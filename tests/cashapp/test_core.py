"""Matching worked out by hand: one test per signal and rule, and the traps."""

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from recoup.cashapp.core import (
    Book,
    Item,
    Line,
    Party,
    Promised,
    Settings,
    build_book,
    decide,
    invoice_mentions,
    named_items,
)
from recoup.cashapp.reference import customer_of, customer_reference, printed, references_in

D = date(2026, 3, 1)


def item(
    invoice_id: int,
    number: str,
    customer_id: int,
    open_amount: int,
    *,
    due: date = date(2026, 2, 1),
    issued: date = date(2026, 1, 1),
    status: str = "open",
    currency: str = "EUR",
    disputed: bool = False,
) -> Item:
    return Item(
        invoice_id,
        number,
        customer_id,
        currency,
        open_amount,
        issued,
        due,
        status=status,
        disputed=disputed,
    )


def book(*items: Item, parties: tuple[Party, ...] | None = None) -> Book:
    default = (
        Party(1, "C1042", "Nordwind Logistik GmbH"),
        Party(2, "C2001", "Blue Harbour Trading Ltd"),
        Party(3, "C3003", "Sunrise Bakery"),
    )
    return build_book(parties or default, items)


def credit(amount: int, **kw: str) -> Line:
    return Line(amount=amount, currency="EUR", booking_date=D, **kw)  # type: ignore[arg-type]


# The reference


def test_customer_reference_round_trips_and_is_found_in_text() -> None:
    ref = customer_reference(1042)
    assert ref == "RF9700001042"
    assert printed(ref) == "RF97 0000 1042"
    assert customer_of(ref) == 1042
    assert customer_of("RF9800001042") is None  # one check digit wrong
    assert references_in("Zahlung rf97 0000 1042 INV 7") == ["RF9700001042"]


def test_reference_alone_identifies_the_customer_and_applies() -> None:
    b = book(item(10, "INV-1042", 1, 50000), item(11, "INV-1057", 1, 25000))
    decision = decide(b, credit(75000, creditor_reference=customer_reference(1)))
    assert decision.certain is not None
    p = decision.certain
    assert (p.customer_id, p.on_account) == (1, 0)
    assert [(s.number, s.amount) for s in p.shares] == [("INV-1042", 50000), ("INV-1057", 25000)]
    assert p.confidence == 100  # reference 80 + whole balance 30, capped at 100
    assert p.reason == (
        "reference RF74 0000 0001 = customer C1042; amount = everything open (INV-1042 + INV-1057)"
    )


def test_reference_with_a_partial_payment_applies_oldest_first() -> None:
    b = book(
        item(11, "INV-1057", 1, 25000, due=date(2026, 2, 20)),
        item(10, "INV-1042", 1, 50000, due=date(2026, 1, 31)),
    )
    decision = decide(b, credit(60000, remittance=f"ref {customer_reference(1)}"))
    assert decision.certain is not None
    assert [(s.number, s.amount) for s in decision.certain.shares] == [
        ("INV-1042", 50000),
        ("INV-1057", 10000),
    ]
    assert decision.certain.confidence == 90  # 80 + part payment 10


# Invoice numbers in free text


def test_invoice_mentions_tolerate_what_payers_do() -> None:
    b = book(
        item(10, "INV-001042", 1, 100),
        item(11, "INV-1057", 1, 100),
        item(12, "2026-0042", 2, 100),
    )
    assert [i.number for i in named_items(b, "Rechnung 1042")] == ["INV-001042"]
    assert [i.number for i in named_items(b, "inv 1042/1057")] == ["INV-001042", "INV-1057"]
    assert [i.number for i in named_items(b, "INV1057, INV-01042")] == ["INV-1057", "INV-001042"]
    assert [i.number for i in named_items(b, "re 2026 0042")] == ["2026-0042"]
    assert [i.number for i in named_items(b, "re 2026-0042 thanks")] == ["2026-0042"]
    assert named_items(b, "order 42 of 2026") == []
    assert "INV1042" in invoice_mentions("INV 1042/1057")


def test_two_invoice_numbers_and_their_sum_apply() -> None:
    b = book(
        item(10, "INV-1042", 1, 50000),
        item(11, "INV-1057", 1, 25000),
        item(12, "INV-1060", 1, 9900),
    )
    decision = decide(b, credit(75000, remittance="INV 1042/1057"))
    assert decision.certain is not None
    assert decision.certain.confidence == 100  # invoice 60 + second invoice 10 + exact 30
    assert decision.certain.reason == (
        "text names INV-1042 of C1042; text names INV-1057 of C1042; amount = open INV-1042 + INV-1057"
    )


def test_invoice_number_and_the_exact_amount_apply() -> None:
    b = book(item(10, "INV-1042", 1, 50000))
    decision = decide(b, credit(50000, remittance="payment 1042"))
    assert decision.certain is not None
    assert decision.certain.confidence == 90


def test_named_invoice_paid_short_by_a_bank_charge() -> None:
    b = book(item(10, "INV-1042", 1, 50000))
    decision = decide(b, credit(49250, remittance="INV-1042"))
    # invoice 60 + named and short 20 = 80: proposed, not applied without a person.
    assert decision.certain is None
    (p,) = decision.proposals
    assert p.confidence == 80
    assert [(s.number, s.amount) for s in p.shares] == [("INV-1042", 49250)]
    assert p.reasons[-1] == "amount = open INV-1042 less EUR 7.50 (bank charge or discount)"


def test_overpayment_leaves_the_rest_on_account() -> None:
    b = book(item(10, "INV-1042", 1, 50000))
    decision = decide(b, credit(52000, creditor_reference=customer_reference(1)))
    assert decision.certain is not None
    assert decision.certain.applied == 50000
    assert decision.certain.on_account == 2000


# Payer IBAN and name


def test_learned_iban_and_exact_amount_apply() -> None:
    parties = (
        Party(1, "C1042", "Nordwind Logistik GmbH", ibans=frozenset({"DE89370400440532013000"})),
    )
    b = book(item(10, "INV-1042", 1, 50000), parties=parties)
    decision = decide(b, credit(50000, payer_iban="DE89370400440532013000"))
    assert decision.certain is not None
    assert decision.certain.reasons[0] == "IBAN DE893704… paid for C1042 before"


def test_a_similar_name_alone_is_only_a_proposal() -> None:
    b = book(item(10, "INV-1042", 1, 50000))
    decision = decide(b, credit(50000, payer_name="NORDWIND LOGISTIK"))
    assert decision.certain is None
    (p,) = decision.proposals
    assert p.confidence == 70  # name 40 + exact 30
    assert p.reasons[0] == (
        "payer name 'NORDWIND LOGISTIK' resembles 'Nordwind Logistik GmbH' (100%)"
    )


def test_customer_account_number_in_text() -> None:
    b = book(item(10, "INV-5001", 1, 50000))
    decision = decide(b, credit(50000, remittance="Kd-Nr C1042"))
    assert decision.proposals[0].reasons[0] == "text names account C1042"
    assert decision.proposals[0].confidence == 80
    assert decision.certain is None


# Amount


def test_subset_of_open_items_oldest_first_on_ties() -> None:
    b = book(
        item(10, "INV-1", 1, 10000, due=date(2026, 1, 10)),
        item(11, "INV-2", 1, 20000, due=date(2026, 1, 20)),
        item(12, "INV-3", 1, 10000, due=date(2026, 1, 30)),
        item(13, "INV-4", 1, 99900, due=date(2026, 2, 10)),
    )
    decision = decide(b, credit(30000, creditor_reference=customer_reference(1)))
    assert decision.certain is not None
    # INV-1 + INV-2 and INV-2 + INV-3 both make 300.00: the older pair wins.
    assert [s.number for s in decision.certain.shares] == ["INV-1", "INV-2"]
    assert decision.certain.confidence == 95  # 80 + subset 25 - 10 for the tie
    assert "the oldest of 2 combinations" in decision.certain.reason


def test_invoice_not_yet_issued_and_other_currency_are_not_paid() -> None:
    b = book(
        item(10, "INV-1", 1, 10000, issued=date(2026, 3, 5)),
        item(11, "INV-2", 1, 10000, currency="USD"),
        item(12, "INV-3", 1, 4000),
    )
    decision = decide(b, credit(10000, creditor_reference=customer_reference(1)))
    p = decision.proposals[0]
    assert [(s.number, s.amount) for s in p.shares] == [("INV-3", 4000)]
    assert p.on_account == 6000


def test_unknown_payer_and_no_amount_match_is_unmatched() -> None:
    b = book(item(10, "INV-1", 1, 10000))
    decision = decide(b, credit(12345, payer_name="Someone Else", remittance="thanks"))
    assert decision.proposals == ()
    assert decision.certain is None


# Traps


def test_two_customers_with_similar_names_are_never_applied() -> None:
    parties = (Party(1, "C1", "Müller GmbH"), Party(2, "C2", "Müller & Co GmbH"))
    b = book(item(10, "A-100", 1, 30000), item(11, "B-200", 2, 30000), parties=parties)
    decision = decide(b, credit(30000, payer_name="Mueller GmbH"))
    assert decision.certain is None
    assert {p.customer_id for p in decision.proposals} == {1, 2}
    assert all(p.confidence < 90 for p in decision.proposals)


def test_same_amount_open_at_two_customers_is_never_applied() -> None:
    b = book(item(10, "INV-1", 1, 30000), item(11, "INV-2", 2, 30000))
    decision = decide(b, credit(30000, remittance="payment"))
    assert decision.certain is None
    assert sorted(p.customer_id for p in decision.proposals) == [1, 2]
    assert all(p.confidence <= 20 for p in decision.proposals)


def test_same_amount_open_twice_at_one_customer_pays_the_oldest() -> None:
    b = book(
        item(11, "INV-2", 1, 30000, due=date(2026, 2, 15)),
        item(10, "INV-1", 1, 30000, due=date(2026, 1, 15)),
    )
    decision = decide(b, credit(30000, creditor_reference=customer_reference(1)))
    assert decision.certain is not None
    assert [s.number for s in decision.certain.shares] == ["INV-1"]
    assert "the oldest of 2 invoices open for this amount" in decision.certain.reason


def test_amount_alone_matching_one_invoice_is_a_weak_proposal() -> None:
    b = book(item(10, "INV-1", 1, 30000))
    decision = decide(b, credit(30000))
    (p,) = decision.proposals
    assert p.confidence == 40
    assert decision.certain is None


def test_reference_naming_a_paid_invoice_is_not_applied() -> None:
    b = book(item(10, "INV-1042", 1, 0, status="paid"), item(11, "INV-1057", 1, 50000))
    decision = decide(b, credit(50000, remittance="INV-1042"))
    assert decision.certain is None
    (p,) = decision.proposals
    assert p.confidence == 60
    assert p.reasons[0] == "text names INV-1042 of C1042, already paid"
    assert [s.number for s in p.shares] == ["INV-1057"]


def test_payer_paying_for_a_sister_company() -> None:
    parties = (
        Party(1, "C1042", "Nordwind Logistik GmbH"),
        Party(2, "C2001", "Nordwind Holding GmbH"),
    )
    b = book(item(10, "INV-1042", 1, 50000), parties=parties)
    line = credit(
        50000,
        remittance="INV-1042",
        payer_name="Nordwind Holding GmbH",
        payer_iban="DE89370400440532013000",
    )
    decision = decide(b, line)
    # The invoice number points to C1042, the name to its sister: a person decides.
    assert decision.certain is None
    best = decision.proposals[0]
    assert best.customer_id == 1
    assert best.confidence == 70
    assert best.reasons[-1] == "but C2001 also fits"
    # Once a person confirmed that this IBAN pays for C1042, the name no longer competes.
    taught = (
        Party(1, "C1042", "Nordwind Logistik GmbH", ibans=frozenset({"DE89370400440532013000"})),
        parties[1],
    )
    decision = decide(book(item(10, "INV-1042", 1, 50000), parties=taught), line)
    assert decision.certain is not None
    assert decision.certain.customer_id == 1


def test_two_customers_named_by_invoice_numbers_is_for_a_person() -> None:
    b = book(item(10, "INV-1042", 1, 50000), item(11, "INV-2001", 2, 50000))
    decision = decide(b, credit(100000, remittance="INV-1042 INV-2001"))
    assert decision.certain is None
    assert {p.customer_id for p in decision.proposals} == {1, 2}


def test_payment_on_a_disputed_invoice_says_so() -> None:
    b = book(item(10, "INV-1042", 1, 50000, disputed=True))
    decision = decide(b, credit(50000, creditor_reference=customer_reference(1)))
    assert decision.certain is not None
    assert decision.certain.disputed == ("INV-1042",)


def test_threshold_is_per_organisation() -> None:
    b = book(item(10, "INV-1042", 1, 50000))
    line = credit(50000, payer_name="Nordwind Logistik")
    assert decide(b, line).certain is None
    assert decide(b, line, Settings(threshold=70)).certain is not None


# Invariant


amounts = st.integers(min_value=1, max_value=200000)


@settings(max_examples=150, deadline=None)
@given(
    opens=st.lists(st.tuples(st.integers(0, 2), amounts), min_size=1, max_size=8),
    amount=amounts,
    text_ids=st.lists(st.integers(0, 7), max_size=3),
    ref=st.sampled_from([None, 0, 1, 2]),
)
def test_never_allocates_more_than_the_line_or_the_invoice(
    opens: list[tuple[int, int]], amount: int, text_ids: list[int], ref: int | None
) -> None:
    items = [
        item(100 + n, f"INV-{500 + n}", cid, open_amount)
        for n, (cid, open_amount) in enumerate(opens)
    ]
    parties = tuple(Party(c, f"C{c}", f"Customer {c}") for c in range(3))
    b = build_book(parties, items)
    line = credit(
        amount,
        remittance=" ".join(f"INV-{500 + n}" for n in text_ids),
        creditor_reference=customer_reference(ref) if ref is not None else "",
    )
    decision = decide(b, line)
    open_of = {i.invoice_id: i.open_amount for i in items}
    for p in decision.proposals:
        assert sum(s.amount for s in p.shares) + p.on_account == amount
        for s in p.shares:
            assert 0 < s.amount <= open_of[s.invoice_id]
            assert b.parties[p.customer_id].customer_id == next(
                i.customer_id for i in items if i.invoice_id == s.invoice_id
            )
        assert len({s.invoice_id for s in p.shares}) == len(p.shares)


def test_amount_promised_pays_the_promised_invoices() -> None:
    promised = Promised(10000, "EUR", ((11, 10000),))
    parties = (Party(1, "C1042", "Nordwind Logistik GmbH", promises=(promised,)),)
    b = book(
        item(10, "INV-1042", 1, 50000, due=date(2026, 1, 31)),
        item(11, "INV-1057", 1, 25000, due=date(2026, 2, 28)),
        parties=parties,
    )
    decision = decide(b, credit(10000, creditor_reference=customer_reference(1)))
    assert decision.certain is not None
    # Without the promise a part payment would go to the oldest, INV-1042.
    assert [(s.number, s.amount) for s in decision.certain.shares] == [("INV-1057", 10000)]
    assert decision.certain.reasons[-1] == "amount = EUR 100.00 promised for INV-1057"
    assert decision.certain.confidence == 100
