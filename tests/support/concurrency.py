"""Run the same work in several threads at the same moment, for the tests of locks and constraints.

Each thread has its own database connection (Django opens one per thread), so the calls really race
the way two requests do; the tests that use this need `django_db(transaction=True)`, because row
locks and deferred constraints only act at a real commit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection

_UNFINISHED = object()


class Race:
    """work(0) … work(count - 1), each in a thread of its own, released together by a barrier.

    `outcomes()` waits for them and gives, in index order, what each call returned or, for the
    errors listed in `refusals` (the ones a losing call is expected to raise), the exception itself.
    Any other error is raised there, so it fails the test with its own traceback instead of dying
    quietly in its thread.
    """

    def __init__(
        self,
        count: int,
        work: Callable[[int], object],
        *,
        refusals: tuple[type[Exception], ...] = (),
        timeout: float = 60,
    ):
        self._start = threading.Barrier(count)
        self._work = work
        self._refusals = refusals
        self._timeout = timeout
        self._outcomes: list = [_UNFINISHED] * count
        self._threads = [threading.Thread(target=self._run, args=(index,)) for index in range(count)]
        for thread in self._threads:
            thread.start()

    def _run(self, index: int):
        try:
            self._start.wait(timeout=self._timeout)
            self._outcomes[index] = self._work(index)
        except Exception as error:  # judged in outcomes(), in the test's thread
            self._outcomes[index] = error
        finally:
            # A thread's connection left open would keep the test database busy when it is dropped.
            connection.close()

    def finished(self) -> int:
        """How many calls have returned or raised so far."""
        return sum(outcome is not _UNFINISHED for outcome in self._outcomes)

    def outcomes(self) -> list:
        for thread in self._threads:
            thread.join(timeout=self._timeout)
        assert self.finished() == len(self._outcomes), f"a thread still ran after {self._timeout} s"
        for outcome in self._outcomes:
            if isinstance(outcome, Exception) and not isinstance(outcome, self._refusals):
                raise outcome
        return list(self._outcomes)


def run_together(
    count: int,
    work: Callable[[int], object],
    *,
    refusals: tuple[type[Exception], ...] = (),
    timeout: float = 60,
) -> list:
    """Race work(0) … work(count - 1) and wait for them: see Race."""
    return Race(count, work, refusals=refusals, timeout=timeout).outcomes()
