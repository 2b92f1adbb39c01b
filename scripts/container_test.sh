#!/usr/bin/env bash
# Build the image with podman + runc on a locally built Debian base (passed by digest), run it hardened
# (read-only root file system, every capability dropped, no new privileges) and check it: healthy, not
# root, no capability, read-only, no compiler, exactly the locked packages, no secret copied in, the
# health endpoint answers, no site may drive it from a frame, and a file uploaded through the page is
# profiled with nothing fetched from outside. Then the same behind the README's nginx configuration:
# the security headers are sent and the page runs under them without a Content-Security-Policy
# violation.
# Needs root (apt-get, debootstrap). Debian's mirror is read from apt's own sources.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-18501}
PROXY_PORT=${PROXY_PORT:-18580}
NAME=balancer-container-test
PODMAN="podman --runtime runc"
LIMITS=(--ulimit nproc=4096:4096 --ulimit nofile=4096:4096)
# The hardening flags of the README's `docker run`.
HARDENING=(--read-only --tmpfs /tmp:rw,nosuid,nodev,noexec,size=512m
           --cap-drop ALL --security-opt no-new-privileges)

for tool in podman runc debootstrap nginx; do
    command -v "$tool" >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc debootstrap nginx >/dev/null; break; }
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
# The Dockerfile takes its base only pinned by digest: the local base's, read from the image itself.
digest=$($PODMAN image inspect --format '{{.Digest}}' localhost/base-python)
BASE="localhost/base-python@$digest"
python=$($PODMAN run --rm "${LIMITS[@]}" "$BASE" python3 -V)
case "$python" in "Python 3.11."*) ;; *) echo "the base has $python; the locks are for Python 3.11" >&2; exit 1 ;; esac
echo "base: $BASE ($python)"

# Build from a copy of what the repository would hold (tracked and untracked-but-not-ignored files)
# with planted secrets beside it, to show none of them reaches the image.
context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
git ls-files -z --cached --others --exclude-standard \
    | while IFS= read -r -d '' file; do [ -f "$file" ] && printf '%s\0' "$file"; done \
    | tar --null -T - -c | tar -x -C "$context"
mkdir -p "$context/.streamlit"
for planted in .streamlit/secrets.toml .env ui/.env server.pem; do
    echo "PLANTED_SECRET" > "$context/$planted"
done

refused=$($PODMAN build "${LIMITS[@]}" --format docker --build-arg BASE=localhost/base-python \
          -t localhost/balancer-unpinned "$context" 2>&1 || true)
echo "$refused" | grep -q 'BASE must be pinned by digest' || { echo "$refused" | tail -5; echo "the build took a base not pinned by digest" >&2; exit 1; }
echo "a base not pinned by digest is refused"

$PODMAN build "${LIMITS[@]}" --format docker \
    -v /etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/ca-certificates.crt:ro \
    --build-arg BASE="$BASE" -t localhost/balancer "$context"

$PODMAN rm -f "$NAME" >/dev/null 2>&1 || true
proxy=$(mktemp -d) && chmod 755 "$proxy"   # nginx workers (nobody) write request bodies below it
trap '[ -f "$proxy/nginx.pid" ] && kill "$(cat "$proxy/nginx.pid")"; rm -rf "$context" "$proxy"; $PODMAN rm -f "$NAME" >/dev/null 2>&1 || true' EXIT
# (podman without systemd says it cannot schedule healthchecks: they are run by hand below)
$PODMAN run -d --name "$NAME" "${LIMITS[@]}" "${HARDENING[@]}" -p "127.0.0.1:$PORT:8501" localhost/balancer \
    2> >(grep -v 'unable to get systemd connection' >&2) >/dev/null
echo "running with: ${HARDENING[*]}"

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

# The server is PID 1: its capabilities (all zero) and no_new_privs as the kernel sees them.
caps=$($PODMAN exec "$NAME" sh -c 'grep -E "^(CapPrm|CapEff|CapBnd|NoNewPrivs):" /proc/1/status' | tr -s '\t' ' ')
echo "$caps" | grep -q '^CapEff: 0000000000000000$' || { echo "$caps"; echo "the server has capabilities" >&2; exit 1; }
echo "$caps" | grep -q '^CapBnd: 0000000000000000$' || { echo "$caps"; echo "capabilities were not dropped" >&2; exit 1; }
echo "$caps" | grep -q '^NoNewPrivs: 1$' || { echo "$caps"; echo "no_new_privs is not set" >&2; exit 1; }
echo "no capabilities, no new privileges"

root_mount=$($PODMAN exec "$NAME" awk '$2 == "/" { print $4 }' /proc/mounts)
case "$root_mount" in ro,*|ro) ;; *) echo "the root file system is mounted $root_mount" >&2; exit 1 ;; esac
if $PODMAN exec "$NAME" touch /home/balancer/.write-test 2>/dev/null; then
    echo "the user's home is writable" >&2; exit 1
