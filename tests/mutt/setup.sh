#!/bin/sh
# inkan mutt setup: imports the identity when needed, writes its block of
# lines into the muttrc, is idempotent, replaces its own unedited block
# (new identities), and never changes a line the user wrote or edited
# without --force.  TAP output.
. "$(dirname "$0")/../lib.sh"
need python3 python3

export HOME="$T/home" INKAN_SMIME_DIR="$T/smime" INKAN_EMAIL_ANCHORS="$PKI/root.pem"
mkdir -p "$HOME"
RC=$HOME/.muttrc
RCFILE=$(dirname "$INKAN")/../plugins/mutt/inkan.rc
PSSFILE=$(dirname "$INKAN")/../plugins/mutt/inkan-pss.rc
have_mutt=no; command -v mutt >/dev/null 2>&1 && have_mutt=yes

# mutt_q VAR [MUTTRC]: the value mutt reads for VAR (mutt -Q), quotes removed.
mutt_q() { mutt -n -F "${2:-$RC}" -Q "$1" 2>/dev/null </dev/null | sed 's/^[^=]*="\(.*\)"$/\1/'; }
store_id() { awk -v a="$1" '$1 == a { print $2; exit }' "$T/smime/keys/.index"; }
block() { sed -n '/^# >>> inkan mutt setup/,/^# <<< inkan mutt setup/p' "$1"; }
setup() { "$INKAN" mutt setup "$@"; }

printf '# my muttrc\nset from="Alice <alice@example.org>"\nset realname="Alice"\n' >"$RC"
chmod 640 "$RC"

# ---------------------------------------------------------------- first run
expect_rc 0 "setup --identity alice.p12: exit 0" setup --identity "$PKI/alice.p12" $PF
A=$(store_id alice@example.org)
check "alice's identity was imported into the store" test -n "$A" -a -s "$T/smime/keys/$A"
check "the output says so and lists the lines it wrote" \
  sh -c 'grep -q "Stored the key" "$1" && grep -q "Added these lines to $2" "$1" && grep -q "smime_default_key" "$1"' - "$T/out" "$RC"
check "nothing on stderr" test ! -s "$T/err"
check "the user's own lines are still first" test "$(head -3 "$RC")" = "$(printf '# my muttrc\nset from="Alice <alice@example.org>"\nset realname="Alice"')"
check "the file mode is kept (0640)" test "$(stat -c %a "$RC")" = 640
block "$RC" >"$T/block"
check "the block sources the build tree's inkan.rc" grep -qxF "source '$(cd "$(dirname "$RCFILE")" && pwd)/inkan.rc'" "$T/block"
check "the block sets smime_default_key to alice's store id" grep -qxF "set smime_default_key='$A'" "$T/block"
check "the block sets smime_keys and smime_certificates to the store" \
  grep -qxF "set smime_keys='$T/smime/keys' smime_certificates='$T/smime/certificates'" "$T/block"
check "the block sets smime_ca_location to the email anchors" grep -qxF "set smime_ca_location='$PKI/root.pem'" "$T/block"
check "the block exports INKAN_SMIME_DIR for the hooks" grep -qxF "setenv INKAN_SMIME_DIR '$T/smime'" "$T/block"
check "the block clears INKAN_FROM on every send2-hook run, first" \
  test "$(grep -m1 '^send2-hook' "$T/block")" = "send2-hook ~A 'setenv INKAN_FROM \"\"'"
check "the block sets INKAN_FROM for alice's address (all From addresses must match)" \
  grep -qxF "send2-hook '~f \"^alice@example[.]org\$\" ^~f \"^alice@example[.]org\$\"' 'setenv INKAN_FROM \"alice@example.org\"'" "$T/block"
