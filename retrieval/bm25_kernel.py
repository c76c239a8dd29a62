"""The compiled kernels for large indexes, with numba: the query's (sum the query terms'
postings and keep the top k in a heap, in one pass each) and the build's (count every term's
documents by a counting sort and weigh them: :func:`postings`, :func:`weights`).

At a million passages a question's terms have ~600,000 postings; numpy's scatter-add and
selection over them cost ~4 ms, as much as the rest of answering. Compiled loops do it in about
a millisecond (the same loops bm25s compiles; it then ranks all N documents, this only the
touched ones).

A query runs on one thread, by MaxScore (:func:`_maxscore`), unless its postings are long enough
(:data:`POSTINGS_PER_THREAD` each) to pay for more: at a million passages two threads saved nothing on a quiet machine and
cost 20× on a busy one, where a thread waits for a core another process holds. Then each thread
takes a range of documents, finds its part of each posting list by bisection, and keeps its own
top k; OpenMP's threads sleep between queries instead of spinning (``OMP_WAIT_POLICY``), so an
idle bot burns no core. This module, and so
numba, is imported only for an index that large (its import and the cached compiled code cost
~0.3 s at start-up), and its compiled code is cached in ganwen's cache folder, so only the
first run on a machine compiles.
"""

from __future__ import annotations

import os
import threading

import numpy as np

from .resources import cache_dir

os.environ.setdefault("NUMBA_CACHE_DIR", str(cache_dir() / "numba"))
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # read by OpenMP when numba starts it

POSTINGS_PER_THREAD = 2_000_000  # a query's postings that pay for one more thread

from numba import get_num_threads, njit, prange, threading_layer  # noqa: E402  (numba reads NUMBA_CACHE_DIR at import)


@njit(cache=True, nogil=True)
def _better(s1, d1, s2, d2):  # pragma: no cover - compiled
    return s1 > s2 or (s1 == s2 and d1 < d2)


@njit(cache=True, nogil=True)
def _lower_bound(indices, lo, hi, doc):  # pragma: no cover - compiled
    while lo < hi:
        mid = (lo + hi) // 2
        if indices[mid] < doc:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _blocks_py(data, indices, indptr, terms, weights, acc, touched, k, blocks):  # pragma: no cover
    """Each thread sums the postings of its own range of documents (so no two write the same
    score) and keeps that range's top k; returns every block's heap, to be merged."""
    n_docs = acc.shape[0]
    size = (n_docs + blocks - 1) // blocks
    out_d = np.full((blocks, k), -1, np.int64)
    out_s = np.zeros((blocks, k), np.float32)
    for b in prange(blocks):
        first = b * size
        last = min(n_docs, first + size)
        n = first  # this block's part of ``touched`` starts at its first document
        for j in range(len(terms)):
            t = terms[j]
            w = weights[j]
            # postings are in document order: this block's run of them, by bisection
            start = _lower_bound(indices, indptr[t], indptr[t + 1], first)
            end = _lower_bound(indices, start, indptr[t + 1], last)
            for p in range(start, end):
                d = indices[p]
                touched[n] = d
                n += acc[d] == 0.0  # branch-free: a first visit keeps its place in ``touched``
                acc[d] += data[p] * w
        docs, scores = _select(acc, touched[first:n], n - first, k)
        out_d[b, :len(docs)] = docs
        out_s[b, :len(docs)] = scores
    return out_d, out_s


_blocks = njit(cache=True, nogil=True, parallel=True)(_blocks_py)


