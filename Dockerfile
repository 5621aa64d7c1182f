# One Dockerfile, two images. Pick the connector with a build argument:
#   docker build --build-arg CONNECTOR_NAME=source-freshdesk        --build-arg CONNECTOR_VERSION=0.1.0 -t helpdesk-airbyte/source-freshdesk:0.1.0 .
#   docker build --build-arg CONNECTOR_NAME=source-talkdesk-explore --build-arg CONNECTOR_VERSION=0.1.0 -t helpdesk-airbyte/source-talkdesk-explore:0.1.0 .
# .ci/images builds both with podman for the image tests; integration_tests/packaging also replays
# these steps in a virtualenv (for machines without an engine), so keep
# every step expressible as COPY / RUN / ENV and keep heredocs out (hadolint cannot parse them).

# Airbyte's Python connector base (Python 3.11, user `airbyte`), pinned by digest for reproducible images.
ARG BASE_IMAGE=docker.io/airbyte/python-connector-base:4.0.2@sha256:9fdb1888c4264cf6fee473649ecb593f56f58e5d0096a87ee0b231777e2e3e73

FROM ${BASE_IMAGE} AS builder
WORKDIR /airbyte/integration_code
# Only what the wheel needs: setup.py reads README.md for the long description.
COPY setup.py pyproject.toml README.md ./
COPY connector_common ./connector_common
COPY source_freshdesk ./source_freshdesk
COPY source_talkdesk_explore ./source_talkdesk_explore
# Build a wheel first so the image gets exactly what a `pip install` of the release would (package
# data included), then install it with its dependencies into /usr/local.
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /airbyte/wheels . \
    && pip install --no-cache-dir /airbyte/wheels/*.whl

FROM ${BASE_IMAGE}
# Console-script name of the connector this image runs (both are installed; the name selects one).
ARG CONNECTOR_NAME=source-freshdesk
ARG CONNECTOR_VERSION=0.1.0
WORKDIR /airbyte/integration_code
COPY --from=builder /usr/local /usr/local
# An exec-form ENTRYPOINT cannot expand build arguments, so give the chosen script a fixed name.
# Running `spec` here fails the build on a mistyped CONNECTOR_NAME or a wheel without spec.json.
RUN ln -s "/usr/local/bin/${CONNECTOR_NAME}" /usr/local/bin/airbyte-connector \
    && /usr/local/bin/airbyte-connector spec > /dev/null
LABEL io.airbyte.name="helpdesk-airbyte/${CONNECTOR_NAME}" \
      io.airbyte.version="${CONNECTOR_VERSION}"
# The platform runs `eval "$AIRBYTE_ENTRYPOINT <verb> --config ..."` in /bin/sh; `docker run` uses
# ENTRYPOINT. Keep the two identical.
ENV AIRBYTE_ENTRYPOINT="/usr/local/bin/airbyte-connector"
ENTRYPOINT ["/usr/local/bin/airbyte-connector"]
USER airbyte
