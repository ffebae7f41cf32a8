#!/usr/bin/env bash
# Regenerates metadata/example/: throwaway TEST keys, a ceremony from ceremony.json that
# publishes root v1, then a rotation (alice's key replaced) publishing root v2.
# Usage: metadata/example/regenerate.sh [path/to/trustroot]   (default: builds a release binary)
# The private keys and their passphrase exist only in a temporary folder and are deleted.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source="$(cd "$here/../.." && pwd)"
if [[ $# -ge 1 ]]; then
  trustroot="$(realpath "$1")"
else
  (cd "$source" && swift build -c release --product trustroot >/dev/null)
  trustroot="$source/.build/release/trustroot"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export TRUSTROOT_KEY_PASSPHRASE="$(head -c 24 /dev/urandom | base64)"

mkdir -p "$work/test-keys"
for holder in alice bob carol; do
  "$trustroot" key generate --type ed25519 --out "$work/test-keys/$holder.key" --json > "$work/test-keys/$holder.pub.json"
done
"$trustroot" key generate --type ecdsa-p256 --out "$work/test-keys/online.key" --json > "$work/test-keys/online.pub.json"
sed 's#"../sigstore/production/trusted_root.json"#"'"$source"'/metadata/sigstore/production/trusted_root.json"#' \
  "$here/ceremony.json" > "$work/ceremony.json"

cd "$work"
"$trustroot" ceremony init workspace --config ceremony.json --holder example >/dev/null
"$trustroot" ceremony sign workspace --key test-keys/alice.key >/dev/null
"$trustroot" ceremony sign workspace --key test-keys/bob.key >/dev/null
"$trustroot" ceremony publish workspace --out repository --online-key test-keys/online.key --holder example

"$trustroot" key generate --type ed25519 --out test-keys/alice-2.key --json > test-keys/alice-2.pub.json
sed -i 's#"test-keys/alice.pub.json"#"test-keys/alice-2.pub.json"#' ceremony.json
"$trustroot" ceremony propose workspace --config ceremony.json --holder example >/dev/null
for key in alice alice-2 carol; do "$trustroot" ceremony sign workspace --key "test-keys/$key.key" >/dev/null; done
"$trustroot" ceremony publish workspace --out repository --online-key test-keys/online.key --holder example
"$trustroot" ceremony verify workspace >/dev/null

rm -rf "$here/repository" "$here/test-keys"
mkdir -p "$here/test-keys"
cp -r repository "$here/repository"
cp test-keys/*.pub.json "$here/test-keys/"
cp workspace/transcript.jsonl "$here/transcript.jsonl"
echo "regenerated $here: root v$(ls repository/metadata | grep -c '^[0-9]*\.root\.json$') published"
