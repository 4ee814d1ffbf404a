"""Exercise 11 (after notebook 7): configure a function for a stated requirement.

``ex11-report`` must read its table name from the environment variable ``TABLE_NAME``
(``ex11-reports``), time out after 2 s, have 512 MB, and keep a reserved concurrency of 2. The
checks read ``GetFunctionConfiguration`` and ``GetFunctionConcurrency``, invoke it to see the table
name it uses (the hidden one changes the variable, sees the new value used, and puts it back),
send four 1-second calls at once (at least one must be throttled: with a reservation of 2 at most
two can run, whatever the machine's speed), and, hidden, ask for a 4-second report that the
timeout must stop after 2 seconds.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from ..checks import exercise

ex11 = exercise("ex11", "Configure a function for its job")
FUNCTION = "ex11-report"
TABLE = "ex11-reports"
TIMEOUT_S = 2
MEMORY_MB = 512
RESERVED = 2


def _lambda(ns):
    ns.function(FUNCTION)  # a clear message when it is not deployed
    return ns.lab.client("lambda")


def _report(ns, event: dict):
    answer = ns.function(FUNCTION).invoke(event)
    assert not answer.throttled, "the call was throttled; run the check again"
    assert answer.error is None, (f"the call failed: {answer.error.get('errorType')}: "
                                  f"{answer.error.get('errorMessage')}"[:300])
    assert isinstance(answer.payload, dict) and "table" in answer.payload, (
        f"the handler should answer {{'table': ..., 'report': 'ok'}}; it answered {answer.payload!r:.100}")
    return answer


@ex11.check(points=2, hint="Give lab.deploy the memory, the timeout and the environment variables the table asks "
                           "for (its arguments are memory_mb, timeout_s and env).")
def the_configuration_matches(ns):
    config = _lambda(ns).get_function_configuration(FunctionName=FUNCTION)
    variables = (config.get("Environment") or {}).get("Variables") or {}
    wrong = []
    if config.get("Timeout") != TIMEOUT_S:
        wrong.append(f"the timeout is {config.get('Timeout')} s, it should be {TIMEOUT_S} s")
    if config.get("MemorySize") != MEMORY_MB:
        wrong.append(f"the memory is {config.get('MemorySize')} MB, it should be {MEMORY_MB} MB")
    if variables.get("TABLE_NAME") != TABLE:
        wrong.append(f"the environment variable TABLE_NAME is {variables.get('TABLE_NAME')!r}, "
                     f"it should be {TABLE!r}")
    assert not wrong, "GetFunctionConfiguration says: " + "; ".join(wrong)


@ex11.check(points=1, hint="os.environ[\"TABLE_NAME\"] reads the variable inside the function.")
def uses_the_table_name_variable(ns):
    table = _report(ns, {}).payload["table"]
    assert table == TABLE, (f"the handler used the table name {table!r}; it should read it from the environment "
                            f"variable TABLE_NAME, set to {TABLE!r}")


@ex11.check(points=1, hint="Reserved concurrency is set apart from configuration: fn.set_reserved_concurrency(...) "
                           "or the Lambda API's PutFunctionConcurrency.")
def reserved_concurrency_is_two(ns):
    reserved = _lambda(ns).get_function_concurrency(FunctionName=FUNCTION).get("ReservedConcurrentExecutions")
    assert reserved == RESERVED, (f"GetFunctionConcurrency says the reserved concurrency is {reserved}"
                                  f"{' (none set)' if reserved is None else ''}; it should be {RESERVED}")


@ex11.check(points=1, hint="With a reservation of 2, a third call while two are running is refused with "
                           "TooManyRequestsException.")
def a_burst_of_four_is_throttled(ns):
    fn = ns.function(FUNCTION)
    with ThreadPoolExecutor(max_workers=4) as pool:
        four = list(pool.map(lambda _: fn.invoke({"sleep": 1}), range(4)))
    failed = [r for r in four if not r.throttled and r.error is not None]
    assert not failed, (f"a report failed: {failed[0].error.get('errorType')}: "
                        f"{failed[0].error.get('errorMessage')}"[:300])
    ran = sum(not r.throttled for r in four)
    assert ran < 4, (f"four 1-second reports asked for at the same moment all ran ({ran} at once): nothing "
                     f"limits how many copies run, and the database gets them all")


@ex11.check(points=1, hidden=True)
def follows_a_changed_table_name(ns):
    lam = _lambda(ns)
    config = lam.get_function_configuration(FunctionName=FUNCTION)
    variables = dict((config.get("Environment") or {}).get("Variables") or {})
    lam.update_function_configuration(FunctionName=FUNCTION,
                                      Environment={"Variables": {**variables, "TABLE_NAME": "ex11-reports-eu"}})
    lam.get_waiter("function_updated_v2").wait(FunctionName=FUNCTION)
    try:
        table = _report(ns, {}).payload["table"]
    finally:
        lam.update_function_configuration(FunctionName=FUNCTION, Environment={"Variables": variables})
        lam.get_waiter("function_updated_v2").wait(FunctionName=FUNCTION)
    assert table == "ex11-reports-eu", (f"with TABLE_NAME set to 'ex11-reports-eu' the handler still used {table!r}: "
                                        f"read the name from the variable instead of writing it in the code")


@ex11.check(points=1, hidden=True)
def the_timeout_stops_a_long_report(ns):
    answer = ns.function(FUNCTION).invoke({"sleep": 4})
    assert not answer.throttled, "the call was throttled; run the check again"
    assert answer.error is not None, (f"a report asked to work for 4 s finished ({answer.payload!r:.80}): "
                                      f"the timeout should stop it after {TIMEOUT_S} s")
    message = str(answer.error.get("errorMessage", ""))
    assert answer.error.get("errorType") == "Sandbox.Timedout" and message.endswith(
        f"Task timed out after {TIMEOUT_S}.00 seconds"), (
        f"a report asked to work for 4 s should time out after {TIMEOUT_S} s; it ended with "
        f"{answer.error.get('errorType')}: {message}"[:300])
