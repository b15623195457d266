#!/bin/sh
# shellcheck disable=SC2317 # section functions are called through `command eval` (sec)
# kaudit collector: read-only evidence of the cgroup v1 kmem accounting leak.
#
# Run:   ssh HOST sh -s -- NONCE BUDGET watch < collect.sh   (or: sudo -n sh -s -- ...)
#        NONCE   per-run marker (see Output)
#        BUDGET  whole seconds the collector may run on this node (default 50)
#        watch   kaudit keeps stdin open while it waits: when stdin reaches
#                end of file (kaudit gave up, was interrupted, or lost the
#                connection) every process the collector started is killed.
# Needs: a POSIX sh (dash, bash, busybox ash). Every external command is
#        optional (guarded by command -v). It uses no timeout(1): each command
#        runs under the collector's own timer and is killed with every process
#        it started (SIGSTOP, SIGTERM + SIGCONT, then SIGKILL a second later),
#        found through /proc, so commands that trap SIGTERM, change process
#        group (GNU timeout) or fork children cannot outlive it.
# It ONLY READS: it writes no file, changes no setting, never contacts a daemon.
# stdin is this script itself: every external command and every read gets its
# own redirection so that nothing consumes the rest of the script.
#
# Budget: a node-wide deadline (BUDGET seconds, enforced by a watchdog that
# ends the collector) and one per command section (SECT seconds, less when the
# node budget runs short). A section whose command ran out of time ends with
# why=timeout and keeps what it printed; a section not started because the
# budget was spent ends with why=budget; one whose process could not be
# started (fork failed: process limit) ends with why=fork.
#
# Output: one framed block per section (names: probes/facts Section* constants):
#   @@KAUDIT:<nonce>:BEGIN <section> <source>
#   <body>
#   @@KAUDIT:<nonce>:END <section> rc=<exit> trunc=<0|1>[ why=<timeout|budget|fork>]
# A newline is always written before END; it is not part of the body.
# The last line is @@KAUDIT:<nonce>:DONE; a watchdog that ends the run early
# writes @@KAUDIT:<nonce>:ABORT budget instead.
# Exit codes used for reads done by the script itself: 2 = no such file,
# 1 = permission denied, 21 = a directory, 22 = not a regular file (a FIFO or
# device would block: not read), 127 = command not found, 124 = timed out,
# 125 = could not fork; others are the command's own.
# Every read is bounded in bytes before the shell or a line tool sees it
# (head -c; the shell's read builtin only when head cannot run). A FIFO or
# device in place of a file is not read at all.
#
# KAUDIT_ROOT (TESTS ONLY, never set it on a real host): a directory prefixed to
# every absolute path the script reads, so tests can run it against a fake
# root. Commands still run from PATH. It must not contain spaces or glob chars.
# KAUDIT_PROC (TESTS ONLY): where the real procfs is (default /proc), for the
# clock (/proc/uptime) and the process table; the fake root's /proc is data.

kaudit_main() {
	N=${1:-nonce}
	B=${2:-50}
	case $B in '' | *[!0-9]*) B=50 ;; esac
	[ "$B" -lt 1 ] && B=1
	WATCH=${3:-}
	R=${KAUDIT_ROOT:-}
	PR=${KAUDIT_PROC:-/proc}
	V=2
	CAP=262144
	SECT=5
	MK="@@KAUDIT:$N:RC "
	NL='
'
	LC_ALL=C
	export LC_ALL
	PATH=${PATH:-/usr/bin:/bin}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
	export PATH
	HEAD=
	have head && HEAD=1
	NOFORK=0
	NOW=0 NOWC=0
	now
	DLC=$((NOWC + B * 100))
	RESERVE=$((B / 6))
	[ "$RESERVE" -lt 3 ] && RESERVE=3
	[ "$B" -le 9 ] && RESERVE=$((B / 3))
	ME=$$
	watch_start

	sec sec_collector
	pf_start
	sec rd hostname /proc/sys/kernel/hostname
	sec rd os_release /etc/os-release
	sec rd redhat_release /etc/redhat-release
	REL=
	sec rd kernel_osrelease /proc/sys/kernel/osrelease
	REL=$L1
	sec rd proc_version /proc/version
	sec rd version_signature /proc/version_signature
	sec rd cmdline /proc/cmdline

	sec rd default_grub /etc/default/grub
	for f in "$R"/etc/default/grub.d/*.cfg; do
		[ -e "$f" ] && sec rd default_grub "${f#"$R"}"
	done
	sec rdglob grub_cfg /boot/grub2/grub.cfg /boot/grub/grub.cfg "/boot/efi/EFI/*/grub.cfg"
	sec rdglob bls_entries "/boot/loader/entries/*.conf"
	sec rdglob grubenv /boot/grub2/grubenv /boot/grub/grubenv "/boot/efi/EFI/*/grubenv"
	if have grubby; then
		sec run grubby "grubby --info=DEFAULT" grubby --info=DEFAULT
	else
		sec missing grubby grubby
	fi
	sec sec_kernel_config

	M=
	sec sec_mounts
	sec rd proc_cgroups /proc/cgroups
	sec rd cgroup_v2 /sys/fs/cgroup/cgroup.controllers
	sec sec_memcg_dirs
	sec sec_kmem
	sec sec_slab

	sec rd meminfo /proc/meminfo
	sec rd buddyinfo /proc/buddyinfo
	sec rd extfrag_index /sys/kernel/debug/extfrag/extfrag_index
	sec rd extfrag_threshold /proc/sys/vm/extfrag_threshold

	sec sec_runc
	sec first_of docker "--version" docker dockerd
	sec first_of containerd "--version" containerd
	sec first_of kubelet "--version" kubelet
	sec rd kubelet_config /var/lib/kubelet/config.yaml "$CAP" '*[cC]group[dD]river*'
	for f in /var/lib/kubelet/kubeadm-flags.env /etc/sysconfig/kubelet /etc/default/kubelet; do
		[ -e "$R$f" ] && sec rd kubelet_config "$f" "$CAP" '*cgroup-driver*'
	done
	sec rd docker_daemon_json /etc/docker/daemon.json 65536

	sec sec_kernel_log
	watch_stop
	printf '@@KAUDIT:%s:DONE\n' "$N"
	return 0
}

