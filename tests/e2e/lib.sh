# lib.sh: shared by the end-to-end tests and the demo: hugepages, a small network of namespaces
# around siplb-dataplane, SIPp peers, and clean-up of everything by name and PID.
#
#   callers ns  (198.18.1.2/24)  --veth--  [LBC | siplb-dataplane | LBB]  --veth--  backends ns
#                                           198.18.1.1      198.18.2.1           198.18.2.11-13
#   nat ns (198.19.0.2/24) --veth-- callers ns (198.19.0.1, masquerades to 198.18.1.2): nat_up
#
# The balancer's two ports are net_af_packet devices on the veth ends inside the lb namespace.
# Only addresses from 198.18.0.0/15 are used. Source it with PFX set (a short name prefix).

: "${PFX:?set PFX before sourcing lib.sh}"
NS_C=${PFX}c
NS_LB=${PFX}lb
NS_B=${PFX}b
NS_N=${PFX}n
LB_CALLER_IP=198.18.1.1
LB_BACKEND_IP=198.18.2.1
CALLER_IP=198.18.1.2
BACKEND_IPS=(198.18.2.11 198.18.2.12 198.18.2.13)
NAT_GW=198.19.0.1
NAT_IP=198.19.0.2
NAT_PORTS=40000-40999
LBC=${PFX}lbc
LBB=${PFX}lbb
PIDS=()

hugepages_up() {
	local want=${1:-512}
	if [ "$(cat /proc/sys/vm/nr_hugepages)" -lt "$want" ]; then
		echo "$want" >/proc/sys/vm/nr_hugepages
	fi
	mkdir -p /dev/hugepages
	mountpoint -q /dev/hugepages || mount -t hugetlbfs nodev /dev/hugepages
	if [ "$(cat /proc/sys/vm/nr_hugepages)" -lt 256 ]; then
		echo "could not reserve hugepages (have $(cat /proc/sys/vm/nr_hugepages))" >&2
		return 1
	fi
}

# The namespaces, veth pairs and addresses. Offloads off on the kernel side so that every frame
# the balancer reads carries a finished checksum.
net_up() {
	net_down
	ip netns add "$NS_C" && ip netns add "$NS_LB" && ip netns add "$NS_B" || return 1
	ip link add "${PFX}cal" type veth peer name "$LBC" || return 1
	ip link add "${PFX}bal" type veth peer name "$LBB" || return 1
	ip link set "${PFX}cal" netns "$NS_C" && ip link set "$LBC" netns "$NS_LB" || return 1
	ip link set "${PFX}bal" netns "$NS_B" && ip link set "$LBB" netns "$NS_LB" || return 1

	ip -n "$NS_C" link set lo up
	ip -n "$NS_C" link set "${PFX}cal" name cal
	ip -n "$NS_C" addr add "$CALLER_IP/24" dev cal
	ip -n "$NS_C" link set cal up
	ip -n "$NS_B" link set lo up
	ip -n "$NS_B" link set "${PFX}bal" name bal
	local a
	for a in "${BACKEND_IPS[@]}"; do
		ip -n "$NS_B" addr add "$a/24" dev bal
	done
	ip -n "$NS_B" link set bal up
	# in-dialog requests from backends go to the caller-side address of the balancer
	ip -n "$NS_B" route add 198.18.1.0/24 via "$LB_BACKEND_IP"
	ip -n "$NS_LB" link set lo up
	ip -n "$NS_LB" link set "$LBC" up
	ip -n "$NS_LB" link set "$LBB" up
	# the balancer answers ARP itself; the kernel in its namespace has no addresses to answer for
	ip netns exec "$NS_C" ethtool -K cal tx off rx off >/dev/null 2>&1 || true
	ip netns exec "$NS_B" ethtool -K bal tx off rx off >/dev/null 2>&1 || true
	ip netns exec "$NS_LB" ethtool -K "$LBC" tx off rx off gro off >/dev/null 2>&1 || true
	ip netns exec "$NS_LB" ethtool -K "$LBB" tx off rx off gro off >/dev/null 2>&1 || true
}

net_down() {
	local ns
	for ns in "$NS_N" "$NS_C" "$NS_LB" "$NS_B"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	ip link del "${PFX}cal" 2>/dev/null
	ip link del "${PFX}bal" 2>/dev/null
	ip link del "$LBC" 2>/dev/null
	ip link del "$LBB" 2>/dev/null
	ip link del "${PFX}nat" 2>/dev/null
	ip link del "${PFX}nin" 2>/dev/null
	return 0
}

