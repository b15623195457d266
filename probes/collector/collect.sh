#!/bin/sh
# kaudit collector: read-only evidence of the cgroup v1 kmem accounting leak.
#
# Run:   ssh HOST sh -s -- NONCE < collect.sh      (or: sudo -n sh -s -- NONCE)
# Needs: a POSIX sh (dash, bash, busybox ash). Every external command is
#        optional (guarded by command -v) and bounded by `timeout 5` when the
#        host has timeout(1).
# It ONLY READS: it writes no file, changes no setting, never contacts a daemon.
# stdin is this script itself: every external command and every read gets its
# own redirection so that nothing consumes the rest of the script.
#
# Output: one framed block per section (names: probes/facts Section* constants):
#   @@KAUDIT:<nonce>:BEGIN <section> <source>
#   <body>
#   @@KAUDIT:<nonce>:END <section> rc=<exit> trunc=<0|1>
# A newline is always written before END; it is not part of the body.
# Exit codes used for reads done by the script itself: 2 = no such file,
# 1 = permission denied, 127 = command not found; others are the command's own
# (124/137/143 after timeout(1), followed by a "kaudit: timed out" line).
#
# KAUDIT_ROOT (TESTS ONLY, never set it on a real host): a directory prefixed to
# every absolute path the script reads, so tests can run it against a fake
# root. Commands still run from PATH. It must not contain spaces or glob chars.

kaudit_main() {
	N=${1:-nonce}
	R=${KAUDIT_ROOT:-}
	V=1
	CAP=262144
	LC_ALL=C
	export LC_ALL
	PATH=${PATH:-/usr/bin:/bin}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
	export PATH
	TO=
	if have timeout; then TO="timeout 5"; fi

	sec_collector
	rd hostname /proc/sys/kernel/hostname
	rd os_release /etc/os-release
	rd redhat_release /etc/redhat-release
	rd kernel_osrelease /proc/sys/kernel/osrelease
	REL=$L1
	rd proc_version /proc/version
	rd version_signature /proc/version_signature
	rd cmdline /proc/cmdline

	rd default_grub /etc/default/grub
	for f in "$R"/etc/default/grub.d/*.cfg; do
		[ -e "$f" ] && rd default_grub "${f#"$R"}"
	done
	rdglob grub_cfg /boot/grub2/grub.cfg /boot/grub/grub.cfg "/boot/efi/EFI/*/grub.cfg"
	rdglob bls_entries "/boot/loader/entries/*.conf"
	rdglob grubenv /boot/grub2/grubenv /boot/grub/grubenv "/boot/efi/EFI/*/grubenv"
	if have grubby; then
		run grubby "grubby --info=DEFAULT" grubby --info=DEFAULT
	else
		missing grubby grubby
	fi
	sec_kernel_config

	sec_mounts
	rd proc_cgroups /proc/cgroups
	rd cgroup_v2 /sys/fs/cgroup/cgroup.controllers
	sec_memcg_dirs
	sec_kmem
	sec_slab

	rd meminfo /proc/meminfo
	rd buddyinfo /proc/buddyinfo
	rd extfrag_index /sys/kernel/debug/extfrag/extfrag_index
	rd extfrag_threshold /proc/sys/vm/extfrag_threshold

	sec_runc
	first_of docker "--version" docker dockerd
	first_of containerd "--version" containerd
	first_of kubelet "--version" kubelet
	rd kubelet_config /var/lib/kubelet/config.yaml "$CAP" '*[cC]group[dD]river*'
	for f in /var/lib/kubelet/kubeadm-flags.env /etc/sysconfig/kubelet /etc/default/kubelet; do
		[ -e "$R$f" ] && rd kubelet_config "$f" "$CAP" '*cgroup-driver*'
	done
	rd docker_daemon_json /etc/docker/daemon.json 65536

	sec_kernel_log
	return 0
}

