"""Is a server's memory flat? A slope over resident-memory readings taken once per round of load."""

from __future__ import annotations

from pathlib import Path

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


# The verdict of bench/download_memory.py: growth per 1,000 downloads over every round after the first (the
# first warms threads, connections, caches and arenas up). Below 1 MiB per 1,000 (1 KiB a download) is what a
# fit over 9,000 downloads cannot tell from the allocator's own movement between readings under load (a bare
# granian serving one file moved +-5 MiB; its slopes were -0.3 to +1.0). Fitting only the later half of the
# rounds swung by +-1.5 MiB per 1,000 between runs of the same code, fewer points for the same noise.
FLAT_MIB_PER_1000 = 1.0
_SMAPS_FIELDS = ("Rss", "Pss", "Anonymous", "Private_Clean", "Private_Dirty")


def tree_pids(pid: int) -> list[int]:
    """A process and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += children.get(current, [])
    return found


def tree_memory_mib(pid: int) -> dict[str, float]:
    """A process tree's memory from /proc/<pid>/smaps_rollup, MiB, summed over its processes.

    rss: resident, shared library pages counted once per process; anon: anonymous memory (heaps, malloc
    arenas, SQLite caches, thread stacks): the processes' own, what a leak grows; file: resident file-backed
    pages (libraries, mapped files such as SQLite's -shm and prometheus' multiprocess files); uss: private
    to each process (freed if it exited).
    """
    kib = dict.fromkeys(_SMAPS_FIELDS, 0)
    for current in tree_pids(pid):
        try:
            lines = Path(f"/proc/{current}/smaps_rollup").read_text().splitlines()
        except OSError:
            continue
        for line in lines:
            name, _, rest = line.partition(":")
            if name in kib:
                kib[name] += int(rest.split()[0])
    mib = {name: value / 1024 for name, value in kib.items()}
    return {
        "rss": round(mib["Rss"], 1),
        "anon": round(mib["Anonymous"], 1),
        "file": round(mib["Rss"] - mib["Anonymous"], 1),
        "uss": round(mib["Private_Clean"] + mib["Private_Dirty"], 1),
        "pss": round(mib["Pss"], 1),
    }


def warm_start(readings: list[float]) -> int:
    """Index of the first reading of the fit: the one after round 1 (readings[i] follows round i)."""
    return 1 if len(readings) > 1 else 0


def slope_per_1000(readings: list[float], downloads_per_round: int) -> float:
    """MiB per 1,000 downloads (least squares) over the rounds after the first: growth once warm.

    readings[0] is taken after one warm-up download, readings[i] after round i.
    """
    warm = readings[warm_start(readings) :]
    n = len(warm)
    if n < 2 or downloads_per_round < 1:
        return 0.0
    middle, mean = (n - 1) / 2, sum(warm) / n
    per_round = sum((x - middle) * (y - mean) for x, y in enumerate(warm)) / sum(
        (x - middle) ** 2 for x in range(n)
    )
    return per_round * 1000 / downloads_per_round


def flat_verdict(readings: list[float], downloads_per_round: int) -> str:
    """The verdict line: flat or not, the slope per 1,000 downloads, and which downloads it spans."""
    slope = slope_per_1000(readings, downloads_per_round)
    span = max(0, len(readings) - 1 - warm_start(readings)) * downloads_per_round
    total = max(0, len(readings) - 1) * downloads_per_round
    flat = "yes" if slope < FLAT_MIB_PER_1000 else "no"
    return (
        f"memory flat: {flat} ({slope:+.2f} MiB per 1,000 downloads over the last {span:,} of {total:,}; "
        f"flat below {FLAT_MIB_PER_1000:.0f})"
    )
