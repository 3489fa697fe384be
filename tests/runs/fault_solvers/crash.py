"""Dies: MODE segv (SIGSEGV), abort (SIGABRT) or exit3 (exit code 3, no answer)."""
import os
import signal
import sys

mode = sys.argv[2] if len(sys.argv) > 2 else "segv"
print("c about to crash", flush=True)
if mode == "segv":
    os.kill(os.getpid(), signal.SIGSEGV)
elif mode == "abort":
    os.abort()
sys.exit(3)
