#!/usr/bin/env bash
# tools/slurm/sweep.sh against a real single-node Slurm: starts munge and Slurm 22.05 (Debian's
# slurm-wlm and munge packages) on this machine with a private configuration in a temporary
# folder, runs a 2 x 2 sweep of the smoke recipe (a small data subset) as a 2-shard job array
# plus the merge job, waits for them, and checks the merged report: 4 runs, 2 recipes (grid
# points) with 2 OK runs each, every (point, seed) once. Stops the daemons it started.
#
#   tests/tools/slurm_sweep_test.sh [BAZEL_BIN]     (BAZEL_BIN: where bench/bench and
#                                                    bench/merge are; default bazel-bin)
#
# Needs root (munged and slurmd run as root here), slurm-wlm and munge, the built runner and
# merger, and the real data ($CIFAR10_DIR or ../shared/cifar10). Skips (exit 0 with a message)
# without them, and fails when CI=true. Not part of `bazel test //...` (it starts system
# daemons); CI runs it (tools/test_all.sh, bazel-debian leg; .ci/run installs slurm-wlm and
# munge), and by hand: docs/sweeps.md records a run.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
bin="${1:-$root/bazel-bin}"
skip() {
  echo "slurm_sweep_test: SKIPPED: $*"
  [[ "${CI:-}" == true ]] && exit 1
  exit 0
}
for t in slurmctld slurmd munged sbatch squeue scontrol; do
  command -v "$t" >/dev/null || skip "no $t (apt-get install slurm-wlm munge)"
done
[[ $(id -u) -eq 0 ]] || skip "needs root to start munged and slurmd"
[[ -x "$bin/bench/bench" && -x "$bin/bench/merge" ]] || skip "build first: bazel build //bench:bench //bench:merge"
data="${CIFAR10_DIR:-$root/../shared/cifar10}"
[[ -f "$data/test_batch.bin" ]] || skip "no CIFAR-10 in $data"

work="$(mktemp -d /tmp/slurm_sweep_test.XXXXXX)"
chmod 755 "$work"
pids=()
cleanup() {
  scontrol -f "$work/slurm.conf" shutdown >/dev/null 2>&1 || true
  sleep 1
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [[ -f "$work/munged.pid" ]] && kill "$(cat "$work/munged.pid")" 2>/dev/null || true
  # Nothing left behind (the munge key among it); fail() has printed the logs.
  rm -rf -- "$work"
}
trap cleanup EXIT
fail() {
  echo "slurm_sweep_test: FAILED: $*"
  for f in "$work"/slurmctld.log "$work"/slurmd.log "$work"/out/*.log; do
    [[ -f "$f" ]] && { echo "--- $f"; tail -n 15 "$f"; }
  done
  exit 1
}

# munge: a private socket and key.
mkdir -p "$work/munge"
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge/munge.key"
munged --force --key-file="$work/munge/munge.key" --socket="$work/munge/munge.socket" \
  --pid-file="$work/munged.pid" --log-file="$work/munge/munged.log" --seed-file="$work/munge/seed" ||
  fail "munged did not start"
mkdir -p "$work/state" "$work/spool"
cat >"$work/slurm.conf" <<CONF
ClusterName=cifarbenchtest
# Loopback: the controller and the node talk over 127.0.0.1 (the daemons' ports accept only
# messages signed with this run's private munge key).
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$work/munge/munge.socket
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SlurmctldPort=16817
SlurmdPort=16818
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmdSpoolDir=$work/spool
StateSaveLocation=$work/state
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
NodeName=localhost NodeHostname=$(hostname -s) NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$work/slurm.conf"
slurmctld -D -i >"$work/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -N localhost >"$work/slurmd.out" 2>&1 &
pids+=($!)
for _ in $(seq 30); do
  sinfo -h -o '%t' 2>/dev/null | grep -cE '^(idle|mix)' >/dev/null && break
  sleep 1
done
sinfo -h -o '%t' 2>/dev/null | grep -cE '^(idle|mix)' >/dev/null || fail "the node did not come up: $(sinfo 2>&1)"
echo "slurm: $(sinfo -h -o '%P %D %t' 2>&1)"

submitted="$("$root/tools/slurm/sweep.sh" --shards=2 --out="$work/out" --bench="$bin/bench/bench" \
  --merge="$bin/bench/merge" -- --recipe=hlb_record_smoke --data_dir="$data" --threads=1 \
  --set data.train_subset=1024 --set data.test_subset=500 --set train.epochs=1 \
  --set eval.headline_network=EVAL_NETWORK_LIVE --runs=2 \
  --grid 'hlb.optimizer.non_bias.lr=0.5,1.0' 2>&1)" || fail "sweep.sh: $submitted"
echo "$submitted"
for _ in $(seq 600); do
  [[ -z "$(squeue -h 2>/dev/null)" ]] && break
  sleep 1
done
[[ -z "$(squeue -h 2>/dev/null)" ]] || fail "jobs still queued after 10 minutes: $(squeue)"
[[ -f "$work/out/merged.json" ]] || fail "no merged report"
python3 - "$work/out/merged.json" <<'PY' || fail "the merged report is not the sweep's"
import json, sys
m = json.load(open(sys.argv[1]))
runs = [(r["recipe"], int(r["seed"]), r["status"]) for r in m["runs"]]
assert len(runs) == 4, runs
assert len(set((r, s) for r, s, _ in runs)) == 4, runs
assert all(st == "RUN_STATUS_OK" for _, _, st in runs), runs
aggs = {a["recipe"]: a["ok_runs"] for a in m["aggregates"]}
assert aggs == {"hlb_record_smoke[hlb.optimizer.non_bias.lr=0.5]": 2,
                "hlb_record_smoke[hlb.optimizer.non_bias.lr=1.0]": 2}, aggs
print("merged report: %d runs, %s" % (len(runs), aggs))
PY
echo "slurm_sweep_test: PASSED"
