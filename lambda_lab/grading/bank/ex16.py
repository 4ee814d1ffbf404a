"""Exercise 16 (after notebook 15): make what must be unique after a SnapStart restore.

``ex16-orders`` takes orders, ``{"items": [...]}``, and answers ``{"order_id": ..., "token": ...,
"total_cents": ..., "prices_loaded_at": ...}``. Its INIT loads a price list (1 s), so it runs with
SnapStart. The starting handler names its environment with a ``uuid4()`` made at import and draws
payment tokens from a ``random.Random()`` seeded at import: every environment restored from one
snapshot has the same id, the same order counter and the same generator, so order ids and tokens
repeat across environments.

The checks deploy the learner's ``SOURCE`` to a function of their own with ``snap_start=True``,
publish it (INIT runs then, once) and place orders in bursts: four orders 0.05 s apart, each held
0.25 s by the payment provider, so that none finds a free environment and at least three are
restored. They compare order ids and tokens across environments, across the calls of one
environment and across versions; they read ``prices_loaded_at`` and each restored call's REPORT
(``Restore Duration``, no ``Init Duration``) to see that the price list is still loaded once, when
the version is published, and that a restore stays fast. The learner's own ``ex16-orders`` must
keep SnapStart on for its published ``VERSION``.
"""

from __future__ import annotations

import contextlib
import time
import uuid
import weakref
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ...errors import LambdaLabError
from ..checks import Fail, exercise

ex16 = exercise("ex16", "Fix the SnapStart uniqueness bug")
FUNCTION = "ex16-orders"
_PRICES = {"latte": 350, "espresso": 250, "tea": 200, "cake": 425}
_ORDERS = (["latte"], ["tea", "cake"], ["espresso", "espresso"], ["latte", "cake", "tea"])
_FIELDS = {"order_id", "token", "total_cents", "prices_loaded_at"}
_GAP_S = 0.05          # four orders within 0.15 s, each held 0.25 s: none finds a free environment
_MIN_RESTORED = 3
_LOAD_MS = 1000        # load_prices() takes a second: a restore or an order that long has loaded it again
_ATTEMPTS = 3
_FRESH = ("make it after the restore: give each environment a new id in an @register_after_restore hook, "
          "or make the order id in the handler (uuid.uuid4().hex)")


def _order(fn, items: list[str], qualifier: str):
    """One order placed with version ``qualifier``; its answer must have the four fields, and the right total."""
    try:
        answer = fn.invoke({"items": items}, qualifier=qualifier)
    except LambdaLabError as refused:
        raise Fail(f"an order {items} to version {qualifier} was refused: {str(refused)[:400]}") from None
    assert not answer.throttled, "an order was throttled (too many at once); run the check again"
    assert answer.error is None, (f"the order {items} failed: {answer.error.get('errorType')}: "
                                  f"{answer.error.get('errorMessage')}"[:400])
    payload = answer.payload
    assert isinstance(payload, dict) and _FIELDS <= set(payload), (
        'answer {"order_id": ..., "token": ..., "total_cents": ..., "prices_loaded_at": ...}; the order '
        f"{items} was answered {payload!r:.150}")
    total = sum(_PRICES[item] for item in items)
    assert payload["total_cents"] == total, (
        f"the order {items} should total {total} cents, as the starting handler says; it answered "
        f"{payload['total_cents']!r:.40}")
    return answer


def _burst(fn, qualifier: str) -> list:
    """Four orders at once (0.05 s apart): each arrives while every environment is busy."""
    def place(k: int):
        time.sleep(k * _GAP_S)
        return _order(fn, _ORDERS[k], qualifier)
    with ThreadPoolExecutor(max_workers=len(_ORDERS)) as pool:
        return list(pool.map(place, range(len(_ORDERS))))


def _restored(answers) -> list:
    return [a for a in answers if a.restore_ms is not None]


def _reclaim(ns) -> None:
    """Move the lab clock past the keep-alive, so the next orders restore new environments."""
    advance = getattr(ns.lab.clock, "advance", None)
    if advance is not None:
        advance(601)


def _delete(ns, name: str) -> None:
    lam = ns.lab.client("lambda")
    with contextlib.suppress(lam.exceptions.ResourceNotFoundException):   # never created: nothing to delete
        lam.delete_function(FunctionName=name)


@dataclass
class _Version:
    """One published version of the checks' own function, and the orders placed with it."""

    number: str
    publish_started: float     # time.time() around publish_version(): INIT ran in between
    published: float
    bursts: list[list] = field(default_factory=list)

    @property
    def answers(self) -> list:
        return [a for burst in self.bursts for a in burst]


