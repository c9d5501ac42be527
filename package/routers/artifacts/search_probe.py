"""Reading the trigram posting lists for a query: the candidate ids a regex search then checks.

Rarest list first without counts, reading on only while a list still pays for itself (search_db owns the
index's writes and its documents; this module only reads `TRI#<trigram>` partitions)."""

from __future__ import annotations

from package.core.storage import Storage
from package.routers.artifacts.text_index import Query

POSTING = "TRI#"
FIRST_PAGE = 64  # postings first read per trigram; then 8 times more, until some trigram's list is complete
ENOUGH = 64  # candidates so few that checking them beats reading more postings
POSTINGS_PER_CANDIDATE = 4  # postings read to rule out one candidate cost about what checking it does
SAMPLE_POSTINGS = 256  # postings of a list read where the lists overlap before it may be judged useless


Probed = dict[str, tuple[set[str], bool, str | None]]  # per trigram: ids read, all of them?, the last one


def evaluate(storage: Storage, query: Query, cache: Probed | None = None) -> set[str]:
    """Ids posted under the query's formula; may keep more ids than it must (they are checked after)."""
    cache = {} if cache is None else cache
    result = _intersect(storage, sorted(query.trigrams), cache)
    for group in query.any_of:
        if result is not None and len(result) <= ENOUGH:
            break
        union: set[str] = set()
        for choice in group:
            union |= evaluate(storage, choice, cache)
        result = union if result is None else result & union
    assert result is not None  # a query that is not ALL has a trigram or a group
    return result


def _intersect(storage: Storage, trigrams: list[str], cache: Probed) -> set[str] | None:
    """The ids posted under every trigram, or a superset of them; None for no trigrams.

    Rarest first without counts: read a short page of every posting list, then longer ones, until some
    lists are complete; their intersection, narrowed by what was read of the others, is the answer. While
    it is large, the other lists are read on as long as that costs less than checking the candidates they
    could rule out (a posting is a small read; a candidate costs its document and maybe its README): they
    may complete and narrow it. A list that, where the lists read overlap, rules out almost nothing the
    others hold (`bert`: nearly every text with 'ber' has 'ert') stops being read before any completes.
    """
    limit, reading = FIRST_PAGE, list(trigrams)
    while reading:
        probes = [_probe(storage, t, limit, cache)[:2] for t in reading]
        complete = sorted((ids for ids, done in probes if done), key=len)
        limit *= 8
        if complete:
            result = complete[0]
            for ids in complete[1:]:
                result = result & ids
            budget = POSTINGS_PER_CANDIDATE * len(result)
            if len(complete) == len(reading) or len(result) <= ENOUGH or budget <= limit // 8:
                return _narrowed(result, trigrams, cache)
            limit = min(limit, budget)
        elif len(reading) > 1 and (idle := _least_useful(reading, cache)) is not None:
            reading.remove(idle)
    return None


def _least_useful(reading: list[str], cache: Probed) -> str | None:
    """The list whose reading costs more than the candidates it rules out, judged where every list's
    read part overlaps (ids sort the same in each), or None while each pays or too little is read."""
    overlap = min(str(cache[t][2]) for t in reading)
    held = {t: {i for i in cache[t][0] if i <= overlap} for t in reading}
    worst: tuple[float, str] | None = None
    for trigram in reading:
        others = set.intersection(*(held[t] for t in reading if t != trigram))
        cost, ruled_out = len(held[trigram]), len(others - held[trigram])
        if cost >= SAMPLE_POSTINGS and ruled_out * POSTINGS_PER_CANDIDATE < cost:
            ratio = ruled_out / cost
            worst = (ratio, trigram) if worst is None or ratio < worst[0] else worst
    return None if worst is None else worst[1]


def _narrowed(result: set[str], trigrams: list[str], cache: Probed) -> set[str]:
    """The candidates, less those a partly read list shows it lacks (ids it passed without holding)."""
    for trigram in trigrams:
        ids, done, last = cache[trigram]
        if not done and last is not None:
            result = {i for i in result if i > last or i in ids}
    return result


def _probe(storage: Storage, trigram: str, limit: int, cache: Probed) -> tuple[set[str], bool, str | None]:
    """At least `limit` ids posted under a trigram (or all), whether that is all of them, the last read.

    A longer probe of the same trigram reads on from where the last one stopped, never from the start.
    """
    ids, done, last = cache.get(trigram, (set(), False, None))
    if not done and len(ids) < limit:
        wanted = limit - len(ids)
        page = storage.records.key_page(POSTING + trigram, after=last, limit=wanted)
        ids = ids.union(page)
        done, last = len(page) < wanted, page[-1] if page else last
        cache[trigram] = (ids, done, last)
    return ids, done, last
