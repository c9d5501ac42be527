"""The process's rating machinery: one computation per model at a time, invalidation, background jobs, stats.

- Single flight: concurrent requests for the same model's rating share one computation.
- Epochs: every invalidation of a model bumps its epoch; a computation stores its result only if the epoch it
  started under is still current, so a rating computed from inputs that changed meanwhile is never cached.
- Background jobs run on a small pool (`REGISTRY_RATING_WORKERS`); the health domain reads their stats.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from package.routers.rating.interface import RatingPipelineStats, RatingReport

logger = logging.getLogger("registry.rating")
FAILURE_WINDOW_SECONDS = 3600.0


class RatingPipeline:
    """Single-flight computations, epochs and background jobs of one process."""

    def __init__(self, workers: int) -> None:
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rating-job")
        # Ratings computed for a request are stored here after the answer (one thread: a write each).
        self._stores = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rating-store")
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._inflight: dict[tuple[str, int], Future[RatingReport]] = {}
        self._watched: dict[str, Any] = {}
        self._epochs: dict[str, int] = {}
        self._queued = 0
        self._storing = 0  # ratings answered and not yet stored
        self._running = 0
        self._completed = 0
        self._failures: deque[float] = deque()
        self._last_error: str | None = None
        self._last_rated_at: str | None = None
        self._local = threading.local()  # stores a thread holds until its `stores_after` block ends

    # ----- epochs ----------------------------------------------------------------------------------
    def epoch(self, artifact_id: str) -> int:
        """The model's current epoch."""
        with self._lock:
            return self._epochs.get(artifact_id, 0)

    def invalidate(self, artifact_id: str) -> None:
        """Make every computation of this model that is under way unfit to be stored."""
        with self._lock:
            self._epochs[artifact_id] = self._epochs.get(artifact_id, 0) + 1

    def watched(self) -> dict[str, Any]:
        """What each model being computed now reads (its references), by model id."""
        with self._lock:
            return dict(self._watched)

    def store_if_current(self, artifact_id: str, epoch: int, store: Callable[[], None]) -> bool:
        """Run `store` unless the model was invalidated since `epoch`; whether it ran."""
        with self._lock:
            if self._epochs.get(artifact_id, 0) != epoch:
                return False
            store()
            return True

    # ----- single flight ---------------------------------------------------------------------------
    def compute(
        self,
        artifact_id: str,
        compute: Callable[[int], RatingReport],
        *,
        watch: Any = None,
        store: Callable[[RatingReport, int], None] | None = None,
        later: bool = False,
    ) -> RatingReport:
        """The model's rating from the computation under way for its current epoch, or a new one, stored
        by `store` (with `later`: after it is answered, on the store thread).

        Until it is stored the computation stays under way: a request for the model meanwhile joins it
        rather than compute it again, and what it reads stays watched."""
        with self._lock:
            epoch = self._epochs.get(artifact_id, 0)
            key = (artifact_id, epoch)
            future = self._inflight.get(key)
            owner = future is None
            if future is None:
                future = Future()
                self._inflight[key] = future
                if watch is not None:
                    self._watched[artifact_id] = watch
        if not owner:
            return future.result()
        try:
            report = compute(epoch)
            if store is not None and not later:
                store(report, epoch)
        except BaseException as exc:
            future.set_exception(exc)
            self._done(key, watch)
            raise
        future.set_result(report)
        self._note_rated()
        if store is not None and later:
            self._store_later(lambda: store(report, epoch), key, watch)
        else:
            self._done(key, watch)
        return report

    def _done(self, key: tuple[str, int], watch: Any) -> None:
        with self._lock:
            self._inflight.pop(key, None)
            if self._watched.get(key[0]) is watch:
                self._watched.pop(key[0], None)

    @contextmanager
    def stores_after(self) -> Iterator[None]:
        """Ratings this thread answers in the block go to the store thread when the block ends, not at once:
        the store's CPU work would otherwise compete with the rest of the request for the interpreter lock
        (a thread that releases it, even for a system call, waits for the store to give it back)."""
        held: list[Callable[[], None]] | None = getattr(self._local, "held", None)
        if held is not None:  # nested: the outer block hands them over
            yield
            return
        self._local.held = []
        try:
            yield
        finally:
            self._release()

    def _release(self) -> None:
        """Hand this thread's held stores to the store thread."""
        held: list[Callable[[], None]] = getattr(self._local, "held", None) or []
        self._local.held = None
        for submit in held:
            submit()

    def _store_later(self, store: Callable[[], None], key: tuple[str, int], watch: Any) -> None:
        """Run `store` on the store thread (counted as a job: `wait_idle` waits for it), then end the
        computation; at once in this thread if the pipeline is shutting down. Inside `stores_after`, it is
        counted now and handed over at the block's end."""
        with self._lock:
            self._queued += 1
            self._storing += 1

        def run() -> None:
            with self._lock:
                self._queued -= 1
                self._running += 1
            try:
                store()
            except Exception as exc:
                self.note_failure(f"storing the rating of {key[0]}: {exc}")
                logger.warning("storing a rating failed", extra={"artifact_id": key[0], "error": str(exc)})
            finally:
                self._done(key, watch)
                with self._lock:
                    self._running -= 1
                    self._storing -= 1
                    self._idle.notify_all()

        def submit() -> None:
            try:
                self._stores.submit(run)
            except RuntimeError:  # shut down: nothing runs later any more
                run()

        held: list[Callable[[], None]] | None = getattr(self._local, "held", None)
        if held is not None:
            held.append(submit)
        else:
            submit()

    # ----- background jobs -------------------------------------------------------------------------
    def submit(self, job: Callable[[], None], *, what: str) -> None:
        """Run `job` on the background pool; its failure is counted and logged, never raised."""
        with self._lock:
            self._queued += 1
        self._executor.submit(self._job(job, what))

    def submit_paced(self, jobs: Sequence[tuple[Callable[[], None], str]], *, window: int) -> None:
        """Run `jobs` on the background pool, at most `window` handed to it at a time, fed by a thread.

        For a start-up resuming a large registry: 100,000 jobs handed over at once cost a pool work item
        (future, lock, condition) each, about 1 GB, before the first one runs. All count as queued at once,
        so `wait_idle` waits for the last; a shut-down pool drops what is left."""
        if not jobs:
            return
        with self._lock:
            self._queued += len(jobs)
        room = threading.BoundedSemaphore(window)

        def feed() -> None:
            for index, (job, what) in enumerate(jobs):
                room.acquire()
                try:
                    self._executor.submit(self._job(job, what, room.release))
                except RuntimeError:  # shut down: nothing more runs
                    with self._lock:
                        self._queued -= len(jobs) - index
                        self._idle.notify_all()
                    return

        threading.Thread(target=feed, name="rating-resume-feed", daemon=True).start()

    def _job(
        self, job: Callable[[], None], what: str, after: Callable[[], None] | None = None
    ) -> Callable[[], None]:
        """`job` as the pool runs it: counted from queued to running to done, a failure logged."""

        def run() -> None:
            with self._lock:
                self._queued -= 1
                self._running += 1
            try:
                job()
            except Exception as exc:
                self.note_failure(f"{what}: {exc}")
                logger.warning("background rating failed", extra={"job": what, "error": str(exc)})
            finally:
                with self._lock:
                    self._running -= 1
                    self._idle.notify_all()
                if after is not None:
                    after()

        return run

    def wait_idle(self, timeout: float) -> bool:
        """Block until no job is queued or running; False on timeout."""
        self._release()
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._queued or self._running:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def wait_stored(self, timeout: float = 10.0) -> bool:
        """Block until the ratings answered before now are stored (readers of stored ratings call it first,
        so they see this process's own); False on time-out."""
        self._release()  # this thread's own held stores first (they would wait for it)
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._storing:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def shutdown(self, *, wait: bool = False) -> None:
        """Stop accepting jobs; queued ones are dropped, running ones finish (waited for with `wait`).

        Ratings waiting to be stored are stored first (they are answered already)."""
        self._stores.shutdown(wait=True)
        self._executor.shutdown(wait=wait, cancel_futures=True)

    # ----- stats -----------------------------------------------------------------------------------
    def note_failure(self, message: str) -> None:
        """Count a failed rating (for health)."""
        with self._lock:
            self._failures.append(time.monotonic())
            self._last_error = message[:500]

    def _note_rated(self) -> None:
        with self._lock:
            self._completed += 1
            self._last_rated_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")

    def stats(self) -> RatingPipelineStats:
        """Queue depth, running jobs, recent failures and the last rating's time."""
        with self._lock:
            horizon = time.monotonic() - FAILURE_WINDOW_SECONDS
            while self._failures and self._failures[0] < horizon:
                self._failures.popleft()
            return RatingPipelineStats(
                queue_depth=self._queued,
                running=self._running,
                recent_failures=len(self._failures),
                last_error=self._last_error,
                last_rated_at=self._last_rated_at,
                completed=self._completed,
            )

    def forget(self) -> None:
        """Drop epochs (after a registry reset: no model is left to invalidate)."""
        with self._lock:
            self._epochs.clear()
