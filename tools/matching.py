"""Bank-statement matching: references, payer detection, scoring and the decision.

Pure standard library.  The model (``account.bank.statement.line``) loads the
open invoices of a company once per batch, wraps each in a :class:`Candidate`,
builds a :class:`CandidateIndex` and asks :func:`match_line` what to do with
each statement line:

* ``auto``: exactly one invoice (or one set of invoices of one customer whose
  residuals add up) matches both the amount (within the tolerance) and a
  reference, and nothing ties with it;
* ``to_review`` with a reason (``exact``, ``partial``, ``overpaid``,
  ``multi_invoice``, ``ambiguous``, ``no_partner``, ``no_candidate``) and the
  ranked candidates otherwise.

References are compared as *keys*: the text is cut into groups of letters and
groups of digits (case, accents, spaces, dashes and slashes do not matter,
numeric groups lose their leading zeros), so ``INV/2025/00012``,
``inv 2025-12`` and ``INV2025 0012`` give the same key ``INV-2025-12``.

The decision is an ordered list of rules (:data:`RULES`, like the invoice-matching
rules map of Odoo and OCA ``account_reconcile_model_oca``): :func:`read_line` gathers
the line's facts (:class:`LineFacts`: amount, tolerance, payer, texts) and the documents
as the line sees them (:class:`Documents`: which ones its texts refer to, written in
full or partly, the payer's, those of its amount); each rule returns a
:class:`Decision` or None to pass, and the first decision wins (``to_review`` unless
``auto`` is said):

References and the amount:

 1. ``one_referenced_invoice_with_the_amount``           auto, exact
 2. ``referenced_invoices_tie_on_the_amount``            ambiguous

Several referenced documents of one customer:

 3. ``invoices_written_in_full_add_up``                  auto, multi_invoice
 4. ``referenced_documents_add_up``                      multi_invoice
 5. ``named_invoices_completed_by_partial_references``   multi_invoice
 6. ``cut_concept_completed_by_other_open_invoices``     multi_invoice (40-character concept)
 7. ``referenced_documents_underpaid``                   partial
 8. ``referenced_documents_overpaid``                    overpaid

Referenced invoices, amount off:

 9. ``one_referenced_invoice_amount_off``                partial or overpaid
10. ``several_referenced_invoices``                      ambiguous

No usable reference, the payer and the amount:

11. ``payer_unknown``                                    no_partner (decides without a payer)
12. ``payer_has_no_open_invoice``                        no_candidate
13. ``payer_known_unique_amount``                        exact: auto when allowed (company
                                                         setting, payer by its SPEI reference)
14. ``payer_known_amount_ties``                          ambiguous
15. ``payer_invoices_add_up``                            multi_invoice
16. ``payer_invoice_sets_tie``                           ambiguous
17. ``payer_overpaid``                                   overpaid
18. ``payer_partial_oldest_first``                       partial (decides when the payer has
                                                         open invoices)
"""

import bisect
import difflib
import functools
import itertools
import re
import unicodedata
from dataclasses import dataclass, field
from typing import NamedTuple

from .sat_catalogs import GENERIC_RFCS

#: length of the SPEI "concepto de pago": longer texts were cut by the bank
SPEI_CONCEPT_MAX = 40
#: longest run of groups looked up in a text (``INV 2025 12`` is 3 groups)
MAX_KEY_GROUPS = 5
#: up to this many open invoices of one customer are tried as sets
MAX_SUBSET_INVOICES = 14
MAX_SUBSET_SIZE = 4

_GROUP_RE = re.compile(r"[A-Z]+|[0-9]+")
_RFC_RE = re.compile(r"(?<![A-Z0-9&])([A-Z&]{3,4})(\d{2})(\d{2})(\d{2})([A-Z0-9]{3})(?![A-Z0-9])")
_DIGITS_RE = re.compile(r"(?<!\d)\d{10,18}(?!\d)")
_UUID_RE = re.compile(r"[0-9A-F]{8}-?[0-9A-F]{4}-?[0-9A-F]{4}-?[0-9A-F]{4}-?[0-9A-F]{12}")
_LEGAL_SUFFIXES = re.compile(
    r"\b(S\s*A\s*P\s*I|S\s*A\s*B|S\s*A|S\s*DE\s*R\s*L|S\s*C|DE|C\s*V|MI|RL|SAPI|SAB|SA|CV|SC|AC|"
    r"S\s*A\s*S)\b"
)


# --------------------------------------------------------------------------- text
def fold(text):
    """Upper case without accents (``Ñ`` kept as ``N``)."""
    if not text:
        return ""
    text = str(text)
    if text.isascii():  # almost every reference: no accent to strip
        return text.upper()
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).upper()


