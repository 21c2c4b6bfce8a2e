"""Mexican consumer rules for school collections (PROFECO; the SEP/SECOFI agreement of 1992 on
private schools' services), as checks every reminder passes before it leaves.

- A school may not hold back documents, grades or exams to collect a debt: no message may threaten
  to withhold report cards, certificates, transcripts, grades, or the right to sit an exam.
- Suspending the educational service is possible only after three unpaid colegiaturas, and the
  family must be told at least 15 days ahead: only a SUSPENSION_NOTICE step may mention a
  suspension, and only a family with three unpaid colegiaturas ever gets one.

The check reads threats, not topics: "withhold / retener / no se entregarán / no podrá presentar"
near "documents / boletas / calificaciones / exámenes". AI-written text that fails it is replaced
by the template; a template that fails it is refused when the policy is saved.
"""

from __future__ import annotations

import re
import unicodedata

_GAP = r"[^.!?\n]{0,80}?"  # the threat and its object in one sentence, close together

_DOCUMENTS_ES = (
    r"(document\w*|boleta\w*|calificacion\w*|notas?\b|examen\w*|examenes|evaluacion\w*|certificad\w*|"
    r"constancia\w*|kardex|historial academico|titulo\w*|reinscripcion\w*|expediente\w*)"
)
_THREATS_ES = (
    r"(retener|retendr\w*|retenid\w*|retencion|negar\w*|negara\w*|condicion\w*|bloque\w*|"
    r"no (se )?(le |les )?(entreg\w*|podra\w* (presentar|recibir|obtener|tener acceso)|permitir\w*|"
    r"expedir\w*|liberar\w*)|sin (derecho|acceso) a|impedir\w*|suspender\w* la entrega|"
    r"no tendra\w* (derecho|acceso))"
)
_DOCUMENTS_EN = (
    r"(documents?|report cards?|grades?|marks|exams?|examinations?|tests?|certificates?|transcripts?|"
    r"diplomas?|records?|re-?enrol\w*)"
)
_THREATS_EN = (
    r"(withh[eo]ld\w*|retain\w*|hold back|held back|den(y|ied|ial)|block\w*|"
    r"(will|would|shall|can) ?(not|n't) (be )?(release\w*|issue\w*|allow\w*|permit\w*|sit|take|receive\w*|"
    r"get|access)|not be (allowed|permitted) to|no longer (be )?(able|allowed)|without access|"
    r"barred from|until (the )?(balance|debt|payment))"
)
_SUSPENSION = r"(suspend\w*|suspension|suspensi[oó]n|baja\b|dar de baja|expuls\w*|expel\w*)"

_PATTERNS = [
    re.compile(_THREATS_ES + _GAP + _DOCUMENTS_ES),
    re.compile(_DOCUMENTS_ES + _GAP + r"(seran? retenid\w*|quedan? retenid\w*|no seran? entregad\w*)"),
    re.compile(_THREATS_EN + _GAP + _DOCUMENTS_EN),
    re.compile(_DOCUMENTS_EN + _GAP + r"(will be (withheld|held|retained|blocked)|won't be (released|issued))"),  # noqa: E501
]
_SUSPENSION_PATTERN = re.compile(_SUSPENSION)


def _plain(text: str) -> str:
    """Lower case without accents, so "exámenes" and "examenes" read alike."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def violations(text: str, *, suspension_notice: bool = False) -> list[str]:
    """What in this text breaks the rules (empty: it may be sent)."""
    plain = _plain(text)
    found = []
    for pattern in _PATTERNS:
        match = pattern.search(plain)
        if match:
            found.append(f"threatens to withhold documents, grades or exams: {match.group(0)!r}")
            break
    if not suspension_notice:
        match = _SUSPENSION_PATTERN.search(plain)
        if match:
            found.append(
                f"mentions a suspension ({match.group(0)!r}); only a suspension notice may, after three "
                "unpaid colegiaturas"
            )
    return found


def is_compliant(text: str, *, suspension_notice: bool = False) -> bool:
    return not violations(text, suspension_notice=suspension_notice)
