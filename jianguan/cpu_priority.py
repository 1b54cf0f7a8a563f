"""How much of a shared machine's CPU a job worker takes from the web processes beside it.

A plan or a simulation finishing a second later goes unnoticed. A page that stalls does not.
`nice` alone does not prevent the stall: a niced worker still finishes its time slice before a
web thread that has just woken. A request wakes a dozen times (each database reply, each hand
back of the GIL), so with 2 cores and two busy workers, the waits add up to hundreds of
milliseconds. Linux's SCHED_IDLE class differs: any normal thread that wakes preempts an
idle-class thread at once, and the idle-class thread runs whenever the web leaves a core free.
`benchmarks/web_load.py --worker-priority low|idle` compares the two.

An idle-class worker is never starved outright (the kernel still gives it a small weight), so
its heartbeat keeps beating under a full web load, only its job runs slower: beside 4 and 8
spinning normal processes on 2 cores, a 1 s beat came at most 3.5 and 6.9 s apart, against the
60 s after which a job is taken over (benchmarks/idle_heartbeat.py). Workers on a machine of
their own may run at `normal`.
"""

from __future__ import annotations

import os
from typing import Literal, get_args

Priority = Literal["idle", "low", "normal"]
PRIORITIES: tuple[str, ...] = get_args(Priority)
LOW_NICE = 10  # "low", and "idle" where the OS has no idle class
IDLE_FALLBACK_NICE = 19


def lower(priority: Priority) -> str:
    """Lower the calling process's CPU priority to `priority`, before it starts any thread
    (threads inherit it); returns what it now runs at, for the start-up line."""
    if priority == "normal":
        return "normal"
    if priority == "idle":
        set_scheduler = getattr(os, "sched_setscheduler", None)
        idle_class = getattr(os, "SCHED_IDLE", None)
        if set_scheduler is not None and idle_class is not None:
            set_scheduler(0, idle_class, os.sched_param(0))
            return "SCHED_IDLE"
        os.nice(IDLE_FALLBACK_NICE)
        return f"nice {IDLE_FALLBACK_NICE}"
    os.nice(LOW_NICE)
    return f"nice {LOW_NICE}"