def ref_groups(text):
    """Letters / digits groups of a reference, digits without their leading zeros."""
    groups = _GROUP_RE.findall(fold(text))
    return [g.lstrip("0") or "0" if g.isdigit() else g for g in groups]


def compact(text):
    """Letters and digits only, zeros kept: ``INV/2025/00012`` -> ``INV202500012``."""
    return "".join(_GROUP_RE.findall(fold(text)))


def _is_meaningful(groups):
    """A key must carry a number and enough characters not to match by chance."""
    digits = [g for g in groups if g.isdigit()]
    if not digits:
        return False
    return sum(len(g) for g in groups) >= 3


def reference_keys(reference):
    """(strong, weak) keys under which a document reference can be found in a text.

    Strong: the whole reference (canonical, or with its digits glued together as some
    banks print them).  Weak: the reference without its letter prefix (``2025-12``) and
    its last number alone (the *folio*), which customers often write on their own; a
    reference made of numbers only (``00123``, a CFDI folio without serie) is weak as a
    whole.
    """
    strong, weak = set(), set()
    if not reference:
        return strong, weak
    groups = ref_groups(reference)
    if not groups or not _is_meaningful(groups):
        return strong, weak
    strong.add("-".join(groups))
    raw = _GROUP_RE.findall(fold(reference))
    merged = []
    for g in raw:
        if merged and g.isdigit() and merged[-1].isdigit():
            merged[-1] += g
        else:
            merged.append(g)
    merged = [g.lstrip("0") or "0" if g.isdigit() else g for g in merged]
    if merged != groups and _is_meaningful(merged):
        strong.add("-".join(merged))
    first_digit = next(i for i, g in enumerate(groups) if g.isdigit())
    if first_digit and len(groups) - first_digit >= 2:
        weak.add("-".join(groups[first_digit:]))
    folio = next(g for g in reversed(groups) if g.isdigit())
    if len(folio) >= 2:
        weak.add(folio)
    if all(g.isdigit() for g in groups):
        # a bare number (a CFDI folio without serie, a numeric reference) is found in many
        # texts by chance: it only counts for a payer identified otherwise
        return set(), weak | strong
    weak -= strong
    return strong, weak


def serie_folio_references(serie, folio):
    """References under which a CFDI serie+folio may appear (``A 123``, ``A123``, ``123``).

    Without a serie the folio is a bare number: a weak reference (see :func:`reference_keys`).
    """
    if not folio:
        return []
    serie = (serie or "").strip()
    return [f"{serie}-{folio}" if serie else str(folio)]


@dataclass
class TextInfo:
    """What a statement line's texts say: reference keys and payer hints."""

    keys: set = field(default_factory=set)
    tail_keys: set = field(default_factory=set)  # keys ending on a possibly cut group
    tail: str = ""  # compact form of a possibly cut last reference (for prefix search)
    # {tail key: the same groups as written (zeros kept, compact)}: a cut text's last
    # reference is whole when it is exactly one document's number and begins no other
    tail_refs: dict = field(default_factory=dict)
    truncated: bool = False  # a text had the SPEI length: references may be missing
    rfcs: list = field(default_factory=list)
    accounts: list = field(default_factory=list)
    uuids: list = field(default_factory=list)


def analyse_text(*texts, limit=SPEI_CONCEPT_MAX):
    """Reference keys and payer hints of a statement line's label, reference and notes.

    A text of ``limit`` characters or more is considered cut by the bank: keys ending on
    its last group are kept apart (``tail_keys``, weaker) since ``INV/2025/001`` may be
    the beginning of ``INV/2025/00123``.
    """
    info = TextInfo()
    for text in texts:
        if not text:
            continue
        folded = fold(text)
        raw = _GROUP_RE.findall(folded)
        groups = [g.lstrip("0") or "0" if g.isdigit() else g for g in raw]
        truncated = len(str(text).strip()) >= limit and bool(groups)
        n = len(groups)
        for i in range(n):
            for j in range(i + 1, min(n, i + MAX_KEY_GROUPS) + 1):
                key = "-".join(groups[i:j])
                if truncated and j == n:
                    info.truncated = True
                    info.tail_keys.add(key)
                    info.tail_refs.setdefault(key, "".join(raw[i:j]))
                else:
                    info.keys.add(key)
        # digits glued with their neighbours (``INV202500012``) are split by ref_groups
        # already at letter/digit borders; nothing else to do.
        if truncated:
            words = re.findall(r"[A-Z0-9/\-]+", folded)
            if words:
                info.tail = compact(words[-1])
        info.rfcs.extend(r for r in find_rfcs(folded) if r not in info.rfcs)
        info.accounts.extend(a for a in find_account_numbers(folded) if a not in info.accounts)
        info.uuids.extend(u for u in find_uuids(folded) if u not in info.uuids)
    info.keys |= {"UUID:" + u for u in info.uuids}
    info.tail_keys -= info.keys
    info.tail_refs = {k: r for k, r in info.tail_refs.items() if k in info.tail_keys}
    return info


