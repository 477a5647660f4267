#!/usr/bin/env sh
# Prints one ConfigMap per folder of a knowledge base (a ConfigMap is flat, so each folder gets its own, mounted
# at /knowledge/<folder> by bot.yaml). Apply them before the Deployment, and again after every edit: the kubelet
# updates the mounted files in place (within about a minute) and the bot's watcher reloads them, no restart.
#   deploy/k8s/knowledge-configmaps.sh knowledge | kubectl apply -f -
# A folder added to the knowledge needs a volume and a mount in bot.yaml too (test/deploy/k8s.test.ts checks
# the shipped knowledge). Each ConfigMap must stay under 1 MiB.
set -eu
dir=${1:-knowledge}
[ -d "$dir" ] || { echo "usage: $0 KNOWLEDGE_DIR" >&2; exit 2; }
first=1
for sub in "$dir"/*/; do
  name=$(basename "$sub")
  [ "$first" = 1 ] || echo '---'
  first=0
  kubectl create configmap "mlops-guide-knowledge-$name" --from-file="$sub" --dry-run=client -o yaml
done
