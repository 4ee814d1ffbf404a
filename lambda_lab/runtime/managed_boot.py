"""Lambda Managed Instances for awslambdaric: one environment, many runtime workers, each its own log.

Run by the lab (``runtime/managed.py``) as ``python -S managed_boot.py <gate-fd> <handler>`` in place of
``python -m awslambdaric <handler>``, with ``AWS_LAMBDA_MAX_CONCURRENCY=N`` set. Standalone on purpose:
the worker's interpreter must not import the lab.

awslambdaric 4.2.2 does the runtime's half of multi-concurrency itself
(https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-python-runtime.html): with
``AWS_LAMBDA_MAX_CONCURRENCY`` set, its main process forks that many worker processes, each of which
imports the handler (its own INIT, its own globals) and long-polls ``/runtime/invocation/next``
concurrently with the others; ``/tmp`` is shared. This boot changes two things in each worker, right
after the fork and before awslambdaric's own ``run_single`` runs:

- its output goes to a file of its own (``worker-<pid>.log`` in ``$_LAMBDA_LAB_WORKER_OUTPUT``), so the
  lab can tell which request wrote which line (AWS hands each worker a log descriptor through
  ``_LAMBDA_TELEMETRY_LOG_FD_PROVIDER_SOCKET`` for the same reason);
- its Runtime API client names the worker in its User-Agent (``lambda-lab-worker/<pid>``), so the lab
  knows which worker took which event (and so which request a crashed worker leaves unanswered).

In the main process it reaps every worker as it exits and writes its wait status to
``exit-<pid>`` beside the logs (awslambdaric joins its workers in order, which would reap a crashed
one out of sight of the lab, who reports its exit status as Lambda does).

Like ``gate_boot.py`` it first waits at a gate until the lab has put the process in its limit.
"""

import os
import runpy
import signal
import sys

_PR_SET_PDEATHSIG = 1


def _as_lab_worker(run_single, output_dir):
    def run_single_as_lab_worker(cls, handler, api_addr, use_thread, socket_path):
        pid = os.getpid()
        output = os.open(os.path.join(output_dir, f"worker-{pid}.log"), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.dup2(output, 1)
        os.dup2(output, 2)
        os.close(output)
        import ctypes
        import ctypes.util
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)   # a worker never outlives its environment
        from awslambdaric import lambda_runtime_client
        if lambda_runtime_client.runtime_client is not None:
            lambda_runtime_client.runtime_client.initialize_client(
                f"{lambda_runtime_client._user_agent()} lambda-lab-worker/{pid}")
        run_single.__func__(cls, handler, api_addr, use_thread, None)
    return classmethod(run_single_as_lab_worker)


def _reaping_workers(output_dir):
    def join_any(process, timeout=None):
        while True:
            try:
                pid, status = os.waitpid(-1, 0)
            except ChildProcessError:
                return
            except InterruptedError:
                continue
            path = os.path.join(output_dir, f"exit-{pid}")
            with open(path + ".part", "w") as f:
                f.write(str(status))
            os.replace(path + ".part", path)
    return join_any


def main():
    # As ``python -m awslambdaric`` has it: the working directory (the function's code) first on the
    # path, not this file's folder, whose modules (api.py, limits.py...) would shadow the handler's.
    sys.path[0] = os.getcwd()
    gate = int(sys.argv.pop(1))
    os.read(gate, 1)      # the lab writes one byte once the process is inside its limit
    os.close(gate)
    output_dir = os.environ.pop("_LAMBDA_LAB_WORKER_OUTPUT")
    from awslambdaric.lambda_multi_concurrent_utils import MultiConcurrentRunner
    MultiConcurrentRunner.run_single = _as_lab_worker(MultiConcurrentRunner.run_single, output_dir)
    import multiprocessing.process
    multiprocessing.process.BaseProcess.join = _reaping_workers(output_dir)   # the main process only joins
    runpy.run_module("awslambdaric", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
