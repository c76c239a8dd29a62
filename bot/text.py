"""Plain-text pieces every front end shows the same way: normalized values, sources, snippets."""

from __future__ import annotations

from decimal import Decimal

from retrieval.models import Answer, Article

SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
SCIENTIFIC_FROM = Decimal(100_000)


def format_value(value: Decimal, unit: str | None) -> str:
    """5.0969×10¹⁰ 元 for large values, 99.4 % for small ones."""
    if abs(value) >= SCIENTIFIC_FROM:
        power = value.adjusted()  # the exponent of the leading digit
        mantissa = (value / Decimal(10) ** power).normalize()
        text = f"{mantissa:f}×10{str(power).translate(SUPERSCRIPT)}"
    else:
        text = f"{value.normalize():f}"
    return f"{text} {unit}" if unit else text


def answer_value(answer: Answer) -> str | None:
    """The normalized value of an answer, with its range and qualifier, or None for ranks."""
    if answer.value is None or answer.kind == "rank":
        return None
    text = format_value(answer.value, answer.base_unit)
    if answer.high is not None:
        text = f"{format_value(answer.value, None)}–{format_value(answer.high, answer.base_unit)}"
    return f"≈ {text}" if answer.qualifier else text


def source_line(article: Article) -> str:
    parts = [article.title]
    parts += [p for p in (article.date, article.source) if p]
    parts.append(article.path)
    return " · ".join(parts)


def answer_note(answer: Answer) -> str | None:
    """What stands in brackets after the answer: the year it is for (when the question named
    none) and the normalized value."""
    parts = [f"{answer.year}年"] if answer.year is not None and answer.kind != "date" else []
    value = answer_value(answer)
    parts += [value] if value else []
    return " · ".join(parts) or None


def answer_details(answer: Answer) -> list[str]:
    """The lines under an answer's headline: a comparison's two sides, or the answer for each
    place when a question names none and the places' answers differ."""
    return [f"· {a.label}:{a.text}" for a in (answer.parts or answer.alternatives)]


def marks_passage(answer: Answer) -> bool:
    """Whether the answer is a span of its passage to highlight (not a comparison's verdict)."""
    return not answer.parts