# A caller behind NAT: namespace NS_N at NAT_IP behind the callers namespace, which forwards and
# masquerades it to its own address on the way to the balancer, with source ports mapped into
# NAT_PORTS (never the caller's own port, so only rport can bring a response back). Call after
# dp_start: the masquerade is on the tap the balancer's caller port shows there.
nat_up() {
	nat_down
	ip netns add "$NS_N" || return 1
	ip link add "${PFX}nat" type veth peer name "${PFX}nin" || return 1
	ip link set "${PFX}nat" netns "$NS_C" && ip link set "${PFX}nin" netns "$NS_N" || return 1
	ip -n "$NS_C" addr add "$NAT_GW/24" dev "${PFX}nat"
	ip -n "$NS_C" link set "${PFX}nat" up
	ip -n "$NS_N" link set lo up
	ip -n "$NS_N" addr add "$NAT_IP/24" dev "${PFX}nin"
	ip -n "$NS_N" link set "${PFX}nin" up
	ip -n "$NS_N" route add 198.18.0.0/15 via "$NAT_GW" || return 1
	ip netns exec "$NS_C" ethtool -K "${PFX}nat" tx off rx off >/dev/null 2>&1 || true
	ip netns exec "$NS_N" ethtool -K "${PFX}nin" tx off rx off >/dev/null 2>&1 || true
	ip netns exec "$NS_C" sysctl -qw net.ipv4.ip_forward=1 || return 1
	ip netns exec "$NS_C" nft -f - <<NFT || return 1
table ip ${PFX}nat {
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		ip saddr $NAT_IP oifname "${PFX}tap" meta l4proto udp masquerade to :$NAT_PORTS
	}
}
NFT
}

# Undo nat_up: its namespace and veth, and the callers namespace's NAT table and forwarding
# (conntrack there would otherwise also reassemble the raw fragments other tests send).
nat_down() {
	ip netns pids "$NS_N" 2>/dev/null | xargs -r kill -9 2>/dev/null
	ip netns del "$NS_N" 2>/dev/null
	ip -n "$NS_C" link del "${PFX}nat" 2>/dev/null
	ip netns exec "$NS_C" nft delete table ip "${PFX}nat" 2>/dev/null
	ip netns exec "$NS_C" sysctl -qw net.ipv4.ip_forward=0 2>/dev/null
	return 0
}

# Start a command in the background and remember its PID for clean-up.
spawn() {
	"$@" &
	PIDS+=($!)
	LAST_PID=$!
}

kill_all() {
	local p
	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	sleep 0.5
	for p in "${PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
	PIDS=()
}

# Stop one process spawn started, by its PID, reap it and take it off the list.
stop_pid() {
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null
	for _ in $(seq 1 50); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	forget_pid "$1"
}

# Take a reaped process off the list kill_all goes through.
forget_pid() {
	local p keep=()
	for p in "${PIDS[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	PIDS=("${keep[@]}")
}

# The dataplane's configuration for this network: $1 file, $2 workers, $3 "w1 w2 w3" weights,
# $4 record_route (true/false), $5 file prefix (also the control segment's name, so that the
# tests and the demo never take each other's /dev/shm file). The caller side is a net_tap device that
# dp_start moves into the callers' namespace, so that the dataplane sees real IP fragments (the
# kernel defragments in front of net_af_packet); the backend side is net_af_packet on a veth.
write_conf() {
	local f=$1 workers=$2 weights=($3) rr=${4:-true} prefix=${5:-${PFX}dp}
	local lcores="0-$workers" q=$workers
	# this machine may have fewer CPUs than lcores: map them all onto what there is
	local ncpu
	ncpu=$(nproc)
	if [ $((workers + 1)) -gt "$ncpu" ]; then
		lcores="(0-$workers)@(0-$((ncpu - 1)))"
	fi
	cat >"$f" <<CONF
# generated by tests/e2e/lib.sh
eal = [ "--lcores", "$lcores", "--file-prefix=$prefix", "--no-pci", "-m", "256",
	"--log-level=user*:info" ];
workers = $workers;
sip_port = 5060;
record_route = $rr;
reply_483 = true;
stats_interval = 1;
idle_sleep_us = 50;
branch_secret = "12345678876543211234567887654321";
hash_secret = "0123456789abcdeffedcba9876543210";
control: { shm = "$prefix"; socket = "$(dirname "$f")/control.sock"; metrics = "127.0.0.1:9490";
	probe_interval_ms = 500; probe_timeout_ms = 400; fall = 2; rise = 2; };
mempool: { size = 16383; big_size = 511; indirect_size = 2047; };
dialog: { capacity = 65536; };
ports = (
	{ name = "callers"; device = "net_tap0,iface=${PFX}tap";
	  addresses = [ "$LB_CALLER_IP/24" ]; role = "caller"; },
	{ name = "backends"; device = "net_af_packet1,iface=$LBB,qpairs=$q";
	  addresses = [ "$LB_BACKEND_IP/24" ]; role = "backend"; }
);
backends = (
	{ id = 1; name = "proxy1"; address = "${BACKEND_IPS[0]}"; weight = ${weights[0]}; },
	{ id = 2; name = "proxy2"; address = "${BACKEND_IPS[1]}"; weight = ${weights[1]}; },
	{ id = 3; name = "proxy3"; address = "${BACKEND_IPS[2]}"; weight = ${weights[2]}; }
);
CONF
}

