"""A passage in its file's own script: the characters its source used (群眾, 為, 發布), found
again for a passage cleaned and indexed in simplified script.

Converting the simplified text back (s2t) invents variants the source never used (羣衆, 爲,
發佈) and real mistakes (對標對錶). Cleaning only removes characters (inline pinyin, stray spaces,
page markers, chrome) and folds white space, so a cleaned passage is, character for character, a
subsequence of its file's simplified text; that text was converted from the original character
by character wherever its length did not change. Walking both lets each passage character take
its original: the result has the passage's length, so offsets into it (a figure, an answer) are
the same in either script. Hand-written: alignment of one text to its own cleaned subsequence is
a dozen lines; no library does exactly this.
"""

from __future__ import annotations

from collections.abc import Callable

# How far ahead in the file a passage's next character is looked for: cleaning removes runs
# (an inline pinyin note, a page marker, a line of site chrome) shorter than this.
REACH = 400


def original_passage(passage: str, simplified: str, original: str, cursor: int,
                     to_traditional: Callable[[str], str]) -> tuple[str, int]:
    """``passage`` in the script of ``original`` (the file's text, of which ``simplified`` is
    the simplified conversion, the same length), looked for from ``cursor``; and the cursor
    after it. A character not found (a conversion that changed length, white space folded)
    keeps its simplified form converted to traditional on its own."""
    out = []
    at = cursor
    for ch in passage:
        if ch.isspace():
            out.append(ch)
            continue
        found = simplified.find(ch, at, at + REACH)
        if found < 0:
            out.append(to_traditional(ch) if len(to_traditional(ch)) == 1 else ch)
            continue
        out.append(original[found])
        at = found + 1
    return "".join(out), at