# ---- framing and helpers -------------------------------------------------

# OPEN is the section whose BEGIN was written and whose END was not.
b() {
	OPEN=$1
	printf '@@KAUDIT:%s:BEGIN %s %s\n' "$N" "$1" "$2"
}
# e SECTION RC TRUNC [WHY]
e() {
	OPEN=
	if [ -n "${4:-}" ]; then
		printf '\n@@KAUDIT:%s:END %s rc=%s trunc=%s why=%s\n' "$N" "$1" "$2" "$3" "$4"
	else
		printf '\n@@KAUDIT:%s:END %s rc=%s trunc=%s\n' "$N" "$1" "$2" "$3"
	fi
}
have() { command -v "$1" >/dev/null 2>&1; }

# sec FUNC [ARG...]: run one section function. A fork that fails (process
# limit) raises an error in dash and busybox ash that `command eval` contains;
# the open section is then closed as why=fork and the next one runs. (bash
# retries the fork for ~15 s and then exits: kaudit keeps what arrived.)
sec() {
	OPEN=
	command eval '"$@"' || :
	if [ -n "$OPEN" ]; then
		NOFORK=1
		printf '\nkaudit: cannot fork (process limit?): section not finished'
		e "$OPEN" 125 0 fork
	fi
}

# now: NOW = whole seconds since boot (the real procfs), NOWC the same in
# hundredths; both unchanged when unreadable.
now() {
	u='' c=''
	if [ -f "$PR/uptime" ]; then
		{ IFS=' .' read -r u c _; } 2>/dev/null <"$PR/uptime"
	fi
	case $c in [0-9][0-9]) c=${c#0} ;; *) c=0 ;; esac
	case $u in '' | *[!0-9]*) ;; *) NOW=$u NOWC=$((u * 100 + c)) ;; esac
}

# left [MAX [MORE]]: LEFT = whole seconds left of the node budget, at most
# MAX. The last RESERVE seconds (a sixth of the budget, at least 3; a third
# of a budget under 10 s: reaping walks the process table, slow on a loaded
# node), and MORE on top for a section that still has work after its
# command is reaped, are kept for reaping a command that ran out of time and
# for the sections after it, so a timed-out command does not meet the
# watchdog. Counted in hundredths (the whole-second clock alone could hand
# out up to a second that is not left).
left() {
	now
	LEFT=$(((DLC - NOWC) / 100 - RESERVE - ${2:-0}))
	[ "$LEFT" -lt 0 ] && LEFT=0
	if [ -n "${1:-}" ] && [ "$LEFT" -gt "$1" ]; then LEFT=$1; fi
}

# spent SECTION: end the open section unrun: the node budget is spent.
spent() {
	printf 'kaudit: not run: the node budget (%ss) is spent' "$B"
	e "$1" 124 0 budget
}

# ---- processes: timers, reaping, watchdogs -------------------------------