# ---- framing and helpers -------------------------------------------------

b() { printf '@@KAUDIT:%s:BEGIN %s %s\n' "$N" "$1" "$2"; }
e() { printf '\n@@KAUDIT:%s:END %s rc=%s trunc=%s\n' "$N" "$1" "$2" "$3"; }
have() { command -v "$1" >/dev/null 2>&1; }

# cp_lines CAP [PATTERN]: copy stdin to stdout line by line (lines matching the
# case PATTERN only), at most CAP bytes. Sets T=1 when cut, G=1 when any line
# was read, L1 to the first line read.
cp_lines() {
	T=0 G=0 L1='' n=0 l=''
	while IFS= read -r l || [ -n "$l" ]; do
		[ "$G" = 0 ] && L1=$l
		G=1
		# shellcheck disable=SC2254 # the pattern is meant as a pattern
		case $l in
		${2:-*})
			if [ $((n + ${#l} + 1)) -gt "$1" ]; then
				# Keep the part of the line that fits (bytes: LC_ALL=C).
				[ "$n" -lt "$1" ] && printf "%.$(($1 - n))s" "$l"
				T=1
				break
			fi
			n=$((n + ${#l} + 1))
			printf '%s\n' "$l"
			;;
		esac
		l=
	done
}

# why PATH: print why PATH cannot be read and set RC (2 absent, 1 permission).
# An existing but unsearchable ancestor directory means permission denied.
why() {
	RC=2
	d=$R$1
	while d=${d%/*}; [ -n "$d" ] && [ "$d" != "$R" ]; do
		if [ -e "$d" ]; then
			if [ ! -x "$d" ] || [ ! -r "$d" ]; then
				printf '%s: Permission denied' "$1"
				RC=1
				return
			fi
			break
		fi
	done
	printf '%s: No such file or directory' "$1"
}

# rd SECTION PATH [CAP] [PATTERN]: one section with the file's lines.
rd() {
	f=$R$2
	b "$1" "$2"
	L1='' T=0
	if [ ! -e "$f" ]; then
		why "$2"
		e "$1" "$RC" 0
		return
	fi
	if [ -d "$f" ]; then
		printf '%s: Is a directory' "$2"
		e "$1" 21 0
		return
	fi
	if [ ! -r "$f" ]; then
		printf '%s: Permission denied' "$2"
		e "$1" 1 0
		return
	fi
	cp_lines "${3:-$CAP}" "${4:-*}" 2>/dev/null <"$f"
	rc=0
	if [ "$G" = 0 ] && have head; then
		# Nothing read: an empty file, or a read error (EIO) that the shell's
		# read builtin does not report. head reports it.
		head -c 1 -- "$f" 2>&1 >/dev/null </dev/null
		rc=$?
	fi
	e "$1" "$rc" "$T"
}

# rdglob SECTION PATTERN...: rd every existing match; one absent section when
# nothing matches.
rdglob() {
	s=$1
	shift
	found=0
	for p in "$@"; do
		for f in $R$p; do
			if [ -e "$f" ]; then
				found=1
				rd "$s" "${f#"$R"}"
			fi
		done
	done
	if [ "$found" = 0 ]; then
		b "$s" "$*"
		for p in "$@"; do
			why "$p"
			printf '\n'
			[ "$RC" = 1 ] && break
		done
		e "$s" "$RC" 0
	fi
}

missing() {
	b "$1" "$2"
	printf '%s: command not found' "$2"
	e "$1" 127 0
}

# run SECTION SOURCE CMD [ARG...]: one section with the command's output
# (stdout and stderr), under timeout when available.
run() {
	s=$1 src=$2
	shift 2
	b "$s" "$src"
	o=$($TO "$@" </dev/null 2>&1)
	rc=$?
	if [ -n "$TO" ]; then
		case $rc in 124 | 137 | 143) o="$o
kaudit: timed out after 5s" ;; esac
	fi
	cp_lines 65536 <<EOF
$o
EOF
	e "$s" "$rc" "$T"
}

# lookup NAME: P = every executable NAME in PATH (newline-separated, same file
# once).
lookup() {
	P=
	oldifs=$IFS
	IFS=:
	for d in $PATH; do
		[ -n "$d" ] && add_bin "$d/$1"
	done
	IFS=$oldifs
}

# add_bin PATH: append PATH to P unless it is not executable or is the same
# file as one already in P.
add_bin() {
	[ -f "$1" ] && [ -x "$1" ] || return 0
	oldifs2=$IFS
	IFS='
'
	for q in $P; do
		# -ef is not POSIX, but dash, bash and busybox test all have it.
		# shellcheck disable=SC3013
		if [ "$q" = "$1" ] || [ "$q" -ef "$1" ]; then
			IFS=$oldifs2
			return 0
		fi
	done
	IFS=$oldifs2
	P="$P$1
"
}

# first_of SECTION ARGS NAME...: run the first NAME found in PATH with ARGS.
first_of() {
	s=$1 a=$2
	shift 2
	for nm in "$@"; do
		lookup "$nm"
		if [ -n "$P" ]; then
			p=${P%%
*}
			run "$s" "$p $a" "$p" "$a"
			return
		fi
	done
	missing "$s" "$*"
}

# ---- sections ------------------------------------------------------------

sec_collector() {
	b collector "kaudit-collect"
	sh='sh'
	for c in /bin/dash /usr/bin/dash /bin/bash /usr/bin/bash /bin/busybox /usr/bin/busybox /bin/ash /bin/mksh /bin/ksh /usr/bin/ksh; do
		# shellcheck disable=SC3013
		if [ "/proc/$$/exe" -ef "$c" ]; then
			sh=${c##*/}
			break
		fi
	done
	[ "$sh" = sh ] && [ -n "${BASH_VERSION:-}" ] && sh=bash
	[ "$sh" = bash ] && sh="bash ${BASH_VERSION:-}"
	u=
	if have id; then u=$(id -un </dev/null 2>&1); fi
	printf 'version=%s\nuser=%s\nshell=%s\n' "$V" "$u" "$sh"
	e collector 0 0
}

sec_kernel_config() {
	src=/boot/config-$REL
	f=$R$src
	if [ -z "$REL" ] || [ ! -e "$f" ] || [ ! -r "$f" ] || ! have grep; then
		# rd reports why (or reads with the shell when grep is missing).
		rd kernel_config "$src" "$CAP" '*CONFIG_MEMCG*'
		return
	fi
	b kernel_config "$src"
	grep -E '^(# )?CONFIG_MEMCG' -- "$f" </dev/null 2>&1
	rc=$?
	[ "$rc" = 1 ] && rc=0 # no CONFIG_MEMCG line: the kernel has no memcg
	e kernel_config "$rc" 0
}

# cgroup lines of /proc/self/mounts; M = the v1 memory hierarchy's mount point.
sec_mounts() {
	M=
	f=$R/proc/self/mounts
	b cgroup_mounts /proc/self/mounts
	if [ ! -r "$f" ]; then
		why /proc/self/mounts
		e cgroup_mounts "$RC" 0
		return
	fi
	n=0 T=0
	while IFS= read -r l || [ -n "$l" ]; do
		case $l in
		*" cgroup "* | *" cgroup2 "*)
			n=$((n + ${#l} + 1))
			if [ "$n" -gt "$CAP" ]; then
				T=1
				break
			fi
			printf '%s\n' "$l"
			set -f
			# shellcheck disable=SC2086
			set -- $l
			set +f
			if [ "$3" = cgroup ] && [ -z "$M" ]; then
				case ,$4, in *,memory,*) M=$2 ;; esac
			fi
			;;
		esac
		l=
	done 2>/dev/null <"$f"
	e cgroup_mounts 0 "$T"
}

# Number of directories under the memory mount (live memory cgroups).
sec_memcg_dirs() {
	b memcg_dirs "find $M -type d"
	if [ -z "$M" ]; then
		printf 'no cgroup v1 memory mount'
		e memcg_dirs 2 0
		return
	fi
	if ! have find || ! have wc; then
		printf 'find: command not found'
		e memcg_dirs 127 0
		return
	fi
	# find's errors and its exit status first, the count last.
	TO20=
	[ -n "$TO" ] && TO20="timeout 20"
	# 3>&-: busybox timeout leaves a watcher process that would hold fd 3 (our
	# stdout) open for up to a second after find ends.
	{ { $TO20 find "$R$M" -type d 2>&3 3>&- </dev/null; echo "rc $?" >&3; } | wc -l; } 3>&1
	e memcg_dirs 0 0
}

# kmem accounting state of kubepods and a sample of pod/container cgroups.
# Body lines (tab-separated):
#   found <kind> <n>                  candidate directories that exist
#   cg <kind> <path> <how> <first>    how: read (first = first line), unread
#                                     (nothing read: see err), absent
#   err <message>                     head's error for the unread files
KPODS=4 KCONT=6 KDOCK=3 KSYS=3

sec_kmem() {
	b kmem "${M:-memory cgroup}/**/memory.kmem.slabinfo"
	if [ -z "$M" ]; then
		printf 'no cgroup v1 memory mount'
		e kmem 2 0
		return
	fi
	m=$R$M
	set --
	printf 'root\t%s\n' "$M"
	kp=
	for d in "$m/kubepods" "$m/kubepods.slice"; do
		if [ -d "$d" ]; then
			kp=$d
			break
		fi
	done
	if [ -n "$kp" ]; then
		printf 'found\tkubepods\t1\n'
		kc kubepods "$kp"
		[ "$KS" = unread ] && set -- "$@" "$kp/memory.kmem.slabinfo"
	else
		printf 'found\tkubepods\t0\n'
		printf 'cg\tkubepods\t%s\tabsent\t\n' "$M/kubepods"
	fi
	np=0 nc=0 sp=0 sc=0
	for d in "$m"/kubepods/pod*/ "$m"/kubepods/burstable/pod*/ "$m"/kubepods/besteffort/pod*/ \
		"$m"/kubepods.slice/kubepods-pod*.slice/ \
		"$m"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod*.slice/ \
		"$m"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod*.slice/; do
		[ -d "$d" ] || continue
		d=${d%/}
		np=$((np + 1))
		if [ "$sp" -lt "$KPODS" ]; then
			sp=$((sp + 1))
			kc pod "$d"
			[ "$KS" = unread ] && set -- "$@" "$d/memory.kmem.slabinfo"
		fi
		for c in "$d"/*/; do
			[ -d "$c" ] || continue
			c=${c%/}
			nc=$((nc + 1))
			if [ "$sc" -lt "$KCONT" ]; then
				sc=$((sc + 1))
				kc container "$c"
				[ "$KS" = unread ] && set -- "$@" "$c/memory.kmem.slabinfo"
			fi
		done
	done
	printf 'found\tpod\t%s\nfound\tcontainer\t%s\n' "$np" "$nc"
	for kind in docker system_slice; do
		if [ "$kind" = docker ]; then
			pat="$m/docker/*/" max=$KDOCK
		else
			pat="$m/system.slice/docker-*.scope/" max=$KSYS
		fi
		k=0 s=0
		for d in $pat; do
			[ -d "$d" ] || continue
			d=${d%/}
			k=$((k + 1))
			if [ "$s" -lt "$max" ]; then
				s=$((s + 1))
				kc "$kind" "$d"
				[ "$KS" = unread ] && set -- "$@" "$d/memory.kmem.slabinfo"
			fi
		done
		printf 'found\t%s\t%s\n' "$kind" "$k"
	done
	if [ "$#" -gt 0 ] && have head; then
		head -c 1 -- "$@" 2>&1 >/dev/null </dev/null | while IFS= read -r l; do
			printf 'err\t%s\n' "$l"
		done
	fi
	e kmem 0 0
}

# kc KIND DIR: classify DIR/memory.kmem.slabinfo; KS = read, unread or absent.
kc() {
	f=$2/memory.kmem.slabinfo
	l=
	if [ ! -e "$f" ]; then
		KS=absent
	elif IFS= read -r l 2>/dev/null <"$f" || [ -n "$l" ]; then
		KS='read'
	else
		KS=unread
	fi
	printf 'cg\t%s\t%s\t%s\t%s\n' "$1" "${2#"$R"}" "$KS" "$l"
}

sec_slab() {
	b sys_kernel_slab /sys/kernel/slab
	d=$R/sys/kernel/slab
	if [ ! -d "$d" ]; then
		why /sys/kernel/slab/x
		e sys_kernel_slab "$RC" 0
		return
	fi
	if [ ! -r "$d" ]; then
		printf '/sys/kernel/slab: Permission denied'
		e sys_kernel_slab 1 0
		return
	fi
	set -- "$d"/*
	[ -e "$1" ] || [ -L "$1" ] || set --
	printf '%s\n' "$#"
	e sys_kernel_slab 0 0
}

# Every runc build found: runc, docker-runc, docker-runc-current in PATH and
# RHEL's /usr/libexec/docker copies.
sec_runc() {
	all=
	for nm in runc docker-runc docker-runc-current; do
		lookup "$nm"
		all=$all$P
	done
	P=$all
	add_bin "$R/usr/libexec/docker/docker-runc-current"
	add_bin "$R/usr/libexec/docker/docker-runc"
	if [ -z "$P" ]; then
		missing runc "runc docker-runc docker-runc-current"
		return
	fi
	oldifs=$IFS
	IFS='
'
	for p in $P; do
		IFS=$oldifs
		run runc "${p#"$R"} --version" "$p" --version
	done
	IFS=$oldifs
}

# Kernel log: leak signatures only, filtered on the host. The first source
# that works: dmesg, journalctl -k, /var/log/messages, /var/log/kern.log.
# With awk the body is: rc N / lines N / bytes N / err <first lines when rc>0>
# / count <sig> N / latest <sig> <line>. Without awk: rc N / mode grep / the
# matching lines (last 200).
KLOG_MAX=67108864

sec_kernel_log() {
	if have dmesg && klog dmesg dmesg; then return; fi
	if have journalctl && klog "journalctl -k --no-pager" journalctl -k --no-pager; then return; fi
	for f in /var/log/messages /var/log/kern.log; do
		if [ -e "$R$f" ]; then
			if have tail; then
				klog "$f" tail -c "$KLOG_MAX" -- "$R$f"
				return
			fi
		fi
	done
	b kernel_log "dmesg journalctl /var/log/messages /var/log/kern.log"
	printf 'no readable kernel log'
	e kernel_log 2 0
}

# klog SOURCE CMD [ARG...]: one kernel_log section; false when CMD failed.
klog() {
	src=$1
	shift
	b kernel_log "$src"
	mark="@@KAUDIT:$N:RC "
	if have awk; then
		o=$({
			$TO "$@" </dev/null 2>&1
			printf '\n%s%s\n' "$mark" "$?"
		} | awk -v mark="$mark" "$KLOG_AWK" 2>&1)
	elif have grep && have tail; then
		o=$({
			$TO "$@" </dev/null 2>&1
			printf '\n%s%s\n' "$mark" "$?"
		} | grep -E "$KLOG_ERE|^$mark" | tail -n 201)
		# Move the status line first, as awk does.
		st=${o##*"$mark"}
		o="rc $st
mode grep
${o%"$mark"*}"
	else
		printf 'rc 127\nerr awk, grep: command not found'
		e kernel_log 127 0
		return 0
	fi
	cp_lines 1048576 <<EOF
$o
EOF
	case $o in
	"rc 0"*)
		e kernel_log 0 "$T"
		return 0
		;;
	esac
	st=${o#rc }
	st=${st%%
*}
	case $st in '' | *[!0-9]*) st=1 ;; esac
	e kernel_log "$st" "$T"
	return 1
}

# Signature regexes (ERE, no intervals or backslashes: any POSIX awk), once
# joined for grep and once per signature for awk. A Go test checks both against
# parse.Signatures.
KLOG_ERE='SLUB: Unable to allocate memory on node|BUG: soft lockup - CPU#[^ ]+ stuck for|page allocation failure: order:[0-9]+|kmem_cache_create[(]nf_conntrack_[0-9a-f]+[)] failed|Unable to create nf_conn slab cache|Memory cgroup out of memory: Kill|kmem: usage [0-9]+kB, limit [0-9]+kB, failcnt [0-9]+|mkdir /sys/fs/cgroup/memory/.*no space left on device|oci runtime error.*(exit status 6|cannot allocate memory)|setns process for init caused.*exit status 6|/sys/fs/cgroup/memory/.*cannot allocate memory|socket: no more sockets|Failed to initialize the ICMP6 control socket'
# shellcheck disable=SC2016 # awk's own $0
KLOG_AWK='
BEGIN {
	n = 0
	id[++n] = "slub_alloc_fail";    re[n] = "SLUB: Unable to allocate memory on node"
	id[++n] = "soft_lockup";        re[n] = "BUG: soft lockup - CPU#[^ ]+ stuck for"
	id[++n] = "page_alloc_fail";    re[n] = "page allocation failure: order:[0-9]+"
	id[++n] = "nf_conntrack_cache"; re[n] = "kmem_cache_create[(]nf_conntrack_[0-9a-f]+[)] failed|Unable to create nf_conn slab cache"
	id[++n] = "memcg_oom";          re[n] = "Memory cgroup out of memory: Kill"
	id[++n] = "kmem_usage";         re[n] = "kmem: usage [0-9]+kB, limit [0-9]+kB, failcnt [0-9]+"
	id[++n] = "cgroup_enospc";      re[n] = "mkdir /sys/fs/cgroup/memory/.*no space left on device"
	id[++n] = "oci_runtime_error";  re[n] = "oci runtime error.*(exit status 6|cannot allocate memory)|setns process for init caused.*exit status 6|/sys/fs/cgroup/memory/.*cannot allocate memory"
	id[++n] = "no_more_sockets";    re[n] = "socket: no more sockets|Failed to initialize the ICMP6 control socket"
	any = re[1]
	for (i = 2; i <= n; i++) any = any "|" re[i]
	rc = -1; lines = 0; bytes = 0
}
index($0, mark) == 1 { rc = substr($0, length(mark) + 1) + 0; next }
{
	lines++
	bytes += length($0) + 1
	if (lines <= 3) head[lines] = $0
	if ($0 ~ any)
		for (i = 1; i <= n; i++)
			if ($0 ~ re[i]) { c[i]++; last[i] = substr($0, 1, 1024) }
}
END {
	# journalctl without access to the system journal exits 0 with only a hint.
	if (rc == 0) for (i = 1; i <= lines && i <= 3; i++) if (head[i] ~ /insufficient permissions|No journal files were/) rc = 1
	printf "rc %d\nlines %d\nbytes %d\n", rc, lines, bytes
	if (rc != 0) for (i = 1; i <= lines && i <= 3; i++) print "err " substr(head[i], 1, 512)
	for (i = 1; i <= n; i++) if (c[i] > 0) { print "count " id[i] " " c[i]; print "latest " id[i] " " last[i] }
}'

kaudit_main "$@"
exit 0
