"""Runs a command and prints JSON with its wall time and CPU time (user and system) in seconds and
its peak resident memory in KiB:
`python3 measure.py CMD [ARGS...]`. Exits with the command's status. The command's standard
output is dropped, or written to the file $MEASURE_STDOUT names."""
import json
import os
import resource
import subprocess
import sys
import time

start = time.perf_counter()
output = open(os.environ["MEASURE_STDOUT"], "wb") if os.environ.get("MEASURE_STDOUT") else subprocess.DEVNULL
result = subprocess.run(sys.argv[1:], stdout=output, stderr=subprocess.PIPE)
elapsed = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": elapsed, "cpu_seconds": usage.ru_utime + usage.ru_stime,
                  "max_rss_kib": usage.ru_maxrss, "status": result.returncode,
                  "stderr": result.stderr.decode(errors="replace")[-500:]}))
sys.exit(result.returncode)
