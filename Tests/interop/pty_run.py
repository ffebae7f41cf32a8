"""Runs a command on a pseudo-terminal, as a person at a terminal would, answering its question.

Usage: pty_run.py ANSWER COMMAND [ARG ...]
When the command's output shows "[y/N] ", ANSWER and a newline are typed. Everything the command
wrote to the terminal is printed; the exit status is the command's.
"""
import os
import pty
import sys


def main() -> int:
    answer = sys.argv[1].encode() + b"\n"
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(sys.argv[2], sys.argv[2:])
    seen = b""
    answered = False
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
        if not answered and b"[y/N] " in seen:
            os.write(fd, answer)
            answered = True
    _, status = os.waitpid(pid, 0)
    sys.stdout.write(seen.decode("utf-8", "replace"))
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main())
