"""Matching statement deposits to families and invoices (DESIGN-CYCLE, "Bank collections").

In order, for each new deposit:
1. a valid family payment reference (ISO 7064 MOD 97-10 check digits) in the line's reference or
   description -> a family payment at once (method BANK_TRANSFER, reference = the bank's);
2. an amount equal to one open invoice's balance, or to one family's open total, and a payer or
   student name that fuzzy-matches the description (rapidfuzz) -> SUGGESTED, for a person;
3. the rest -> UNMATCHED.

Set-based where it costs: the school's references, open balances and names are read once per
import, and names are compared through a vocabulary of name words (rapidfuzz's C matcher), not
line by line against every student, so a 5,000-line statement matches in well under a second.

The payment itself is made by the payments service of billing/families, behind one seam,
`line_payment_create`: the only function here that writes money.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from banking.models import BankLine, BankLineStatus
from banking.parsers import normalize_name
from billing.credit import AllocationRequest, family_payment_record
from billing.models import Invoice, Payment, PaymentMethod
from billing.payments_many import FamilyPaymentRequest, family_payments_record_many
from billing.rules import balance_expression, invoice_balance, open_q
from core.exceptions import DomainError, NotFound
from core.money import ZERO
from families.models import Family
from families.validators import reference_is_valid
from users.models import User

NAME_WORD_SCORE = 85  # rapidfuzz ratio for "the same word, give or take a typo or an accent"
NAME_WORDS_NEEDED = 2  # first name and a surname (a bank concept rarely carries the full name)
_NOT_NAME_WORDS = {"del", "las", "los", "san", "santa"}
_WORD = re.compile(r"[a-zñ]+")


def _name_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(normalize_name(text)) if len(w) > 2 and w not in _NOT_NAME_WORDS}


# --- the one place a line becomes money --------------------------------------------------------


def _bank_reference(line: BankLine) -> str:
    return (line.reference or line.description)[:100]


def line_payment_create(
    *,
    line: BankLine,
    family_id: UUID | str | None = None,
    invoice_id: UUID | str | None = None,
    actor: User | None = None,
    family_of_school: bool = False,
) -> Payment:
    """Record the payment a bank line is (method BANK_TRANSFER, the bank's reference, the line's
    date): of a family, allocated oldest invoice first with the rest as credit, or of one invoice.

    An invoice of a student with a family is paid as that family's payment allocated to the
    invoice (what exceeds its balance stays as the family's credit); an invoice of a student
    billed alone takes a plain payment (more than its balance is an overpayment). The target must
    be of the line's school (NotFound otherwise; `family_of_school` says the caller read the
    family id from the school's own families, as the import does). Raises what the payment services raise, and
    FamilyPaymentsUnavailable (409) while the family payment service is not installed.
    """
    from billing import services as billing_services

    common = {
        "amount": line.amount,
        "method": PaymentMethod.BANK_TRANSFER,
        "payment_date": line.date,
        "reference": _bank_reference(line),
        "actor": actor,
    }
    if invoice_id is not None:
        try:
            invoice = Invoice.objects.select_related("student").get(pk=invoice_id, school_id=line.school_id)
        except (Invoice.DoesNotExist, ValueError, TypeError, ValidationError):  # malformed ids too
            raise NotFound(gettext_lazy("No such invoice in this line's school.")) from None
        if invoice.student.family_id is None:
            return billing_services.payment_record(invoice_id=invoice.pk, **common)
        balance = invoice_balance(invoice)
        part = min(line.amount, balance) if balance > ZERO else line.amount
        return family_payment_record(
            family_id=invoice.student.family_id, allocations=[AllocationRequest(invoice.pk, part)], **common
        )
    if not family_of_school:
        try:
            family_id = Family.objects.only("pk").get(pk=family_id, school_id=line.school_id).pk
        except (Family.DoesNotExist, ValueError, TypeError, ValidationError):
            raise NotFound(gettext_lazy("No such family in this line's school.")) from None
    return family_payment_record(family_id=family_id, **common)


def line_suggested_family_id(line: BankLine):
    return line.suggested_family_id


# --- references (step 1) ---------------------------------------------------------------------

# A family payment reference is 10 digits starting with 1 (families.validators); people type it
# with spaces or dashes, and banks glue it to other digits only across a non-digit.
_REFERENCE_CANDIDATE = re.compile(r"(?<!\d)1(?:[ -]?\d){9}(?!\d)")


def references_in(text: str) -> list[str]:
    """Every 10-digit run starting with 1 in a text, separators dropped (valid or not)."""
    return [re.sub(r"\D", "", match) for match in _REFERENCE_CANDIDATE.findall(text or "")]


def _match_by_reference(lines: list[BankLine], *, school_id: UUID, actor: User | None) -> None:
    """Step 1: a valid reference of one of the school's families -> that family's payment, now.

    A reference with a wrong check digit is never matched (the check digits exist so that a typo
    does not pay another family); when it is one typo (a wrong or two swapped digits) away from
    exactly one family's reference, the line is SUGGESTED to that family for a person to confirm;
    when it is one typo away from several (references are consecutive numbers, so that is common),
    the payer's name in the description picks the family if it names exactly one of them.
    """
    rows = list(Family.objects.filter(school_id=school_id).values_list("reference", "pk", "name"))
    by_reference = {reference: pk for reference, pk, _name in rows}
    if not by_reference:
        return
    payer_words = {reference: _name_words(name) for reference, _pk, name in rows}
    references = list(by_reference)
    referenced: list[tuple[BankLine, str]] = []
    for line in lines:
        found = references_in(f"{line.reference} {line.description}")
        if not found:
            continue
        valid = [ref for ref in found if reference_is_valid(ref)]
        families = {by_reference[ref] for ref in valid if ref in by_reference}
        if len(families) == 1:
            family_id = families.pop()
            ref = next(ref for ref in valid if by_reference.get(ref) == family_id)
            line.suggested_family_id = family_id
            referenced.append((line, ref))
            continue
        if len(families) > 1:
            line.match_note = "Several family references in one deposit; a person decides."
            continue
        if valid:
            line.match_note = f"Reference {valid[0]} is valid but no family of this school has it."
            continue
        near = {
            match
            for ref in found
            for match, _distance, _i in process.extract(
                ref, references, scorer=OSA.distance, score_cutoff=1, limit=None
            )
        }
        named = ""
        if len(near) > 1:
            words = _name_words(f"{line.description} {line.reference}")
            by_name = {
                ref
                for ref in near
                if payer_words[ref]
                and len(payer_words[ref] & words) >= min(NAME_WORDS_NEEDED, len(payer_words[ref]))
            }
            if len(by_name) == 1:
                near, named = by_name, " and the payer's name matches"
        if len(near) == 1:
            ref = near.pop()
            line.status = BankLineStatus.SUGGESTED
            line.suggested_family_id = by_reference[ref]
            line.match_note = (
                f"Reference {found[0]} has a typo; family reference {ref} is one digit away{named}."
            )[:255]
        else:
            line.match_note = f"Reference {found[0]} fails its check digits."
    _family_payments_record(referenced, actor=actor)


def _family_payments_record(referenced: list[tuple[BankLine, str]], *, actor: User | None) -> None:
    """The payments of the lines matched by reference, all at once, in the lines' order (billing's
    set-based service, the same allocations as one family_payment_record per line). A line whose
    payment the service refuses stays SUGGESTED to its family, with the refusal in its note."""
    if not referenced:
        return
    outcomes = family_payments_record_many(
        requests=[
            FamilyPaymentRequest(
                family_id=line.suggested_family_id,
                amount=line.amount,
                method=PaymentMethod.BANK_TRANSFER,
                payment_date=line.date,
                reference=_bank_reference(line),
            )
            for line, _ref in referenced
        ],
        actor=actor,
    )
    for (line, ref), outcome in zip(referenced, outcomes, strict=True):
        if isinstance(outcome, DomainError):
            line.status = BankLineStatus.SUGGESTED  # the family is known; the refusal is in the note
            line.match_note = f"Reference found, but the payment was refused: {outcome.detail}"[:255]
        else:
            line.payment = outcome
            line.status = BankLineStatus.MATCHED
            line.match_note = f"Family reference {ref}."


# --- suggestions (step 2) -------------------------------------------------------------------


@dataclass
class _Candidate:
    kind: str  # "invoice" | "family"
    id: UUID
    label: str
    names: list[set[str]]  # the payer's and the students' name words
    family_id: UUID | None = None

    def hits(self, words: set[str]) -> int:
        """Words of the best-matching name found in the text; 0 unless enough to identify it."""
        best = 0
        for name in self.names:
            hits = len(name & words)
            if hits and hits >= min(NAME_WORDS_NEEDED, len(name)):
                best = max(best, hits)
        return best


@dataclass
class SuggestionIndex:
    """The school's open balances by amount (invoices, and families' open totals), with the names
    that go with them, and the vocabulary of those names."""

    by_amount: dict[Decimal, list[_Candidate]] = field(default_factory=lambda: defaultdict(list))
    # (amount, name word) -> the candidates of that amount whose names have the word: a line only
    # scores the few candidates that share a word with it, not every balance of its amount.
    by_amount_word: dict[tuple[Decimal, str], list[_Candidate]] = field(
        default_factory=lambda: defaultdict(list)
    )
    vocabulary: list[str] = field(default_factory=list)
    _word_hits: dict[str, set[str]] = field(default_factory=dict)
    _consumed: set[int] = field(default_factory=set)

    @classmethod
    def build(cls, school_id: UUID) -> SuggestionIndex:
        index = cls()
        # Open invoices and their balances as billing.rules defines them (credit notes included).
        rows = (
            Invoice.objects.filter(open_q(), school_id=school_id)
            .annotate(balance=balance_expression())
            .values_list(
                "pk",
                "number",
                "balance",
                "student__first_name",
                "student__last_name",
                "student__family_id",
                "student__family__name",
            )
        )
        families: dict[UUID, dict] = {}
        for row in rows.iterator(chunk_size=2000):
            pk, number, balance, first, last, family_id, payer = row
            student = f"{first} {last}"
            names = [_name_words(student)] + ([_name_words(payer)] if payer else [])
            index.by_amount[balance].append(
                _Candidate("invoice", pk, f"invoice {number} of {student}", names, family_id)
            )
            if family_id is not None:
                family = families.setdefault(
                    family_id,
                    {"total": Decimal("0.00"), "names": [_name_words(payer)], "label": f"family {payer}"},
                )
                family["total"] += balance
                family["names"].append(_name_words(student))
        for family_id, family in families.items():
            index.by_amount[family["total"]].append(
                _Candidate("family", family_id, family["label"], family["names"], family_id)
            )
        words = set()
        for amount, candidates in index.by_amount.items():
            for candidate in candidates:
                for word in set().union(*candidate.names):
                    index.by_amount_word[(amount, word)].append(candidate)
                    words.add(word)
        index.vocabulary = sorted(words)
        return index

    def words_in(self, text: str) -> set[str]:
        """The name words of the vocabulary that appear in a text, allowing typos and accents."""
        found: set[str] = set()
        for word in _name_words(text):
            hits = self._word_hits.get(word)
            if hits is None:
                hits = {
                    match
                    for match, _score, _i in process.extract(
                        word, self.vocabulary, scorer=fuzz.ratio, score_cutoff=NAME_WORD_SCORE, limit=None
                    )
                }
                self._word_hits[word] = hits
            found |= hits
        return found

    def suggest(self, line: BankLine) -> tuple[_Candidate | None, str]:
        candidates = [c for c in self.by_amount.get(line.amount, ()) if id(c) not in self._consumed]
        if not candidates:
            return None, "No open balance of this amount."
        words = self.words_in(f"{line.description} {line.reference}")
        sharing = {
            id(c): c
            for word in words
            for c in self.by_amount_word.get((line.amount, word), ())
            if id(c) not in self._consumed
        }
        scored = [(hits, c) for c in sharing.values() if (hits := c.hits(words))]
        if not scored:
            return None, f"{len(candidates)} open balance(s) of this amount; no name matches the description."
        best_hits = max(hits for hits, _ in scored)
        best = [c for hits, c in scored if hits == best_hits]
        if len(best) > 1:
            best = _same_family(best)
        if len(best) > 1:
            return None, f"Ambiguous: {len(best)} names of open balances of this amount match."
        return best[0], f"Amount and name match {best[0].label}."

    def consume(self, line: BankLine, candidate: _Candidate) -> None:
        """A suggested balance is spoken for: the next deposit of that amount gets another one."""
        self._consumed.add(id(candidate))


def _same_family(best: list[_Candidate]) -> list[_Candidate]:
    """Candidates that are one family's: its one invoice of that amount, or else the family itself
    (the payment is then allocated oldest first)."""
    family_ids = {c.family_id for c in best}
    if len(family_ids) != 1 or None in family_ids:
        return best
    invoices = [c for c in best if c.kind == "invoice"]
    if len(invoices) == 1:
        return invoices
    family = next((c for c in best if c.kind == "family"), None)
    return [family or _Candidate("family", best[0].family_id, "the family of " + best[0].label, [])]


# --- the pass over an import ------------------------------------------------------------------


def lines_match(lines: list[BankLine], *, school_id: UUID, actor: User | None = None) -> None:
    """Decide each new (unsaved) line's status in place; step 1 records its payment at once.

    Runs inside the import's transaction; each payment in a savepoint of its own, so a payment the
    service refuses (a family's invoices changed meanwhile...) leaves that line for a person, with
    the refusal in its note, and the rest of the import goes on. Suggestions are computed after
    the payments, on the balances those payments left.
    """
    _match_by_reference(lines, school_id=school_id, actor=actor)
    pending = [line for line in lines if line.status == BankLineStatus.UNMATCHED]
    if not pending:
        return
    index = SuggestionIndex.build(school_id)
    for line in pending:
        candidate, note = index.suggest(line)
        if candidate is None:
            line.match_note = line.match_note or note[:255]
            continue
        line.match_note = note[:255]
        line.status = BankLineStatus.SUGGESTED
        if candidate.kind == "invoice":
            line.suggested_invoice_id = candidate.id
        else:
            line.suggested_family_id = candidate.id
        index.consume(line, candidate)