# ptab: TAB = "pid ppid start" triples of every process, from the real procfs
# (builtins only). SELF = this shell's own pid. HEADS = the pids of head
# processes.
ptab() {
	TAB=
	HEADS=' '
	SELF=
	l=
	{ read -r l; } 2>/dev/null <"$PR/self/stat"
	SELF=${l%% *}
	for st in "$PR"/[0-9]*/stat; do
		l=
		{ read -r l || [ -n "$l" ]; } 2>/dev/null <"$st" || continue
		p=${st%/stat}
		p=${p##*/}
		case $l in *" (head) "*) HEADS="$HEADS$p " ;; esac
		r=${l##*") "}
		set -f
		# shellcheck disable=SC2086 # split the stat fields
		set -- $r
		set +f
		[ "$#" -ge 20 ] || continue
		# $2 = ppid, $20 = start time (fields 4 and 22 of proc(5))
		eval "s=\${20}"
		TAB="$TAB $p $2 $s"
	done
}

# desc PID...: D = " pid:start " of PID and every descendant, this shell
# excluded (from a fresh process table). A head that is a direct child of the
# first PID is spared: it is bounded's output cap, which flushes what the
# command printed once the command is gone (killing it would lose that);
# with SPARE=0 it is not (the batch read's head is the job itself).
SPARE=
desc() {
	ptab
	D=" "
	root=$1
	for p in "$@"; do D="$D$p: "; done
	[ "${KIDS:-}" = 1 ] && D=" $1:- "
	while :; do
		ch=0
		set -f
		# shellcheck disable=SC2086
		set -- $TAB
		set +f
		while [ "$#" -ge 3 ]; do
			case $D in
			*" $2:"*)
				case $D in
				*" $1:"*) ;;
				*)
					case "$2 $HEADS" in "$root "*" $1 "*)
						[ "$SPARE" = 0 ] && D="$D$1:$3 " && ch=1
						;;
					*)
						[ "$1" != "$SELF" ] && D="$D$1:$3 " && ch=1
						;;
					esac
					;;
				esac
				;;
			esac
			shift 3
		done
		[ "$ch" = 0 ] && break
	done
}

# pids: P_ = the pids of D (a root spared by KIDS=1 excluded).
pids() {
	P_=
	for x in $D; do
		[ "${x#*:}" = - ] || P_="$P_ ${x%%:*}"
	done
}

