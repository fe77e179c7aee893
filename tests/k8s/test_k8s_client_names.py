"""RayJob names the operator accepts, and the RayJob object itself, checked against the KubeRay v1 CRD."""

from __future__ import annotations

import copy
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from farm.errors import InputError
from farm.k8s import RayJobOptions, build_rayjob, image_digest, is_dns_1035, parse_workers, rayjob_name, sweep_hash
from farm.k8s.names import DNS_1035, LABEL_VALUE_MAX, RAYJOB_NAME_MAX
from tests.k8s.kuberay_schema import validate_kuberay as validate_rayjob

DIGEST = "registry.example.com/simfarm@sha256:" + "0123456789abcdef" * 4
OPTIONS = RayJobOptions(image=DIGEST, namespace="sims", workers_min=2, workers_max=8)
awkward_ids = st.text(alphabet=string.ascii_letters + string.digits + "-_.:/ ÄßЖ😀\t", min_size=0, max_size=120)


@settings(max_examples=400, deadline=None)
@given(sweep_id=awkward_ids, submission=st.integers(min_value=1, max_value=10_000))
def test_every_name_is_a_dns_1035_label_of_at_most_47_characters(sweep_id: str, submission: int) -> None:
    name = rayjob_name(sweep_id, submission)
    assert len(name) <= RAYJOB_NAME_MAX and DNS_1035.match(name), name
    assert name.split("-")[-1 if submission == 1 else -2] == sweep_hash(sweep_id)
    label = sweep_hash(sweep_id)
    assert len(label) <= LABEL_VALUE_MAX and label.isalnum()


@settings(max_examples=200, deadline=None)
@given(a=awkward_ids, b=awkward_ids)
def test_different_sweeps_get_different_names(a: str, b: str) -> None:
    if a != b:
        assert rayjob_name(a) != rayjob_name(b)
        assert rayjob_name(a, 2) != rayjob_name(a)


LONG_ID = "2026_Release.Candidate" + "X" * 80 + "-20261122T020000Z-4b1c9e"


@pytest.mark.parametrize(("sweep_id", "name"), [  # hashes: sha256(id).hexdigest()[:10], computed by hand
    ("nightly-20261122T020000Z-4b1c9e", "nightly-20261122t020000z-4b1c9e-c69ef4aee8"),
    (LONG_ID, "s-2026-release-candidatexxxxxxxxxxxx-e6a48de79e"),  # 47 characters, cut before the hash
    ("---", "s-cb3f91d54e"),
])
def test_the_rule_on_examples(sweep_id: str, name: str) -> None:
    assert rayjob_name(sweep_id) == name and is_dns_1035(name)


def test_the_full_id_is_an_annotation_and_the_hash_a_label() -> None:
    sweep_id = "Nightly_Regression.EU-West-" + "x" * 60 + "-20261122T020000Z-4b1c9e"
    meta = build_rayjob(sweep_id, "true", OPTIONS)["metadata"]
    assert meta["annotations"]["simfarm.io/sweep-id"] == sweep_id
    assert meta["labels"]["simfarm.io/sweep-hash"] == sweep_hash(sweep_id) == meta["name"][-10:]


def test_the_rayjob_validates_strictly_against_the_crd_and_a_misspelling_does_not() -> None:
    obj = build_rayjob("Nightly-20261122T020000Z-4b1c9e", "python -m farm.driver run", OPTIONS)
    assert validate_rayjob(obj) == []
    misspelled = copy.deepcopy(obj)
    misspelled["spec"]["shutdownAfterJobFinish"] = misspelled["spec"].pop("shutdownAfterJobFinishes")
    assert any("shutdownAfterJobFinish" in p for p in validate_rayjob(misspelled))
    too_long = copy.deepcopy(obj)
    too_long["metadata"]["name"] = "a" * 48
    assert validate_rayjob(too_long) != []


def test_the_cluster_spec_follows_the_options() -> None:
    spec = build_rayjob("s-1", "python -m farm.driver run", OPTIONS)["spec"]
    assert (spec["submissionMode"], spec["shutdownAfterJobFinishes"], spec["backoffLimit"]) == ("K8sJobMode", True, 1)
    cluster = spec["rayClusterSpec"]
    assert cluster["headGroupSpec"]["rayStartParams"]["num-cpus"] == "0" and cluster["enableInTreeAutoscaling"]
    group = cluster["workerGroupSpecs"][0]
    assert (group["replicas"], group["minReplicas"], group["maxReplicas"]) == (2, 2, 8)
    container = group["template"]["spec"]["containers"][0]
    assert container["env"] == [{"name": "SIMFARM_IMAGE_DIGEST", "value": "sha256:" + "0123456789abcdef" * 4}]
    assert container["envFrom"] == [{"configMapRef": {"name": "simfarm-store"}},
                                    {"secretRef": {"name": "simfarm-s3-credentials", "optional": True}}]
    fixed = build_rayjob("s-1", "x", RayJobOptions(image="simfarm:0.1.0", namespace="n"))["spec"]["rayClusterSpec"]
    assert "enableInTreeAutoscaling" not in fixed and "env" not in fixed["headGroupSpec"]["template"]["spec"][
        "containers"][0]


@pytest.mark.parametrize(("text", "pair"), [("1", (1, 1)), ("4", (4, 4)), ("2:200", (2, 200))])
def test_workers_are_n_or_min_max(text: str, pair: tuple[int, int]) -> None:
    assert parse_workers(text) == pair


@pytest.mark.parametrize("text", ["0", "3:2", "a", "1:", ":4", "-1:3"])
def test_bad_workers_are_input_errors(text: str) -> None:
    with pytest.raises(InputError, match="--workers"):
        parse_workers(text)


def test_only_a_sha256_reference_is_a_digest() -> None:
    assert image_digest(DIGEST) == "sha256:" + "0123456789abcdef" * 4
    for tag in ("simfarm:0.1.0", "simfarm@sha256:abc", "simfarm@md5:" + "0" * 64, "simfarm"):
        assert image_digest(tag) is None
