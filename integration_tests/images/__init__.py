"""Both connector images, built from /Dockerfile with podman and run the way the platform runs them."""
