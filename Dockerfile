# Balancer's image. The base is a build argument: a slim Python 3.11 image (python:3.11-slim), or a
# locally built Debian base (see scripts/container_test.sh) where no registry can be reached.
ARG BASE=python:3.11-slim

# ---- dependencies in their own layer (rebuilt only when requirements.txt changes)
FROM ${BASE} AS build
RUN python3 -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
RUN /opt/venv/bin/pip install --no-cache-dir --upgrade pip \
 && /opt/venv/bin/pip install --no-cache-dir -r /tmp/requirements.txt
COPY pyproject.toml README.md /src/
COPY balancer /src/balancer
RUN /opt/venv/bin/pip install --no-cache-dir --no-deps /src

# ---- the runtime image: no compilers, no build tools, a non-root user
FROM ${BASE}
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin balancer
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY app.py ./
COPY pages ./pages
COPY ui ./ui
COPY .streamlit ./.streamlit
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PORT=8501 \
    BALANCER_MAX_UPLOAD_MB=500 \
    BALANCER_MAX_ROWS=5000000 \
    BALANCER_MAX_COLUMNS=2000 \
    BALANCER_MAX_OUTPUT_ROWS=10000000 \
    BALANCER_MAX_JOBS=2
USER balancer
EXPOSE 8501
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD python3 -c "import os, sys, urllib.request; r = urllib.request.urlopen('http://127.0.0.1:%s/_stcore/health' % os.environ.get('PORT', '8501'), timeout=4); sys.exit(0 if r.read().strip() == b'ok' else 1)"
CMD ["sh", "-c", "exec streamlit run app.py --server.address 0.0.0.0 --server.port ${PORT} --server.maxUploadSize ${BALANCER_MAX_UPLOAD_MB}"]
