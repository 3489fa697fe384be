"""Allocates and touches memory without bound: MB_PER_STEP MiB every 10 ms, in NPROC processes.

With NPROC > 1 each process stays under the per-process address-space limit while the
tree as a whole exceeds the memory limit: only the tree monitor can stop it.
"""
import os
import sys
import time

step = int(sys.argv[2]) if len(sys.argv) > 2 else 20
nproc = int(sys.argv[3]) if len(sys.argv) > 3 else 1
for _ in range(nproc - 1):
    if os.fork() == 0:
        break
hoard = []
while True:
    block = bytearray(step * 2**20)
    block[::4096] = b"x" * len(block[::4096])  # touch every page so it is resident
    hoard.append(block)
    time.sleep(0.01)
