"""Checks that the shipped artefacts work without the dev setup: the Dockerfile (hadolint and an
install replay), the metadata files, and a fresh-virtualenv PyAirbyte read."""
