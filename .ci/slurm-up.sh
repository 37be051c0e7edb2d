#!/usr/bin/env bash
# Starts a one-node Slurm on this machine for the grid test: munged, slurmctld and slurmd on localhost, one partition
# "debug" with this machine's CPUs. No cgroups (containers rarely allow them): processes are tracked by /proc and
# tasks are not bound. Installs Debian's slurm-wlm and munge when apt-get is there and they are not.
# Exit 0 when `sinfo` shows the node idle; otherwise prints why and exits 1 (callers decide whether that skips or fails).
# Usage: bash .ci/slurm-up.sh [STATE_DIR]      (default /tmp/erase-core-slurm; logs there)
set -uo pipefail
state=${1:-/tmp/erase-core-slurm}
mkdir -p "$state"
why() { echo "slurm-up: $*" >&2; exit 1; }

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  command -v apt-get >/dev/null || why "slurmctld or munged is missing and there is no apt-get to install slurm-wlm and munge"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null \
    || why "apt-get install slurm-wlm munge failed"
fi
if command -v sinfo >/dev/null && sinfo -h -o '%T' 2>/dev/null | grep -qx idle; then
  echo "slurm-up: a Slurm is already running here: $(sinfo -h -o '%P %D nodes %T' | head -n 1)"
  exit 0
fi
# A controller or node daemon that is running but has no idle node is someone's Slurm: leave its configuration alone.
pgrep -x slurmctld >/dev/null || pgrep -x slurmd >/dev/null && why "a Slurm is running here without an idle node ($(sinfo 2>&1 | tail -n 1)); not touching its configuration"
[[ $(id -u) -eq 0 ]] || why "the daemons need root here (slurmd runs jobs as their owner); run as root or use your cluster"

# munge: a key, then the daemon (as root, since the packaged munge user may not own the folders in a container).
if ! pgrep -x munged >/dev/null; then
  [[ -s /etc/munge/munge.key ]] || { mkdir -p /etc/munge && dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null; }
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown -R munge:munge /etc/munge /run/munge /var/log/munge /var/lib/munge 2>/dev/null || true
  chmod 0400 /etc/munge/munge.key
  if id munge >/dev/null 2>&1; then
    runuser -u munge -- munged 2>"$state/munged.err" || munged --force 2>>"$state/munged.err" || why "munged did not start: $(cat "$state/munged.err")"
  else
    munged --force 2>"$state/munged.err" || why "munged did not start: $(cat "$state/munged.err")"
  fi
fi
munge -n | unmunge >/dev/null 2>&1 || why "munge credentials do not round-trip (munge -n | unmunge)"

host=$(hostname -s)
cpus=$(nproc)
memory=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024 ))
mkdir -p /etc/slurm "$state/ctld" "$state/d" /var/log/slurm
cat > /etc/slurm/slurm.conf <<CONF
# Written by EraseAtCore's .ci/slurm-up.sh: one node, this machine.
ClusterName=erase-core-ci
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/d
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/slurmctld.log
SlurmdLogFile=$state/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MaxArraySize=1000
SlurmdTimeout=300
InactiveLimit=0
KillWait=5
MpiDefault=none
NodeName=$host CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF

pgrep -x slurmctld >/dev/null || slurmctld 2>"$state/slurmctld.err" || why "slurmctld did not start: $(tail -n 3 "$state/slurmctld.log" "$state/slurmctld.err" 2>/dev/null)"
pgrep -x slurmd >/dev/null || slurmd 2>"$state/slurmd.err" || why "slurmd did not start: $(tail -n 3 "$state/slurmd.log" "$state/slurmd.err" 2>/dev/null)"
for _ in $(seq 1 60); do
  if sinfo -h -o '%T' 2>/dev/null | grep -qx idle; then
    echo "slurm-up: node $host idle ($cpus CPUs, ${memory} MiB) in partition debug; logs in $state"
    exit 0
  fi
  scontrol update nodename="$host" state=resume >/dev/null 2>&1 || true
  sleep 1
done
why "the node did not become idle in 60 s: $(sinfo 2>&1 | tail -n 2); $(tail -n 5 "$state/slurmd.log" 2>/dev/null)"
