# One image for every part of the hotline: the Rasa servers, the action server, the worker and the
# one-off set-up (migrations, directory import). docker-compose.yml runs them; docs/deployment.md,
# "Past one machine", says how. The model is trained when the image is built, from the data in it.
# Python 3.11, as .python-version: Rasa 3.6.21 declares Python below 3.11, hence pip's
# --ignore-requires-python and overrides.txt (docs/deployment.md, "Python").
FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    SQLALCHEMY_SILENCE_UBER_WARNING=1 \
    RASA_TELEMETRY_ENABLED=false \
    PYTHONWARNINGS=ignore::DeprecationWarning

RUN useradd --create-home --uid 1001 hub
WORKDIR /app

# Dependencies first, so that a code change does not reinstall TensorFlow. requirements.txt is the
# runtime lock: every package pinned and checked against its hash, nothing resolved here, and no
# test tools (those are in requirements-dev.txt, for `make test`). The flags are the Makefile's
# PIP_INSTALL_FLAGS. multidict 5.2.0 has no cp311 wheel: its C extension is built here with a
# compiler that is removed in the same step, so the image carries none (about 180 MB) and the turn
# keeps the extension's speed (docs/deployment.md, "Python 3.11, and why").
COPY requirements.txt pyproject.toml ./
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev \
    && pip install "pip==24.0" && pip install --require-hashes --no-deps --ignore-requires-python -r requirements.txt \
    && apt-get purge -y --auto-remove gcc libc6-dev && rm -rf /var/lib/apt/lists/* \
    && python -c "import multidict._multidict"

COPY . .
RUN pip install --no-deps --no-build-isolation -e . \
    && python tools/pip_check.py \
    && rasa train --data data/nlu data/rules data/stories --fixed-model-name hub --out models \
    && hub model record --model models/hub.tar.gz \
    && rm -rf .rasa \
    && chown -R hub:hub /app

USER hub
EXPOSE 5005 5055
# docker-compose.yml gives each service its own command; this is the Rasa server's.
CMD ["rasa", "run", "--port", "5005", "--model", "models/hub.tar.gz", "--credentials", "credentials.yml", "--endpoints", "endpoints.production.yml"]
