"""Prints the SHA-256 of the file argv[1] in hex, as an independent check of pinned digests."""
import hashlib
import sys

with open(sys.argv[1], "rb") as f:
    print(hashlib.sha256(f.read()).hexdigest())
