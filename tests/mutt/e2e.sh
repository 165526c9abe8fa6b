#!/bin/sh
# Real mutt (Debian's mutt 2.2) driven in tmux, set up by "inkan mutt
# setup", following ../shared/reference/mutt-e2e-recipe.md: mutt -n -F
# muttrc -H draft, a fake $sendmail that keeps the mail in a file, keys sent
# with tmux send-keys, the screen polled with capture-pane.  TAP output.
#
#   sending as alice: signed (RSASSA-PKCS1-v1_5, and RSASSA-PSS through
#     inkan-pss.rc), signed and encrypted to bob; each mail checked with the
#     openssl command line; a From that is not alice's (in the draft, or
#     changed in the compose menu) is refused: inkan's sentence on the
#     screen, nothing sent, mutt back in the compose menu; and the same
#     with the legacy (RC2) PKCS#12, and with internationalised addresses;
#   reading as bob: a good signature is "successfully verified"; a tampered
#     mail, a From that is not the signer (another address, a longer
#     domain, and a prefix of the signer's address, which stock mutt 2.2
#     accepts) are not; the encrypted mail decrypts and verifies; alice's
#     certificate is collected into bob's store.
. "$(dirname "$0")/../lib.sh"
need mutt mutt
need tmux tmux
need openssl openssl

BUILDTOP=$(cd "$(dirname "$INKAN")/.." && pwd)
INKAN=$BUILDTOP/cli/inkan
PSSRC=$BUILDTOP/plugins/mutt/inkan-pss.rc
[ -x "$BUILDTOP/plugins/mutt/inkan-mutt" ] || skip_all "inkan-mutt is not built in $BUILDTOP"
ROOT=$PKI/root.pem
PASS=$(cat "$PKI/passphrase.txt")
W=$T/w; mkdir -p "$W"
export SHELL=/bin/sh   # tmux runs the pane command with $SHELL (recipe, pitfall 3)