# Start siplb-dataplane in the balancer's namespace and give its tap to the callers: $1 binary,
# $2 config, $3 log. Sets DP_PID. Returns non-zero when it does not come up.
dp_start() {
	local bin=$1 conf=$2 log=$3
	ip -n "$NS_C" link del cal 2>/dev/null
	spawn ip netns exec "$NS_LB" "$bin" -c "$conf" >"$log" 2>&1
	DP_PID=$LAST_PID
	for _ in $(seq 1 60); do
		ip -n "$NS_LB" link show "${PFX}tap" >/dev/null 2>&1 && break
		kill -0 "$DP_PID" 2>/dev/null || return 1
		sleep 0.5
	done
	ip -n "$NS_LB" link set "${PFX}tap" netns "$NS_C" 2>/dev/null || return 1
	ip -n "$NS_C" addr add "$CALLER_IP/24" dev "${PFX}tap"
	ip -n "$NS_C" link set "${PFX}tap" up
	ip netns exec "$NS_C" ethtool -K "${PFX}tap" tx off >/dev/null 2>&1 || true
	for _ in $(seq 1 40); do
		grep -q 'main: running' "$log" && return 0
		kill -0 "$DP_PID" 2>/dev/null || return 1
		sleep 0.5
	done
	return 1
}

SIPP_OPTS=(-buff_size 2097152 -nostdin -t u1)

# SIPp backend $1 (0..2) with scenario $2, logs in $3: answers siplb-control's OPTIONS (-aa).
# Sets LAST_PID (and BACKEND_PIDS[$1]).
backend_up() {
	local i=$1 scen=$2 dir=$3
	spawn ip netns exec "$NS_B" sipp -sf "$scen" -i "${BACKEND_IPS[$i]}" -p 5060 -aa \
		"${SIPP_OPTS[@]}" -trace_msg -message_file "$dir/proxy$((i + 1)).msg" \
		-trace_err -error_file "$dir/proxy$((i + 1)).err" \
		>>"$dir/proxy$((i + 1)).out" 2>&1 </dev/null
	BACKEND_PIDS[$i]=$LAST_PID
}

# One SIPp backend per address: $1 scenario, $2 log dir. Sets BACKEND_PIDS.
backends_up() {
	local scen=$1 dir=$2 i
	BACKEND_PIDS=()
	for i in 0 1 2; do
		backend_up "$i" "$scen" "$dir"
	done
	sleep 0.5
}

backends_down() {
	local p
	for p in "${BACKEND_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${BACKEND_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	BACKEND_PIDS=()
}

# Calls from the callers namespace: $1 scenario, $2 count, $3 rate, $4 stat file, $5 out file;
# optional: $6 namespace (NS_C), $7 local address (CALLER_IP), $8 local port (5060), then more
# SIPp options. Bounded by -m and by a global timeout; returns SIPp's exit code (0: every call
# succeeded).
callers_run() {
	local scen=$1 n=$2 rate=$3 stf=$4 out=$5 ns=${6:-$NS_C} ip=${7:-$CALLER_IP} port=${8:-5060}
	local limit=$((n / rate + 30))
	timeout $((limit + 10)) ip netns exec "$ns" sipp -sf "$scen" -i "$ip" -p "$port" \
		"$LB_CALLER_IP:5060" -m "$n" -r "$rate" -l 200 "${SIPP_OPTS[@]}" \
		-timeout "${limit}s" -timeout_error -trace_stat -stf "$stf" -fd 1 \
		-trace_err -error_file "${out%.out}.err" "${@:9}" >"$out" 2>&1 </dev/null
}

# A column of the last line of a SIPp statistics file: $1 file, $2 column name.
sipp_stat() {
	python3 - "$1" "$2" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1]), delimiter=';'))
h, last = rows[0], rows[-1]
print(last[h.index(sys.argv[2])] if sys.argv[2] in h else -1)
PY
}
