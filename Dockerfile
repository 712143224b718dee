# wallboard as an image: one process, one port (8080), config mounted read-only.
#   docker build -t wallboard .
#   docker run -p 8080:8080 --ulimit nofile=4096:4096 \
#     -v "$PWD/config.toml:/etc/wallboard/config.toml:ro" -v wallboard-state:/var/lib/wallboard \
#     -e SENTRY_AUTH_TOKEN=... wallboard
# Secrets come from the environment or from mounted files (*_env / *_file keys),
# e.g. -v "$PWD/sentry-token:/run/secrets/sentry-token:ro" with token_file.

# The newest 3.11 patch release (3.11 gets security fixes until October 2027).
ARG PYTHON_IMAGE=python:3.11.17-slim-bookworm

# -- build: the wheel, installed into a virtualenv with the pinned dependencies -------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml setup.py README.md LICENSE ./
COPY collectors ./collectors
COPY wallboard ./wallboard
COPY templates ./templates
COPY static ./static
# The wheel carries templates/, static/ and the fonts inside the package, so the
# runtime stage needs only the virtualenv. Every dependency is pinned exactly in
# pyproject.toml.
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /dist . \
    && python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir /dist/wallboard-*.whl

# -- runtime: the same slim base, no compilers, a non-root user -----------------------
FROM ${PYTHON_IMAGE}
RUN groupadd --system --gid 10001 wallboard \
    && useradd --system --uid 10001 --gid wallboard --no-create-home \
       --shell /usr/sbin/nologin wallboard \
    && mkdir -p /var/lib/wallboard \
    && chown 10001:10001 /var/lib/wallboard
COPY --from=build /opt/venv /opt/venv
ARG BUILD_ID=""
# WALLBOARD_BUILD_ID: screens reload themselves when it changes; empty means a hash
# of the code. The config path is where the file is mounted.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    WALLBOARD_BUILD_ID=${BUILD_ID} \
    WALLBOARD_CONFIG=/etc/wallboard/config.toml \
    WALLBOARD_HOST=0.0.0.0 \
    WALLBOARD_PORT=8080 \
    WALLBOARD_PID_FILE=/tmp/wallboard.pid \
    WALLBOARD_STATE_PATH=/var/lib/wallboard/state.db
# The board's state (docs/state.md): mount a volume here so a new container keeps it.
VOLUME ["/var/lib/wallboard"]
WORKDIR /app
USER 10001:10001
EXPOSE 8080
# Liveness only (the process answers); /readyz is for the load balancer.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ['WALLBOARD_PORT'] + '/healthz', timeout=2)"]
# Exec form: wallboard is PID 1 and receives SIGTERM (graceful stop) and SIGHUP (reload).
CMD ["wallboard", "serve"]
