"""The compiled query kernel for large indexes: sum the query terms' postings and keep the top
k in a heap, in one pass each, with numba.

At a million passages a question's terms have ~600,000 postings; numpy's scatter-add and
selection over them cost ~4 ms, as much as the rest of answering. Compiled loops do it in about
a millisecond (the same loops bm25s compiles; it then ranks all N documents, this only the
touched ones).

A query runs on one thread unless its postings are long enough (:data:`POSTINGS_PER_THREAD`
each) to pay for more: at a million passages two threads saved nothing on a quiet machine and
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


_one_block = njit(cache=True, nogil=True)(_blocks_py)  # prange runs as range: no thread pool
_blocks = njit(cache=True, nogil=True, parallel=True)(_blocks_py)


class _Launch:
    """Whether parallel kernels may be launched from several Python threads at once. numba's
    OpenMP and TBB threading layers allow it; its fallback ``workqueue`` layer aborts the
    process on a concurrent launch, so there launches take turns. Which layer numba picked is
    known only after the first launch, which therefore runs alone."""

    lock = threading.Lock()
    concurrent = False


def top_k(data, indices, indptr, terms, weights, acc, touched, k):
    """Documents and scores of the k best (unordered), over one block of documents per thread;
    ``acc`` (scores) and ``touched`` are scratch arrays of the number of documents, ``acc`` left
    all zero. Safe to call from several threads, each with scratch arrays of its own."""
    postings = int((indptr[terms + 1] - indptr[terms]).sum())
    blocks = min(get_num_threads(), postings // POSTINGS_PER_THREAD)
    if blocks <= 1:
        docs, scores = _one_block(data, indices, indptr, terms, weights, acc, touched, k, 1)
        return docs[0][docs[0] >= 0], scores[0][docs[0] >= 0]
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