fi
$PODMAN exec "$NAME" sh -c 'touch /tmp/.write-test && rm /tmp/.write-test'
echo "root file system read-only (even the user's home); /tmp a tmpfs"

if $PODMAN exec "$NAME" sh -c 'command -v gcc || command -v cc || command -v g++' >/dev/null 2>&1; then
    echo "the image contains a compiler" >&2; exit 1
fi
echo "no compiler in the image"

found=$($PODMAN exec "$NAME" sh -c 'grep -rl PLANTED_SECRET /app /opt/venv 2>/dev/null; find /app -name secrets.toml -o -name ".env*" -o -name "*.pem"' || true)
[ -z "$found" ] || { echo "secrets reached the image: $found" >&2; exit 1; }
[ "$($PODMAN exec "$NAME" ls -A /app/.streamlit)" = config.toml ] || { echo "/app/.streamlit holds more than config.toml" >&2; exit 1; }
echo "no planted secret in the image; .streamlit holds config.toml only"

# Exactly the locked packages (pip itself from requirements-build.lock), plus Balancer; no setuptools.
$PODMAN exec "$NAME" python3 -m pip --no-cache-dir freeze --all | .venv/bin/python -c '
import re, sys
norm = lambda line: re.sub(r"[-_.]+", "-", line.strip().lower())
pins = lambda text: {norm(m) for m in re.findall(r"^([A-Za-z0-9._-]+==[^ \\\n]+)", text, re.M)}
locked = pins(open("requirements.lock").read()) | {p for p in pins(open("requirements-build.lock").read()) if p.startswith("pip==")}
installed = {norm(line) for line in sys.stdin if line.strip() and not norm(line).startswith("balancer")}
if installed != locked:
    sys.exit(f"installed but not locked: {sorted(installed - locked)}; locked but not installed: {sorted(locked - installed)}")
print(f"installed packages: the {len(locked)} locked ones, and Balancer")'

[ "$(curl -fsS "http://127.0.0.1:$PORT/_stcore/health")" = ok ] || { echo "health endpoint did not answer ok" >&2; exit 1; }
echo "health endpoint: ok"

host_config=$(curl -fsS "http://127.0.0.1:$PORT/_stcore/host-config")
echo "$host_config" | grep -q '"allowedOrigins":\[\]' || { echo "$host_config"; echo "other sites may drive the app from a frame" >&2; exit 1; }
echo "host-config: no origin may drive the app from a frame"

check_headers() {  # URL WHO: the security headers serve.py adds reach the client
    local headers
    headers=$(curl -fsSI "$1")
    for header in "Content-Security-Policy: .*frame-ancestors 'none'" "X-Frame-Options: DENY" \
                  "X-Content-Type-Options: nosniff" "Referrer-Policy: no-referrer"; do
        echo "$headers" | grep -qi "^$header" || { echo "$headers"; echo "$2 does not send $header" >&2; exit 1; }
    done
    echo "$2 sends Content-Security-Policy, X-Frame-Options, X-Content-Type-Options, Referrer-Policy"
}
check_headers "http://127.0.0.1:$PORT/" "the container"

.venv/bin/python scripts/upload_check.py "http://127.0.0.1:$PORT" tests/data/flare-F.csv

if $PODMAN logs "$NAME" 2>&1 | grep -E 'Read-only file system|PermissionError|Traceback|external IP'; then
    echo "the server log shows errors (above)" >&2; exit 1
fi
echo "server log: no write or permission error, no outside IP lookup"

# The README's nginx server block, as written there but for plain HTTP on a local port.
.venv/bin/python - "$proxy" "$PROXY_PORT" "$PORT" <<'PY'
import re, sys
proxy, proxy_port, port = sys.argv[1:]
# The unindented block that starts with "server {" (an indented snippet for auth_request comes earlier).
block = re.search(r"^```nginx\n(server \{.*?)^```", open("README.md").read(), re.S | re.M).group(1)
block = block.replace("listen 443 ssl;", f"listen 127.0.0.1:{proxy_port};")
block = block.replace("proxy_pass http://127.0.0.1:8501;", f"proxy_pass http://127.0.0.1:{port};")
block = "\n".join(line for line in block.splitlines() if "ssl_certificate" not in line)
temp = " ".join(f"{kind}_temp_path {proxy}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
open(f"{proxy}/nginx.conf", "w").write(
    f"pid {proxy}/nginx.pid; error_log {proxy}/error.log;\nevents {{}}\n"
    f"http {{ access_log off; {temp}\n{block}}}\n")
PY
nginx -q -c "$proxy/nginx.conf" -p "$proxy"
for _ in $(seq 1 20); do curl -fsS "http://127.0.0.1:$PROXY_PORT/_stcore/health" >/dev/null 2>&1 && break; sleep 0.5; done
check_headers "http://127.0.0.1:$PROXY_PORT/" "behind the README's nginx, the app"
.venv/bin/python scripts/upload_check.py "http://127.0.0.1:$PROXY_PORT" tests/data/flare-F.csv
echo "container test passed"
