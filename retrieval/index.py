"""The search index: built from a corpus folder once, cached on disk, loaded on later runs.

The cache file is keyed by the corpus (names, sizes, modification times of its files) and the
code version (this package's version and the hash of its sources and data tables), written to
a temporary file and renamed into place so a crash never leaves half an index. A cache that
cannot be read, or that belongs to other files or other code, is rebuilt with a notice.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from . import articles as articles_mod
from . import corpus as corpus_mod
from .bm25 import Bm25
from .figures import extract_figures
from .models import Article, CorpusStats, Passage
from .passages import unique_passages
from .resources import Resources, cache_dir, data_files
from .tokenize import article_places, tokens

FORMAT = 1
Notice = Callable[[str], None]


@dataclass
class Index:
    key: str
    stats: CorpusStats
    articles: dict[str, Article]
    passages: list[Passage]
    bm25: Bm25
    # Per passage: the tokens it was indexed with (for highlighting and answer scoring).
    doc_tokens: list[list[str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.passage_position = {p.id: i for i, p in enumerate(self.passages)}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    def article_of(self, passage: Passage) -> Article:
        return self.articles[passage.article_id]


def code_version() -> str:
    h = hashlib.sha256(str(FORMAT).encode())
    try:
        h.update(metadata.version("ganwen").encode())
    except metadata.PackageNotFoundError:
        pass
    here = Path(__file__).parent
    for path in sorted(here.glob("*.py")) + data_files():
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def passage_tokens(passage: Passage, article: Article, res: Resources) -> list[str]:
    """A passage is indexed with its article's places, so "萍乡 企业上云" finds a paragraph of
    the 萍乡 article that never names the city."""
    context = [t for place in article.places for t in tokens(place, res)]
    return tokens(passage.text, res) + context


def build(folder: Path, res: Resources, files: list[Path] | None = None) -> Index:
    files = corpus_mod.corpus_files(folder) if files is None else files
    loaded = corpus_mod.load_corpus(folder, files)
    found: list[Article] = []
    for source in loaded.files:
        text = res.simplified(source.text)
        for article in articles_mod.split_articles(text, source.path, res.is_word):
            places = article_places(article.title, article.paragraphs, res)
            found.append(article.model_copy(update={"places": places}))
    passages: list[Passage] = []
    kept: dict[str, Article] = {}
    for article, texts in unique_passages(found):
        kept[article.id] = article
        for n, text in enumerate(texts):
            passages.append(Passage(
                id=f"{article.id}:{n}", article_id=article.id, position=n, text=text,
                figures=extract_figures(text),
            ))
    if not passages:
        raise corpus_mod.CorpusError(f"no article text found in {folder}")
    doc_tokens = [passage_tokens(p, kept[p.article_id], res) for p in passages]
    stats = CorpusStats(
        files=len(loaded.files), articles=len(kept), passages=len(passages),
        replaced_bytes=loaded.replaced_bytes, skipped_files=tuple(loaded.skipped),
        indexed_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        fingerprint=corpus_mod.fingerprint(files, folder),
    )
    return Index(
        key="", stats=stats, articles=kept, passages=passages, bm25=Bm25(doc_tokens),
        doc_tokens=doc_tokens,
    )


def cache_path(folder: Path) -> Path:
    name = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:12]
    return cache_dir() / f"index-{name}.pkl"


def save(index: Index, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            pickle.dump(index, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(path: Path) -> Index:
    with path.open("rb") as f:
        index = pickle.load(f)
    if not isinstance(index, Index):
        raise ValueError("not a ganwen index")
    return index


def open_index(
    folder: Path, res: Resources, notice: Notice = lambda _: None, *, rebuild: bool = False
) -> Index:
    """The index of ``folder``: from the cache when it is current, else built and cached."""
    files = corpus_mod.corpus_files(folder)
    key = f"{code_version()}:{corpus_mod.fingerprint(files, folder)}"
    path = cache_path(folder)
    if path.exists() and not rebuild:
        try:
            index = load(path)
        except Exception as exc:  # any unreadable cache is rebuilt, whatever broke it
            notice(f"index cache {path} is unreadable ({type(exc).__name__}); rebuilding")
        else:
            if index.key == key:
                return index
            notice("corpus or ganwen changed since the index was built; rebuilding")
    index = build(folder, res, files)
    index.key = key
    try:
        save(index, path)
    except OSError as exc:
        notice(f"could not cache the index at {path}: {exc.strerror or exc}")
    return index
