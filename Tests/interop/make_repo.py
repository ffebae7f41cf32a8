"""Builds a small TUF repository with python-tuf's Metadata API into the folder argv[1].

One key of each type (ed25519, ECDSA P-256, ECDSA P-384, RSA-PSS), threshold 2 for every role,
and an `x-` custom field at every level that can carry one. Besides the metadata files it
writes canonical/NAME (the canonical bytes of each `signed` object, as python-tuf signs them)
and expectations.json (which delegations python-tuf finds for some target paths)."""
import json
import os
import sys
from datetime import datetime, timedelta, timezone

from securesystemslib.signer import CryptoSigner, Signature, SSlibKey
from tuf.api.metadata import (
    DelegatedRole,
    Delegations,
    Metadata,
    MetaFile,
    Role,
    Root,
    Snapshot,
    SuccinctRoles,
    TargetFile,
    Targets,
    Timestamp,
)
from tuf.api.serialization.json import CanonicalJSONSerializer, JSONSerializer

out = sys.argv[1]
os.makedirs(os.path.join(out, "canonical"), exist_ok=True)


def with_owner(signer, owner):
    """The signer, its public key carrying custom fields (so key ids need not match the key)."""
    key = signer.public_key
    custom = SSlibKey(
        key.keyid,
        key.keytype,
        key.scheme,
        dict(key.keyval, **{"x-keyval-note": "kept"}),
        {"x-tuf-on-ci-keyowner": owner, "keyid_hash_algorithms": ["sha256", "sha512"]},
    )
    return CryptoSigner(signer._private_key, custom)


signers = {
    "ed25519": with_owner(CryptoSigner.generate_ed25519(), "@ed"),
    "p256": with_owner(CryptoSigner.generate_ecdsa(), "@p256"),
    "p384": with_owner(CryptoSigner.generate_ecdsa(scheme="ecdsa-sha2-nistp384"), "@p384"),
    "rsa": with_owner(CryptoSigner.generate_rsa(), "@rsa"),
}
keyids = {name: s.public_key.keyid for name, s in signers.items()}
expires = datetime(2031, 1, 2, 3, 4, 5, tzinfo=timezone.utc)

root = Root(expires=expires, consistent_snapshot=True, unrecognized_fields={"x-tuf-on-ci-expiry-period": 182})
for signer in signers.values():
    root.keys[signer.public_key.keyid] = signer.public_key
for name in ("root", "timestamp", "snapshot", "targets"):
    root.roles[name] = Role(list(keyids.values()), 2, {"x-role-note": name})

delegated_key = signers["p256"].public_key
targets = Targets(
    version=3,
    expires=expires,
    targets={
        "files/a.txt": TargetFile(5, {"sha256": "00" * 32}, "files/a.txt", {"custom": {"x": [1, "é"]}, "x-target": True}),
        "dir/e\u0301.bin": TargetFile(0, {"sha512": "11" * 64, "sha256": "22" * 32}, "dir/e\u0301.bin"),
    },
    unrecognized_fields={"x-targets-note": "top"},
)
targets.delegations = Delegations(
    keys={keyids["p256"]: delegated_key, keyids["ed25519"]: signers["ed25519"].public_key},
    roles={
        "role-a": DelegatedRole("role-a", [keyids["p256"], keyids["ed25519"]], 2, True, paths=["files/*", "b/?.t[xy]t"], unrecognized_fields={"x-delegated": 1}),
        "registry.example.org": DelegatedRole("registry.example.org", [keyids["p256"]], 1, False, path_hash_prefixes=["8", "a1"]),
    },
    unrecognized_fields={"x-delegations": {"nested": [None]}},
)

role_a = Targets(version=1, expires=expires)
role_a.delegations = Delegations(
    keys={keyids["rsa"]: signers["rsa"].public_key},
    succinct_roles=SuccinctRoles([keyids["rsa"]], 1, 6, "bins", {"x-succinct": "yes"}),
)

snapshot = Snapshot(
    version=7,
    expires=expires,
    meta={
        "targets.json": MetaFile(3, 1234, {"sha256": "ab" * 32}, {"x-meta": "s"}),
        "role-a.json": MetaFile(1),
    },
)
timestamp = Timestamp(version=9, expires=expires, snapshot_meta=MetaFile(7, 99, {"sha256": "cd" * 32}, {"x-meta": "t"}))

plan = {
    "root": (root, ["ed25519", "p256", "p384", "rsa"]),
    "timestamp": (timestamp, ["p384", "rsa"]),
    "snapshot": (snapshot, ["ed25519", "p384"]),
    "targets": (targets, ["p256", "rsa"]),
    "role-a": (role_a, ["p256", "ed25519"]),
}
signed_by = {}
for name, (signed, who) in plan.items():
    md = Metadata(signed, unrecognized_fields={"x-envelope": name})
    for signer_name in who:
        md.sign(signers[signer_name], append=True)
    # A custom field on one signature, and a junk signature by an unknown key, must be tolerated.
    first = next(iter(md.signatures.values()))
    md.signatures[first.keyid] = Signature(first.keyid, first.signature, {"x-sig": "ok"})
    md.signatures["00" * 32] = Signature("00" * 32, "deadbeef")
    with open(os.path.join(out, f"{name}.json"), "wb") as f:
        f.write(md.to_bytes(JSONSerializer(compact=False)))
    with open(os.path.join(out, "canonical", name), "wb") as f:
        f.write(CanonicalJSONSerializer().serialize(md.signed))
    signed_by[name] = sorted(keyids[s] for s in who)

paths = ["files/a.txt", "files/x/y.txt", "b/c.txt", "b/c.tzt", "b/cc.txt", "x", "files/", "Files/a.txt", "npm/é", "a" * 40]
delegations = targets.delegations.roles
expectations = {
    "keyids": keyids,
    "signed_by": signed_by,
    "paths": {p: [n for n, r in delegations.items() if r.is_delegated_path(p)] for p in paths},
    "bins": {p: role_a.delegations.succinct_roles.get_role_for_target(p) for p in paths},
}
with open(os.path.join(out, "expectations.json"), "w") as f:
    json.dump(expectations, f)