# reap PID...: stop PID and its descendants, send them SIGTERM and SIGCONT,
# and a second later stop what is left (with what it forked meanwhile) and
# SIGKILL it (the same processes: pid and start time checked, so a reused pid
# is never hit). Never this shell.
reap() {
	desc "$@"
	pids
	# shellcheck disable=SC2086
	kill -STOP $P_ 2>/dev/null
	# children forked before the stop landed (KIDS=1: PID itself is spared)
	old=$D
	desc "$@"
	pids
	# shellcheck disable=SC2086
	kill -STOP $P_ 2>/dev/null
	all=$D
	for x in $old; do
		case $all in *" ${x%%:*}:"*) ;; *) all="$all$x " ;; esac
	done
	D=$all
	pids
	# shellcheck disable=SC2086
	kill -TERM $P_ 2>/dev/null
	# shellcheck disable=SC2086
	kill -CONT $P_ 2>/dev/null
	pause 1
	# what forked since (a child of a process that ignores SIGTERM) goes too
	desc "$@"
	pids
	# shellcheck disable=SC2086
	kill -STOP $P_ 2>/dev/null
	for x in $D; do
		case $all in *" ${x%%:*}:"*) ;; *) all="$all$x " ;; esac
	done
	for x in $all; do
		p=${x%%:*} s=${x#*:}
		[ "$s" = - ] && continue
		[ -f "$PR/$p/stat" ] || continue
		if [ -n "$s" ]; then
			l=
			{ read -r l; } 2>/dev/null <"$PR/$p/stat"
			set -f
			# shellcheck disable=SC2086
			set -- ${l##*") "}
			set +f
			t=
			eval "t=\${20:-}"
			[ "$t" = "$s" ] || continue
		fi
		kill -KILL "$p" 2>/dev/null
	done
	return 0
}

# pause SECS: sleep when a process can be started, else spin on the clock.
pause() {
	if [ "$NOFORK" = 0 ] && command eval 'sleep "$1" >/dev/null 2>&1'; then
		return
	fi
	now
	w=$((NOW + $1))
	i=0
	while [ "$NOW" -lt "$w" ] && [ "$i" -lt 20000 ]; do
		now
		i=$((i + 1))
	done
}

# bounded SECS CAP CMD [ARG...]: CMD's stdout and stderr, at most CAP bytes,
# then "\n<MK><status>": the exit status, "timeout" when SECS ran out (CMD and
# every process it started are then reaped), "fork" when no process could be
# started. Nothing follows the output when CAP cut it.
bounded() {
	# shellcheck disable=SC2034 # used inside the eval strings
	bs=$1 bc=$2
	shift 2
	bt='' bp=
	command eval 'sleep "$bs" >/dev/null 2>&1 & bt=$!' 2>/dev/null
	if [ -z "$bt" ]; then
		printf '\n%sfork\n' "$MK"
		return
	fi
	command eval 'bjob "$@" & bp=$!' 2>/dev/null
	if [ -z "$bp" ]; then
		kill "$bt" 2>/dev/null
		wait "$bt" 2>/dev/null
		printf '\n%sfork\n' "$MK"
		return
	fi
	if wait "$bt" 2>/dev/null; then
		# the timer ran out first: everything of the job but bjob itself and
		# its output cap, which then flush and end
		KIDS=1
		reap "$bp"
		KIDS=
		wait "$bp" 2>/dev/null
		printf '\n%stimeout\n' "$MK"
	else
		wait "$bp"
	fi
}

# bjob CMD [ARG...]: bounded's job, in a subshell of its own whose
# descendants are every process of the job (nothing is the subshell's last
# command, so no shell execs a pipeline member in its place).
bjob() {
	if [ -n "$HEAD" ]; then
		{
			"$@" </dev/null 2>&1
			r=$?
			kill "$bt" 2>/dev/null
			printf '\n%s%s\n' "$MK" "$r"
		} | head -c "$bc"
	else
		"$@" </dev/null 2>&1
		r=$?
		kill "$bt" 2>/dev/null
		printf '\n%s%s\n' "$MK" "$r"
	fi
	return 0
}

# watch_start: the node-budget watchdog (ends the run at BUDGET seconds) and,
# with "watch", the stdin watchdog (ends it when kaudit closes the channel).
WG='' WE=''
watch_start() {
	WSTATE=none
	[ "$NOFORK" = 0 ] || return 0
	command eval 'wd_budget & WG=$!' 2>/dev/null
	if [ "$WATCH" = watch ]; then
		# A background job's stdin is /dev/null before its own redirections:
		# hand it the real stdin through fd 3, closed again in this shell.
		exec 3<&0
		command eval 'wd_stdin <&3 3<&- & WE=$!' 2>/dev/null
		exec 3<&-
	fi
	[ -n "$WG" ] && WSTATE=budget
	[ -n "$WE" ] && WSTATE="$WSTATE,stdin"
	return 0
}

watch_stop() {
	# The watchdogs ignore SIGTERM (an SSH "signal" request reaches the whole
	# session: they must outlive it to reap): stop them with KILL (the stdin
	# watchdog has no child) and USR1 (the budget watchdog kills its sleep).
	[ -n "$WE" ] && kill -KILL "$WE" 2>/dev/null
	[ -n "$WG" ] && kill -USR1 "$WG" 2>/dev/null
	[ -n "$WG" ] && wait "$WG" 2>/dev/null
	[ -n "$WE" ] && wait "$WE" 2>/dev/null
	WG='' WE=''
	return 0
}

# wd_budget: sleep BUDGET seconds, then stop the run: mark it aborted and
# reap the collector and everything it started.
wd_budget() {
	ws=
	trap '' TERM
	trap 'kill "$ws" 2>/dev/null; exit 0' USR1
	# the sleep must not inherit the ignored SIGTERM
	(
		trap - TERM
		exec sleep "$B" >/dev/null 2>&1
	) &
	ws=$!
	wait "$ws" || exit 0
	trap - USR1
	trap '' PIPE
	# stop the collector first so that the ABORT line is not inside a line
	kill -STOP "$ME" 2>/dev/null
	printf '\n@@KAUDIT:%s:ABORT budget\n' "$N"
	reap "$ME"
	exit 0
}

# wd_stdin: wait for end of file on stdin (the script was read whole before
# this starts), then reap the collector and everything it started.
wd_stdin() {
	trap '' TERM PIPE
	while IFS= read -r _; do :; done
	exec >/dev/null 2>&1
	reap "$ME"
	exit 0
}

# ---- reading -------------------------------------------------------------

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

# emit OUTPUT CAP [PATTERN]: print a bounded command's output (see bounded)
# as the open section's body, at most CAP bytes (lines matching PATTERN
# only), and set RC, T (cut), WHY and L1 from it.
emit() {
	o=$1
	WHY=
	case $o in
	*"$MK"*)
		st=${o##*"$MK"}
		o=${o%"$MK"*}
		o=${o%"$NL"}
		;;
	*) st='cut' ;;
	esac
	case $st in
	timeout) RC=124 WHY=timeout ;;
	fork) RC=125 WHY=fork ;;
	cut) RC=0 ;;
	'' | *[!0-9]*) RC=1 ;;
	*) RC=$st ;;
	esac
	T=0
	if [ "${3:-*}" != "*" ]; then
		cp_lines "$2" "$3" <<KAUDIT_EOF
$o
KAUDIT_EOF
	else
		L1=${o%%"$NL"*}
		if [ "${#o}" -gt "$2" ]; then
			printf "%.${2}s" "$o"
			T=1
		else
			printf '%s' "$o"
		fi
	fi
	[ "$st" = cut ] && T=1
	[ "$WHY" = timeout ] && printf '\nkaudit: timed out after %ss' "$SB"
	[ "$WHY" = fork ] && printf '\nkaudit: cannot fork (process limit?)'
	return 0
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

