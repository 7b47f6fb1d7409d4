# Every target bootstraps .venv and is safe to run again.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Optional dependency groups to install; the Docker image runs `make install EXTRAS=`
# (no test tools in a production image).
EXTRAS ?= test
STAMP  := $(VENV)/.installed-$(or $(EXTRAS),base)
INDEX_DIR ?= var/index
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install serve test index bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the project's dependencies change.
$(STAMP): pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e '.$(if $(EXTRAS),[$(EXTRAS)])'
	touch $(STAMP)

install: $(STAMP)

# Build the index of seeds/ only when there is none.
index: install
	@test -f $(INDEX_DIR)/CURRENT || $(BIN)/qa ingest seeds --index-dir $(INDEX_DIR)

serve: index
	$(BIN)/qa serve --index-dir $(INDEX_DIR)

test: install
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python bench/quality.py

clean:
	rm -rf $(VENV) var .pytest_cache
