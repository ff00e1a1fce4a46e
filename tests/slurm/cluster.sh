#!/usr/bin/env bash
# tests/slurm/cluster.sh - a private one-node SLURM cluster for the tests, everything
# under one directory: its own munged (own key and socket), slurmctld and slurmd on free
# high ports, state, spool, logs and pid files.  It never touches the system's munged or
# slurm daemons, nor any daemon it did not start.  Needs root (slurmd launches jobs).
#
#   tests/slurm/cluster.sh start DIR   # prints "export SLURM_CONF=DIR/slurm.conf"
#   tests/slurm/cluster.sh stop DIR    # cancels jobs, stops the daemons, waits for them
#   tests/slurm/cluster.sh status DIR  # sinfo / squeue of that cluster
#
#   eval "$(tests/slurm/cluster.sh start /tmp/c)"; sbatch ...; tests/slurm/cluster.sh stop /tmp/c
#
# Or source it and call cluster_start DIR (exports SLURM_CONF) and cluster_stop DIR.
# start exits 77 ("skipped: ...") when the slurm packages are missing or not root.
# CLUSTER_TIMEOUT (default 60) = seconds to wait for the node to be idle;
# CLUSTER_CPUS (default: the CPUs this process may use, at least 2) = the node's CPUs.

_cl_msg() { echo "cluster.sh: $*" >&2; }

# _cl_free_port N: a TCP port from 20000, below the kernel's ephemeral range when there
# is room, with N ports in a row not in use (any state, IPv4 and IPv6), found from
# /proc/net/tcp* so that no extra tool is needed
_cl_free_port() {
  local n=$1 used p i ok tries=0 lo=60000 span
  read -r lo _ 2>/dev/null </proc/sys/net/ipv4/ip_local_port_range || lo=60000
  span=$((lo - 20000)); ((span >= 2000)) || span=40000
  used=" "
  local f loc rest
  for f in /proc/net/tcp /proc/net/tcp6; do
    [[ -r $f ]] || continue
    while read -r _ loc rest; do
      [[ $loc == *:* ]] && used+="$((16#${loc##*:})) "
    done <"$f"
  done
  while ((tries++ < 200)); do
    p=$((20000 + (RANDOM * 32768 + RANDOM) % (span - n) / n * n))
    ok=1
    for ((i = 0; i < n; i++)); do [[ $used == *" $((p + i)) "* ]] && ok=0; done
    ((ok)) && { echo "$p"; return 0; }
  done
  return 1
}

# _cl_alive PIDFILE DIR: prints the pid in PIDFILE if that process is one we started:
# its command line names DIR/slurm.conf or DIR/munge.sock (a reused pid does not)
_cl_alive() {
  local pf=$1 dir=$2 pid cmd
  [[ -s $pf ]] || return 1
  pid=$(<"$pf"); [[ $pid =~ ^[0-9]+$ ]] || return 1
  cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || return 1
  [[ $cmd == *" $dir/slurm.conf "* || $cmd == *"=$dir/munge.sock "* ]] || return 1
  echo "$pid"
}

_cl_logs() {
  local dir=$1 f
  for f in "$dir"/munged.log "$dir"/slurmctld.log "$dir"/slurmd.log; do
    [[ -f $f ]] || continue
    echo "---- $f (last 40 lines)" >&2; tail -n 40 "$f" >&2
  done
}