# --------------------------------------------------------------------------- payers
def clabe_check_digit(first17):
    """Check digit of a CLABE from its first 17 digits (weights 3, 7, 1)."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("a CLABE starts with 17 digits")
    weights = itertools.cycle((3, 7, 1))
    total = sum((int(d) * w) % 10 for d, w in zip(first17, weights, strict=False))
    return str((10 - total % 10) % 10)


def is_valid_clabe(number):
    """18 digits whose last one is the right check digit."""
    number = re.sub(r"[\s-]", "", number or "")
    return len(number) == 18 and number.isdigit() and clabe_check_digit(number[:17]) == number[17]


def find_account_numbers(text):
    """Account numbers, cards and valid CLABEs (10 to 18 digits) written in a text.

    18-digit numbers are kept only when they are valid CLABEs.
    """
    found = []
    for number in _DIGITS_RE.findall(re.sub(r"(?<=\d)[ -](?=\d)", "", fold(text))):
        if len(number) == 18 and not is_valid_clabe(number):
            continue
        if number not in found:
            found.append(number)
    return found


def account_suffixes(number):
    """Keys a bank account can be found under: whole number, and the 10-11 digit account
    inside a CLABE (digits 7 to 17)."""
    number = re.sub(r"\D", "", number or "")
    keys = {number} if number else set()
    if len(number) == 18:
        keys.add(number[6:17])
    return keys


def find_rfcs(text):
    """Mexican RFCs (12 characters for companies, 13 for people) written in a text."""
    found = []
    for m in _RFC_RE.finditer(fold(text).replace("Ñ", "N")):
        letters, yy, mm, dd, homoclave = m.groups()
        if not (1 <= int(mm) <= 12 and 1 <= int(dd) <= 31):
            continue
        rfc = "".join(m.groups())
        if rfc not in GENERIC_RFCS and rfc not in found:
            found.append(rfc)
    return found


def find_uuids(text):
    """CFDI fiscal folios (UUIDs), dashes optional, normalised with dashes."""
    found = []
    for m in _UUID_RE.findall(fold(text)):
        raw = m.replace("-", "")
        uuid = f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"
        if uuid not in found:
            found.append(uuid)
    return found


def normalize_name(name):
    """Company name without accents, punctuation and legal form (``S.A. de C.V.``)."""
    text = re.sub(r"[^A-Z0-9 ]", " ", fold(name))
    text = _LEGAL_SUFFIXES.sub(" ", text)
    return " ".join(text.split())


def name_similarity(a, b):
    """0..1 closeness of two names once normalised."""
    a, b = normalize_name(a), normalize_name(b)
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    return difflib.SequenceMatcher(None, a, b).ratio()


# --------------------------------------------------------------------------- candidates
@dataclass
class Candidate:
    """An open customer invoice (residual > 0) or credit note (residual < 0)."""

    id: int
    partner_id: int | None
    residual: float
    name: str = ""
    references: tuple = ()
    due: object = None
    strong: set = field(default_factory=set)
    weak: set = field(default_factory=set)
    compact: str = ""

    def __post_init__(self):
        strong, weak, self.compact = document_keys(self.name, self.references)
        self.strong, self.weak = strong, weak


@functools.lru_cache(maxsize=100_000)
def document_keys(name, references=()):
    """(strong keys, weak keys, compact name) of a document: parsed once per process for
    the same number and references (the open invoices are indexed again at every batch;
    the cache is bounded)."""
    strong, weak = set(), set()
    for ref in (name, *references):
        uuids = find_uuids(ref) if ref and len(ref) >= 32 else []
        if uuids:
            strong.add("UUID:" + uuids[0])
            continue
        ref_strong, ref_weak = reference_keys(ref)
        strong |= ref_strong
        weak |= ref_weak
    return frozenset(strong), frozenset(weak - strong), compact(name)


class CandidateIndex:
    """Open documents by reference key, by customer and by amount (hash lookups only)."""

    def __init__(self, candidates):
        self.candidates = {c.id: c for c in candidates}
        self.by_key = {}
        self.by_partner = {}
        self.by_cents = {}
        self._compacts = None  # sorted document numbers (compact), built when first needed
        for c in candidates:
            for key in c.strong:
                self.by_key.setdefault(key, []).append((c, 2))
            for key in c.weak:
                self.by_key.setdefault(key, []).append((c, 1))
            self.by_partner.setdefault(c.partner_id, []).append(c)
            self.by_cents.setdefault(cents(c.residual), []).append(c)

    def _starts_a_number(self, prefix, docs=None):
        """Documents whose number (compact) starts with ``prefix``: of ``docs`` when given,
        else of the whole index (binary search in the sorted numbers)."""
        if docs is not None:
            return [c for c in docs if c.compact.startswith(prefix)]
        if self._compacts is None:
            self._compacts = sorted((c.compact, c.id) for c in self.candidates.values() if c.compact)
        found = []
        for i in range(bisect.bisect_left(self._compacts, (prefix,)), len(self._compacts)):
            compact_name, cid = self._compacts[i]
            if not compact_name.startswith(prefix):
                break
            found.append(self.candidates[cid])
        return found

    def whole_tail_hits(self, info, partner_id=None):
        """{candidate id: 2} for the last reference of a cut text that is whole after all.

        A text of the SPEI length may end on a cut reference (``INV/2025/001`` of
        ``INV/2025/00123``); but when its last reference, as written, is exactly the number
        of one open document and begins the number of no other open document (of the
        payer when known, else of anyone), nothing was cut from it.
        """
        hits = {}
        docs = self.by_partner.get(partner_id, ()) if partner_id is not None else None
        for key, written in info.tail_refs.items():
            if len(written) < 4:
                continue
            owners = [
                c
                for c, strength in self.by_key.get(key, ())
                if strength == 2 and (docs is None or c.partner_id == partner_id)
            ]
            if len(owners) != 1 or owners[0].compact != written:
                continue
            if [c.id for c in self._starts_a_number(written, docs)] == [owners[0].id]:
                hits[owners[0].id] = 2
        return hits

    def reference_hits(self, info, partner_id=None):
        """{candidate id: strength} for the keys of a text (2 strong, 1 weak).

        Weak keys (folio only, bare numbers, cut tail) count only when the customer is
        known and they point to one of its documents.  The last reference of a cut text
        is strong when it is whole (:meth:`whole_tail_hits`).
        """
        hits = {}
        for key in info.keys:
            for c, strength in self.by_key.get(key, ()):
                if strength == 1 and (partner_id is None or c.partner_id != partner_id):
                    continue
                hits[c.id] = max(hits.get(c.id, 0), strength)
        if info.tail_refs:
            hits.update(self.whole_tail_hits(info, partner_id))
        if partner_id is not None:
            for key in info.tail_keys:
                for c, _strength in self.by_key.get(key, ()):
                    if c.partner_id == partner_id:
                        hits[c.id] = max(hits.get(c.id, 0), 1)
            if info.tail and len(info.tail) >= 4:
                for c in self.by_partner.get(partner_id, ()):
                    if c.compact.startswith(info.tail) and c.id not in hits:
                        hits[c.id] = 1
        return hits


def cents(amount):
    return int(round(amount * 100))


# --------------------------------------------------------------------------- decision
@dataclass
class Proposal:
    state: str  # auto / to_review
    reason: str
    score: int
    chosen: list  # candidate ids to reconcile, in order
    ranked: list  # [(candidate id, score, why: tuple of WHY_* codes)] best first
    difference: float = 0.0  # line amount - sum of chosen residuals
    partner_id: int | None = None


def amount_points(amount, residual, tolerance):
    """Points for how well a paid amount fits a residual (max 30)."""
    diff = abs(amount - residual)
    if diff < 0.005:
        return 30
    if diff <= tolerance + 0.005:
        return 25
    if 0 < amount < residual:
        return 10
    return 0


def candidate_score(ref_strength, partner_match, amount_pts):
    """0..100: reference (strong 50 / weak 30) + customer (20) + amount (30)."""
    score = {2: 50, 1: 30}.get(ref_strength, 0) + (20 if partner_match else 0) + amount_pts
    return max(0, min(100, score))


#: why a document is proposed for a line: codes, in this order (the model layer shows each
#: in the reader's language)
WHY_REFERENCE = "reference"  # the line writes its number in full
WHY_PARTIAL_REFERENCE = "partial_reference"  # part of its number (folio, cut, bare number)
WHY_CUSTOMER = "customer"  # a document of the payer
WHY_EXACT_AMOUNT = "exact_amount"
WHY_AMOUNT_WITHIN_TOLERANCE = "amount_within_tolerance"
WHY_PARTIAL_AMOUNT = "partial_amount"  # the line pays part of it
WHY_OPEN_INVOICE = "open_invoice"  # none of the above
WHY_CODES = (
    WHY_REFERENCE,
    WHY_PARTIAL_REFERENCE,
    WHY_CUSTOMER,
    WHY_EXACT_AMOUNT,
    WHY_AMOUNT_WITHIN_TOLERANCE,
    WHY_PARTIAL_AMOUNT,
    WHY_OPEN_INVOICE,
)


def _why(ref_strength, partner_match, amount_pts):
    """The codes (``WHY_*``) saying why a document is proposed, as a tuple."""
    parts = []
    if ref_strength == 2:
        parts.append(WHY_REFERENCE)
    elif ref_strength == 1:
        parts.append(WHY_PARTIAL_REFERENCE)
    if partner_match:
        parts.append(WHY_CUSTOMER)
    if amount_pts >= 30:
        parts.append(WHY_EXACT_AMOUNT)
    elif amount_pts >= 25:
        parts.append(WHY_AMOUNT_WITHIN_TOLERANCE)
    elif amount_pts:
        parts.append(WHY_PARTIAL_AMOUNT)
    return tuple(parts) or (WHY_OPEN_INVOICE,)


def _by_due(docs):
    """Documents, oldest due date first (the order a payment is applied in)."""
    return sorted(docs, key=lambda c: (c.due is None, c.due or 0, c.id))


def find_subset(candidates, amount, tolerance):
    """Sets of documents (oldest first) whose residuals add up to ``amount`` within the
    tolerance: the first sets found, smallest first; at most two are returned (two means
    it is not unique)."""
    docs = _by_due(candidates)[:MAX_SUBSET_INVOICES]
    target = cents(amount)
    tol = cents(tolerance)
    found = []
    for size in range(2, min(MAX_SUBSET_SIZE, len(docs)) + 1):
        for combo in itertools.combinations(docs, size):
            if abs(sum(cents(c.residual) for c in combo) - target) <= tol:
                found.append(list(combo))
                if len(found) > 1:
                    return found
        if found:
            return found
    return found


def _completions(named, others, amount, tolerance):
    """Sets of at least two documents paying ``amount`` (within the tolerance) made of all
    the ``named`` documents and some of the ``others``: at most two (two: not unique)."""
    rest = amount - sum(c.residual for c in named)
    tol = tolerance + 0.005
    if not named:
        return find_subset(others, amount, tolerance)
    found = [[*named, c] for c in others if abs(rest - c.residual) <= tol]
    if len(named) >= 2 and abs(rest) <= tol:
        found.insert(0, list(named))
    if not found and others:
        found = [[*named, *extra] for extra in find_subset(others, rest, tolerance)]
    return [docs for docs in found if len(docs) >= 2][:2]


def _ids_by_due(docs):
    """Ids of documents, oldest due date first."""
    return [c.id for c in _by_due(docs)]


# --------------------------------------------------------------------------- the line's facts
@dataclass(frozen=True)
class LineFacts:
    """What is known of one incoming bank line before deciding."""

    amount: float
    tolerance: float = 1.0
    partner_id: int | None = None  # the payer: given, or identified by a reference
    info: TextInfo = field(default_factory=TextInfo)
    allow_partner_amount: bool = False  # the payer's unique amount may be automatic

    def fits(self, residual):
        """The line pays ``residual`` within the tolerance."""
        return abs(self.amount - residual) <= self.tolerance + 0.005


def _scorer(line, hits):
    """The function giving a document's (0..100 score, why) for a line (every candidate
    shown is scored: local names only)."""
    amount, tolerance, partner_id = line.amount, line.tolerance, line.partner_id

    def score(c):
        pts = amount_points(amount, c.residual, tolerance)
        ref = hits.get(c.id, 0)
        partner = partner_id is not None and c.partner_id == partner_id
        return candidate_score(ref, partner, pts), _why(ref, partner, pts)

    return score


class Documents:
    """The open documents as one bank line sees them.

    ``hits``: {document id: 2 when the line's texts write its number in full, 1 when they
    give part of it (folio, cut number, bare number)}; the other views are computed when
    a rule first asks for them.
    """

    def __init__(self, index, line, hits, excluded=frozenset()):
        self.index = index
        self.line = line
        self.hits = hits
        self.excluded = excluded
        #: ``score(document)``: its (0..100 score, why) for this line
        self.score = _scorer(line, hits)

    def ranked(self):
        """[(document, score, why)] of the invoices worth showing, best first: the
        referenced ones, the payer's and those of the line's amount."""
        index, excluded = self.index, self.excluded
        pool = {cid: index.candidates[cid] for cid in self.hits}
        if self.line.partner_id is not None:
            for c in index.by_partner.get(self.line.partner_id, ()):
                if c.id not in excluded:
                    pool[c.id] = c
        for c in index.by_cents.get(cents(self.line.amount), ()):
            if c.id not in excluded:
                pool.setdefault(c.id, c)
        return sorted(
            ((c, *self.score(c)) for c in pool.values() if c.residual > 0),
            key=lambda t: (-t[1], t[0].due is None, t[0].due or 0, t[0].id),
        )

    # references
    @functools.cached_property
    def referenced(self):
        """The referenced documents with something left to pay (credit notes included)."""
        candidates = self.index.candidates
        return [candidates[cid] for cid in self.hits if candidates[cid].residual]

    @functools.cached_property
    def named(self):
        """The referenced documents whose number is written in full."""
        return [c for c in self.referenced if self.hits[c.id] == 2]

    @functools.cached_property
    def one_customer(self):
        """Every referenced document belongs to the same customer."""
        return bool(self.referenced) and len({c.partner_id for c in self.referenced}) == 1

    @functools.cached_property
    def referenced_invoices(self):
        """The referenced invoices (residual > 0)."""
        return [c for c in self.referenced if c.residual > 0]

    @functools.cached_property
    def best_fitting(self):
        """The referenced invoices whose residual is the amount, with the strongest
        reference among them; none when that is only a folio while the texts write other
        documents in full (``12`` read in ``INV/2026/00012``: those documents decide)."""
        hits, line, candidates = self.hits, self.line, self.index.candidates
        fit = [candidates[cid] for cid in hits if candidates[cid].residual > 0 and line.fits(candidates[cid].residual)]
        if not fit:
            return []
        best = max(hits[c.id] for c in fit)
        if best == 1 and any(strength == 2 for strength in hits.values()):
            return []
        return [c for c in fit if hits[c.id] == best]

    # the payer
    @functools.cached_property
    def payer_invoices(self):
        """The open invoices of the payer (none when it is unknown)."""
        if self.line.partner_id is None:
            return []
        return [
            c
            for c in self.index.by_partner.get(self.line.partner_id, ())
            if c.id not in self.excluded and c.residual > 0
        ]

    @functools.cached_property
    def payer_fitting(self):
        """The payer's invoices whose residual is the amount."""
        return [c for c in self.payer_invoices if self.line.fits(c.residual)]

    @functools.cached_property
    def payer_sets(self):
        """Sets of the payer's invoices adding up to the amount (two: not unique)."""
        return find_subset(self.payer_invoices, self.line.amount, self.line.tolerance)


