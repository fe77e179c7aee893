"""No manifest, sample or image file holds a secret value: credentials are only ever referenced."""

from __future__ import annotations

import re
from pathlib import Path

from tests.k8s.manifests import K8S, REPO, containers, raw_objects

# Environment names that carry credentials; they may appear only as references (valueFrom / envFrom).
SECRET_ENV = re.compile(r"(SECRET|PASSWORD|TOKEN|ACCESS_KEY|CREDENTIAL)", re.IGNORECASE)
# Shapes of secret values: AWS access key ids, PEM private keys, bearer tokens, aws_secret_access_key lines.
SECRET_TEXT = re.compile(r"(AKIA|ASIA)[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY-----|Bearer [A-Za-z0-9._-]{16,}"
                         r"|aws_secret_access_key\s*[=:]")


def _files() -> list[Path]:
    return [p for p in K8S.rglob("*") if p.is_file()] + [REPO / "Dockerfile", REPO / ".dockerignore"]


def test_no_secret_object_and_no_secret_looking_text() -> None:
    for path, obj in raw_objects():
        assert obj["kind"] != "Secret", path
    for path in _files():
        text = path.read_text(encoding="utf-8")
        assert not SECRET_TEXT.search(text), path
        assert "stringData:" not in text, path


def test_credentials_are_only_referenced() -> None:
    refs = 0
    for path, obj in raw_objects():
        for container in containers(obj):
            for env in container.get("env", []):
                if SECRET_ENV.search(env["name"]):
                    assert "value" not in env, f"{path}: {env['name']} has a literal value"
            for source in container.get("envFrom", []):
                if "secretRef" in source:
                    assert source["secretRef"] == {"name": "simfarm-s3-credentials", "optional": True}, path
                    refs += 1
    assert refs >= 7  # every simfarm container, in the base, the template and the samples
    assigned = re.findall(r"\b([A-Z][A-Z0-9_]*)=", (REPO / "Dockerfile").read_text())  # ENV / ARG names
    assert "PYTHONUNBUFFERED" in assigned and not [name for name in assigned if SECRET_ENV.search(name)]
