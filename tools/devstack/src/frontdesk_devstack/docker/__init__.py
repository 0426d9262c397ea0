"""Frontdesk in containers on this machine: `python -m frontdesk_devstack.docker ...`.

The Docker engine (Debian's `docker.io`, `dockerd` run in the background), the compose
plugin (built once from the Go module proxy), a Debian base image made with debootstrap
(no image registry is needed), the images of `deploy/images/`, and `deploy/compose.yaml`
with two instances of every service behind haproxy. `make up-docker`, `make down-docker`
and `make test-docker` call it; `deploy/docker/README.md` says what each part is.
All state lives under `.local/docker/`.
"""