@dataclass
class _Measurement:
    function: str
    source: str
    versions: list[_Version] = field(default_factory=list)


# One measurement per lab and SOURCE, shared by the checks that read it: deploying, publishing
# (INIT takes a second) and two bursts cost seconds, and the checks ask different questions of the
# same orders. A changed SOURCE is measured again; a failed measurement is not kept.
_MEASURED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _publish(ns, measurement: _Measurement, *, bursts: int) -> _Version:
    """Deploy SOURCE with SnapStart (a new configuration, so a new version), publish it, place orders."""
    run = len(measurement.versions)
    fn = ns.lab.deploy(measurement.function, code=measurement.source, snap_start=True, timeout_s=10,
                       env={"EX16_CHECK_RUN": str(run)})
    started = time.time()
    try:
        number = fn.publish_version()
    except LambdaLabError as failed:
        raise Fail(f"publishing your SOURCE with SnapStart failed, so its INIT does: {str(failed)[:400]}") from None
    version = _Version(number, started, time.time())
    for _ in range(_ATTEMPTS):
        version.bursts = [_burst(fn, number) for _ in range(bursts)]
        if len({a.environment for a in _restored(version.bursts[0])}) >= _MIN_RESTORED:
            measurement.versions.append(version)
            return version
        _reclaim(ns)
    raise Fail(f"could not measure: after {_ATTEMPTS} tries, four orders placed at once never restored "
               f"{_MIN_RESTORED} environments (a very busy machine?); run the check again")


def _measured(ns) -> _Measurement:
    """The checks' own SnapStart function running the learner's SOURCE, published once, two bursts placed."""
    source = ns.get("SOURCE", str)
    lab = ns.lab
    found = _MEASURED.get(lab)
    if found is not None and found.source == source and found.versions:
        return found
    if found is not None:
        _delete(ns, found.function)
        del _MEASURED[lab]
    measurement = _Measurement(f"ex16-check-{uuid.uuid4().hex[:6]}", source)
    try:
        _publish(ns, measurement, bursts=2)
    except BaseException:
        _delete(ns, measurement.function)
        raise
    _MEASURED[lab] = measurement
    return measurement


def _repeats(answers, key: str):
    """(value, how many times, in which environments) of the most repeated ``key``, or None."""
    value, count = Counter(str(a.payload[key]) for a in answers).most_common(1)[0]
    if count == 1:
        return None
    envs = sorted({a.environment[-6:] for a in answers if str(a.payload[key]) == value})
    return value, count, f"environment{'s' if len(envs) > 1 else ''} ...{', ...'.join(envs)}"


@ex16.check(points=1, hint='Deploy with lab.deploy("ex16-orders", code=SOURCE, snap_start=True) and publish a version '
                           "(VERSION = orders.publish_version()): only published versions are snapshotted.")
def snapstart_stays_on(ns):
    ns.function(FUNCTION)
    lam = ns.lab.client("lambda")
    setting = lam.get_function_configuration(FunctionName=FUNCTION).get("SnapStart") or {}
    assert setting.get("ApplyOn") == "PublishedVersions", (
        f"{FUNCTION} has SnapStart {setting or 'missing'}: keep SnapStart on (snap_start=True); the fix is "
        "in the code, not in switching SnapStart off")
    version = ns.get("VERSION", str)
    try:
        published = lam.get_function_configuration(FunctionName=FUNCTION, Qualifier=version)
    except lam.exceptions.ResourceNotFoundException:
        raise Fail(f"{FUNCTION} has no version {version!r}: run the cell that deploys and publishes it") from None
    status = (published.get("SnapStart") or {}).get("OptimizationStatus")
    assert status == "On", (f"version {version} of {FUNCTION} has SnapStart OptimizationStatus {status}: publish "
                            "a version after deploying with snap_start=True")


@ex16.check(points=2, hint="Each restored environment starts as a copy of the snapshot, ENVIRONMENT_ID and "
                           "orders_taken included. Give each environment a new ENVIRONMENT_ID in an "
                           "@register_after_restore hook, or make the order id in the handler (uuid.uuid4().hex).")
def order_ids_never_repeat(ns):
    version = _measured(ns).versions[0]
    first, answers = version.bursts[0], version.answers
    environments = {a.environment for a in _restored(first)}
    assert len(environments) >= _MIN_RESTORED, "could not check: too few environments were restored; run it again"
    across = _repeats(first, "order_id")
    assert across is None, (
        f"four orders placed at once were restored into {len(environments)} environments and the order id "
        f"{across[0]!r} was given to {across[1]} of them ({across[2]}): "
        f"every environment restored from the snapshot has the ENVIRONMENT_ID and the orders_taken that INIT "
        f"made; {_FRESH}")
    again = _repeats(answers, "order_id")
    assert again is None, (
        f"placing four more orders with the same environments gave the order id {again[0]!r} "
        f"{again[1]} times ({again[2]}): an order id must also "
        "differ from every earlier order's, in the same environment or another")