# rd SECTION PATH [CAP] [PATTERN]: one section with the file's lines, read
# with head -c CAP+1 (a huge line costs CAP bytes) under the section timer.
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
	if [ ! -f "$f" ]; then
		printf '%s: not a regular file: not read (it could block)' "$2"
		e "$1" 22 0
		return
	fi
	if [ ! -r "$f" ]; then
		printf '%s: Permission denied' "$2"
		e "$1" 1 0
		return
	fi
	c=${3:-$CAP}
	# The next file of the batch read (pf_start), when it is this one.
	if [ "$PFI" -lt "$PFN" ] && [ "$c" = "$CAP" ]; then
		eval "o=\${PF_$PFI-}"
		case $o in
		" $f <==$NL"*)
			unset "PF_$PFI"
			PFI=$((PFI + 1))
			o=${o#" $f <==$NL"}
			o=${o%"$NL=="}
			emit "$o$NL${MK}0" "$c" "${4:-*}"
			e "$1" "$RC" "$T" "$WHY"
			return
			;;
		esac
	fi
	if [ -n "$HEAD" ] && [ "$NOFORK" = 0 ]; then
		# One head per file, without the section timer: a regular file's read
		# that blocks is one the kernel would not let a kill end either; the
		# node budget's watchdog ends the run then.
		SB=$SECT o=@@nofork
		command eval 'o=$(head -c $((c + 1)) -- "$f" 2>&1 </dev/null; printf "\n%s%s" "$MK" "$?")' 2>/dev/null
		if [ "$o" != @@nofork ]; then
			emit "$o" "$c" "${4:-*}"
			e "$1" "$RC" "$T" "$WHY"
			return
		fi
		NOFORK=1
	fi
	# No head, or no process can be started: the shell's read builtin.
	cp_lines "$c" "${4:-*}" 2>/dev/null <"$f"
	e "$1" 0 "$T"
}

# pf_start: read every file the rd sections below read with the default cap
# in ONE head -c CAP+1 (per file the same bytes as a head of its own: one
# process instead of ~16), under one section timer. head frames the files
# with "==> PATH <==" headers, each but the first preceded by a newline; a
# last /dev/null ends the output with a header, so no trailing newline of a
# file is lost to $(...). The output is split on '>' (linear; the shells'
# prefix removal is quadratic in the prefix's length): a field that follows
# one ending in "\n==" and starts with " PATH <==\n" for a PATH of the list
# is a header, any other field is a file's '>' put back. It is used only
# when head exited 0 in time and every header came exactly in the order of
# the list (a file holding the next one's header line makes a header come
# twice: the batch is then not used). rd takes its file's bytes from PF_<i>
# (PFI the next) when its path is the one expected; otherwise, and whenever
# the batch is not usable, rd reads the file with its own head as before.
PFN=0 PFI=0
pf_start() {
	PFN=0 PFI=0
	[ -n "$HEAD" ] && [ "$NOFORK" = 0 ] || return 0
	set --
	for p in /proc/sys/kernel/hostname /etc/os-release /etc/redhat-release \
		/proc/sys/kernel/osrelease /proc/version /proc/version_signature \
		/proc/cmdline /etc/default/grub; do
		pf_ok "$R$p" && set -- "$@" "$R$p"
	done
	for f in "$R"/etc/default/grub.d/*.cfg; do
		pf_ok "$f" && set -- "$@" "$f"
	done
	for p in /boot/grub2/grub.cfg /boot/grub/grub.cfg "/boot/efi/EFI/*/grub.cfg" \
		"/boot/loader/entries/*.conf" \
		/boot/grub2/grubenv /boot/grub/grubenv "/boot/efi/EFI/*/grubenv"; do
		for f in $R$p; do
			pf_ok "$f" && set -- "$@" "$f"
		done
	done
	for p in /proc/self/mounts /proc/cgroups /sys/fs/cgroup/cgroup.controllers \
		/proc/meminfo /proc/buddyinfo /sys/kernel/debug/extfrag/extfrag_index \
		/proc/sys/vm/extfrag_threshold /var/lib/kubelet/config.yaml \
		/var/lib/kubelet/kubeadm-flags.env /etc/sysconfig/kubelet /etc/default/kubelet; do
		pf_ok "$R$p" && set -- "$@" "$R$p"
	done
	[ "$#" -gt 0 ] || return 0
	names=
	for f in "$@" /dev/null; do
		case $f in *"$NL"* | *'>'* | *'<'*) return 0 ;; esac
		names="$names$f$NL"
	done
	n=$#
	left "$SECT"
	[ "$LEFT" -ge 1 ] || return 0
	SB=$LEFT o=@@nofork r=1
	command eval 'o=$(pf_read "$@"); r=$?' 2>/dev/null
	[ "$r" = 0 ] || return 0
	set -f
	oldifs=$IFS
	IFS='>'
	# shellcheck disable=SC2086 # split on the headers' '>'
	set -- $o
	IFS=$oldifs
	set +f
	# bounded work: a few '>' in the files at most
	[ "${1-}" = "==" ] && [ "$#" -le $((n + 66)) ] || return 0
	shift
	k=-1 cur='' todo=$names
	for x in "$@"; do
		if [ "$k" -ge 0 ]; then
			case $cur in
			*"$NL==") ;;
			*)
				cur="$cur>$x"
				continue
				;;
			esac
		fi
		nm=
		case $x in
		" "*" <==$NL"* | " "*" <==")
			nm=${x#" "}
			nm=${nm%%" <=="*}
			case $NL$names in *"$NL$nm$NL"*) ;; *) nm= ;; esac
			;;
		esac
		if [ -z "$nm" ]; then
			[ "$k" -ge 0 ] || return 0
			cur="$cur>$x"
			continue
		fi
		[ "$nm" = "${todo%%"$NL"*}" ] || return 0
		todo=${todo#"$nm$NL"}
		[ "$k" -ge 0 ] && eval "PF_$k=\$cur"
		k=$((k + 1))
		cur=$x
	done
	if [ "$k" = "$n" ] && [ -z "$todo" ] && [ "$cur" = " /dev/null <==" ]; then
		PFN=$n
	else
		i=0
		while [ "$i" -lt "$n" ]; do
			unset "PF_$i"
			i=$((i + 1))
		done
	fi
	return 0
}

