#!/bin/bash
# The nightly CronJob's pod (cronjob.nightly.yaml): run the regression sweep on a RayJob of its
# own, following it to its end, then `simfarm trends` whatever the sweep's outcome.
#
# Exit code of the pod (docs/decisions.md D56):
#   - the sweep ran to its end (submit exited 0: all passed, or 1: some rollouts failed): the
#     code of `simfarm trends` (0 quiet, 4 a regression flagged, 2/5 trends could not judge).
#     Failing rollouts alone do not fail the night: the nightly has known failures; trends
#     says whether tonight broke something that worked.
#   - otherwise (2 bad input, 5 infrastructure or an incomplete sweep, 130 cancelled, anything
#     else): the submit code. Trends still runs, labelling the partial night, but cannot
#     hide that the night itself is broken.
# Any non-zero exit fails the Job (backoffLimit 0), which is what the alert watches.
#
# Environment (set in cronjob.nightly.yaml): SIMFARM_STORE (ConfigMap simfarm-store),
# POD_NAMESPACE, SIMFARM_IMAGE (the pinned image, from the overlay's `images:`),
# SIMFARM_NIGHTLY_SWEEP (a packaged sweep name), SIMFARM_NIGHTLY_WORKERS (N or MIN:MAX).
set -u -o pipefail

sweep="${SIMFARM_NIGHTLY_SWEEP:-nightly}"
workers="${SIMFARM_NIGHTLY_WORKERS:-1:8}"

echo "nightly: simfarm submit ${sweep} --k8s (namespace ${POD_NAMESPACE}, workers ${workers})"
simfarm submit "${sweep}" --k8s --store "${SIMFARM_STORE}" --namespace "${POD_NAMESPACE}" \
    --image "${SIMFARM_IMAGE}" --workers "${workers}"
submit_code=$?
echo "nightly: submit exited ${submit_code}"

simfarm trends --store "${SIMFARM_STORE}" --sweep-name "${sweep}"
trends_code=$?
echo "nightly: trends exited ${trends_code}"

case "${submit_code}" in
    0|1) exit "${trends_code}" ;;
    *) exit "${submit_code}" ;;
esac
