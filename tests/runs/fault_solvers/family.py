"""A root that sleeps, its sleeping child and their CPU-bound grandchild; each appends its pid to PIDFILE.

With ``detach`` the child first calls setsid(), leaving the run's session and process
group (the grandchild follows it). None of them ever answers: they run until killed.
"""
import os
import sys
import time

_, _instance, pidfile = sys.argv[:3]
detach = "detach" in sys.argv[3:]


def note() -> None:
    with open(pidfile, "a") as fh:
        fh.write(f"{os.getpid()}\n")


if os.fork() == 0:
    if detach:
        os.setsid()
    if os.fork() == 0:
        note()
        while True:
            pass
    note()
    while True:
        time.sleep(1)
note()
while True:
    time.sleep(1)