# pf_ok FILE: FILE is one rd reads with head (a readable regular file).
pf_ok() { [ -f "$1" ] && [ -r "$1" ]; }

# pf_read FILE...: (inside $(...)) head -c CAP+1 of every FILE and /dev/null
# under a timer of SB seconds; the status is head's, 124 when the timer ran
# out (head and everything it started are reaped), 125 when no process could
# be started.
pf_read() {
	bt='' bp=
	command eval 'sleep "$SB" >/dev/null 2>&1 & bt=$!' 2>/dev/null
	[ -n "$bt" ] || return 125
	command eval 'pf_job "$@" & bp=$!' 2>/dev/null
	if [ -z "$bp" ]; then
		kill "$bt" 2>/dev/null
		wait "$bt" 2>/dev/null
		return 125
	fi
	if wait "$bt" 2>/dev/null; then
		SPARE=0
		reap "$bp"
		SPARE=
		wait "$bp" 2>/dev/null
		return 124
	fi
	wait "$bp"
}

pf_job() {
	head -c $((CAP + 1)) -- "$@" /dev/null 2>/dev/null </dev/null
	r=$?
	kill "$bt" 2>/dev/null
	return "$r"
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
# (stdout and stderr, at most 64 KiB) under the section timer.
run() {
	s=$1 src=$2
	shift 2
	b "$s" "$src"
	left "$SECT"
	if [ "$LEFT" -lt 1 ]; then
		spent "$s"
		return
	fi
	SB=$LEFT
	o=$(bounded "$SB" 65537 "$@")
	emit "$o" 65536
	e "$s" "$RC" "$T" "$WHY"
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
	if have id && [ "$NOFORK" = 0 ]; then
		command eval 'u=$(id -un </dev/null 2>&1)' 2>/dev/null || NOFORK=1
	fi
	printf 'version=%s\nuser=%s\nshell=%s\nbudget=%s\nwatchdogs=%s\n' "$V" "$u" "$sh" "$B" "$WSTATE"
	e collector 0 0
}

sec_kernel_config() {
	src=/boot/config-$REL
	f=$R$src
	if [ -z "$REL" ] || [ ! -f "$f" ] || [ ! -r "$f" ] || ! have grep; then
		# rd reports why (or filters with the shell when grep is missing).
		rd kernel_config "$src" "$CAP" '*CONFIG_MEMCG*'
		return
	fi
	b kernel_config "$src"
	left "$SECT"
	if [ "$LEFT" -lt 1 ]; then
		spent kernel_config
		return
	fi
	SB=$LEFT
	o=$(bounded "$SB" $((CAP + 1)) grep -E '^(# )?CONFIG_MEMCG' -- "$f")
	emit "$o" "$CAP"
	[ "$RC" = 1 ] && RC=0 # no CONFIG_MEMCG line: the kernel has no memcg
	e kernel_config "$RC" "$T" "$WHY"
}

# cgroup lines of /proc/self/mounts; M = the v1 memory hierarchy's mount point.
sec_mounts() {
	M=
	o=
	rd cgroup_mounts /proc/self/mounts "$CAP" '* cgroup[ 2]*'
	# M from the same bounded copy (o, set by rd), or the file when no
	# process could be started.
	if [ -z "$o" ] && [ -f "$R/proc/self/mounts" ]; then
		o=
		while IFS= read -r l || [ -n "$l" ]; do
			case $l in *" cgroup "* | *" cgroup2 "*) o="$o$l$NL" ;; esac
		done 2>/dev/null <"$R/proc/self/mounts"
	fi
	set -f
	oldifs=$IFS
	IFS=$NL
	for l in $o; do
		IFS=$oldifs
		# shellcheck disable=SC2086
		set -- $l
		if [ "${3:-}" = cgroup ] && [ -z "$M" ]; then
			case ,${4:-}, in *,memory,*) M=$2 ;; esac
		fi
		IFS=$NL
	done
	IFS=$oldifs
	set +f
}

