"""Builds a consistent-snapshot TUF repository with python-tuf's Metadata API, for the client
interop tests: `python3 tuf_repo.py OUT [TRUSTED_ROOT]`.

OUT/metadata and OUT/targets are what a server publishes; OUT/1.root.json is the root a client
starts from. Root goes through four versions: v2 replaces a key, v3 raises the threshold to 3,
v4 changes a key's type (ed25519 to ECDSA P-256). Top-level targets lists trusted_root.json and
delegates releases/* to the role "releases", which lists one file. trusted_root.json holds the
bytes of TRUSTED_ROOT when given, else a placeholder.

OUT/variants/NAME holds files that, copied over OUT/metadata, make the repository malicious:
  rollback-timestamp  a validly signed timestamp older than the published one
  snapshot-mismatch   a new timestamp naming snapshot v9, whose file says version 8
  weak-root           root v5 signed by one old root key (threshold 3) and all new ones
  oversized-timestamp a validly signed timestamp larger than the 16 KiB cap
"""
import os
import sys
from datetime import datetime, timedelta, timezone

from securesystemslib.signer import CryptoSigner
from tuf.api.metadata import (
    DelegatedRole,
    Delegations,
    Metadata,
    MetaFile,
    Role,
    Root,
    Snapshot,
    TargetFile,
    Targets,
    Timestamp,
)
from tuf.api.serialization.json import JSONSerializer

out = sys.argv[1]
metadata_dir = os.path.join(out, "metadata")
targets_dir = os.path.join(out, "targets")
for d in (metadata_dir, targets_dir):
    os.makedirs(d, exist_ok=True)
expires = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=30)
serializer = JSONSerializer(compact=False)


def write(path, md, signers):
    md.signatures.clear()
    for signer in signers:
        md.sign(signer, append=True)
    with open(path, "wb") as f:
        f.write(md.to_bytes(serializer))


keys = {name: CryptoSigner.generate_ed25519() for name in ("a", "b", "c", "d")}
keys["e"] = CryptoSigner.generate_ecdsa()
online = CryptoSigner.generate_ed25519()
releases_key = CryptoSigner.generate_ecdsa()

root = Root(expires=expires, consistent_snapshot=True)
for name in ("a", "b", "c"):
    root.add_key(keys[name].public_key, "root")
for role in ("timestamp", "snapshot", "targets"):
    root.add_key(online.public_key, role)
root.roles["root"].threshold = 2
root_md = Metadata(root)
write(os.path.join(metadata_dir, "1.root.json"), root_md, [keys["a"], keys["b"], keys["c"]])
with open(os.path.join(out, "1.root.json"), "wb") as f:
    f.write(root_md.to_bytes(serializer))

# v2: key c replaced by d. Signed by the old threshold (a, b) and the new (a, b, d).
root.version = 2
root.revoke_key(keys["c"].public_key.keyid, "root")
root.add_key(keys["d"].public_key, "root")
write(os.path.join(metadata_dir, "2.root.json"), root_md, [keys["a"], keys["b"], keys["d"]])
# v3: threshold raised to 3 of a, b, d.
root.version = 3
root.roles["root"].threshold = 3
write(os.path.join(metadata_dir, "3.root.json"), root_md, [keys["a"], keys["b"], keys["d"]])
# v4: key b (ed25519) replaced by e (ECDSA P-256): old threshold a, b, d; new a, d, e.
root.version = 4
root.revoke_key(keys["b"].public_key.keyid, "root")
root.add_key(keys["e"].public_key, "root")
write(os.path.join(metadata_dir, "4.root.json"), root_md, [keys["a"], keys["b"], keys["d"], keys["e"]])


def artifact(path, data):
    info = TargetFile.from_data(path, data, ["sha256", "sha512"])
    directory, _, name = path.rpartition("/")
    folder = os.path.join(targets_dir, directory)
    os.makedirs(folder, exist_ok=True)
    for digest in info.hashes.values():
        with open(os.path.join(folder, f"{digest}.{name}"), "wb") as f:
            f.write(data)
    return info


releases = Targets(version=1, expires=expires)
releases.targets["releases/app-1.0.tar.gz"] = artifact("releases/app-1.0.tar.gz", b"app 1.0 contents\n" * 100)
write(os.path.join(metadata_dir, "1.releases.json"), Metadata(releases), [releases_key])

targets = Targets(version=1, expires=expires)
trusted_root = open(sys.argv[2], "rb").read() if len(sys.argv) > 2 else b'{"mediaType": "test trusted root"}\n'
targets.targets["trusted_root.json"] = artifact("trusted_root.json", trusted_root)
targets.delegations = Delegations(
    keys={releases_key.public_key.keyid: releases_key.public_key},
    roles={"releases": DelegatedRole("releases", [releases_key.public_key.keyid], 1, True, paths=["releases/*"])},
)
write(os.path.join(metadata_dir, "1.targets.json"), Metadata(targets), [online])


def publish_snapshot_and_timestamp(snapshot_version, timestamp_version, folder, timestamp_snapshot_version=None, pad=0):
    os.makedirs(folder, exist_ok=True)
    snapshot = Snapshot(version=snapshot_version, expires=expires)
    snapshot.meta = {"targets.json": MetaFile(1), "releases.json": MetaFile(1)}
    write(os.path.join(folder, f"{snapshot_version}.snapshot.json"), Metadata(snapshot), [online])
    timestamp = Timestamp(version=timestamp_version, expires=expires)
    timestamp.snapshot_meta = MetaFile(timestamp_snapshot_version or snapshot_version)
    if pad:
        timestamp.unrecognized_fields["x-padding"] = "x" * pad
    write(os.path.join(folder, "timestamp.json"), Metadata(timestamp), [online])


variants = os.path.join(out, "variants")
publish_snapshot_and_timestamp(1, 1, os.path.join(variants, "rollback-timestamp"))
publish_snapshot_and_timestamp(2, 2, metadata_dir)

folder = os.path.join(variants, "snapshot-mismatch")
publish_snapshot_and_timestamp(8, 3, folder, timestamp_snapshot_version=9)
os.rename(os.path.join(folder, "8.snapshot.json"), os.path.join(folder, "9.snapshot.json"))

folder = os.path.join(variants, "oversized-timestamp")
publish_snapshot_and_timestamp(3, 3, folder, pad=20000)

folder = os.path.join(variants, "weak-root")
os.makedirs(folder, exist_ok=True)
root.version = 5
write(os.path.join(folder, "5.root.json"), root_md, [keys["a"], keys["e"]])
