"""Reference expectations per lab version and learner seed, computed ahead of the submit.

Grading compares a learner's observed values with what the lab's reference solution
observes for the same seed. Computing that takes as long as running the notebook, so it is
started when the learner first opens the lab (``prepare``, at low priority: one thread, and
never more than one run per lab version and seed at a time), and a submit that finds it
missing starts it beside the learner's run instead of before it (``start``). Either way
Submit → result costs about one notebook run, not two.

Only complete references are kept (a failed run raises NotGradable to every waiter and is
forgotten, so the next attempt tries again).

Distributed, each grading worker keeps its own, and all of them share what any computed
through a ``SharedReferences`` store in Redis: the web process asks a worker to compute a
learner's reference when they open the lab (a task below every grade in priority), and the
worker that later grades their submission finds it there.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, InvalidStateError, ThreadPoolExecutor

from itsdangerous import BadSignature, Signer

from app.content.labs import Lab
from app.sandbox.executor import Executor
from app.services import lab_grading

logger = logging.getLogger(__name__)
Key = tuple[str, str, int]  # lab id, lab version, seed


class SharedReferences:
    """Complete references in Redis, for every grading process of a site to share.

    Values are JSON (what the reference observed: numbers, text, lists), never pickled,
    signed with the site's secret key (a value anyone else wrote to Redis is not used: it
    would decide grades), and kept for *keep_seconds*. Redis being away is no error: the
    caller computes the reference itself, as it would have without the store.
    """

    def __init__(
        self, client, *, prefix: str, secret: str, keep_seconds: int = 7 * 24 * 3600
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.signer = Signer(secret, salt="shopfloor reference values")
        self.keep_seconds = keep_seconds

    def _name(self, key: Key, kind: str = "values") -> str:
        lab_id, version, seed = key
        return f"{self.prefix}{kind}:{lab_id}:{version}:{seed}"

    def get(self, key: Key) -> dict | None:
        try:
            text = self.client.get(self._name(key))
        except Exception as exc:  # noqa: BLE001 - Redis away: compute here instead
            logger.warning("shared references unavailable: %s", type(exc).__name__)
            return None
        if text is None:
            return None
        try:
            return json.loads(self.signer.unsign(text))
        except (BadSignature, ValueError):
            logger.warning("shared reference of %s for seed %s is not this site's; ignored",
                           *key[::2])  # fmt: skip
            return None

    def put(self, key: Key, values: dict) -> None:
        try:
            text = self.signer.sign(json.dumps(values).encode())
            self.client.set(self._name(key), text, ex=self.keep_seconds)
        except (TypeError, ValueError):
            logger.warning("reference of %s for seed %s is not JSON; kept locally", *key[::2])
        except Exception as exc:  # noqa: BLE001 - Redis away: the next grader computes it
            logger.warning("shared references unavailable: %s", type(exc).__name__)

    def ask_once(self, key: Key, seconds: int) -> bool:
        """True for the first caller within *seconds* that wants *key* computed ahead, and
        only if no process has it already: so a class opening a lab at once asks once."""
        try:
            if self.client.exists(self._name(key)):
                return False
            return bool(self.client.set(self._name(key, "asked"), "1", nx=True, ex=seconds))
        except Exception:  # noqa: BLE001 - Redis away: nobody computes ahead; grading will
            return False


class References:
    def __init__(
        self,
        executor: Executor,
        *,
        keep: int = 5000,
        compute: Callable[[Lab, int], dict] | None = None,
        shared: SharedReferences | None = None,
    ) -> None:
        self.executor = executor
        self.keep = keep
        self.compute = compute or self._run_reference
        self.shared = shared
        self.done: OrderedDict[Key, dict] = OrderedDict()  # newest last
        self.running: dict[Key, Future] = {}  # asked for, not finished
        self.started: set[Key] = set()  # being computed right now
        self.hurried: set[Key] = set()  # handed to the urgent pool too
        self.lock = threading.Lock()
        # Ahead-of-time work: one at a time, so learners' own runs keep the cores.
        self.background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reference")
        # Work a submit is waiting for: never queued behind ahead-of-time work.
        self.urgent = ThreadPoolExecutor(max_workers=2, thread_name_prefix="reference-now")
        self.computed = 0  # runs of a reference solution, for stats and tests

    @staticmethod
    def key(lab: Lab, seed: int) -> Key:
        return (lab.id, lab.version, int(seed))

    def prepare(self, lab: Lab, seed: int) -> None:
        """Compute the reference for *lab* and *seed* in the background, if not yet had."""
        if lab_grading.needs_reference(lab):
            self._future(lab, seed, self.background)

    def start(self, lab: Lab, seed: int) -> Future:
        """The reference for *lab* and *seed*: kept, being computed, or started now."""
        return self._future(lab, seed, self.urgent)

    def get(self, lab: Lab, seed: int, timeout: float | None = None) -> dict:
        return self.start(lab, seed).result(timeout)

    def ready(self, lab: Lab, seed: int) -> bool:
        with self.lock:
            return self.key(lab, seed) in self.done

    def _future(self, lab: Lab, seed: int, pool: ThreadPoolExecutor) -> Future:
        key = self.key(lab, seed)
        with self.lock:
            kept = key in self.done or key in self.running
        if not kept and self.shared is not None:
            found = self.shared.get(key)
            if found is not None:
                with self.lock:
                    self.done[key] = found
                    while len(self.done) > self.keep:
                        self.done.popitem(last=False)
        with self.lock:
            if key in self.done:
                self.done.move_to_end(key)
                return _resolved(self.done[key])
            if key in self.running:
                future = self.running[key]
                # A submit must not wait behind other learners' ahead-of-time work: if its
                # reference has not started yet, the urgent pool computes it now (whichever
                # thread starts first does it; the other finds it started and returns).
                urgent = pool is self.urgent and key not in self.started
                if not urgent or key in self.hurried:
                    return future
                self.hurried.add(key)
            else:
                future = Future()
                self.running[key] = future
                urgent = False
        if urgent:
            self._submit(pool, key, future, lab, seed)
            return future
        if not lab_grading.needs_reference(lab):
            self._finish(key, future, {}, None)
            return future
        self._submit(pool, key, future, lab, seed)
        return future

    def _submit(self, pool, key: Key, future: Future, lab: Lab, seed: int) -> None:
        try:
            pool.submit(self._work, key, future, lab, int(seed))
        except RuntimeError as exc:  # shut down: nobody will compute it
            self._finish(key, future, None, lab_grading.NotGradable(str(exc)))

    def _work(self, key: Key, future: Future, lab: Lab, seed: int) -> None:
        with self.lock:
            if key in self.started or future.done():
                return  # the other pool got to it first
            self.started.add(key)
        values, error = None, lab_grading.NotGradable("the reference run stopped")
        try:
            values, error = self.compute(lab, seed), None
        except lab_grading.NotGradable as exc:
            error = exc
        except Exception as exc:  # an engine failure: not the learner's, tried again later
            logger.exception("reference of %s for seed %s failed", key[0], seed)
            error = lab_grading.NotGradable(f"{type(exc).__name__}")
        finally:  # whatever ended the run (even a BaseException), every waiter is answered
            self._finish(key, future, values, error)
        if error is None and self.shared is not None:
            self.shared.put(key, values)

    def _finish(self, key: Key, future: Future, values, error) -> None:
        with self.lock:
            self.running.pop(key, None)
            self.started.discard(key)
            self.hurried.discard(key)
            if error is None:
                self.done[key] = values
                while len(self.done) > self.keep:
                    self.done.popitem(last=False)
        try:
            if error is None:
                future.set_result(values)
            else:
                future.set_exception(error)
        except InvalidStateError:  # answered already, by close()
            pass

    def _run_reference(self, lab: Lab, seed: int) -> dict:
        with self.lock:
            self.computed += 1
        return lab_grading.reference_values(lab, seed=seed, executor=self.executor)

    def stats(self) -> dict:
        with self.lock:
            return {"references_kept": len(self.done), "references_running": len(self.running)}

    def close(self) -> None:
        """Stop computing; whoever still waits is told the attempt cannot be graded now."""
        self.background.shutdown(wait=False, cancel_futures=True)
        self.urgent.shutdown(wait=False, cancel_futures=True)
        with self.lock:
            waiting, self.running = list(self.running.values()), {}
        for future in waiting:
            with contextlib.suppress(InvalidStateError):
                future.set_exception(lab_grading.NotGradable("the grader stopped"))


def _resolved(values: dict) -> Future:
    future: Future = Future()
    future.set_result(values)
    return future
