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
# An import killed at any moment leaves the store as it was, or with alice complete.
for d in 0.02 0.05 0.1 0.2 0.4; do
  rm -rf "$T/kstore"; cp -a "$T/store" "$T/kstore"
  INKAN_SMIME_DIR="$T/kstore" timeout -s KILL "$d" "$INKAN" import $PF --new-passphrase-file "$PKI/passphrase.txt" "$PKI/alice.p12" >/dev/null 2>&1
  snapshot "$T/kstore" >"$T/k.after"
  if cmp -s "$T/store.before" "$T/k.after"; then ok "import killed after ${d}s: the store is unchanged"
  elif INKAN_SMIME_DIR="$T/kstore" "$INKAN" sign -k alice@example.org $PF -o /dev/null "$MAIL/plain.eml" >/dev/null 2>&1 &&
       INKAN_SMIME_DIR="$T/kstore" "$INKAN" sign -k bob@example.org $PF -o /dev/null "$MAIL/from-bob.eml" >/dev/null 2>&1; then
    ok "import killed after ${d}s: alice is stored whole, bob still works"
  else not_ok "import killed after ${d}s: the store is damaged"; fi
done
finish
