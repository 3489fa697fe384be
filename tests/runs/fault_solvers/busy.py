"""Burns CPU forever; with --ignore-term it ignores SIGTERM (must be SIGKILLed)."""
import signal
import sys

if "--ignore-term" in sys.argv:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
print("c busy", flush=True)
x = 0
while True:
    x += 1
