#!/bin/sh
# Faults (docs/security.md, "Bad input and faults"): unreadable files, a
# full disk, a process killed while writing.  One clear sentence, the
# documented exit code, no partial output, no store change.  TAP output.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"
need openssl openssl

TRUST="--trust $PKI/root.pem --no-system-trust"
BOB="-k $PKI/bob.p12 $PF"
OUT="$T/out.eml"
export INKAN_SMIME_DIR="$T/store"
check "setup: a store holding bob" "$INKAN" import $PF --new-passphrase-file "$PKI/passphrase.txt" "$PKI/bob.p12"
snapshot "$T/store" >"$T/store.before"
store_same() { snapshot "$T/store" >"$T/store.after"; check "$1: the store is unchanged" cmp -s "$T/store.before" "$T/store.after"; }
check "setup: encrypt plain.eml to bob" "$INKAN" encrypt -r "$PKI/bob.cert.pem" -o "$T/enc.eml" "$MAIL/plain.eml"
check "setup: alice signs plain.eml" "$INKAN" sign -k "$PKI/alice.p12" $PF -o "$T/signed.eml" "$MAIL/plain.eml"

# ---------------------------------------------------------------- unreadable files
D="$T/a-directory"
mkdir "$D"
refuses 4 "a directory as the message: verify" "$INKAN" verify $TRUST "$D"
refuses 4 "a directory as the message: decrypt" "$INKAN" decrypt $BOB -o "$OUT" "$D"
check "... no output" no_file "$OUT"
refuses 4 "a directory as the identity: sign" "$INKAN" sign -k "$D" $PF -o "$OUT" "$MAIL/plain.eml"
refuses 4 "a directory as the passphrase file" "$INKAN" sign -k "$PKI/alice.p12" --passphrase-file "$D" -o "$OUT" "$MAIL/plain.eml"
refuses 4 "a directory as the recipient certificate" "$INKAN" encrypt -r "$D" -o "$OUT" "$MAIL/plain.eml"
refuses 4 "a directory as a trust anchor file" "$INKAN" verify --trust "$D" "$T/signed.eml"
check "... no output from any of them" no_file "$OUT"
refuses "4 6" "a directory to import" "$INKAN" import $PF --new-passphrase-file "$PKI/passphrase.txt" "$D/"
store_same "a directory to import"
refuses 4 "passphrase from a closed descriptor" "$INKAN" sign -k "$PKI/alice.p12" --passphrase-fd 9 -o "$OUT" "$MAIL/plain.eml"

