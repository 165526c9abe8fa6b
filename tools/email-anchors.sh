#!/bin/sh
# Writes the email-trusted roots of Mozilla's root store, as shipped by
# Debian's libnss3 (libnssckbi.so, the "Builtin Object Token"), to OUT as
# PEM: every builtin root whose S/MIME trust attribute has C (trusted CA).
# That is the trust Thunderbird uses for email; the TLS bundle in
# /etc/ssl/certs is not (design.md: trust for email).
# Usage: tools/email-anchors.sh OUT.pem   (needs certutil and modutil from libnss3-tools)
set -eu
OUT=$1
CKBI=
for f in /usr/lib/*/libnssckbi.so /usr/lib/libnssckbi.so /usr/lib64/libnssckbi.so; do
  [ -f "$f" ] && CKBI=$f && break
done
DB=$(mktemp -d)
trap 'rm -rf "$DB"' EXIT
if [ -z "$CKBI" ] || ! command -v certutil >/dev/null || ! command -v modutil >/dev/null; then
  echo "email-anchors: libnssckbi.so or certutil/modutil (libnss3-tools) missing; writing an empty anchor file" >&2
  : >"$OUT"
  exit 0
fi
certutil -N -d "sql:$DB" --empty-password
modutil -dbdir "sql:$DB" -add builtins -libfile "$CKBI" -force >/dev/null 2>&1
TMP=$OUT.tmp.$$
: >"$TMP"
certutil -L -d "sql:$DB" -h all |
  sed -n 's/^\(Builtin Object Token:.*[^ ]\) \{1,\}\([A-Za-z]*\),\([A-Za-z]*\),\([A-Za-z]*\) *$/\3|\1/p' |
  while IFS="|" read -r smime nick; do
    case $smime in *C*) certutil -L -d "sql:$DB" -n "$nick" -a >>"$TMP" ;; esac
  done
mv "$TMP" "$OUT"
