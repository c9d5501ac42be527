"""Is a server's memory flat? A slope over resident-memory readings taken once per round of load."""

from __future__ import annotations

FLAT_MIB_PER_ROUND = 1.0  # growth per round below this, once warm, is noise (page cache, arenas settling)


def rss_slope(rss: list[float]) -> float:
    """MiB per round over the later half of the readings (least squares): growth once warm, not warm-up."""
    tail = rss[len(rss) // 2 :] if len(rss) >= 4 else rss
    n = len(tail)
    if n < 2:
        return 0.0
    middle, mean = (n - 1) / 2, sum(tail) / n
    return sum((x - middle) * (y - mean) for x, y in enumerate(tail)) / sum(
        (x - middle) ** 2 for x in range(n)
    )


def memory_flat(rss: list[float]) -> str:
    """The verdict line on a series of resident-memory readings, one per round."""
    slope = rss_slope(rss)
    return f"memory flat: {'yes' if slope <= FLAT_MIB_PER_ROUND else 'no'} ({slope:+.2f} MiB/round)"