@ex16.check(points=1, hint="tokens = random.Random() is seeded once, at import, so every restored environment "
                           "draws the same tokens. Seed it again after the restore (tokens.seed() in an "
                           "@register_after_restore hook), or draw each token with secrets.token_hex(8).")
def tokens_never_repeat(ns):
    version = _measured(ns).versions[0]
    answers = version.answers
    environments = {a.environment for a in _restored(version.bursts[0])}
    assert len(environments) >= _MIN_RESTORED, "could not check: too few environments were restored; run it again"
    repeated = _repeats(answers, "token")
    assert repeated is None, (
        f"{len(answers)} orders in {len({a.environment for a in answers})} environments were given the payment "
        f"token {repeated[0]!r} {repeated[1]} times ({repeated[2]}): "
        "every restored environment has the generator INIT seeded, in the same state, so each draws the same "
        "tokens. Seed it again after the restore, or draw tokens from the operating system (secrets)")


@ex16.check(points=1, hint="Leave PRICES = load_prices() at module level: SnapStart runs it once, when the version "
                           "is published. Do not load the prices in the handler or in the after-restore hook: "
                           "only what must be unique needs making again.")
def prices_still_load_once_at_init(ns):
    version = _measured(ns).versions[0]
    answers, restored = version.answers, _restored(version.answers)
    assert len({a.environment for a in restored}) >= _MIN_RESTORED, (
        "could not check: too few environments were restored; run it again")
    assert all(a.init_ms is None for a in restored), (
        "a restored environment reported an Init Duration: it was not a SnapStart restore; run the check again")
    distinct = {repr(a.payload["prices_loaded_at"]) for a in answers}
    assert len(distinct) == 1, (
        f"{len(answers)} orders reported {len(distinct)} different prices_loaded_at values: the price list was "
        "loaded again after the snapshot (in the handler or in a hook). Load it once, at INIT; the snapshot "
        "keeps it for every environment")
    loaded = answers[0].payload["prices_loaded_at"]
    assert isinstance(loaded, (int, float)) and version.publish_started <= loaded <= version.published, (
        f"prices_loaded_at is {loaded!r:.40}, not a time during publish_version(): keep "
        "PRICES_LOADED_AT = time.time() right after PRICES = load_prices(), at module level")
    slowest = max(restored, key=lambda a: a.restore_ms)
    assert slowest.restore_ms < _LOAD_MS, (
        f"a restore took {slowest.restore_ms:.0f} ms (Restore Duration): is the price list (1 s) loaded in the "
        "after-restore hook? A hook runs in every restored environment; keep it to what must be unique")
    busiest = max(answers, key=lambda a: a.duration_ms)
    assert busiest.duration_ms < _LOAD_MS, (
        f"an order took {busiest.duration_ms:.0f} ms in the handler (0.25 s is the payment provider's): does the "
        "handler load the price list? Load it at INIT")


@ex16.check(points=1, hidden=True)
def the_published_version_never_repeats(ns):
    fn = ns.function(FUNCTION)
    version = ns.published_version(FUNCTION)
    answers = _burst(fn, version) + _burst(fn, version)
    assert len({a.environment for a in answers}) >= 2, "could not check: the orders ran in one environment"
    for key in ("order_id", "token"):
        repeated = _repeats(answers, key)
        assert repeated is None, (
            f"eight orders to version {version} of {FUNCTION} in {len({a.environment for a in answers})} "
            f"environments gave the {key} {repeated[0]!r} {repeated[1]} times")


@ex16.check(points=1, hidden=True)
def ids_stay_unique_across_versions(ns):
    measurement = _measured(ns)
    if len(measurement.versions) < 2:
        _publish(ns, measurement, bursts=1)
    answers = [a for v in measurement.versions for a in v.answers]
    numbers = [v.number for v in measurement.versions]
    for key in ("order_id", "token"):
        repeated = _repeats(answers, key)
        assert repeated is None, (
            f"orders to two versions published from the same SOURCE (versions {', '.join(numbers)}) gave the "
            f"{key} {repeated[0]!r} {repeated[1]} times: each version's snapshot is a new INIT, but what is "
            "made after a restore must be unique across all of them")
