#!/bin/sh
# libinkan-ext, the module with the NSS and libarchive code (core/ext.h):
# signing loads neither it nor NSS nor libarchive; importing into a
# Thunderbird profile and reading a zip delivery load it, from the build
# tree and from an installed tree (meson install --destdir), and a missing
# module is a plain error that leaves signing working.
. "$(dirname "$0")/../lib.sh"
need certutil libnss3-tools
need zip zip
need meson meson

BUILD=$(cd "$(dirname "$INKAN")/.." && pwd)
{
  printf 'From: Alice <alice@example.org>\nTo: Bob <bob@example.org>\nSubject: module\n\n'
  printf 'Signed without NSS.\n'
} >"$T/mail.eml"
(cd "$PKI" && zip -q "$T/alice.zip" alice.key.pem alice.cert.pem chain.pem)

# loaded LOG: the shared objects a process loaded, from its LD_DEBUG=files
# LOG (a file name or a path, as it was asked for), one a line.
loaded() { sed -n 's/.*file=\([^ ]*\) .*/\1/p' "$1" | sort -u; }

# module_from DIR LIBS: LIBS names DIR's libinkan-ext.so (paths resolved).
module_from() {
  m=$(grep 'libinkan-ext\.so$' "$2" | head -1)
  [ -n "$m" ] && [ "$(realpath "$m")" = "$(realpath "$1/libinkan-ext.so")" ]
}

profile() {
  rm -rf "$1" && mkdir -p "$1"
  certutil -N -d "sql:$1" --empty-password >/dev/null 2>&1 || skip_all "certutil -N failed"
  printf 'user_pref("mail.identity.id1.useremail", "alice@example.org");\n' >"$1/prefs.js"
}

# cases NAME INKAN [ENV...]: the checks, for the inkan binary INKAN.
cases() {
  name=$1 bin=$2; shift 2
  expect_rc 0 "$name: inkan sign" env "$@" LD_DEBUG=files LD_DEBUG_OUTPUT="$T/ld-sign" \
    "$bin" sign -k "$PKI/alice.pem" $PF -o "$T/signed.eml" "$T/mail.eml"
  cat "$T"/ld-sign.* >"$T/ld-sign" 2>/dev/null; rm -f "$T"/ld-sign.*
  loaded "$T/ld-sign" >"$T/sign-libs"
  if grep -Eq 'libnss3|libarchive|libinkan-ext' "$T/sign-libs"; then
    not_ok "$name: signing loads no NSS, libarchive or libinkan-ext"; sed 's/^/# /' "$T/sign-libs"
  else ok "$name: signing loads no NSS, libarchive or libinkan-ext"; fi

  profile "$T/profile-$name"
  expect_rc 0 "$name: import alice.p12 into a Thunderbird profile" env "$@" LD_DEBUG=files LD_DEBUG_OUTPUT="$T/ld-tb" \
    "$bin" import --into thunderbird --profile "$T/profile-$name" $PF "$PKI/alice.p12"
  cat "$T"/ld-tb.* >"$T/ld-tb" 2>/dev/null; rm -f "$T"/ld-tb.*
  check "$name: certutil lists alice's certificate as a user certificate" \
    sh -c "certutil -L -d 'sql:$T/profile-$name' | grep -Eq '^alice@example.org +u,u,u'"
  loaded "$T/ld-tb" >"$T/tb-libs"
  check "$name: the import loaded libinkan-ext from $EXPECT_DIR" module_from "$EXPECT_DIR" "$T/tb-libs"
  check "$name: ... and NSS with it" grep -q 'libnss3' "$T/tb-libs"

  rm -rf "$T/smime-$name"
  expect_rc 0 "$name: import a zip delivery into inkan's store" env "$@" INKAN_SMIME_DIR="$T/smime-$name" \
    "$bin" import $PF --new-passphrase-file "$PKI/passphrase.txt" "$T/alice.zip"
  check "$name: ... the key is in the store" sh -c "ls '$T/smime-$name/keys' | grep -q '\\.0\$'"
}

EXPECT_DIR=$BUILD/core
cases build "$INKAN"

# The installed layout: the module next to libinkan in libdir.
if ! meson install -C "$BUILD" --no-rebuild --quiet --destdir "$T/dest" >"$T/install.log" 2>&1; then
  not_ok "meson install --destdir"; sed 's/^/# /' "$T/install.log" | tail -20
  finish; exit 1
fi
ok "meson install --destdir"
LIB=$(dirname "$(find "$T/dest" -name 'libinkan.so.0' | head -1)")
BIN=$(find "$T/dest" -path '*/bin/inkan' | head -1)
check "the module is installed next to libinkan" test -f "$LIB/libinkan-ext.so"
check "the installed libinkan needs neither NSS nor libarchive" \
  sh -c "! readelf -d '$LIB/libinkan.so.0' | grep -Eq 'libnss3|libarchive'"
EXPECT_DIR=$LIB
cases installed "$BIN" LD_LIBRARY_PATH="$LIB"

# Without the module: a sentence and exit 10; signing still works.  (Not
# when this machine has inkan installed in the configured libdir: libinkan
# falls back to that one.)
rm -f "$LIB/libinkan-ext.so"
if [ -e "${LIB#"$T/dest"}/libinkan-ext.so" ]; then
  ok "# SKIP no-module checks: ${LIB#"$T/dest"}/libinkan-ext.so is installed on this machine"
  finish; exit $?
fi
profile "$T/profile-missing"
expect_rc 10 "no module: the import fails (internal error)" env LD_LIBRARY_PATH="$LIB" \
  "$BIN" import --into thunderbird --profile "$T/profile-missing" $PF "$PKI/alice.p12"
check "... and says the module cannot be loaded" grep -q "Cannot load inkan's module for Thunderbird profiles and zip files" "$T/err"
expect_rc 0 "no module: inkan sign still works" env LD_LIBRARY_PATH="$LIB" \
  "$BIN" sign -k "$PKI/alice.pem" $PF -o "$T/signed2.eml" "$T/mail.eml"

finish