# Files without read permission.  root reads everything, so as root the
# commands run as nobody (setpriv) on copies; without setpriv, skipped.
mkdir "$T/pub"
cp "$PKI/alice.p12" "$PKI/bob.p12" "$PKI/passphrase.txt" "$PKI/bob.cert.pem" "$MAIL/plain.eml" "$T/enc.eml" "$T/pub/"
chmod 755 "$T/pub"; chmod 644 "$T/pub"/*
as=""
if [ "$(id -u)" -eq 0 ]; then
  if command -v setpriv >/dev/null 2>&1 && id nobody >/dev/null 2>&1; then
    chmod 711 "$T"; as="setpriv --reuid=$(id -u nobody) --regid=$(id -g nobody) --clear-groups"
  else as=skip; fi
fi
if [ "$as" = skip ]; then
  ok "unreadable files # SKIP running as root without setpriv"
else
  P="$T/pub"
  for f in plain.eml enc.eml alice.p12 bob.p12 passphrase.txt bob.cert.pem; do
    chmod 000 "$P/$f"
    case $f in
      plain.eml) refuses 4 "unreadable message: sign" $as "$INKAN" sign -k "$P/alice.p12" --passphrase-file "$P/passphrase.txt" "$P/$f";;
      enc.eml) refuses 4 "unreadable message: decrypt" $as "$INKAN" decrypt -k "$P/bob.p12" --passphrase-file "$P/passphrase.txt" "$P/$f";;
      alice.p12) refuses 4 "unreadable identity: sign" $as "$INKAN" sign -k "$P/$f" --passphrase-file "$P/passphrase.txt" "$P/plain.eml";;
      bob.p12) refuses 4 "unreadable identity: decrypt" $as "$INKAN" decrypt -k "$P/$f" --passphrase-file "$P/passphrase.txt" "$P/enc.eml";;
      passphrase.txt) refuses 4 "unreadable passphrase file" $as "$INKAN" sign -k "$P/alice.p12" --passphrase-file "$P/$f" "$P/plain.eml";;
      bob.cert.pem) refuses 4 "unreadable recipient certificate" $as "$INKAN" encrypt -r "$P/$f" "$P/plain.eml";;
    esac
    check "... the sentence names $f" grep -qF "$f" "$T/err"
    chmod 644 "$P/$f"
  done
fi
chmod 700 "$T"

# ---------------------------------------------------------------- a full disk
printf 'previous content\n' >"$T/keep"
if [ "$(id -u)" -eq 0 ] && mkdir "$T/mnt" && mount -t tmpfs -o size=64k,mode=755 tmpfs "$T/mnt" 2>/dev/null; then
  trap 'umount "$T/mnt" 2>/dev/null; rm -rf "$T"' EXIT
  M="$T/mnt"
  cp "$T/keep" "$M/keep.eml"
  dd if=/dev/zero of="$M/fill" bs=1k count=1000 2>/dev/null
  check "the tmpfs is full" test "$(df -k --output=avail "$M" | tail -1 | tr -d ' ')" -eq 0
  refuses 4 "full disk: decrypt -o" "$INKAN" decrypt $BOB -o "$M/out.eml" "$T/enc.eml"
  check "full disk: decrypt left no file" no_file "$M/out.eml"
  refuses 4 "full disk: sign -o over an existing file" "$INKAN" sign -k "$PKI/alice.p12" $PF -o "$M/keep.eml" "$MAIL/plain.eml"
  check "full disk: the existing file is unchanged" cmp -s "$T/keep" "$M/keep.eml"
  check "full disk: no temporary file left" sh -c '! ls "$1".* >/dev/null 2>&1' - "$M/keep.eml"
  rm -f "$M/fill"
  umount "$M"
else
  ok "full disk on a tmpfs # SKIP mount -t tmpfs needs root"
fi
# Without root: a file size limit (SIGXFSZ ignored, so write(2) fails); it
# applies to stderr too, so it is above the length of the sentence.
if command -v prlimit >/dev/null 2>&1; then
  limited() { sh -c 'trap "" XFSZ; exec prlimit --fsize=400 -- "$@"' - "$@"; }
  cp "$T/keep" "$T/keep.eml"
  refuses 4 "file size limit: decrypt -o" limited "$INKAN" decrypt $BOB -o "$OUT" "$T/enc.eml"
  check "file size limit: no output, no temporary file" no_file "$OUT"
  refuses 4 "file size limit: sign -o over an existing file" limited "$INKAN" sign -k "$PKI/alice.p12" $PF -o "$T/keep.eml" "$MAIL/plain.eml"
  check "file size limit: the existing file is unchanged" cmp -s "$T/keep" "$T/keep.eml"
else
  ok "file size limit # SKIP prlimit is not installed"
fi
if [ -w /dev/full ]; then
  "$INKAN" decrypt $BOB "$T/enc.eml" >/dev/full 2>"$T/err"
  rc=$?
  check "standard output on a full device: decrypt exits 4 (got $rc)" test "$rc" -eq 4
  check "... with one sentence" sh -c '[ "$(wc -l <"$1")" -eq 1 ] && grep -q "^inkan decrypt: Cannot write" "$1"' - "$T/err"
fi

# ---------------------------------------------------------------- killed while writing
python3 - "$MAIL/plain.eml" "$T/huge.eml" <<'PY'
import sys
head, _, body = open(sys.argv[1]).read().partition("\n\n")
line = "The quick brown fox jumps over the lazy dog, again and again and again.\n"
open(sys.argv[2], "w").write(head + "\n\n" + body + line * (24 * 1024 * 1024 // len(line)))
PY
printf 'previous content\n' >"$T/keep"
killed=0 complete=0
for d in 0.05 0.1 0.2 0.4 0.7 1 1.5 2 3 5; do
  cp "$T/keep" "$OUT"
  timeout -s KILL "$d" "$INKAN" sign -k "$PKI/alice.p12" $PF -o "$OUT" "$T/huge.eml" >/dev/null 2>&1
  rc=$?
  if cmp -s "$T/keep" "$OUT"; then
    ok "SIGKILL after ${d}s (exit $rc): the old output is intact"
    killed=$((killed + 1))
  elif [ "$(verdict "$OUT" $TRUST)" = "valid:" ]; then
    ok "SIGKILL after ${d}s (exit $rc): the output is the whole signed mail"
    complete=$((complete + 1))
  else
    not_ok "SIGKILL after ${d}s (exit $rc): the output is neither the old file nor a whole signed mail"
  fi
  rm -f "$OUT".??????
done
check "at least one run was killed before it finished ($killed killed, $complete complete)" test "$killed" -gt 0
# An import killed at any moment leaves the store's indexes (what mutt and
# inkan read) as they were or with alice whole.  Unindexed leftovers may
# stay behind (a temporary NAME.XXXXXX file, or the certificate file
# written just before its index line: SIGKILL cannot be cleaned up after);
# they are ignored, and the next import completes (with --force when a key
# file was left behind unindexed: it then says so).
for d in 0.01 0.02 0.03 0.04 0.05 0.07 0.1 0.2 0.4; do
  rm -rf "$T/kstore"; cp -a "$T/store" "$T/kstore"
  INKAN_SMIME_DIR="$T/kstore" timeout -s KILL "$d" "$INKAN" import $PF --new-passphrase-file "$PKI/passphrase.txt" "$PKI/alice.p12" >/dev/null 2>&1
  ks() { INKAN_SMIME_DIR="$T/kstore" "$INKAN" "$@" >"$T/ks.out" 2>&1; }
  ks list
  if ! ks sign -k bob@example.org $PF -o /dev/null "$MAIL/from-bob.eml"; then
    not_ok "import killed after ${d}s: bob's identity no longer works"
  elif cmp -s "$T/store/keys/.index" "$T/kstore/keys/.index" && cmp -s "$T/store/certificates/.index" "$T/kstore/certificates/.index"; then
    ok "import killed after ${d}s: the indexes are as before"
  elif ks sign -k alice@example.org $PF -o /dev/null "$MAIL/plain.eml"; then
    ok "import killed after ${d}s: alice is stored whole"
  elif cmp -s "$T/store/keys/.index" "$T/kstore/keys/.index"; then
    # Known (reported to the store): certificates/.index and keys/.index
    # are two renames, so a kill between them lists alice's certificate
    # without her key.  TAP TODO: shown, not counted as a failure.
    TAP_N=$((TAP_N + 1))
    echo "not ok $TAP_N - import killed after ${d}s: alice's certificate is indexed without her key # TODO the two index files are not updated as one"
  else
    not_ok "import killed after ${d}s: the indexes name a part of alice"
  fi
  # Importing again completes, or (a key file left unindexed) says to use
  # --force, which then completes.
  ks import $PF --new-passphrase-file "$PKI/passphrase.txt" "$PKI/alice.p12"
  rc=$?
  if [ $rc -eq 11 ] && grep -q -- '--force' "$T/ks.out"; then
    check "import killed after ${d}s: import again says to use --force; --force completes" \
      ks import --force $PF --new-passphrase-file "$PKI/passphrase.txt" "$PKI/alice.p12"
  else
    check "import killed after ${d}s: import again completes (exit $rc)" test $rc -eq 0
  fi
  check "import killed after ${d}s: then alice signs" ks sign -k alice@example.org $PF -o /dev/null "$MAIL/plain.eml"
done
# ---------------------------------------------------------------- keys and stores
SECRET=$(cat "$PKI/passphrase.txt")
check "the store directory is 0700" test "$(stat -c %a "$T/store")" = 700
check "every stored key file is 0600" sh -c 'for f in "$1"/keys/*; do [ "$(stat -c %a "$f")" = 600 ] || exit 1; done' - "$T/store"
check "no stored file holds the passphrase in clear" sh -c '! grep -rqF -- "$1" "$2"' - "$SECRET" "$T/store"
snapshot "$T/store" >"$T/store.before"
ALLOW_STDOUT=1 refuses 11 "importing bob again without --force" "$INKAN" import $PF --new-passphrase-file "$PKI/passphrase.txt" "$PKI/bob.p12"
store_same "import without --force"
printf 'kept\n' >"$T/kept.key"
refuses 11 "csr -o over an existing key file" "$INKAN" csr --email alice@example.org \
  --new-passphrase-file "$PKI/passphrase.txt" -o "$T/kept"
check "... the existing key file is unchanged" grep -qx kept "$T/kept.key"
check "... and no request was written" no_file "$T/kept.csr"
refuses 3 "a passphrase on the command line is not an option" "$INKAN" sign -k "$PKI/alice.p12" --passphrase "$SECRET" "$MAIL/plain.eml"
# While inkan waits for its passphrase on a descriptor, neither its
# command line nor its environment holds it (nor after: it never sets one).
if [ -d /proc/self ] && command -v mkfifo >/dev/null 2>&1; then
  mkfifo "$T/fifo"
  "$INKAN" sign -k "$PKI/alice.p12" --passphrase-fd 3 -o "$T/fifo-out.eml" "$MAIL/plain.eml" 3<"$T/fifo" >/dev/null 2>&1 &
  pid=$!
  exec 4>"$T/fifo"
  sleep 0.5
  tr '\0' '\n' <"/proc/$pid/cmdline" >"$T/cmdline" 2>/dev/null
  tr '\0' '\n' <"/proc/$pid/environ" >"$T/environ" 2>/dev/null
  printf '%s\n' "$SECRET" >&4
  exec 4>&-
  wait $pid
  check "the signing process got its passphrase from the descriptor" test -s "$T/fifo-out.eml"
  check "its command line never held the passphrase" sh -c '[ -s "$1" ] && ! grep -qF -- "$2" "$1"' - "$T/cmdline" "$SECRET"
  check "its environment never held the passphrase" sh -c '! grep -qF -- "$2" "$1"' - "$T/environ" "$SECRET"
else
  ok "passphrase not in /proc # SKIP no /proc or mkfifo"
fi
finish
