# Helpers shared by tests/badinput/*.sh (after tests/lib.sh).  Every row of
# the table in docs/security.md: one clear sentence on stderr, the
# documented exit code, no crash, no partial output, no store change.
need python3 python3

# refuses CODES DESCRIPTION COMMAND...: COMMAND exits with one of CODES
# (space separated) with exactly one line on stderr and nothing on stdout
# (unless ALLOW_STDOUT is set: import reports what it read before it refuses).
refuses() {
  codes=$1 desc=$2; shift 2
  "$@" >"$T/out" 2>"$T/err"
  rc=$?
  case " $codes " in
    *" $rc "*) ok "$desc (exit $rc)";;
    *) not_ok "$desc (exit $rc, wanted one of: $codes)"; sed 's/^/# err: /' "$T/err" | head -5;;
  esac
  if [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q '^inkan [a-z-]*: [A-Z“]' "$T/err"; then ok "$desc: one sentence on stderr"
  else not_ok "$desc: want one 'inkan COMMAND: Sentence' line on stderr"; sed 's/^/# err: /' "$T/err" | head -5; fi
  if [ -s "$T/out" ] && [ -z "${ALLOW_STDOUT:-}" ]; then not_ok "$desc: stdout is not empty"; else ok "$desc: nothing on stdout"; fi
}
# no_file PATH: neither PATH nor a temporary PATH.XXXXXX exists.
no_file() { [ ! -e "$1" ] && ! ls "$1".* >/dev/null 2>&1; }
# snapshot DIR: every file of DIR with its mode and SHA-256 (a store's state).
snapshot() { (cd "$1" 2>/dev/null && find . -type f -exec sha256sum {} + | sort; find . -printf '%p %m\n' | sort); }
