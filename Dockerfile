# syntax=docker/dockerfile:1
FROM python:3.11-slim AS builder
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends make \
 && rm -rf /var/lib/apt/lists/*
# requirements.lock pins torch==2.13.0+cpu, which only the PyTorch CPU index has.
ENV PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu \
    PIP_NO_CACHE_DIR=1 \
    HF_HUB_OFFLINE=1
COPY pyproject.toml requirements.lock Makefile README.md ./
COPY qa qa
COPY embeddings embeddings
COPY seeds seeds
RUN make install PYTHON=python3
RUN .venv/bin/qa ingest seeds --index-dir /app/var/index

FROM python:3.11-slim
WORKDIR /app
RUN useradd --create-home --uid 1000 qa
COPY --from=builder --chown=qa:qa /app /app
USER qa
ENV HF_HUB_OFFLINE=1 QA_INDEX_DIR=/app/var/index QA_HOST=0.0.0.0
EXPOSE 8000
VOLUME /app/var/index
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request, sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/api/health', timeout=4).status == 200 else 1)"]
CMD [".venv/bin/qa", "serve"]