def read_line(amount, index, tolerance=1.0, partner_id=None, info=None, excluded=(), allow_partner_amount=False):
    """(:class:`LineFacts`, :class:`Documents`) of one bank line: the documents its texts
    refer to, and its payer, identified by its references when the line does not say it
    (the references written in full all belong to one customer)."""
    info = info or TextInfo()
    excluded = set(excluded)

    def reference_hits(partner):
        return {cid: s for cid, s in index.reference_hits(info, partner).items() if cid not in excluded}

    hits = reference_hits(partner_id)
    if partner_id is None and hits:
        ref_partners = {index.candidates[cid].partner_id for cid, s in hits.items() if s == 2}
        if len(ref_partners) == 1:
            partner_id = ref_partners.pop()
            hits = reference_hits(partner_id)
    line = LineFacts(amount, tolerance, partner_id, info, allow_partner_amount)
    return line, Documents(index, line, hits, excluded)


# --------------------------------------------------------------------------- the rules
class Decision(NamedTuple):
    """What a rule decided: ``auto`` / ``to_review``, the reason, the documents chosen
    (ids, in the order the payment is applied to them) and the score."""

    state: str
    reason: str
    chosen: list
    score: int


def _first_set(sets, score_one, score_several):
    """The first of the sets of documents, scored on whether it is the only one."""
    return Decision("to_review", "multi_invoice", _ids_by_due(sets[0]), score_one if len(sets) == 1 else score_several)