if [ $have_mutt = yes ]; then
  check "mutt reads it: smime_default_key" test "$(mutt_q smime_default_key)" = "$A"
  check "mutt reads it: the sign command is inkan-mutt" sh -c 'case "$1" in *"/inkan-mutt'"'"' sign "*) exit 0;; *) exit 1;; esac' - "$(mutt_q smime_sign_command)"
  check "mutt reads it: crypt_use_gpgme is unset" sh -c 'mutt -n -F "$1" -Q crypt_use_gpgme </dev/null 2>&1 | grep -qx "crypt_use_gpgme is unset"' - "$RC"
  check "mutt reads it without errors" sh -c '! mutt -n -F "$1" -Q from </dev/null 2>&1 | grep -qi error' - "$RC"
fi
cp "$RC" "$T/rc.1"

# ---------------------------------------------------------------- idempotent
expect_rc 0 "setup again with the same identity: exit 0" setup --identity "$PKI/alice.p12" $PF
check "... says nothing changed" sh -c 'grep -q "already in the store" "$1" && grep -q "Nothing to change" "$1"' - "$T/out"
check "... the muttrc is byte for byte the same" cmp -s "$RC" "$T/rc.1"
expect_rc 0 "setup without --identity (the one for mutt's \$from): exit 0" setup
check "... nothing changed" cmp -s "$RC" "$T/rc.1"
expect_rc 0 "setup --identity alice@example.org (an address in the store): exit 0" setup --identity alice@example.org
check "... nothing changed" cmp -s "$RC" "$T/rc.1"

# ---------------------------------------------------------------- a new identity
"$INKAN" import $PF "$PKI/taro.p12" >/dev/null 2>&1
expect_rc 0 "setup after importing taro: its own block is replaced without --force" setup
check "... it says it replaced the lines" grep -q "Replaced the inkan lines" "$T/out"
block "$RC" >"$T/block"
check "... the default key is still alice's" grep -qxF "set smime_default_key='$A'" "$T/block"
check "... a send2-hook for taro's A-label address" grep -qF '"^taro@xn--r8jz45g[.]jp$"' "$T/block"
check "... and for the U-label address" grep -qF '"^太郎@例え[.]jp$"' "$T/block"
check "... the user's lines are untouched" test "$(head -3 "$RC")" = "$(head -3 "$T/rc.1")"
cp "$RC" "$T/rc.2"

# ---------------------------------------------------------------- edits and conflicts
sed -i "s/^set smime_default_key=.*/set smime_default_key='ffffffff.0'/" "$RC"
cp "$RC" "$T/rc.edited"
expect_rc 11 "setup when the block was edited by hand: exit 11" setup
check "... one line saying so, naming --force" sh -c '[ "$(wc -l <"$1")" -eq 1 ] && grep -q "edited by hand" "$1" && grep -q -- --force "$1"' - "$T/err"
check "... the muttrc is unchanged" cmp -s "$RC" "$T/rc.edited"
expect_rc 0 "setup --force replaces the edited block" setup --force
check "... alice's key again" grep -qxF "set smime_default_key='$A'" "$RC"
check "... one block only" test "$(grep -c '^# >>> inkan mutt setup' "$RC")" -eq 1

printf 'set smime_default_key="12345678.0"\nsource /usr/share/doc/mutt/examples/smime.rc\n' >>"$RC"
cp "$RC" "$T/rc.conflict"
expect_rc 11 "setup when the user's own lines set the same variables: exit 11" setup
check "... the line names smime_default_key and mutt's smime.rc with their line numbers" \
  sh -c 'grep -q "line [0-9]* (smime_default_key)" "$1" && grep -q "smime.rc" "$1"' - "$T/err"
check "... the muttrc is unchanged" cmp -s "$RC" "$T/rc.conflict"
expect_rc 0 "setup --force with conflicting user lines: exit 0" setup --force
check "... the user's lines are kept" sh -c 'grep -qx "set smime_default_key=\"12345678.0\"" "$1" && grep -qx "source /usr/share/doc/mutt/examples/smime.rc" "$1"' - "$RC"
check "... the block now comes last, so that it wins" test "$(tail -1 "$RC")" = "# <<< inkan mutt setup"
check "... the output says which lines are overridden" grep -q "overridden" "$T/out"
if [ $have_mutt = yes ] && [ -r /usr/share/doc/mutt/examples/smime.rc ]; then
  check "... mutt then uses inkan's default key" test "$(mutt_q smime_default_key)" = "$A"
