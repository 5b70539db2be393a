"""A solver process that never finishes and ignores the stop signal (tests the worker's hard stop)."""

import json
import signal
import sys
import time

signal.signal(signal.SIGUSR1, signal.SIG_IGN)
print(json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    print(json.dumps({"progress": {"best_cost": 1, "elapsed_s": 0.0}}), flush=True)
    while True:
        time.sleep(1)