cluster_start() {
  local dir=${1:?usage: cluster_start DIR} p missing=() node cpus mem port
  for p in slurmctld slurmd munged sinfo sbatch srun scancel; do
    command -v "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  [[ -e /usr/lib/x86_64-linux-gnu/slurm-wlm/mpi_pmix.so || -n $(find /usr/lib* -name mpi_pmix.so -print -quit 2>/dev/null) ]] ||
    missing+=("mpi_pmix.so (libpmix-dev + slurm-wlm)")
  if ((${#missing[@]})); then
    echo "skipped: SLURM test cluster: missing ${missing[*]}; install with: scripts/install-deps.sh slurm (as root)" >&2
    return 77
  fi
  if [[ $(id -u) -ne 0 ]]; then
    echo "skipped: SLURM test cluster needs root (slurmd launches the jobs)" >&2
    return 77
  fi
  mkdir -p "$dir"; dir=$(cd "$dir" && pwd -P)
  if _cl_alive "$dir/slurmctld.pid" "$dir" >/dev/null || _cl_alive "$dir/munged.pid" "$dir" >/dev/null; then
    _cl_msg "a cluster is already running in $dir (stop it first)"; return 1
  fi
  mkdir -p "$dir/state" "$dir/spool" "$dir/tmp"
  node=$(hostname -s)
  # nproc obeys OMP_NUM_THREADS (tests set it to 1): ask for the CPUs we may run on.
  # At least 2, so that 2-task jobs fit (config_overrides keeps such a node up).
  cpus=${CLUSTER_CPUS:-$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc)}
  ((cpus >= 2)) || cpus=2
  # RealMemory: 90 % of the available memory (MiB); slurmd drains a node claiming more
  mem=$(awk '/^MemAvailable:/ {printf "%d", $2 / 1024 * 0.9}' /proc/meminfo)
  ((mem > 100)) || mem=100
  port=$(_cl_free_port 2) || { _cl_msg "no free TCP port pair found"; return 1; }

  # munge: a key of our own; munged with its socket, pid, log and seed files under DIR
  if [[ ! -s $dir/munge.key ]]; then
    if command -v mungekey >/dev/null 2>&1; then
      mungekey --create --keyfile="$dir/munge.key" --force >/dev/null 2>&1 ||
        dd if=/dev/urandom of="$dir/munge.key" bs=1024 count=1 status=none
    else
      dd if=/dev/urandom of="$dir/munge.key" bs=1024 count=1 status=none
    fi
  fi
  chmod 400 "$dir/munge.key"
  # --force: munged refuses a socket whose directory or any parent lacks execute for
  # all (mktemp -d makes 0700 directories); only root uses this cluster, so that is fine
  munged --force --socket="$dir/munge.sock" --key-file="$dir/munge.key" --pid-file="$dir/munged.pid" \
         --log-file="$dir/munged.log" --seed-file="$dir/munged.seed" </dev/null >>"$dir/munged.log" 2>&1 ||
    { _cl_msg "munged did not start"; _cl_logs "$dir"; return 1; }

  cat >"$dir/slurm.conf" <<EOF
# written by tests/slurm/cluster.sh: a private one-node test cluster
ClusterName=regiatest
# Several test clusters may run at once (parallel test runs): random job ids and a private
# TmpFS keep the mpi/pmix plugin's /tmp/spmix_appdir_<uid>_<job>.<step> and Open MPI's
# session directories from clashing between clusters
FirstJobId=$(( (RANDOM * 32768 + RANDOM) % 50000000 + 1000 ))
TmpFS=$dir/tmp
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge.sock
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
PlugStackConfig=$dir/plugstack.conf
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MailProg=/bin/true
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
# the node is what slurm.conf says (a container may report other sockets/threads)
SlurmdParameters=config_overrides
ReturnToService=2
JobRequeue=1
KillWait=30
InactiveLimit=0
MinJobAge=600
MaxJobCount=10000
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
  : >"$dir/plugstack.conf"
  echo "export SLURM_CONF=$dir/slurm.conf" >"$dir/env.sh"
  slurmctld -f "$dir/slurm.conf" </dev/null >>"$dir/slurmctld.out" 2>&1 ||
    { _cl_msg "slurmctld did not start"; _cl_logs "$dir"; cat "$dir/slurmctld.out" >&2; cluster_stop "$dir"; return 1; }
  slurmd -f "$dir/slurm.conf" -N "$node" </dev/null >>"$dir/slurmd.out" 2>&1 ||
    { _cl_msg "slurmd did not start"; _cl_logs "$dir"; cat "$dir/slurmd.out" >&2; cluster_stop "$dir"; return 1; }
  export SLURM_CONF=$dir/slurm.conf
  local t0=$SECONDS limit=${CLUSTER_TIMEOUT:-60} st=""
  while ((SECONDS - t0 < limit)); do
    st=$(sinfo -h -n "$node" -o %T 2>/dev/null || true)
    [[ $st == idle ]] && break
    sleep 0.5
  done
  if [[ $st != idle ]]; then
    _cl_msg "node $node not idle after ${limit}s (state: '${st:-no answer}'); daemon logs:"
    sinfo -R >&2 2>&1 || true
    _cl_logs "$dir"
    cluster_stop "$dir"
    return 1
  fi
  _cl_msg "cluster regiatest up in $dir: node $node, $cpus CPUs, ports $port/$((port + 1)) ($((SECONDS - t0))s)"
}

# _cl_ours DIR: pids of slurm/munge processes that hold one of DIR's log files open: our
# daemons, slurmscriptd and the slurmstepd that slurmd forked (these rewrite their command
# line and environment, so only their open files tell whose they are)
_cl_ours() {
  local dir=$1 d pid exe fd
  for d in /proc/[0-9]*; do
    pid=${d#/proc/}
    exe=$(readlink "$d/exe" 2>/dev/null) || continue
    case ${exe##*/} in slurmstepd*|slurmd*|slurmctld*|munged*) ;; *) continue ;; esac
    for fd in "$d"/fd/*; do
      case $(readlink "$fd" 2>/dev/null) in
        "$dir/slurmd.log"|"$dir/slurmctld.log"|"$dir/munged.log") echo "$pid"; break ;;
      esac
    done
  done
  return 0
}

# _cl_tree PID...: the PIDs and all their descendants (from /proc/N/stat)
_cl_tree() {
  local st pid rest ppid want=" $* " changed=1 lines=()
  for st in /proc/[0-9]*/stat; do
    read -r rest 2>/dev/null <"$st" || continue
    pid=${rest%% *}; rest=${rest##*) }; ppid=${rest#* }; ppid=${ppid%% *}
    lines+=("$pid $ppid")
  done
  while ((changed)); do
    changed=0
    for st in "${lines[@]}"; do
      pid=${st% *}; ppid=${st#* }
      [[ $want == *" $ppid "* && $want != *" $pid "* ]] && { want+="$pid "; changed=1; }
    done
  done
  echo $want
}

cluster_stop() {
  local dir=${1:?usage: cluster_stop DIR} pids=() p t0 left
  [[ -d $dir ]] || return 0
  dir=$(cd "$dir" && pwd -P)
  # 1. cancel this cluster's jobs and give them KillWait to end
  if _cl_alive "$dir/slurmctld.pid" "$dir" >/dev/null; then
    SLURM_CONF=$dir/slurm.conf scancel --quiet --full --user=root >/dev/null 2>&1 || true
    t0=$SECONDS
    while ((SECONDS - t0 < 40)); do    # squeue lists pending, running, completing jobs
      SLURM_CONF=$dir/slurm.conf squeue -h -o %i 2>/dev/null | grep -q . || break
      sleep 0.5
    done
  fi
  # 2. the daemons, by their pid files (only if the process there is ours: names DIR)
  for p in slurmd slurmctld munged; do
    local pid; pid=$(_cl_alive "$dir/$p.pid" "$dir") && { kill -TERM "$pid" 2>/dev/null || true; pids+=("$pid"); }
  done
  t0=$SECONDS
  while ((SECONDS - t0 < 20)); do
    left=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && left=1; done
    ((left)) || break
    sleep 0.2
  done
  for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && { _cl_msg "pid $p ignores SIGTERM: SIGKILL"; kill -KILL "$p" 2>/dev/null || true; }; done
  # 3. anything of ours left: a slurmstepd that outlived slurmd, with its job's processes
  # shellcheck disable=SC2046  # a list of pids
  for p in $(_cl_tree $(_cl_ours "$dir")); do kill -KILL "$p" 2>/dev/null || true; done
  t0=$SECONDS
  while ((SECONDS - t0 < 10)); do
    left=$(_cl_ours "$dir"; for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && echo "$p"; done)
    [[ -z $left ]] && break
    sleep 0.2
  done
  [[ -z $left ]] || { _cl_msg "processes still alive after stop: $left"; return 1; }
  rm -f "$dir/slurmctld.pid" "$dir/slurmd.pid" "$dir/munged.pid" "$dir/munge.sock" "$dir/munge.sock.lock"
  return 0
}

cluster_status() {
  local dir=${1:?usage: cluster_status DIR}
  SLURM_CONF=$dir/slurm.conf sinfo && SLURM_CONF=$dir/slurm.conf squeue
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  set -uo pipefail
  case ${1:-} in
    start)  [[ -n ${2:-} ]] || { echo "usage: $0 start DIR" >&2; exit 2; }
            cluster_start "$2"; rc=$?
            ((rc == 0)) && echo "export SLURM_CONF=$(cd "$2" && pwd -P)/slurm.conf"
            exit $rc ;;
    stop)   [[ -n ${2:-} ]] || { echo "usage: $0 stop DIR" >&2; exit 2; }
            cluster_stop "$2"; exit ;;
    status) cluster_status "${2:?usage: $0 status DIR}"; exit ;;
    *) echo "usage: $0 start DIR | stop DIR | status DIR" >&2; exit 2 ;;
  esac
fi