# ---------------------------------------------------------------- driving mutt
tm() { tmux -f /dev/null -S "$W/tmux.sock" "$@"; }
cleanup() {
  kids=$(for p in $(tm list-panes -a -F '#{pane_pid}' 2>/dev/null); do pgrep -P "$p"; done 2>/dev/null)
  tm kill-server 2>/dev/null
  if [ -n "$kids" ]; then sleep 0.2; kill -KILL $kids 2>/dev/null; fi
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 143' INT TERM   # meson's timeout: still clean up (EXIT trap)
# Keeps the tmux server alive between mutt runs (recipe, pitfall 2).
tm new-session -d -s keeper "sleep 86400" || skip_all "tmux cannot start a server here"

pane() { tm capture-pane -p -t t 2>/dev/null; }
keys() { tm send-keys -t t "$@"; }
type_text() { tm send-keys -t t -l "$1"; tm send-keys -t t Enter; }
# Screens that mean mutt is stuck on something the test did not ask for.
FAIL_RE='Press any key to continue|Enter keyID for|No output from OpenSSL|secret key .* not found|Decryption failed'
# wait_for REGEX [TIMEOUT] [any]: polls the screen every 0.1 s until REGEX
# shows; fails at once on a FAIL_RE screen unless the third argument is
# "any".  The last screen is in $W/screen.
wait_for() {
  _end=$(($(date +%s) + ${2:-30}))
  while :; do
    pane >"$W/screen"
    grep -Eq -- "$1" "$W/screen" && return 0
    if { [ "${3:-}" != any ] && grep -Eq -- "$FAIL_RE" "$W/screen"; } || [ "$(date +%s)" -ge "$_end" ]; then
      echo "# waited for /$1/; the screen was:"; grep -v '^ *$' "$W/screen" | sed 's/^/#   /' | tail -15
      return 1
    fi
    sleep 0.1
  done
}
wait_exit() {
  _end=$(($(date +%s) + ${1:-30}))
  until [ -s "$W/mutt.rc" ]; do
    [ "$(date +%s)" -lt "$_end" ] || { echo "# mutt did not exit"; pane | grep -v '^ *$' | sed 's/^/#   /' | tail -10; return 1; }
    sleep 0.1
  done
}
# start_mutt HOME MUTTRC ARGS...: mutt in a fresh 200x50 session; its exit
# code goes to $W/mutt.rc.
start_mutt() {
  _home=$1 _rc=$2; shift 2
  rm -f "$W/mutt.rc"
  {
    echo '#!/bin/sh'
    printf 'cd %s\n' "$W"
    printf 'env -i HOME=%s TERM=screen LANG=C.UTF-8 PATH=/usr/bin:/bin INKAN_EMAIL_ANCHORS=%s' "$_home" "$ROOT"
    # A sanitizer build's settings reach the hooks mutt runs.
    for v in ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS; do
      eval "_val=\${$v:-}"
      [ -z "$_val" ] || printf " %s='%s'" "$v" "$_val"
    done
    printf ' mutt -n -F %s' "$_rc"
    for a in "$@"; do printf " '%s'" "$a"; done
    printf '\necho $? >%s/mutt.rc\nexec sleep 3600\n' "$W"
  } >"$W/run-mutt.sh"
  tm kill-session -t t 2>/dev/null
  tm new-session -d -s t -x 200 -y 50 "sh $W/run-mutt.sh"
}
sent_count() { ls "$W/out" 2>/dev/null | grep -c '\.eml$'; }
newest_sent() { ls -t "$W/out"/*.eml | head -1; }

# ---------------------------------------------------------------- alice, sending
mkdir -p "$W/out" "$W/mail" "$W/tmp"
cat >"$W/fake-sendmail" <<'EOF'
#!/bin/sh
# mutt runs: fake-sendmail -- rcpt...; stays silent (output or a non-zero
# exit is an error screen); renames so that pollers never see half a file.
d=$(dirname "$0")/out; n=$(date +%s%N)
printf '%s\n' "$*" >"$d/sent-$n.args"
cat >"$d/.tmp-$n" && mv "$d/.tmp-$n" "$d/sent-$n.eml"
EOF
chmod +x "$W/fake-sendmail"

# mutt_home NAME FROM: a home with a muttrc of test settings (no prompts,
# no side effects); "inkan mutt setup" adds the rest.
mutt_home() {
  mkdir -p "$W/$1/tmp"
  cat >"$W/$1/.muttrc" <<EOF
set folder=$W/mail spoolfile=$W/mail/inbox mbox=$W/mail/mbox postponed=$W/mail/postponed
set record="" copy=no recall=no move=no
set sendmail="$W/fake-sendmail"
set use_from=yes from="$2" hostname=example.org
set resume_draft_files=yes editor="true"
set charset=utf-8 send_charset=utf-8 tmpdir=$W/$1/tmp
set sleep_time=0 wait_key=no
set crypt_autosign=yes
EOF
}
mutt_home alice "Alice <alice@example.org>"
expect_rc 0 "inkan mutt setup for alice (imports alice.p12)" \
  env HOME="$W/alice" INKAN_SMIME_DIR="$W/alice-smime" INKAN_EMAIL_ANCHORS="$ROOT" "$INKAN" mutt setup --identity "$PKI/alice.p12" $PF
check "... the muttrc has inkan's lines" grep -q '^# >>> inkan mutt setup' "$W/alice/.muttrc"
expect_rc 0 "bob's certificate goes into alice's store (for encrypting to him)" \
  env INKAN_SMIME_DIR="$W/alice-smime" INKAN_EMAIL_ANCHORS="$ROOT" "$INKAN" import "$PKI/bob.cert.pem" "$PKI/chain.pem"

printf 'From: Alice <alice@example.org>\nTo: Bob <bob@example.org>\nSubject: signed test\n\nHello Bob,\nthis is signed.\n' >"$W/draft-sign.eml"
printf 'From: Alice <alice@example.org>\nTo: Bob <bob@example.org>\nSubject: pss test\n\nHello Bob,\nthis is signed with RSASSA-PSS.\n' >"$W/draft-pss.eml"
printf 'From: Alice <alice@example.org>\nTo: Bob <bob@example.org>\nSubject: secret test\n\nHello Bob,\nthis is signed and encrypted.\n' >"$W/draft-enc.eml"
printf 'From: Bob <bob@example.org>\nTo: Carol <carol@example.org>\nSubject: not from alice\n\nHello Carol,\nthis claims to be from bob.\n' >"$W/draft-bob.eml"

# send HOME DRAFT [MUTT ARGS...]: sends DRAFT (y, passphrase); $SENT is the
# captured mail, empty when nothing was sent.
send() {
  _home=$1 _draft=$2; shift 2
  SENT=
  _before=$(sent_count)
  start_mutt "$_home" "$_home/.muttrc" "$@" -H "$_draft"
  wait_for '^y:Send  q:Abort' || return 1
  keys y
  wait_for 'Enter S/MIME passphrase:' || return 1
  type_text "$PASS"
  wait_exit 30 || return 1
  [ "$(cat "$W/mutt.rc")" = 0 ] || { echo "# mutt exited $(cat "$W/mutt.rc")"; return 1; }
  [ "$(sent_count)" -gt "$_before" ] || { echo "# nothing reached the fake sendmail"; return 1; }
  SENT=$(newest_sent)
}
# signer_of MAIL: the e-mail address of the certificate that signed MAIL.
signer_of() {
  openssl cms -verify -in "$1" -CAfile "$ROOT" -signer "$W/signer.pem" -out /dev/null 2>/dev/null \
    && openssl x509 -in "$W/signer.pem" -noout -email
}

# 1. signed, RSASSA-PKCS1-v1_5
check "alice sends a signed mail with mutt -H" send "$W/alice" "$W/draft-sign.eml"
SIGNED=$SENT
check "... it is multipart/signed with an x-pkcs7-signature" \
  grep -q 'Content-Type: multipart/signed; protocol="application/x-pkcs7-signature"' "${SIGNED:-/nonexistent}"
check "... openssl cms -verify against the test root accepts it" \
  openssl cms -verify -in "${SIGNED:-/nonexistent}" -CAfile "$ROOT" -out "$W/signed.content"
check "... the signed text is the draft's" grep -q 'this is signed\.' "$W/signed.content"
check "... the signer is the From address, alice@example.org" test "$(signer_of "${SIGNED:-/nonexistent}")" = alice@example.org
check "... RSASSA-PKCS1-v1_5 (no rsassaPss)" \
  sh -c 'openssl cms -cmsout -print -in "$1" >"$2" && grep -q rsaEncryption "$2" && ! grep -q rsassaPss "$2"' - "${SIGNED:-/nonexistent}" "$W/print"

# 2. signed, RSASSA-PSS through inkan-pss.rc
check "alice sends a mail signed with RSASSA-PSS (-e 'source inkan-pss.rc')" \
  send "$W/alice" "$W/draft-pss.eml" -e "source $PSSRC"
PSS=$SENT
check "... openssl cms -verify accepts it" openssl cms -verify -in "${PSS:-/nonexistent}" -CAfile "$ROOT" -out /dev/null
check "... openssl cms -cmsout -print shows rsassaPss" sh -c 'openssl cms -cmsout -print -in "$1" | grep -q rsassaPss' - "${PSS:-/nonexistent}"
check "... the signer is alice@example.org" test "$(signer_of "${PSS:-/nonexistent}")" = alice@example.org

# 3. signed and encrypted to bob
check "alice sends a signed and encrypted mail to bob (crypt_autoencrypt)" \
  send "$W/alice" "$W/draft-enc.eml" -e 'set crypt_autoencrypt=yes'
ENC=$SENT
check "... it is enveloped-data" grep -q 'smime-type=enveloped-data' "${ENC:-/nonexistent}"
check "... bob's key decrypts it with openssl cms -decrypt" \
  openssl cms -decrypt -in "${ENC:-/nonexistent}" -inkey "$PKI/bob.key.pem" -recip "$PKI/bob.cert.pem" -out "$W/enc.inner"
check "... the inner signature verifies with openssl" openssl cms -verify -in "$W/enc.inner" -CAfile "$ROOT" -out "$W/enc.content"
check "... the inner text is the draft's" grep -q 'signed and encrypted' "$W/enc.content"
check "... the inner signer is alice@example.org" test "$(signer_of "$W/enc.inner")" = alice@example.org
check "... alice can read her own copy (smime_self_encrypt)" \
  openssl cms -decrypt -in "${ENC:-/nonexistent}" -inkey "$PKI/alice.key.pem" -recip "$PKI/alice.cert.pem" -out /dev/null

# 4. From not in the certificate: the draft says From: bob, alice's key is the default.
# expect_refusal: after y and the passphrase, inkan's sentence, then mutt's
# two key presses, then the compose menu again; nothing sent.
expect_refusal() {
  wait_for 'Enter S/MIME passphrase:' || return 1
  type_text "$PASS"
  wait_for 'Press any key to continue' 30 any || return 1
  pane >"$W/refusal-screen"
  keys Enter
  wait_for 'No output from OpenSSL' 30 any || return 1
  keys Enter
  wait_for '^y:Send  q:Abort' 30 any
}
before=$(sent_count)
start_mutt "$W/alice" "$W/alice/.muttrc" -H "$W/draft-bob.eml"
check "a draft From: bob@example.org reaches the compose menu" wait_for '^y:Send  q:Abort'
keys y
check "... sending it is refused, and mutt returns to the compose menu" expect_refusal
check "... the screen showed inkan's sentence" grep -q 'inkan-mutt sign: Not signed: From is not alice@example.org' "$W/refusal-screen"
check "... mutt is still in the compose menu, with the draft's From" grep -q '^ *From: Bob <bob@example.org>' "$W/screen"
check "... nothing reached the fake sendmail" test "$(sent_count)" -eq "$before"
keys q
wait_for 'Postpone this message' 10 any && keys n
check "... mutt quits without sending" wait_exit 10
check "... still nothing sent" test "$(sent_count)" -eq "$before"

# 5. From changed in the compose menu (the send2-hooks run again).
start_mutt "$W/alice" "$W/alice/.muttrc" -H "$W/draft-sign.eml"
check "an alice draft reaches the compose menu" wait_for '^y:Send  q:Abort'
keys Escape f
wait_for '^From: ' 10
keys C-u
type_text 'Bob <bob@example.org>'
check "... From changed to bob in the compose menu" wait_for '^ *From: Bob <bob@example.org>'
keys y
check "... sending is refused, back in the compose menu" expect_refusal
check "... inkan's sentence was on the screen" grep -q 'Not signed: From is not alice@example.org' "$W/refusal-screen"
check "... nothing sent" test "$(sent_count)" -eq "$before"
keys Escape f
wait_for '^From: ' 10
keys C-u
type_text 'Alice <alice@example.org>'
check "... From changed back to alice" wait_for '^ *From: Alice <alice@example.org>'
keys y
check "... now it is sent (the draft was kept; the passphrase is cached)" wait_exit 30
check "... one mail more" test "$(sent_count)" -eq $((before + 1))
check "... signed by alice, verified by openssl" test "$(signer_of "$(newest_sent)")" = alice@example.org

# 6. The same as a legacy (RC2-40) PKCS#12 user.
mutt_home legacy "Alice <alice@example.org>"
expect_rc 0 "inkan mutt setup with alice.legacy.p12 (RC2-40)" \
  env HOME="$W/legacy" INKAN_SMIME_DIR="$W/legacy-smime" INKAN_EMAIL_ANCHORS="$ROOT" "$INKAN" mutt setup --identity "$PKI/alice.legacy.p12" $PF
check "alice (legacy identity) sends a signed mail" send "$W/legacy" "$W/draft-sign.eml"
check "... openssl cms -verify accepts it; the signer is alice@example.org" \
  test "$(signer_of "${SENT:-/nonexistent}")" = alice@example.org

# 7. Internationalised addresses: taro's certificate has the rfc822Name
# taro@xn--r8jz45g.jp and the SmtpUTF8Mailbox 太郎@例え.jp (RFC 9598).
mutt_home taro "Taro <taro@xn--r8jz45g.jp>"
expect_rc 0 "inkan mutt setup for taro (IDN addresses)" \
  env HOME="$W/taro" INKAN_SMIME_DIR="$W/taro-smime" INKAN_EMAIL_ANCHORS="$ROOT" "$INKAN" mutt setup --identity "$PKI/taro.p12" $PF
openssl x509 -in "$PKI/taro.cert.pem" -noout -fingerprint -sha256 >"$W/taro.fp"
signed_by_taro() {
  openssl cms -verify -in "$1" -CAfile "$ROOT" -signer "$W/signer.pem" -out /dev/null 2>/dev/null \
    && test "$(openssl x509 -in "$W/signer.pem" -noout -fingerprint -sha256)" = "$(cat "$W/taro.fp")"
}
i=0
for from in 'Taro <太郎@例え.jp>' 'Taro <taro@例え.jp>' 'Taro <TARO@XN--R8JZ45G.JP>'; do
  i=$((i + 1))
  printf 'From: %s\nTo: Bob <bob@example.org>\nSubject: idn %s\n\nHello Bob,\nfrom taro.\n' "$from" "$i" >"$W/draft-taro$i.eml"
  check "taro sends a signed mail From: $from" send "$W/taro" "$W/draft-taro$i.eml"
  check "... openssl verifies it; the signer is taro" signed_by_taro "${SENT:-/nonexistent}"
done
printf 'From: Jiro <次郎@例え.jp>\nTo: Bob <bob@example.org>\nSubject: idn other\n\nHello Bob,\nnot taro.\n' >"$W/draft-jiro.eml"
before=$(sent_count)
start_mutt "$W/taro" "$W/taro/.muttrc" -H "$W/draft-jiro.eml"
check "a draft From: 次郎@例え.jp (taro's domain, another mailbox) reaches the compose menu" wait_for '^y:Send  q:Abort'
keys y
check "... sending it with taro's key is refused" expect_refusal
check "... inkan's sentence names taro's addresses" grep -q 'Not signed: From is not taro@xn--r8jz45g.jp, 太郎@例え.jp' "$W/refusal-screen"
check "... nothing sent" test "$(sent_count)" -eq "$before"
keys q
wait_for 'Postpone this message' 10 any && keys n
wait_exit 10

# ---------------------------------------------------------------- bob, reading
mutt_home bob "Bob <bob@example.org>"
expect_rc 0 "inkan mutt setup for bob (imports bob.p12)" \
  env HOME="$W/bob" INKAN_SMIME_DIR="$W/bob-smime" INKAN_EMAIL_ANCHORS="$ROOT" "$INKAN" mutt setup --identity "$PKI/bob.p12" $PF
check "... bob's store has no certificate of alice yet" sh -c '! grep -q "^alice@example.org " "$1"' - "$W/bob-smime/certificates/.index"

# read NAME MAIL [passphrase]: opens MAIL in a read-only Maildir as bob and
# leaves mutt's screen in $W/read-NAME.
read_mail() {
  rm -rf "$W/box"; mkdir -p "$W/box/cur" "$W/box/new" "$W/box/tmp"
  cp "$2" "$W/box/new/1.eml"
  start_mutt "$W/bob" "$W/bob/.muttrc" -R -f "$W/box"
  wait_for '^q:Quit  d:Del' || return 1
  keys Enter
  if [ -n "${3:-}" ]; then wait_for 'Enter S/MIME passphrase:' || return 1; type_text "$PASS"; fi
  wait_for 'S/MIME signature (successfully verified|could NOT be verified)|S/MIME certificate owner does not match sender'
  _r=$?
  pane >"$W/read-$1"
  keys q; wait_for '^q:Quit  d:Del' 10 any; keys q; wait_exit 10
  return $_r
}
verified() { grep -q 'S/MIME signature successfully verified' "$W/read-$1"; }
not_verified() { ! grep -q 'successfully verified' "$W/read-$1"; }

check "bob reads alice's signed mail" read_mail good "${SIGNED:-/nonexistent}"
check "... S/MIME signature successfully verified" verified good
check "... the pager shows inkan's verify output" grep -q '^Verification successful' "$W/read-good"
check "... and the signed text" grep -q 'this is signed\.' "$W/read-good"
check "... alice's certificate was collected into bob's store, trusted" \
  grep -q '^alice@example.org [0-9a-f]*\.[0-9]* .* t [se]*e' "$W/bob-smime/certificates/.index"

check "bob reads the RSASSA-PSS mail" read_mail pss "${PSS:-/nonexistent}"
check "... S/MIME signature successfully verified" verified pss

sed 's/this is signed\./this is TAMPERED./' "${SIGNED:-/nonexistent}" >"$W/tampered.eml"
check "bob reads a tampered copy" read_mail tampered "$W/tampered.eml"
check "... S/MIME signature could NOT be verified" grep -q 'S/MIME signature could NOT be verified' "$W/read-tampered"
check "... not 'successfully verified'" not_verified tampered
check "... the pager shows inkan's reason" grep -q 'the message was changed after it was signed' "$W/read-tampered"

i=0
for from in 'Mallory <mallory@example.net>' 'Alice <alice@example.org.evil>' 'Alice <alice@example.or>'; do
  i=$((i + 1))
  sed "s/^From: .*/From: $from/" "${SIGNED:-/nonexistent}" >"$W/from$i.eml"
  check "bob reads alice's signed mail with From: $from" read_mail from$i "$W/from$i.eml"
  check "... not 'successfully verified'" not_verified from$i
  check "... S/MIME certificate owner does not match sender" grep -q 'S/MIME certificate owner does not match sender' "$W/read-from$i"
  check "... without a key press (no error screen)" sh -c '! grep -q "Press any key" "$1"' - "$W/read-from$i"
done

sed 's/^From: .*/From: Alice <alice@example.org>/' "$MAIL/plain.eml" >"$W/spoof-in.eml"
"$INKAN" sign --allow-address-mismatch -k "$PKI/mallory.p12" $PF -o "$W/spoof.eml" "$W/spoof-in.eml" 2>/dev/null
check "bob reads a mail signed by mallory under From: alice" read_mail spoof "$W/spoof.eml"
check "... not 'successfully verified'" not_verified spoof

check "bob reads the encrypted mail (his passphrase)" read_mail enc "${ENC:-/nonexistent}" pass
check "... S/MIME signature successfully verified" verified enc
check "... the decrypted text is shown" grep -q 'this is signed and encrypted' "$W/read-enc"

# Control (not a test of inkan): mutt's stock openssl commands accept the
# prefix From that inkan's commands reject above.
sed -e '/^# >>> inkan mutt setup/,$d' "$W/bob/.muttrc" >"$W/bob/stock.muttrc"
cat >>"$W/bob/stock.muttrc" <<EOF
set crypt_use_gpgme=no smime_is_default=yes
set smime_keys=$W/bob-smime/keys smime_certificates=$W/bob-smime/certificates smime_ca_location=$ROOT
set smime_default_key=$(awk '$1 == "bob@example.org" { print $2; exit }' "$W/bob-smime/keys/.index")
set smime_pk7out_command="openssl smime -verify -in %f -noverify -pk7out"
set smime_get_cert_command="openssl pkcs7 -print_certs -in %f"
set smime_get_signer_cert_command="openssl smime -verify -in %f -noverify -signer %c -out /dev/null"
set smime_get_cert_email_command="openssl x509 -in %f -noout -email"
set smime_verify_command="openssl smime -verify -inform DER -in %s %C -content %f"
EOF
rm -rf "$W/box"; mkdir -p "$W/box/cur" "$W/box/new" "$W/box/tmp"; cp "$W/from3.eml" "$W/box/new/1.eml"
start_mutt "$W/bob" "$W/bob/stock.muttrc" -R -f "$W/box"
if wait_for '^q:Quit  d:Del' 10 >/dev/null; then
  keys Enter
  wait_for 'S/MIME (signature|certificate owner)' 15 >/dev/null
  echo "# control, stock openssl commands, From: alice@example.or: $(pane | grep 'S/MIME' | tail -1 | sed 's/ *$//')"
fi

finish