fi
cp "$RC" "$T/rc.3"
expect_rc 0 "setup again after --force: exit 0 (the overridden lines are above the block now)" setup
check "... nothing changed" cmp -s "$RC" "$T/rc.3"

# ---------------------------------------------------------------- --pss, new files, links
RC2=$T/pss.muttrc
expect_rc 0 "setup --pss --muttrc NEWFILE: exit 0" setup --pss --muttrc "$RC2" --identity alice@example.org
check "... the new muttrc is 0600" test "$(stat -c %a "$RC2")" = 600
check "... it sources inkan.rc, then inkan-pss.rc" \
  sh -c 'grep -n "^source" "$1" | sed "s/^[0-9]*://" | tr "\n" " " | grep -qF "source '"'"'$2'"'"' source '"'"'$3'"'"'"' - "$RC2" \
  "$(cd "$(dirname "$RCFILE")" && pwd)/inkan.rc" "$(cd "$(dirname "$PSSFILE")" && pwd)/inkan-pss.rc"
if [ $have_mutt = yes ]; then
  check "... mutt's sign command then has --pss" sh -c 'case "$1" in *" sign --pss "*) exit 0;; *) exit 1;; esac' - "$(mutt_q smime_sign_command "$RC2")"
fi
mkdir -p "$T/dotfiles"; printf 'set from=alice@example.org\n' >"$T/dotfiles/muttrc"
ln -s "$T/dotfiles/muttrc" "$T/link.muttrc"
expect_rc 0 "setup --muttrc SYMLINK: exit 0" setup --muttrc "$T/link.muttrc"
check "... the link is still a link, and its target has the block" \
  sh -c 'test -L "$1" && grep -q "^# >>> inkan mutt setup" "$2"' - "$T/link.muttrc" "$T/dotfiles/muttrc"

# ---------------------------------------------------------------- legacy RC2 PKCS#12, errors
export INKAN_SMIME_DIR="$T/legacy-store"
expect_rc 0 "setup --identity alice.legacy.p12 (RC2-40): exit 0" setup --muttrc "$T/legacy.muttrc" --identity "$PKI/alice.legacy.p12" $PF
check "... the key is in the store, PBES2-encrypted" sh -c 'grep -q "BEGIN ENCRYPTED PRIVATE KEY" "$1"/keys/*.0' - "$T/legacy-store"
check "... smime_default_key names it" grep -qF "set smime_default_key='$(store_id alice@example.org)'" "$T/legacy.muttrc"
export INKAN_SMIME_DIR="$T/empty-store"
printf 'set from=carol@example.co.jp\n' >"$T/carol.muttrc"
expect_rc 12 "setup with no identity for \$from (carol) in an empty store: exit 12" setup --muttrc "$T/carol.muttrc"
check "... one line naming carol@example.co.jp and --identity" \
  sh -c '[ "$(wc -l <"$1")" -eq 1 ] && grep -q carol@example.co.jp "$1" && grep -q -- --identity "$1"' - "$T/err"
check "... the muttrc is unchanged" test "$(cat "$T/carol.muttrc")" = "set from=carol@example.co.jp"
expect_rc 5 "setup --identity with a wrong passphrase: exit 5" setup --muttrc "$T/carol.muttrc" --identity "$PKI/alice.p12" --passphrase-file "$T/home/.muttrc"
check "... nothing was imported" test ! -e "$T/empty-store/keys/.index" -o ! -s "$T/empty-store/keys/.index"
expect_rc 3 "setup with a stray argument: exit 3" setup extra

finish
