# simfarm worker/driver image: the same image runs the Ray head, the Ray workers and the
# sweep driver (KubeRay RayCluster / RayJob, nightly CronJob). Build from the repo root:
#   docker build -t simfarm:$(python -c 'import farm; print(farm.__version__)') .
# Pin the image in one place (k8s kustomization `images:`), not in every manifest.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    OMP_NUM_THREADS=1 \
    OPENBLAS_NUM_THREADS=1 \
    MKL_NUM_THREADS=1

# git is not needed at run time: the code fingerprint comes from SIMFARM_IMAGE_DIGEST,
# which the deployment sets from the image digest it pulled.
RUN useradd --create-home --uid 1000 simfarm
WORKDIR /opt/simfarm

# Dependencies first (better layer caching), then the source.
COPY pyproject.toml README.md ./
COPY farm ./farm
COPY autonomy ./autonomy
COPY scenario_library ./scenario_library
COPY cli ./cli
RUN pip install --upgrade pip && pip install . && simfarm --version

USER simfarm
WORKDIR /home/simfarm
ENTRYPOINT ["simfarm"]
CMD ["--help"]
