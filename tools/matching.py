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
"""

import bisect
import difflib
import functools
import itertools
import re
import unicodedata
from dataclasses import dataclass, field

#: length of the SPEI "concepto de pago": longer texts were cut by the bank
SPEI_CONCEPT_MAX = 40
#: longest run of groups looked up in a text (``INV 2025 12`` is 3 groups)
MAX_KEY_GROUPS = 5
#: up to this many open invoices of one customer are tried as sets
MAX_SUBSET_INVOICES = 14
MAX_SUBSET_SIZE = 4

REASONS = ("exact", "partial", "overpaid", "multi_invoice", "ambiguous", "no_partner",
           "no_candidate")

GENERIC_RFCS = {"XAXX010101000", "XEXX010101000"}
_GROUP_RE = re.compile(r"[A-Z]+|[0-9]+")
_RFC_RE = re.compile(r"(?<![A-Z0-9&])([A-Z&]{3,4})(\d{2})(\d{2})(\d{2})([A-Z0-9]{3})(?![A-Z0-9])")
_DIGITS_RE = re.compile(r"(?<!\d)\d{10,18}(?!\d)")
_UUID_RE = re.compile(
    r"[0-9A-F]{8}-?[0-9A-F]{4}-?[0-9A-F]{4}-?[0-9A-F]{4}-?[0-9A-F]{12}")
_LEGAL_SUFFIXES = re.compile(
    r"\b(S\s*A\s*P\s*I|S\s*A\s*B|S\s*A|S\s*DE\s*R\s*L|S\s*C|DE|C\s*V|MI|RL|SAPI|SAB|SA|CV|SC|AC|"
    r"S\s*A\s*S)\b")


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


def ref_key(text):
    """Canonical key of a reference: ``INV/2025/00012`` -> ``INV-2025-12``."""
    return "-".join(ref_groups(text))


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
            self._compacts = sorted((c.compact, c.id) for c in self.candidates.values()
                                    if c.compact)
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
            owners = [c for c, strength in self.by_key.get(key, ())
                      if strength == 2 and (docs is None or c.partner_id == partner_id)]
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
    ranked: list  # [(candidate id, score, why)] best first
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


def _why(ref_strength, partner_match, amount_pts):
    parts = []
    if ref_strength == 2:
        parts.append("reference")
    elif ref_strength == 1:
        parts.append("partial reference")
    if partner_match:
        parts.append("customer")
    if amount_pts >= 30:
        parts.append("exact amount")
    elif amount_pts >= 25:
        parts.append("amount within tolerance")
    elif amount_pts:
        parts.append("partial amount")
    return ", ".join(parts) or "open invoice"


def find_subset(candidates, amount, tolerance):
    """Sets of documents (oldest first) whose residuals add up to ``amount`` within the
    tolerance: the first sets found, smallest first; at most two are returned (two means
    it is not unique)."""
    docs = sorted(candidates, key=lambda c: (c.due is None, c.due or 0, c.id))[:MAX_SUBSET_INVOICES]
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
    """Ids of documents, oldest due date first (the order a payment is applied in)."""
    return [c.id for c in sorted(docs, key=lambda c: (c.due is None, c.due or 0, c.id))]


def match_line(amount, index, tolerance=1.0, partner_id=None, info=None, excluded=(),
               allow_partner_amount=False, max_ranked=5):
    """Decide what to do with one incoming bank line of ``amount`` (> 0).

    :param partner_id: the customer already known (line partner, or found from its bank
        account, RFC or name), or None
    :param excluded: candidate ids never to propose again (rejected pairs)
    :param allow_partner_amount: a unique document of the known customer with the exact
        amount may be reconciled automatically without a reference
    """
    info = info or TextInfo()
    excluded = set(excluded)
    hits = {cid: s for cid, s in index.reference_hits(info, partner_id).items()
            if cid not in excluded}
    # a strong reference identifies the customer when the line does not
    if partner_id is None and hits:
        ref_partners = {index.candidates[cid].partner_id for cid, s in hits.items() if s == 2}
        if len(ref_partners) == 1:
            partner_id = ref_partners.pop()
            hits = {cid: s for cid, s in index.reference_hits(info, partner_id).items()
                    if cid not in excluded}

    def score_of(c):
        pts = amount_points(amount, c.residual, tolerance)
        ref = hits.get(c.id, 0)
        partner = partner_id is not None and c.partner_id == partner_id
        return candidate_score(ref, partner, pts), _why(ref, partner, pts)

    pool = {}
    for cid in hits:
        pool[cid] = index.candidates[cid]
    if partner_id is not None:
        for c in index.by_partner.get(partner_id, ()):
            if c.id not in excluded:
                pool[c.id] = c
    for c in index.by_cents.get(cents(amount), ()):
        if c.id not in excluded:
            pool.setdefault(c.id, c)

    ranked = sorted(((c, *score_of(c)) for c in pool.values() if c.residual > 0),
                    key=lambda t: (-t[1], t[0].due is None, t[0].due or 0, t[0].id))
    ranked_out = [(c.id, s, why) for c, s, why in ranked[:max_ranked]]

    def proposal(state, reason, chosen, score):
        diff = round(amount - sum(index.candidates[cid].residual for cid in chosen), 2)
        # keep the chosen documents in the ranking shown to the user
        shown = list(ranked_out)
        for cid in chosen:
            if cid not in {r[0] for r in shown}:
                c = index.candidates[cid]
                shown.append((cid, *score_of(c)))
        return Proposal(state, reason, int(score), list(chosen), shown, diff, partner_id)

    tol = tolerance + 0.005
    # 1. one document with a reference and the amount
    ref_fit = [c for c, s, _w in ranked if c.id in hits and abs(amount - c.residual) <= tol]
    named_any = any(strength == 2 for strength in hits.values())
    if ref_fit:
        best = max(hits[c.id] for c in ref_fit)
        top = [c for c in ref_fit if hits[c.id] == best]
        # a folio that fits while the text names other documents in full (``12`` read in
        # ``INV/2026/00012``) is no reference of its own: the other documents decide (2.)
        if best == 2 or not named_any:
            if len(top) == 1:
                c = top[0]
                # a weak reference must be the only document of the customer it points to
                weak_alone = best == 2 or len([x for x in hits if hits[x] == 1]) == 1
                if weak_alone:
                    return proposal("auto", "exact", [c.id], score_of(c)[0])
            return proposal("to_review", "ambiguous", [], max(score_of(c)[0] for c in top) - 20)
    # 2. several referenced documents of one customer adding up to the amount
    ref_docs = [index.candidates[cid] for cid in hits if index.candidates[cid].residual]
    ref_partners = {c.partner_id for c in ref_docs}
    if ref_docs and len(ref_partners) == 1:
        named = [c for c in ref_docs if hits[c.id] == 2]
        named_total = sum(c.residual for c in named)
        if len(named) >= 2 and abs(amount - named_total) <= tol:
            # the documents written in full add up: sure (a folio of another document of the
            # same customer read inside those numbers changes nothing)
            return proposal("auto", "multi_invoice", _ids_by_due(named), 100 - (
                0 if abs(amount - named_total) < 0.005 else 5))
        total = sum(c.residual for c in ref_docs)
        sets = []
        if len(ref_docs) >= 2:
            if abs(amount - total) <= tol:
                return proposal("to_review", "multi_invoice", _ids_by_due(ref_docs), 80)
            # the documents named in full with some of the partly referenced ones (a cut
            # number, a folio): the first set is proposed, the score says if it is alone
            sets = _completions(named, [c for c in ref_docs if hits[c.id] != 2], amount,
                                tolerance)
        if not sets and named and info.truncated and amount > named_total + tol:
            # the bank cut the concept: the numbers that did not fit are other open
            # invoices of the same customer
            named_ids = {c.id for c in named}
            sets = _completions(named, [c for c in index.by_partner.get(named[0].partner_id, ())
                                        if c.residual > 0 and c.id not in excluded
                                        and c.id not in named_ids], amount, tolerance)
        if sets:
            return proposal("to_review", "multi_invoice", _ids_by_due(sets[0]),
                            75 if len(sets) == 1 else 55)
        if len(ref_docs) >= 2 and amount < total - tol:
            return proposal("to_review", "partial", _ids_by_due(ref_docs), 60)
        if len(ref_docs) >= 2 and amount > total + tol:
            return proposal("to_review", "overpaid", _ids_by_due(ref_docs), 60)
    # 3. one referenced document, amount off
    positive_hits = [c for c in ref_docs if c.residual > 0]
    if len(positive_hits) == 1:
        c = positive_hits[0]
        reason = "partial" if amount < c.residual else "overpaid"
        return proposal("to_review", reason, [c.id], score_of(c)[0])
    if len(positive_hits) > 1:
        docs = sorted(positive_hits, key=lambda c: (c.due is None, c.due or 0, c.id))
        return proposal("to_review", "ambiguous", [c.id for c in docs], 40)
    # 4. no usable reference: the customer and the amount
    if partner_id is None:
        same_amount = index.by_cents.get(cents(amount), [])
        same_amount = [c for c in same_amount if c.id not in excluded]
        return proposal("to_review", "no_partner", [c.id for c in same_amount[:1]]
                        if len(same_amount) == 1 else [], 30 if same_amount else 0)
    docs = [c for c in index.by_partner.get(partner_id, ()) if c.id not in excluded]
    invoices = [c for c in docs if c.residual > 0]
    if not invoices:
        return proposal("to_review", "no_candidate", [], 0)
    fit = [c for c in invoices if abs(amount - c.residual) <= tol]
    if len(fit) == 1:
        c = fit[0]
        state = "auto" if allow_partner_amount else "to_review"
        return proposal(state, "exact", [c.id], score_of(c)[0])
    if len(fit) > 1:
        return proposal("to_review", "ambiguous", [], 40)
    subsets = find_subset(invoices, amount, tolerance)
    if len(subsets) == 1:
        return proposal("to_review", "multi_invoice", [c.id for c in subsets[0]], 55)
    if len(subsets) > 1:
        return proposal("to_review", "ambiguous", [], 35)
    oldest = sorted(invoices, key=lambda c: (c.due is None, c.due or 0, c.id))
    total = sum(c.residual for c in invoices)
    if amount > total + tol:
        return proposal("to_review", "overpaid", [c.id for c in oldest], 40)
    # partial: pay the oldest invoices first, the last one partly
    chosen, left = [], amount
    for c in oldest:
        if left <= 0.005:
            break
        chosen.append(c.id)
        left -= c.residual
    return proposal("to_review", "partial", chosen, 35)


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