# rules 1-2: references and the amount
def _surely_referenced(docs):
    """The one referenced invoice with the amount whose reference is sure: written in full,
    or the payer's only partial reference; else None."""
    top = docs.best_fitting
    if len(top) != 1:
        return None
    c = top[0]
    if docs.hits[c.id] == 2 or sum(1 for strength in docs.hits.values() if strength == 1) == 1:
        return c
    return None


def one_referenced_invoice_with_the_amount(line, docs):
    """Sure: one invoice referenced (in full, or the payer's only partial reference) whose
    residual is the amount."""
    c = _surely_referenced(docs)
    return Decision("auto", "exact", [c.id], docs.score(c)[0]) if c else None


def referenced_invoices_tie_on_the_amount(line, docs):
    """To review: more than one referenced invoice has the amount, or a partial reference
    that is not the payer's only one."""
    top = docs.best_fitting
    if not top or _surely_referenced(docs):
        return None
    return Decision("to_review", "ambiguous", [], max(docs.score(c)[0] for c in top) - 20)


# rules 3-8: several referenced documents of one customer
def invoices_written_in_full_add_up(line, docs):
    """Sure: two or more documents of one customer written in full add up to the amount (a
    folio of another of its documents read inside those numbers changes nothing)."""
    named = docs.named
    if not docs.one_customer or len(named) < 2:
        return None
    total = sum(c.residual for c in named)
    if not line.fits(total):
        return None
    return Decision("auto", "multi_invoice", _ids_by_due(named), 100 if abs(line.amount - total) < 0.005 else 95)


