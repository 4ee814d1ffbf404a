"""A Python worker's first instructions: wait at a gate until the lab has bounded it, then run awslambdaric.

Run as ``python -S gate_boot.py <gate-fd> <handler>`` in place of ``python -m awslambdaric <handler>``.
Moving a new process into its environment's cgroup waits for the kernel (an RCU grace period, about
10 ms on cgroup v1); done before exec it delays every cold start by that much. Here the interpreter
starts at once, the lab moves the process meanwhile, and this file waits for the lab's byte on the
gate pipe before anything of the runtime's or the function's runs, so the bound still holds from
the handler's first instruction. Standalone on purpose: the worker must not import the lab.
"""

import os
import runpy
import sys


def main():
    gate = int(sys.argv.pop(1))
    os.read(gate, 1)      # the lab writes one byte once the process is inside its limit
    os.close(gate)
    runpy.run_module("awslambdaric", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