# memcg_count: find's errors and its exit status first, the count last.
memcg_count() {
	{ { find "$R$M" -type d 2>&3 3>&- </dev/null; echo "rc $?" >&3; } | wc -l; } 3>&1
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
	left 20
	if [ "$LEFT" -lt 1 ]; then
		spent memcg_dirs
		return
	fi
	SB=$LEFT
	o=$(bounded "$SB" 65537 memcg_count)
	emit "$o" 65536
	e memcg_dirs 0 "$T" "$WHY"
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
	if [ "$#" -gt 0 ] && have head && [ "$NOFORK" = 0 ]; then
		left "$SECT"
		if [ "$LEFT" -ge 1 ]; then
			SB=$LEFT o=
			command eval 'o=$(bounded "$SB" 65537 kmem_errs "$@")' 2>/dev/null
			o=${o%"$MK"*}
			printf '%s' "$o" | while IFS= read -r l; do
				[ -n "$l" ] && printf 'err\t%s\n' "$l"
			done
		fi
	fi
	e kmem 0 0
}

# kmem_errs FILE...: head's error for each unreadable file, one line each.
kmem_errs() {
	head -c 1 -- "$@" 2>&1 >/dev/null </dev/null
}

# kc KIND DIR: classify DIR/memory.kmem.slabinfo; KS = read, unread or absent.
# Only regular files are read (a FIFO would block the shell).
kc() {
	f=$2/memory.kmem.slabinfo
	l=
	if [ ! -e "$f" ]; then
		KS=absent
	elif [ -f "$f" ] && { IFS= read -r l 2>/dev/null <"$f" || [ -n "$l" ]; }; then
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
		sec run runc "${p#"$R"} --version" "$p" --version
	done
	IFS=$oldifs
}

# Kernel log: leak signatures only, counted on the host. Sources in order:
# dmesg, journalctl -k, /var/log/messages, /var/log/kern.log (their last
# KLOG_MAX bytes). Each log tried gets its own kernel_log section; the next
# one is tried only when this one was not read to its end (it failed,
# timed out or was cut), and kaudit adds up the signatures of all of them.
# With awk the body is: rc N / why W / lines N / bytes N / first <line> /
# last <line> / err <first lines when rc>0> / count <sig> N / latest <sig>
# <line>. Without awk: rc N / mode grep / the matching lines (last 200).
KLOG_MAX=67108864
KLOG_SECS=20

sec_kernel_log() {
	KDONE=0 tried=0
	if have dmesg; then
		tried=1
		klog dmesg dmesg
		[ "$KDONE" = 1 ] && return
	fi
	if have journalctl; then
		tried=1
		klog "journalctl -k --no-pager" journalctl -k --no-pager
		[ "$KDONE" = 1 ] && return
	fi
	for f in /var/log/messages /var/log/kern.log; do
		if [ -f "$R$f" ] && have tail; then
			tried=1
			klog "$f" tail -c "$KLOG_MAX" -- "$R$f"
			return
		fi
	done
	[ "$tried" = 1 ] && return
	b kernel_log "dmesg journalctl /var/log/messages /var/log/kern.log"
	printf 'no readable kernel log'
	e kernel_log 2 0
}

# klog SOURCE CMD [ARG...]: one kernel_log section; KDONE=1 when CMD was read
# to its end and exited 0.
klog() {
	src=$1
	shift
	b kernel_log "$src"
	# 2 s more than the reserve: after the command is reaped, awk still
	# scans what is in the pipe, and its counts are the section's evidence
	left "$KLOG_SECS" 2
	if [ "$LEFT" -lt 1 ]; then
		printf 'rc 124\nwhy budget\n'
		spent kernel_log
		return
	fi
	SB=$LEFT
	if have awk; then
		o=$(bounded "$SB" "$KLOG_MAX" "$@" | awk -v mark="$MK" "$KLOG_AWK" 2>&1)
	elif have grep && have tail; then
		o=$(bounded "$SB" "$KLOG_MAX" "$@" | grep -E "$KLOG_ERE|^$MK" | tail -n 201)
		# Move the status line first, as awk does.
		st=${o##*"$MK"}
		case $o in *"$MK"*) ;; *) st=-1 ;; esac
		o="rc $st
mode grep
${o%"$MK"*}"
	else
		printf 'rc 127\nerr awk, grep: command not found'
		e kernel_log 127 0
		return
	fi
	cp_lines 1048576 <<KAUDIT_EOF