def referenced_documents_add_up(line, docs):
    """To review: the documents of one customer referenced (some only partly) add up."""
    referenced = docs.referenced
    if not docs.one_customer or len(referenced) < 2:
        return None
    if not line.fits(sum(c.residual for c in referenced)):
        return None
    return Decision("to_review", "multi_invoice", _ids_by_due(referenced), 80)


def named_invoices_completed_by_partial_references(line, docs):
    """To review: the documents written in full with some of those referenced only partly
    (a cut number, a folio) pay the amount; 75 when that set is the only one, else 55."""
    referenced = docs.referenced
    if not docs.one_customer or len(referenced) < 2:
        return None
    partial = [c for c in referenced if docs.hits[c.id] != 2]
    sets = _completions(docs.named, partial, line.amount, line.tolerance)
    return _first_set(sets, 75, 55) if sets else None


def cut_concept_completed_by_other_open_invoices(line, docs):
    """To review: the bank cut the concept and the documents written in full pay less than
    the amount: the numbers that did not fit are other open invoices of the customer."""
    named = docs.named
    if not docs.one_customer or not named or not line.info.truncated:
        return None
    if line.amount <= sum(c.residual for c in named) + line.tolerance + 0.005:
        return None
    named_ids = {c.id for c in named}
    others = [
        c
        for c in docs.index.by_partner.get(named[0].partner_id, ())
        if c.residual > 0 and c.id not in docs.excluded and c.id not in named_ids
    ]
    sets = _completions(named, others, line.amount, line.tolerance)
    return _first_set(sets, 75, 55) if sets else None


