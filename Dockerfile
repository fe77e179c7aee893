# simfarm image: one image for the Ray head, the Ray workers, the sweep driver (which runs in
# the head pod of a RayJob) and the nightly CronJob's pod.
#
# Build and push from the repository root, then pin the pushed digest in ONE place, the
# `images:` entry of the kustomize overlay you deploy (README "Run on Kubernetes"):
#   docker buildx build --platform linux/amd64 -t REGISTRY/simfarm:$(python -c 'import farm; print(farm.__version__)') --push .
#
# The base is the official Ray image for exactly the Ray version in k8s/image/constraints.txt
# (tests/k8s/test_versions.py checks they agree, and agree with every manifest's rayVersion).
# It brings Python 3.11, Ray, bash and wget: KubeRay's default readiness/liveness probes
# (`wget ... | grep success`) work unchanged.
FROM rayproject/ray:2.60.0-py311-cpu

# The base image's non-root user `ray` (uid 1000, group `users`, gid 100), by number: the
# kubelet can only enforce `runAsNonRoot: true` for a numeric USER. KubeRay runs `ray start`
# in this image as the pod's command, so there is no ENTRYPOINT of ours.
USER 1000:100
WORKDIR /home/ray/simfarm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    OMP_NUM_THREADS=1 \
    OPENBLAS_NUM_THREADS=1 \
    MKL_NUM_THREADS=1

# Constraints and project metadata first (better layer caching), then the source.
COPY --chown=1000:100 k8s/image/constraints.txt ./constraints.txt
COPY --chown=1000:100 pyproject.toml README.md ./
COPY --chown=1000:100 farm ./farm
COPY --chown=1000:100 autonomy ./autonomy
COPY --chown=1000:100 scenario_library ./scenario_library
COPY --chown=1000:100 cli ./cli

# A regular (non-editable) install: sweeps, families and gate files are package data, found by
# name (`simfarm submit nightly`) from any working directory. The checks fail the build if the
# installed Ray is not the pinned one or a packaged sweep is missing.
RUN pip install --no-cache-dir --constraint constraints.txt . \
    && simfarm --version \
    && grep -qx "ray\[default\]==$(python -c 'import ray; print(ray.__version__)')" constraints.txt \
    && simfarm sweep expand nightly --json > /dev/null

# No secrets here: S3 credentials come from workload identity or a Secret the cluster
# user creates (k8s/base), SIMFARM_IMAGE_DIGEST from the overlay's pinned digest.
WORKDIR /home/ray
