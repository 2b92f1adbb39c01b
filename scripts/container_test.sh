#!/usr/bin/env bash
# Build the image with podman + runc on a locally built Debian base, run it, and check it:
# healthy, not root, a file uploaded over HTTP through the page, the health endpoint answers.
# Needs root (apt-get, debootstrap). Debian's mirror is read from apt's own sources.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-18501}
NAME=balancer-container-test
PODMAN="podman --runtime runc"
LIMITS=(--ulimit nproc=4096:4096 --ulimit nofile=4096:4096)

for tool in podman runc debootstrap; do
    command -v "$tool" >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc debootstrap >/dev/null; break; }
done

if ! $PODMAN image exists localhost/base-python; then
    mirror=$(grep -rhoE 'https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list.d/ /etc/apt/sources.list 2>/dev/null \
             | grep -v security | awk 'NR == 1 { gsub(/ /, ""); print }' || true)
    [ -n "$mirror" ] || { echo "no Debian mirror found in apt's sources" >&2; exit 1; }
    rootfs=$(mktemp -d)
    echo "building the base image from $mirror"
    debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates bookworm "$rootfs" "$mirror" >/dev/null
    tar -C "$rootfs" -c . | $PODMAN import - localhost/base-python >/dev/null
    rm -rf "$rootfs"
fi

$PODMAN build "${LIMITS[@]}" --format docker \
    -v /etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/ca-certificates.crt:ro \
    --build-arg BASE=localhost/base-python -t localhost/balancer .

$PODMAN rm -f "$NAME" >/dev/null 2>&1 || true
trap '$PODMAN rm -f "$NAME" >/dev/null 2>&1 || true' EXIT
$PODMAN run -d --name "$NAME" "${LIMITS[@]}" -p "$PORT:8501" localhost/balancer >/dev/null

echo "waiting for the container to be healthy"
for _ in $(seq 1 60); do
    status=$($PODMAN healthcheck run "$NAME" >/dev/null 2>&1 && echo healthy || echo starting)
    [ "$status" = healthy ] && break
    sleep 2
done
[ "$status" = healthy ] || { $PODMAN logs "$NAME" | tail -20; echo "container never became healthy" >&2; exit 1; }
echo "healthy"

uid=$($PODMAN exec "$NAME" id -u)
[ "$uid" != 0 ] || { echo "the app runs as root" >&2; exit 1; }
echo "runs as uid $uid"

if $PODMAN exec "$NAME" sh -c 'command -v gcc || command -v cc || command -v g++' >/dev/null 2>&1; then
    echo "the image contains a compiler" >&2; exit 1
fi
echo "no compiler in the image"

[ "$(curl -fsS "http://127.0.0.1:$PORT/_stcore/health")" = ok ] || { echo "health endpoint did not answer ok" >&2; exit 1; }
echo "health endpoint: ok"

.venv/bin/python scripts/upload_check.py "http://127.0.0.1:$PORT" tests/data/flare-F.csv
echo "container test passed"