def referenced_documents_underpaid(line, docs):
    """To review: less than the documents of one customer the line refers to."""
    referenced = docs.referenced
    if not docs.one_customer or len(referenced) < 2:
        return None
    if line.amount < sum(c.residual for c in referenced) - line.tolerance - 0.005:
        return Decision("to_review", "partial", _ids_by_due(referenced), 60)
    return None


def referenced_documents_overpaid(line, docs):
    """To review: more than the documents of one customer the line refers to."""
    referenced = docs.referenced
    if not docs.one_customer or len(referenced) < 2:
        return None
    if line.amount > sum(c.residual for c in referenced) + line.tolerance + 0.005:
        return Decision("to_review", "overpaid", _ids_by_due(referenced), 60)
    return None


# rules 9-10: referenced invoices, amount off
def one_referenced_invoice_amount_off(line, docs):
    """To review: one invoice referenced, paid partly or more than its residual."""
    if len(docs.referenced_invoices) != 1:
        return None
    c = docs.referenced_invoices[0]
    reason = "partial" if line.amount < c.residual else "overpaid"
    return Decision("to_review", reason, [c.id], docs.score(c)[0])


def several_referenced_invoices(line, docs):
    """To review: several invoices referenced (of several customers, or not adding up)."""
    if len(docs.referenced_invoices) < 2:
        return None
    return Decision("to_review", "ambiguous", _ids_by_due(docs.referenced_invoices), 40)


# rules 11-18: no usable reference, the payer and the amount
def payer_unknown(line, docs):
    """To review: nothing says who paid; the only open document of the amount, if any."""
    if line.partner_id is not None:
        return None
    same_amount = [c for c in docs.index.by_cents.get(cents(line.amount), []) if c.id not in docs.excluded]
    return Decision(
        "to_review", "no_partner", [same_amount[0].id] if len(same_amount) == 1 else [], 30 if same_amount else 0
    )


def payer_has_no_open_invoice(line, docs):
    """To review: the payer is known but has no open invoice."""
    if line.partner_id is None or docs.payer_invoices:
        return None
    return Decision("to_review", "no_candidate", [], 0)


def payer_known_unique_amount(line, docs):
    """One open invoice of the payer has the amount: sure only when the company allows it
    (or the payer was identified by its SPEI reference), else to review."""
    if len(docs.payer_fitting) != 1:
        return None
    c = docs.payer_fitting[0]
    return Decision("auto" if line.allow_partner_amount else "to_review", "exact", [c.id], docs.score(c)[0])


