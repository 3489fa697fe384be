"""Forks N children that keep running; writes their pids to PIDFILE (one a line).

MODE answer: the parent answers UNSAT and exits, leaving the children behind.
MODE busy:   the parent burns CPU until it is stopped.
MODE detach: the children call setsid() (leaving the session and process group),
             the parent stays alive a moment (so the monitor sees them), then answers.
"""
import os
import sys
import time

_, _instance, pidfile, n, mode = sys.argv
pids = []
for _ in range(int(n)):
    pid = os.fork()
    if pid == 0:
        if mode == "detach":
            os.setsid()
        # grandchild too, so the tree is more than one level deep
        if os.fork() == 0:
            while True:
                time.sleep(1)
        while True:
            time.sleep(1)
    pids.append(pid)
with open(pidfile, "w") as fh:
    fh.write("\n".join(map(str, pids)) + "\n")
if mode == "busy":
    while True:
        pass
if mode == "detach":
    time.sleep(1.0)
print("s UNSATISFIABLE", flush=True)
sys.exit(20)