$o
KAUDIT_EOF
	st=${o#rc }
	st=${st%%"$NL"*}
	case $o in
	*"${NL}why timeout"*) e kernel_log 124 "$T" timeout ;;
	*"${NL}why fork"*) e kernel_log 125 "$T" fork ;;
	*"${NL}cut 1"*) e kernel_log 0 1 ;;
	*)
		case $st in
		0)
			KDONE=1
			e kernel_log 0 "$T"
			;;
		-1) e kernel_log 0 1 ;;
		'' | *[!0-9]*) e kernel_log 1 "$T" ;;
		*) e kernel_log "$st" "$T" ;;
		esac
		;;
	esac
}

# Signature regexes (ERE, no intervals or backslashes), joined for grep. awk
# counts the same signatures with index() on a fixed part first and a regex on
# a short rest only (busybox awk's regex engine is ~100x slower than mawk's: a
# regex per line would cost minutes on a large log). A Go test checks both
# against parse.SignatureRules.
KLOG_ERE='SLUB: Unable to allocate memory on node|BUG: soft lockup - CPU#[^ ]+ stuck for|page allocation failure: order:[0-9]+|kmem_cache_create[(]nf_conntrack_[0-9a-f]+[)] failed|Unable to create nf_conn slab cache|Memory cgroup out of memory: Kill|kmem: usage [0-9]+kB, limit [0-9]+kB, failcnt [0-9]+|mkdir /sys/fs/cgroup/memory/.*no space left on device|oci runtime error.*(exit status 6|cannot allocate memory)|setns process for init caused.*exit status 6|/sys/fs/cgroup/memory/.*cannot allocate memory|socket: no more sockets|Failed to initialize the ICMP6 control socket'
# shellcheck disable=SC2016 # awk's own $0
KLOG_AWK='
BEGIN {
	n = split("slub_alloc_fail soft_lockup page_alloc_fail nf_conntrack_cache memcg_oom kmem_usage cgroup_enospc oci_runtime_error no_more_sockets", id, " ")
	rc = -1; lines = 0; bytes = 0; why = ""
}
index($0, mark) == 1 {
	st = substr($0, length(mark) + 1)
	if (st ~ /^[0-9]+$/) rc = st + 0; else { why = st; rc = (st == "fork") ? 125 : 124 }
	next
}
{
	lines++
	bytes += length($0) + 1
	if (lines <= 3) head[lines] = $0
	l = $0
	if (index(l, "SLUB: Unable to allocate memory on node")) { c[1]++; s[1] = l }
	if (p = index(l, "BUG: soft lockup - CPU#")) { r = substr(l, p + 23); q = index(r, " "); if (q > 1 && index(r, " stuck for") == q) { c[2]++; s[2] = l } }
	if (p = index(l, "page allocation failure: order:")) { if (substr(l, p + 31, 1) ~ /[0-9]/) { c[3]++; s[3] = l } }
	if (index(l, "nf_conn")) { if (l ~ /kmem_cache_create[(]nf_conntrack_[0-9a-f]+[)] failed|Unable to create nf_conn slab cache/) { c[4]++; s[4] = l } }
	if (index(l, "Memory cgroup out of memory: Kill")) { c[5]++; s[5] = l }
	if (p = index(l, "kmem: usage ")) { if (substr(l, p) ~ /^kmem: usage [0-9]+kB, limit [0-9]+kB, failcnt [0-9]+/) { c[6]++; s[6] = l } }
	o = 0
	if (p = index(l, "/sys/fs/cgroup/memory/")) {
		if ((q = index(l, "mkdir /sys/fs/cgroup/memory/")) && index(substr(l, q), "no space left on device")) { c[7]++; s[7] = l }
		if (index(substr(l, p), "cannot allocate memory")) { { c[8]++; s[8] = l }; o = 1 }
	}
	if (!o && (p = index(l, "oci runtime error"))) { r = substr(l, p); if (index(r, "exit status 6") || index(r, "cannot allocate memory")) { { c[8]++; s[8] = l }; o = 1 } }
	if (!o && (p = index(l, "setns process for init caused"))) { if (index(substr(l, p), "exit status 6")) { c[8]++; s[8] = l } }
	if (index(l, "socket: no more sockets") || index(l, "Failed to initialize the ICMP6 control socket")) { c[9]++; s[9] = l }
	last = l
}
END {
	# journalctl without access to the system journal exits 0 with only a hint.
	if (rc == 0) for (i = 1; i <= lines && i <= 3; i++) if (head[i] ~ /insufficient permissions|No journal files were/) rc = 1
	if (rc == -1 && why == "") { rc = 0; cut = 1 }
	printf "rc %d\n", rc
	if (why != "") print "why " why
	if (cut) print "cut 1"
	printf "lines %d\nbytes %d\n", lines, bytes
	if (lines > 0) { print "first " substr(head[1], 1, 200); print "last " substr(last, 1, 200) }
	if (rc != 0) for (i = 1; i <= lines && i <= 3; i++) print "err " substr(head[i], 1, 512)
	for (i = 1; i <= n; i++) if (c[i] > 0) { print "count " id[i] " " c[i]; print "latest " id[i] " " substr(s[i], 1, 1024) }
}'

kaudit_main "$@"; exit 0
