"""Sleeps forever without using CPU."""
import time

print("c sleeping", flush=True)
while True:
    time.sleep(60)
