# Balancer's image: the dashboard, as a non-root user, from hash-checked dependencies.
#
# BASE has no default on purpose: a tag such as python:3.11-slim moves, so the build takes a Python
# 3.11 image pinned by its digest, one you pulled and checked yourself, and refuses anything else:
#   docker build --build-arg BASE=python:3.11-slim@sha256:<digest> -t balancer .
# scripts/container_test.sh passes a Debian bookworm base built locally with debootstrap, by digest.
ARG BASE

# ---- dependencies in their own layer (rebuilt only when a lock changes)
FROM ${BASE} AS build
ARG BASE
RUN case "${BASE}" in *@sha256:*) ;; \
      *) echo "BASE must be pinned by digest (NAME@sha256:...), got '${BASE}'" >&2; exit 1 ;; esac
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
RUN python3 -m venv /opt/venv
# requirements-build.lock: pip and setuptools; requirements.lock: requirements.txt with every indirect
# dependency, all pinned with their hashes (`make lock`). Wheels only: no package's setup code runs.
COPY requirements-build.lock requirements.lock /tmp/
RUN /opt/venv/bin/pip install --require-hashes --no-deps --only-binary=:all: -r /tmp/requirements-build.lock \
 && /opt/venv/bin/pip install --require-hashes --no-deps --only-binary=:all: -r /tmp/requirements.lock
COPY pyproject.toml README.md balancer_command.py /src/
COPY balancer /src/balancer
# Balancer itself is built with the pinned setuptools, offline, which then leaves the image.
RUN /opt/venv/bin/pip install --no-deps --no-index --no-build-isolation /src \
 && /opt/venv/bin/pip uninstall --yes setuptools \
 && /opt/venv/bin/pip check

# ---- the runtime image: no compilers, no build tools, a non-root user, code it cannot change
FROM ${BASE}
ARG BASE
LABEL org.opencontainers.image.base.name="${BASE}"
RUN groupadd --gid 10001 balancer \
 && useradd --create-home --uid 10001 --gid 10001 --shell /usr/sbin/nologin balancer \
 && install -d -o 10001 -g 10001 -m 0700 /data
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY app.py serve.py ./
COPY pages ./pages
COPY ui ./ui
# Only the settings: a secrets.toml beside them never enters the image (.dockerignore leaves it out too).
COPY .streamlit/config.toml ./.streamlit/config.toml
RUN /opt/venv/bin/python -m compileall -q /app
# STREAMLIT_LOGGER_HIDE_WELCOME_MESSAGE: no start-up banner, whose "External URL" line has Streamlit
# look up the host's public IP at an outside service.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PORT=8501 \
    BALANCER_MAX_UPLOAD_MB=500 \
    BALANCER_MAX_ROWS=5000000 \
    BALANCER_MAX_COLUMNS=2000 \
    BALANCER_MAX_OUTPUT_ROWS=10000000 \
    BALANCER_MAX_JOBS=2 \
    BALANCER_DB=/data/runs.db \
    STREAMLIT_LOGGER_HIDE_WELCOME_MESSAGE=true
# The saved runs' SQLite file (BALANCER_DB) lives in this volume, writable when the root file system
# is read-only; mount a named volume here to keep the runs across containers, or set
# BALANCER_DATABASE_URL to use a PostgreSQL server instead (compose.yaml).
VOLUME /data
# Numeric, so an orchestrator can check it is not root (Kubernetes' runAsNonRoot).
USER 10001:10001
EXPOSE 8501
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD python3 -c "import os, sys, urllib.request; r = urllib.request.urlopen('http://127.0.0.1:%s/_stcore/health' % os.environ.get('PORT', '8501'), timeout=4); sys.exit(0 if r.read().strip() == b'ok' else 1)"
# Inside the container it listens on every interface, so the port can be published; publish it on
# 127.0.0.1 (docker run -p 127.0.0.1:8501:8501) when a proxy on the same host serves it.
CMD ["sh", "-c", "exec streamlit run serve.py --server.address 0.0.0.0 --server.port ${PORT} --server.maxUploadSize ${BALANCER_MAX_UPLOAD_MB}"]
