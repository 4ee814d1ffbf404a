"""SnapStart for awslambdaric: INIT once, then fork a restored copy for each new environment.

Run by the lab (``runtime/snapshot.py``) as ``python -S snapstart_boot.py <control-fd> <handler>``,
in place of ``python -m awslambdaric <handler>``. It is standalone on purpose: the worker's
interpreter must not import the lab.

AWS (https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html): at PublishVersion Lambda runs
INIT, the runtime runs the ``@register_before_snapshot`` hooks and calls
``GET /runtime/restore/next``, and Lambda snapshots the microVM. Each later cold start resumes a
copy of that snapshot: ``restore/next`` returns in the copy, which runs the
``@register_after_restore`` hooks and asks for its first event. awslambdaric 4.2.2 does all of the
runtime's half when ``AWS_LAMBDA_INITIALIZATION_TYPE=snap-start``.

Here the snapshot is the initialised process itself, and a restore is ``fork()``: the copy has the
parent's memory, as a restored microVM has the snapshot's (ids, timestamps and open connections
are cloned alike, which is what makes SnapStart's uniqueness pitfalls real). Only ``restore_next``
changes: the initialised runtime (the *zygote*) no longer asks the lab's Runtime API for
``restore/next`` but waits on a control socket. There it forks *spare* copies on request, each with
a channel of its own; a spare joins its own session and waits, running nothing of the function's,
until the lab sends it a restore order for a new environment. (The lab moves each spare into its
environment's process limit meanwhile: on cgroup v1 that move waits ~10 ms for the kernel, which
would otherwise be part of every restore.) With its order, the copy writes to its environment's
log, takes that environment's variables and Runtime API address, and makes the real
``restore/next`` call to its environment, which returns at once, as AWS's does after a restore. (awslambdaric's C client reads
the Runtime API address once, at import, so the copies' event requests still reach the snapshot's
address; each copy names its environment in its User-Agent and the lab forwards them.)

Departures, by construction: threads started during INIT do not survive into a restored copy (fork
copies the calling thread only; a microVM snapshot keeps them all); the zygote's other state (its
memory, its open files) is shared copy-on-write, as a snapshot's is.

Control protocol (one word per line): the zygote writes ``ready`` once INIT and the before-snapshot
hooks are done; the lab writes ``spare``; the zygote answers ``forked <pid>`` with the spare's
channel attached (SCM_RIGHTS), and ``exit <pid> <code>`` when a copy ends (it is the copies' parent
and reaps them). On a spare's channel the lab writes one restore order,
``{"environment_id": id, "output": path, "environment": {...}, "unset": [...], "tmp": [old, new]}``.
When the lab closes the control socket the zygote exits, and its copies with it.
"""

import json
import os
import select
import signal
import socket
import sys

_PR_SET_PDEATHSIG = 1


def _serve_restores(client, control_fd):
    """The zygote's loop. Returns only in a restored copy, ready for its real restore/next."""
    import ctypes
    import ctypes.util
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    control = socket.socket(fileno=control_fd)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)   # the wakeup fd does the work
    zygote = os.getpid()
    # What INIT made is the snapshot: keep the collector off it, so copies do not fault its pages in
    # just to scan them (https://docs.python.org/3/library/gc.html#gc.freeze).
    import gc
    gc.freeze()
    control.sendall(b"ready\n")
    buffered = b""
    while True:
        readable, _, _ = select.select([control, wake_r], [], [])
        if wake_r in readable:
            os.read(wake_r, 4096)
            _report_exits(control)
        if control not in readable:
            continue
        data = control.recv(65536)
        if not data:          # the lab let the snapshot go
            os._exit(0)
        buffered += data
        while b"\n" in buffered:
            line, buffered = buffered.split(b"\n", 1)
            if line != b"spare":
                continue
            mine, theirs = socket.socketpair()
            generator = sys.modules.get("random")
            state = generator.getstate() if generator is not None else None
            pid = os.fork()
            if pid == 0:
                if state is not None:
                    # Python reseeds its global generator in a forked child; a restored snapshot has
                    # the snapshot's state, so every copy draws the same "random" numbers (AWS: make
                    # the entropy for pseudorandomness after INIT, or use random.SystemRandom).
                    generator.setstate(state)
                signal.set_wakeup_fd(-1)
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                os.close(wake_r)
                os.close(wake_w)
                control.close()
                theirs.close()
                _wait_for_order(client, mine, zygote, libc)
                return
            mine.close()
            socket.send_fds(control, [f"forked {pid}\n".encode()], [theirs.fileno()])
            theirs.close()


def _wait_for_order(client, channel, zygote, libc):
    """A spare copy: out of the zygote's way at once, then idle until an environment needs it."""
    os.setsid()   # its own process group: the lab freezes, throttles and kills it as one
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != zygote:   # the zygote died before the line above
        os._exit(1)
    received = b""
    while not received.endswith(b"\n"):
        data = channel.recv(65536)
        if not data:          # the lab let this copy go unused
            os._exit(0)
        received += data
    channel.close()
    _become_restored(client, json.loads(received), libc)


def _report_exits(control):
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        control.sendall(f"exit {pid} {os.waitstatus_to_exitcode(status)}\n".encode())


def _become_restored(client, order, libc):
    output = os.open(order["output"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.dup2(output, 1)
    os.dup2(output, 2)
    os.close(output)
    os.environ.update(order["environment"])
    for name in order.get("unset", ()):
        os.environ.pop(name, None)
    old_tmp, new_tmp = order["tmp"]
    tempfile = sys.modules.get("tempfile")
    if tempfile is not None and tempfile.tempdir == old_tmp:
        tempfile.tempdir = new_tmp   # /tmp is the same path on AWS; here it moves with the environment
    client.lambda_runtime_address = order["environment"]["AWS_LAMBDA_RUNTIME_API"]
    # awslambdaric's C client keeps the Runtime API address it read at import, the snapshot's: the
    # lab's snapshot server forwards each of its requests to the environment its User-Agent names.
    from awslambdaric import lambda_runtime_client
    if lambda_runtime_client.runtime_client is not None:
        lambda_runtime_client.runtime_client.initialize_client(
            f"{lambda_runtime_client._user_agent()} lambda-lab-env/{order['environment_id']}")


def main():
    control_fd = int(sys.argv.pop(1))
    os.set_inheritable(control_fd, False)   # the handler's own subprocesses do not get it
    from awslambdaric import lambda_runtime_client
    from awslambdaric.__main__ import main as awslambdaric_main

    base = lambda_runtime_client.BaseLambdaRuntimeClient
    restore_next = base.restore_next

    def snapshot_then_restore(self):
        # awslambdaric's own restore_next imports http.client and connects (which loads the IDNA
        # codec for the host name) before it blocks for the snapshot, so a restored runtime has
        # both loaded: so does ours.
        import http.client  # noqa: F401
        "127.0.0.1".encode("idna")
        _serve_restores(self, control_fd)
        restore_next(self)   # in the copy: the real call, to its own environment's Runtime API

    base.restore_next = snapshot_then_restore
    awslambdaric_main(sys.argv)


if __name__ == "__main__":
    main()
