"""Runs a command and prints JSON with its wall time and CPU time (user and system) in seconds and
its peak resident memory in KiB:
`python3 measure.py CMD [ARGS...]`. Exits with the command's status. The command's standard
output is dropped, or written to the file $MEASURE_STDOUT names.

The command is started with posix_spawn and reaped with wait4, and its standard error goes to a
temporary file read afterwards: a pipe would wake this process on every line the command writes,
and on a machine with few cores those wake-ups are charged to the command's wall time."""
import json
import os
import sys
import tempfile
import time

command = sys.argv[1:]
output = os.open(os.environ.get("MEASURE_STDOUT") or os.devnull, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
with tempfile.TemporaryFile() as errors:
    actions = [(os.POSIX_SPAWN_DUP2, output, 1), (os.POSIX_SPAWN_DUP2, errors.fileno(), 2)]
    start = time.perf_counter()
    pid = os.posix_spawnp(command[0], command, os.environ, file_actions=actions)
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - start
    # Only the tail is reported, so only the tail is read, however much the command wrote.
    errors.seek(max(0, os.fstat(errors.fileno()).st_size - 2000))
    stderr = errors.read()
os.close(output)
code = os.waitstatus_to_exitcode(status)
print(json.dumps({"seconds": elapsed, "cpu_seconds": usage.ru_utime + usage.ru_stime,
                  "max_rss_kib": usage.ru_maxrss, "status": code,
                  "stderr": stderr.decode(errors="replace")[-500:]}))
sys.exit(code if code >= 0 else 128 - code)