def payer_known_amount_ties(line, docs):
    """To review: several open invoices of the payer have the amount."""
    if len(docs.payer_fitting) < 2:
        return None
    return Decision("to_review", "ambiguous", [], 40)


def payer_invoices_add_up(line, docs):
    """To review: one set of the payer's open invoices adds up to the amount."""
    if len(docs.payer_sets) != 1:
        return None
    return Decision("to_review", "multi_invoice", [c.id for c in docs.payer_sets[0]], 55)


def payer_invoice_sets_tie(line, docs):
    """To review: several sets of the payer's open invoices add up to the amount."""
    if len(docs.payer_sets) < 2:
        return None
    return Decision("to_review", "ambiguous", [], 35)


def payer_overpaid(line, docs):
    """To review: more than all the payer's open invoices."""
    invoices = docs.payer_invoices
    if not invoices or line.amount <= sum(c.residual for c in invoices) + line.tolerance + 0.005:
        return None
    return Decision("to_review", "overpaid", _ids_by_due(invoices), 40)


def payer_partial_oldest_first(line, docs):
    """To review: part of the payer's open invoices, the oldest ones first, the last one
    partly."""
    if not docs.payer_invoices:
        return None
    chosen, left = [], line.amount
    for c in _by_due(docs.payer_invoices):
        if left <= 0.005:
            break
        chosen.append(c.id)
        left -= c.residual
    return Decision("to_review", "partial", chosen, 35)


#: the rules in the order they are asked (see the module's docstring): the first one that
#: decides wins; the last ones always decide (payer unknown; payer without open invoice;
#: part of the payer's invoices)
RULES = (
    one_referenced_invoice_with_the_amount,
    referenced_invoices_tie_on_the_amount,
    invoices_written_in_full_add_up,
    referenced_documents_add_up,
    named_invoices_completed_by_partial_references,
    cut_concept_completed_by_other_open_invoices,
    referenced_documents_underpaid,
    referenced_documents_overpaid,
    one_referenced_invoice_amount_off,
    several_referenced_invoices,
    payer_unknown,
    payer_has_no_open_invoice,
    payer_known_unique_amount,
    payer_known_amount_ties,
    payer_invoices_add_up,
    payer_invoice_sets_tie,
    payer_overpaid,
    payer_partial_oldest_first,
)


def decide(line, docs, rules=RULES):
    """The decision of the first rule that decides."""
    for rule in rules:
        decision = rule(line, docs)
        if decision is not None:
            return decision
    raise ValueError("no matching rule decided")  # the last rules always decide


def match_line(
    amount, index, tolerance=1.0, partner_id=None, info=None, excluded=(), allow_partner_amount=False, max_ranked=5
):
    """Decide what to do with one incoming bank line of ``amount`` (> 0).

    :param partner_id: the customer already known (line partner, or found from its bank
        account, RFC or name), or None
    :param excluded: candidate ids never to propose again (rejected pairs)
    :param allow_partner_amount: a unique document of the known customer with the exact
        amount may be reconciled automatically without a reference
    """
    line, docs = read_line(amount, index, tolerance, partner_id, info, excluded, allow_partner_amount)
    decision = decide(line, docs)
    # the ranking shown to the user, with the chosen documents in it
    shown = [(c.id, score, why) for c, score, why in docs.ranked()[:max_ranked]]
    shown_ids = {cid for cid, _score, _why in shown}
    for cid in decision.chosen:
        if cid not in shown_ids:
            shown.append((cid, *docs.score(index.candidates[cid])))
            shown_ids.add(cid)
    difference = round(amount - sum(index.candidates[cid].residual for cid in decision.chosen), 2)
    return Proposal(
        decision.state, decision.reason, int(decision.score), list(decision.chosen), shown, difference, line.partner_id
    )


def allocate(amount, residuals, tolerance):
    """Split a payment over documents (in the given order).

    :return: (allocations, writeoff, credit): the amount applied to each document, the
        shortfall to write off (within tolerance) and the excess left as customer credit.
    """
    total = round(sum(residuals), 2)
    diff = round(amount - total, 2)
    if diff >= 0:
        return [round(r, 2) for r in residuals], 0.0, diff
    if -diff <= tolerance + 1e-9:
        return [round(r, 2) for r in residuals], -diff, 0.0
    allocations, left = [], round(amount, 2)
    for r in residuals:
        part = round(min(max(r, 0.0), left), 2) if r > 0 else round(r, 2)
        allocations.append(part)
        left = round(left - part, 2)
    return allocations, 0.0, max(left, 0.0)
