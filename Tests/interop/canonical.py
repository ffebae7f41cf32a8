"""Reads a JSON array of documents on stdin; prints, one per line, the hex of each document's
canonical form as securesystemslib's encode_canonical writes it (UTF-8 encoded)."""
import json
import sys

from securesystemslib.formats import encode_canonical

documents = json.load(sys.stdin)
for document in documents:
    print(encode_canonical(document).encode("utf-8").hex())