@njit(cache=True, nogil=True)
def _kth(acc, touched, n, k):  # pragma: no cover - compiled
    """The k-th best score among the n touched documents, by a heap of the k best whose root
    is the worst kept (one pass; numba's np.partition sorts)."""
    heap = np.empty(k, np.float32)
    size = 0
    for i in range(n):
        s = acc[touched[i]]
        if size < k:
            j = size
            size += 1
            while j > 0 and heap[(j - 1) // 2] > s:
                heap[j] = heap[(j - 1) // 2]
                j = (j - 1) // 2
            heap[j] = s
        elif s > heap[0]:
            j = 0
            while True:
                child = 2 * j + 1
                if child >= k:
                    break
                if child + 1 < k and heap[child + 1] < heap[child]:
                    child += 1
                if heap[child] >= s:
                    break
                heap[j] = heap[child]
                j = child
            heap[j] = s
    return heap[0]


@njit(cache=True, nogil=True)
def _keep_reachable(acc, touched, n, bar):  # pragma: no cover - compiled
    """Keep at the front of ``touched`` the documents scoring at least ``bar``, clearing the
    others' scores; returns how many are kept."""
    kept = 0
    for i in range(n):
        d = touched[i]
        if acc[d] >= bar:
            touched[kept] = d
            kept += 1
        else:
            acc[d] = 0.0
    return kept


@njit(cache=True, nogil=True)
def _maxscore(data, indices, indptr, terms, weights, left, acc, touched, k):  # pragma: no cover
    """MaxScore (Turtle & Flood 1995) on one thread, as :mod:`retrieval.bm25` runs it in
    numpy: the terms come in order of their largest possible contribution, ``left[j]`` the sum
    of those from the j-th on. Terms are summed whole until the ones left could not lift a
    document none of the summed ones matched past the k-th score found; each term left is then
    looked up only for the documents found that it could still lift that far (by bisection, or
    by a pass over its postings when that is shorter), the documents out of reach dropped
    after each. The exact top k, touching a fraction of the long postings, and how many terms
    were summed whole."""
    n_terms = len(terms)
    rest = 0
    for j in range(n_terms):
        rest += indptr[terms[j] + 1] - indptr[terms[j]]
    n, seen, taken, kth = 0, 0, n_terms, 0.0
    for j in range(n_terms):
        t, w = terms[j], weights[j]
        for p in range(indptr[t], indptr[t + 1]):
            d = indices[p]
            touched[n] = d
            n += acc[d] == 0.0  # branch-free: a first visit keeps its place in ``touched``
            acc[d] += data[p] * w
        length = indptr[t + 1] - indptr[t]
        seen += length
        rest -= length
        # Checking costs a pass over the candidates: worth it only while the postings left
        # are longer than those already summed.
        if j + 1 < n_terms and n >= k and rest > seen:
            kth = _kth(acc, touched, n, k)
            if left[j + 1] < kth:
                taken = j + 1
                break
    for j in range(taken, n_terms):
        # A document found whose score even with every term left could not reach the k-th
        # is out: its score is cleared, and each term left is looked up for the rest only.
        n = _keep_reachable(acc, touched, n, kth - left[j])
        t, w = terms[j], weights[j]
        start, end = indptr[t], indptr[t + 1]
        if n * np.log2(end - start + 1) < end - start:
            for i in range(n):
                d = touched[i]
                p = _lower_bound(indices, start, end, d)
                if p < end and indices[p] == d:
                    acc[d] += data[p] * w
        else:  # documents not found, or out, have a score of 0 and are passed over
            for p in range(start, end):
                d = indices[p]
                if acc[d] != 0.0:
                    acc[d] += data[p] * w
        if j + 1 < n_terms:
            kth = _kth(acc, touched, n, k)
    docs, scores = _select(acc, touched[:n], n, k)
    return docs, scores, taken


class _Launch:
    """Whether parallel kernels may be launched from several Python threads at once. numba's
    OpenMP and TBB threading layers allow it; its fallback ``workqueue`` layer aborts the
    process on a concurrent launch, so there launches take turns. Which layer numba picked is
    known only after the first launch, which therefore runs alone."""

    lock = threading.Lock()
    concurrent = False


def top_k(data, indices, indptr, terms, weights, acc, touched, k, upper):
    """Documents and scores of the k best (unordered): by MaxScore on one thread, or over one
    block of documents per thread when the postings are long enough; ``acc`` (scores) and
    ``touched`` are scratch arrays of the number of documents, ``acc`` left all zero; ``upper``
    each term's largest weight. Safe to call from several threads, each with scratch arrays of
    its own."""
    postings = int((indptr[terms + 1] - indptr[terms]).sum())
    blocks = min(get_num_threads(), postings // POSTINGS_PER_THREAD)
    if blocks <= 1:
        bounds = upper[terms].astype(np.float64) * weights
        order = np.argsort(-bounds, kind="stable")
        left = np.cumsum(bounds[order][::-1])[::-1].copy()
        docs, scores, _ = _maxscore(data, indices, indptr, terms[order], weights[order], left,
                                    acc, touched, k)
        return docs, scores
    args = (data, indices, indptr, terms, weights, acc, touched, k, blocks)
    if _Launch.concurrent:
        docs, scores = _blocks(*args)
    else:
        with _Launch.lock:
            docs, scores = _blocks(*args)
            _Launch.concurrent = threading_layer() != "workqueue"
    keep = docs.ravel() >= 0
    return docs.ravel()[keep], scores.ravel()[keep]


@njit(cache=True, nogil=True)
def _select(acc, touched, n, k):  # pragma: no cover - compiled
    """The k best of the touched documents by a heap whose root is the worst kept."""
    heap_s = np.empty(k, np.float32)
    heap_d = np.empty(k, np.int64)
    size = 0
    for i in range(n):
        d = touched[i]
        s = acc[d]
        acc[d] = 0.0
        if size < k:  # sift up
            j = size
            size += 1
            while j > 0:
                parent = (j - 1) // 2
                if not _better(heap_s[parent], heap_d[parent], s, d):
                    break
                heap_s[j] = heap_s[parent]
                heap_d[j] = heap_d[parent]
                j = parent
            heap_s[j] = s
            heap_d[j] = d
        elif _better(s, d, heap_s[0], heap_d[0]):  # replace the worst, sift down
            j = 0
            while True:
                child = 2 * j + 1
                if child >= size:
                    break
                if child + 1 < size and _better(heap_s[child], heap_d[child],
                                                heap_s[child + 1], heap_d[child + 1]):
                    child += 1
                if not _better(s, d, heap_s[child], heap_d[child]):
                    break
                heap_s[j] = heap_s[child]
                heap_d[j] = heap_d[child]
                j = child
            heap_s[j] = s
            heap_d[j] = d
    return heap_d[:size], heap_s[:size]


@njit(cache=True, nogil=True)
def postings(flat, offsets, n_vocab):  # pragma: no cover - compiled
    """Every (term, document) pair of the documents ``flat[offsets[d]:offsets[d + 1]]``,
    counted, term by term and within a term document by document: (documents, their term
    frequencies, each term's document frequency). A counting sort, in two passes over the
    tokens; sorting them all (numpy's way) took 15 s at a million passages."""
    n_docs = offsets.shape[0] - 1
    starts = np.zeros(n_vocab + 1, np.int64)
    for i in range(offsets[0], offsets[n_docs]):
        starts[flat[i] + 1] += 1
    for t in range(n_vocab):
        starts[t + 1] += starts[t]
    docs = np.empty(starts[n_vocab], np.int32)
    fill = starts[:n_vocab].copy()
    for d in range(n_docs):  # documents in order: each term's come out in order
        for i in range(offsets[d], offsets[d + 1]):
            t = flat[i]
            docs[fill[t]] = d
            fill[t] += 1
    # A document holding a term twice stands twice in a row: kept once, with its count. The
    # pairs are written over the tokens (never ahead of the one being read).
    tf = np.empty(starts[n_vocab], np.int32)
    df = np.zeros(n_vocab, np.int64)
    n = 0
    for t in range(n_vocab):
        previous = -1
        for j in range(starts[t], starts[t + 1]):
            d = docs[j]
            if d != previous:
                docs[n] = d
                tf[n] = 1
                n += 1
                df[t] += 1
                previous = d
            else:
                tf[n - 1] += 1
    return docs[:n], tf[:n], df


@njit(cache=True, nogil=True)
def weights(docs, tf, df, idf, norm, k1):  # pragma: no cover - compiled
    """Each pair's BM25 weight, as :meth:`retrieval.bm25.Bm25.build` computes it with numpy
    (the same float64 operations in the same order, so the same float32 values), without
    numpy's arrays of a term and a float per pair."""
    out = np.empty(docs.shape[0], np.float32)
    j = 0
    for t in range(df.shape[0]):
        for _ in range(df[t]):
            f = np.float64(tf[j])
            out[j] = np.float32(idf[t] * (f * (k1 + 1)) / (f + norm[docs[j]]))
            j += 1
    return out


@njit(cache=True, nogil=True)
def exact(data, indices, indptr, terms, times, docs):  # pragma: no cover - compiled
    """Each of ``docs``' score summed in float64, term by term in the order of ``terms`` (each
    weight times its ``times``): the same bits wherever these weights are (see Bm25.top)."""
    out = np.zeros(len(docs), np.float64)
    for j in range(len(terms)):
        t = terms[j]
        lo, hi = indptr[t], indptr[t + 1]
        for i in range(len(docs)):
            at = _lower_bound(indices, lo, hi, docs[i])
            if at < hi and indices[at] == docs[i]:
                out[i] += np.float64(data[at]) * times[j]
    return out
