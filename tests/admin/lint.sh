#!/bin/sh
# inkan lint: every SBR rule against the certificates of
# samples/gen-lint-certs.sh ($LINT_CERTS): the ok-* cases meet every rule
# they touch, each bad-* case breaks one rule; the codes are asserted
# exactly (the set of codes, every severity but info).  Then input formats,
# exit codes, text output, the test PKI, and Debian's Mozilla roots.
. "$(dirname "$0")/../lib.sh"
need python3 python3
need openssl openssl
[ -d "${LINT_CERTS:-}" ] || skip_all "LINT_CERTS is not set (run through meson test)"
L=$LINT_CERTS
HERE=$(cd "$(dirname "$0")" && pwd)

# CASE: CODES — what inkan lint --chain chain.pem must report for $L/CASE.pem.
cat >"$T/expected" <<'TABLE'
ok-mv-strict:
ok-mv-strict-p256:
ok-mv-strict-p384:
ok-mv-strict-p521:
ok-mv-strict-ed25519:
ok-mv-strict-ecdsa-issuer:
ok-mv-strict-pss:
ok-mv-strict-pss384:
ok-mv-strict-sha512:
ok-mv-strict-utf8:
ok-mv-strict-empty-subject:
ok-mv-strict-san-dirname:
ok-mv-multi:
ok-mv-legacy: inkan.certificate_expired
ok-ov-strict:
ok-ov-multi-address:
ok-ov-gov:
ok-ov-lei:
ok-ov-legacy-other-attribute: inkan.certificate_expired
ok-sv-strict:
ok-sv-strict-pseudonym:
ok-sv-legacy-cn-name: inkan.certificate_expired
ok-iv-multi:
bad-version-v2: pkix.certificate_version_is_not_v3
bad-issuer-uid: pkix.issuer_unique_id_present
bad-subject-uid: pkix.subject_unique_id_present
bad-no-extensions: cabf.aia_extension_missing cabf.certificate_extensions_missing cabf.crldp_extension_missing cabf.smime.certificate_policies_extension_missing cabf.smime.email_address_in_attribute_not_in_san cabf.smime.extended_key_usage_extension_missing cabf.smime.key_usage_extension_missing cabf.smime.san_extension_missing pkix.authority_key_identifier_extension_absent pkix.certificate_skid_end_entity_missing
bad-issuer-empty: inkan.issuer_not_found pkix.name_empty
bad-extension-not-decodable: inkan.extension_not_decodable
bad-duplicate-extension: pkix.unique_extension
bad-serial-zero: pkix.certificate_serial_number_out_of_range
bad-serial-negative: pkix.certificate_serial_number_out_of_range
bad-serial-21-octets: pkix.certificate_serial_number_out_of_range
bad-serial-short: inkan.serial_number_low_entropy
bad-validity-826-days: cabf.smime.certificate_validity_period_exceeds_825_days
bad-validity-at-maximum: cabf.smime.certificate_validity_period_at_maximum
bad-validity-legacy-1186-days: cabf.smime.certificate_validity_period_exceeds_1185_days
bad-validity-negative: pkix.certificate_negative_validity_period
bad-time-generalized: pkix.wrong_time_useful_type
bad-time-utc-no-seconds: pkix.utctime_incorect_syntax
bad-legacy-after-sunset: cabf.smime.legacy_generation_certificate_issued_after_prohibition
bad-sig-sha1: cabf.smime.prohibited_signature_algorithm_encoding
bad-sig-rsa-no-null: cabf.smime.prohibited_signature_algorithm_encoding
bad-sig-pss-salt-20: cabf.smime.prohibited_signature_algorithm_encoding
bad-sig-pss-trailer: cabf.smime.prohibited_signature_algorithm_encoding
bad-sig-outer-differs: pkix.certificate_signature_algorithm_match
bad-sig-ecdsa-hash-for-curve: inkan.signature_algorithm_does_not_match_issuer_key
bad-signature: inkan.signature_invalid
bad-issuer-name-encoding: inkan.issuer_name_not_byte_equal
bad-spki-rsa-no-null: cabf.smime.prohibited_spki_algorithm_encoding
bad-key-rsa-1024: cabf.rsa_modulus_invalid_length
bad-key-rsa-2052: cabf.rsa_modulus_invalid_length
bad-key-rsa-2056: googl.prohibited_rsa_modulus_length
bad-key-rsa-exponent-3: cabf.rsa_exponent_not_in_recommended_range
bad-key-rsa-exponent-even: cabf.rsa_exponent_prohibited_value pkix.unknown_subject_key_identifier_calculation_method
bad-key-rsa-small-factor: cabf.rsa_modulus_has_small_prime_factor pkix.unknown_subject_key_identifier_calculation_method
bad-key-rsa-prime-square: inkan.rsa_modulus_is_perfect_power pkix.unknown_subject_key_identifier_calculation_method
bad-key-secp256k1: cabf.smime.prohibited_spki_algorithm_encoding
bad-key-ec-explicit: cabf.smime.prohibited_spki_algorithm_encoding
bad-key-ec-off-curve: inkan.invalid_public_key pkix.unknown_subject_key_identifier_calculation_method
bad-key-dsa: cabf.smime.unsupported_public_key_type
bad-aki-missing: pkix.authority_key_identifier_extension_absent
bad-aki-critical: pkix.authority_key_identifier_critical
bad-aki-issuer-serial: cabf.authority_key_identifier_has_issuer_cert
bad-aki-no-keyid: cabf.authority_key_identifier_has_issuer_cert pkix.authority_key_identifier_keyid_missing
bad-aki-wrong: inkan.aki_does_not_match_issuer_ski
bad-ski-missing: pkix.certificate_skid_end_entity_missing
bad-ski-critical: pkix.certificate_skid_extension_critical
bad-ski-unknown-method: pkix.unknown_subject_key_identifier_calculation_method
bad-cp-missing: cabf.smime.certificate_policies_extension_missing
bad-cp-critical: cabf.critical_certificate_policies_extension
bad-cp-no-reserved: cabf.smime.no_required_reserved_policy_oid
bad-cp-two-reserved: cabf.smime.multiple_reserved_policy_oids
bad-cp-duplicate: cabf.smime.multiple_reserved_policy_oids pkix.duplicate_certificate_policy_oids
bad-cp-anypolicy: cabf.smime.anypolicy_present
bad-cp-cps-ftp: cabf.cps_uri_is_not_http
bad-cp-noticeref: cabf.smime.usernotice_has_noticeref
bad-cp-notice-no-text: cabf.smime.usernotice_has_noticeref inkan.usernotice_explicit_text_missing
bad-cp-notice-visiblestring: pkix.rfc5280_certificate_policies_invalid_explicit_text_encoding
bad-cp-notice-ia5string: pkix.rfc6818_certificate_policies_invalid_explicit_text_encoding
bad-crldp-missing: cabf.crldp_extension_missing
bad-crldp-critical: cabf.smime.critical_crldp_extension
bad-crldp-ldap: cabf.no_http_crldp_uri cabf.smime.crldp_fullname_prohibited_uri_scheme
bad-crldp-https: cabf.no_http_crldp_uri cabf.smime.crldp_fullname_prohibited_uri_scheme
bad-crldp-ldap-and-http-multi: cabf.smime.crldp_fullname_prohibited_uri_scheme
bad-crldp-legacy-ldap-only: cabf.no_http_crldp_uri inkan.certificate_expired
bad-crldp-reasons-only: cabf.no_http_crldp_uri pkix.distribution_point_does_not_contain_name_or_issuer
bad-crldp-dirname: cabf.no_http_crldp_uri cabf.smime.crldp_fullname_prohibited_generalname_type
bad-aia-missing: cabf.aia_extension_missing
bad-aia-critical: pkix.authority_information_access_extension_critical
bad-aia-no-ca-issuers: cabf.aia_ca_issuers_missing
bad-aia-ca-issuers-https: cabf.aia_ca_issuers_has_no_http_uri cabf.smime.aia_prohibited_uri_scheme
bad-aia-ocsp-ldap: cabf.aia_ocsp_has_no_http_uri cabf.smime.aia_prohibited_uri_scheme
bad-aia-email: cabf.aia_ca_issuers_has_no_http_uri cabf.smime.aia_prohibited_generalname_type
bad-bc-ca-true: cabf.smime.is_ca_certificate
bad-bc-pathlen: pkix.basic_constraints.has_pathlen_for_non_ca
bad-ku-missing: cabf.smime.key_usage_extension_missing
bad-ku-not-critical: cabf.smime.ku_extension_not_critical
bad-ku-empty: pkix.no_ku_bits_set
bad-ku-strict-data-encipherment: cabf.smime.prohibited_ku_present
bad-ku-rsa-key-agreement: cabf.smime.unknown_certificate_key_usage_type
bad-ku-rsa-signing-key-agreement: cabf.smime.prohibited_ku_present
bad-ku-key-cert-sign: pkix.ee_certificate_keycertsign_keyusage_set
bad-ku-ec-key-encipherment: cabf.smime.prohibited_ku_present
bad-ku-ec-encipher-and-decipher-only: pkix.both_encipheronly_and_decipheronly_ku_set
bad-ku-ed25519-key-agreement: cabf.smime.prohibited_ku_present
bad-eku-missing: cabf.smime.extended_key_usage_extension_missing
bad-eku-client-auth-only: cabf.smime.emailprotection_eku_missing cabf.smime.prohibited_eku_present
bad-eku-strict-client-auth: cabf.smime.prohibited_eku_present
bad-eku-multi-server-auth: cabf.smime.prohibited_eku_present
bad-eku-multi-any: cabf.smime.prohibited_eku_present
bad-eku-multi-document-signing-2027: cabf.smime.prohibited_eku_present inkan.certificate_not_yet_valid
bad-san-missing: cabf.smime.email_address_in_attribute_not_in_san cabf.smime.san_extension_missing
bad-san-dns-only: cabf.smime.prohibited_generalname_type_present cabf.smime.san_does_not_contain_email_address pkix.san_extension_not_critical
bad-san-uri: cabf.smime.prohibited_generalname_type_present
bad-san-dirname-attribute: cabf.smime.prohibited_attribute
bad-san-dirname-mailbox: cabf.smime.email_address_in_attribute_not_in_san
bad-san-upn-strict: cabf.smime.prohibited_othername_type_present
bad-san-upn-syntax: msft.invalid_user_principal_name_syntax
bad-san-critical: pkix.san_extension_is_critical
bad-san-empty-subject-not-critical: pkix.san_extension_not_critical
bad-san-rfc822-syntax: pkix.invalid_email_address_syntax
bad-utf8-ascii-local-part: pkix.smtp_utf8_mailbox_is_ascii_only
bad-utf8-a-label: pkix.smtp_utf8_mailbox_domain_part_invalid_syntax
bad-utf8-upper-case: pkix.smtp_utf8_mailbox_has_uppercase
bad-utf8-no-at: pkix.smtp_utf8_mailbox_invalid_syntax
bad-utf8-ia5: pkix.smtp_utf8_mailbox_invalid_syntax
bad-utf8-bom: pkix.smtp_utf8_mailbox_has_bom
bad-mv-organization: cabf.smime.prohibited_attribute
bad-mv-cn-not-mailbox: cabf.smime.common_name_value_unknown_source
bad-mv-email-not-in-san: cabf.smime.email_address_in_attribute_not_in_san
bad-mv-cn-mailbox-not-in-san: cabf.smime.email_address_in_attribute_not_in_san
bad-mv-other-attribute: cabf.smime.prohibited_attribute
bad-ov-no-organization-identifier: cabf.smime.missing_required_attribute
bad-ov-no-organization: cabf.smime.missing_required_attribute
bad-ov-cn-unknown: cabf.smime.common_name_value_unknown_source
bad-ov-strict-street: cabf.smime.prohibited_attribute
bad-ov-strict-postal-code: cabf.smime.prohibited_attribute
bad-ov-given-name: cabf.smime.prohibited_attribute
bad-ov-multi-other-attribute: cabf.smime.prohibited_attribute
bad-sv-no-name: cabf.smime.common_name_value_unknown_source cabf.smime.missing_required_attribute
bad-sv-pseudonym-and-name: cabf.smime.mixed_name_and_pseudonym_attributes
bad-iv-organization: cabf.smime.prohibited_attribute
bad-street-without-locality: cabf.smime.required_attribute_missing_for_dependent_attribute
bad-locality-without-country: cabf.smime.required_attribute_missing_for_dependent_attribute
bad-country-code: cabf.invalid_country_code
bad-orgid-country-mismatch: cabf.smime.org_identifier_and_country_name_attribute_inconsistent
bad-orgid-format: cabf.invalid_subject_organization_identifier_format
bad-orgid-scheme: cabf.invalid_organization_identifier_registration_scheme
bad-orgid-gov-reference: cabf.smime.prohibited_organization_identifier_reference_present_for_scheme
bad-orgid-ntr-no-reference: cabf.organization_identifier_reference_missing_for_scheme
bad-orgid-lei-country: cabf.invalid_organization_identifier_country
bad-orgid-lei-checksum: iso.lei.invalid_lei_checksum
bad-orgid-lei-format: cabf.smime.invalid_lei_scheme_format
bad-orgid-vat-state: cabf.invalid_subject_organization_identifier_state_province_for_scheme
bad-orgid-state-format: cabf.invalid_organization_identifier_state_province_format
bad-orgid-german-ntr: cabf.smime.german_ntr_registration_reference_not_euid
bad-orgid-encoding: cabf.invalid_subject_organization_identifier_encoding
bad-placeholder-value: cabf.insignificant_attribute_value_present
bad-html-entity: cabf.name.attribute_value_contains_html_entity
bad-cn-too-long: inkan.attribute_value_exceeds_upper_bound
bad-multivalued-rdn: cabf.rdn_contains_multiple_atvs
bad-rdn-same-type-twice: cabf.rdn_contains_multiple_atvs pkix.rdn_contains_unique_attribute_types
bad-sda-critical: inkan.certificate_expired pkix.subject_directory_attributes_extension_critical
bad-sda-strict: cabf.smime.subject_directory_attributes_extension_prohibited
bad-qc-statements-critical: cabf.smime.qc_statements_extension_critical
bad-lei-in-mv: cabf.smime.lei_extension_prohibited
bad-lei-critical: cabf.smime.lei_extension_critical
bad-lei-role-in-ov: cabf.smime.lei_role_extension_prohibited
bad-lei-role-critical: cabf.smime.lei_role_extension_critical
bad-adobe-timestamp-strict: cabf.smime.adobe_timestamp_extension_prohibited
bad-adobe-timestamp-critical: cabf.smime.adobe_timestamp_extension_critical
bad-adobe-archive-strict: cabf.smime.adobe_archive_revinfo_extension_prohibited
bad-adobe-archive-critical: cabf.smime.adobe_archive_revinfo_extension_critical
bad-smime-capabilities-critical: pkix.smime_capabilities_extension_critical
bad-name-constraints-in-leaf: pkix.name_constraints_in_ee_certificate
bad-unlisted-extension: inkan.unlisted_extension
bad-unlisted-critical-extension: inkan.unlisted_extension
bad-issuer-not-given: inkan.issuer_not_found
bad-issuer-rsa-2048-in-2027: inkan.certificate_not_yet_valid inkan.issuer_rsa_key_below_3072
ok-root:
ok-subca:
ok-subca-ec:
ok-subca-anypolicy: inkan.smime_ca.anypolicy_present
ok-subca-constrained:
bad-subca-no-eku: inkan.smime_ca.extended_key_usage_extension_missing
bad-subca-eku-no-email: inkan.smime_ca.emailprotection_eku_missing
bad-subca-eku-server-auth: inkan.smime_ca.prohibited_eku_present
bad-subca-eku-critical: inkan.smime_ca.eku_extension_critical
bad-subca-eku-2027: inkan.certificate_not_yet_valid inkan.smime_ca.prohibited_eku_present inkan.smime_ca.rsa_key_below_4096
bad-subca-no-crl-sign: inkan.smime_ca.crlsign_missing
bad-subca-ku-not-critical: inkan.smime_ca.ku_extension_not_critical
bad-subca-ku-key-encipherment: inkan.smime_ca.prohibited_ku_present
bad-subca-bc-not-critical: pkix.basic_constraints.extension_not_critical
bad-subca-no-policies: inkan.smime_ca.certificate_policies_extension_missing
bad-subca-private-policy: inkan.smime_ca.no_reserved_policy_oid
bad-subca-no-crldp: cabf.crldp_extension_missing
bad-subca-crldp-critical: cabf.critical_crldp_extension
bad-subca-no-aia: cabf.aia_extension_missing
bad-subca-no-organization: inkan.smime_ca.missing_required_attribute
bad-subca-name-constraint-mailbox: inkan.smime_ca.name_constraint_rfc822_mailbox pkix.certificate_name_constraints_extension_not_critical
bad-subca-name-constraints-not-critical: pkix.certificate_name_constraints_extension_not_critical
bad-subca-no-key-usage: pkix.ca_certificate_no_ku_extension
bad-subca-name-constraints-empty: pkix.name_constraints_no_subtrees
bad-subca-name-constraints-maximum: pkix.name_constraints_maximum_specified
bad-subca-generalized-fraction: pkix.generalizedtime_incorect_syntax pkix.wrong_time_useful_type
bad-subca-no-ski: pkix.certificate_skid_ca_missing
bad-subca-no-aki: pkix.authority_key_identifier_extension_absent
bad-subca-rsa-3072-after-2026-09-15: inkan.smime_ca.rsa_key_below_4096
bad-root-eku: inkan.smime_root.extended_key_usage_present
bad-root-policies: inkan.smime_root.certificate_policies_present
bad-root-pathlen: inkan.smime_root.pathlen_present
TABLE

# ---------------------------------------------------------------- every case
CASES=$(sed 's|^|'"$L"'/|; s|$|.pem|' "$L/cases")
# shellcheck disable=SC2086
"$INKAN" lint --json --chain "$L/chain.pem" $CASES >"$T/lint.json" 2>"$T/lint.err"
rc=$?
if [ "$rc" -eq 1 ]; then ok "lint of all cases exits 1 (some break rules)"; else not_ok "lint of all cases exits $rc"; sed 's/^/# /' "$T/lint.err"; fi
# The text report of the same (an empty subject once crashed it).
# shellcheck disable=SC2086
"$INKAN" lint --chain "$L/chain.pem" $CASES >"$T/lint.txt" 2>"$T/lint-text.err"
rc=$?
if [ "$rc" -eq 1 ] && grep -q '(empty subject)' "$T/lint.txt" && tail -n 1 "$T/lint.txt" | grep -q 'certificates, .* with errors'; then
  ok "text report of all cases is complete and exits 1"
else not_ok "text report of all cases exits $rc"; tail -n 3 "$T/lint.txt" | sed 's/^/# /'; fi
python3 - "$T/lint.json" "$T/expected" "$L/cases" >"$T/compare" <<'PY'
import json, sys
results = {}
for e in json.load(open(sys.argv[1])):
    name = e["file"].rsplit("/", 1)[-1][:-4]
    results.setdefault(name, sorted({f["code"] for f in e["findings"] if f["severity"] != "info"}))
expected = {}
for line in open(sys.argv[2]):
    name, _, codes = line.partition(":")
    expected[name.strip()] = sorted(codes.split())
for name in (l.strip() for l in open(sys.argv[3])):
    got, want = results.get(name), expected.get(name)
    if want is None:
        print("not ok - %s: no expectation in tests/admin/lint.sh (got: %s)" % (name, " ".join(got or [])))
    elif got == want:
        print("ok - %s: %s" % (name, " ".join(want) or "no findings"))
    else:
        print("not ok - %s: got [%s], wanted [%s]" % (name, " ".join(got or ["(no result)"]), " ".join(want)))
missing = set(expected) - {l.strip() for l in open(sys.argv[3])}
for name in sorted(missing):
    print("not ok - %s: expected but not generated" % name)
PY
while IFS= read -r line; do
  case $line in
    "ok - "*) ok "${line#ok - }" ;;
    *) not_ok "${line#not ok - }" ;;
  esac
done <"$T/compare"

# Every rule has a certificate that breaks it and the ok-* ones that meet it:
# count the distinct codes the bad cases cover.
n=$(sed -n 's/^bad-[^:]*: //p' "$T/expected" | tr ' ' '\n' | sort -u | grep -c .)
if [ "$n" -ge 120 ]; then ok "the bad-* cases cover $n distinct codes"; else not_ok "only $n distinct codes covered"; fi

# ---------------------------------------------------------------- exit codes and text
expect_rc 0 "ok certificate: exit 0" "$INKAN" lint --chain "$L/chain.pem" "$L/ok-mv-strict.pem"
expect_rc 1 "error finding: exit 1" "$INKAN" lint --chain "$L/chain.pem" "$L/bad-ku-strict-data-encipherment.pem"
check "text names the code, the field and a sentence" \
  grep -q '^  error: cabf.smime.prohibited_ku_present at tbsCertificate.extensions.keyUsage: keyUsage has dataEncipherment' "$T/out"
check "text names the profile" grep -q '^  profile: mailbox-validated strict subscriber' "$T/out"
check "text ends with the counts" grep -q '^  1 error, 0 warnings' "$T/out"
expect_rc 0 "warnings only: exit 0" "$INKAN" lint --chain "$L/chain.pem" "$L/bad-ku-not-critical.pem"
check "warning printed" grep -q '^  warning: cabf.smime.ku_extension_not_critical' "$T/out"
expect_rc 0 "-q prints nothing for a clean certificate" "$INKAN" lint -q --chain "$L/chain.pem" "$L/ok-mv-strict.pem"
check "-q output empty" test ! -s "$T/out"
expect_rc 3 "no certificate: usage error" "$INKAN" lint
expect_rc 4 "missing file: I/O error" "$INKAN" lint "$T/nope.pem"
printf 'not a certificate\n' >"$T/junk.pem"
expect_rc 6 "junk: certificate error" "$INKAN" lint "$T/junk.pem"
expect_rc 3 "bad --at: usage error" "$INKAN" lint --at yesterday "$L/ok-mv-strict.pem"

# --at: validity checked at another time.
expect_rc 0 "--at after notAfter: still exit 0" "$INKAN" lint --json --at 2099-01-01 "$L/ok-mv-strict.pem"
check "--at after notAfter: inkan.certificate_expired notice" grep -q '"inkan.certificate_expired"' "$T/out"

# ---------------------------------------------------------------- input formats
openssl x509 -in "$L/bad-ku-missing.pem" -outform DER -out "$T/c.der"
expect_rc 1 "DER input" "$INKAN" lint --json "$T/c.der"
check "DER: finding" grep -q cabf.smime.key_usage_extension_missing "$T/out"
openssl crl2pkcs7 -nocrl -certfile "$L/ok-mv-strict.pem" -certfile "$L/chain.pem" -outform DER -out "$T/c.p7b"
expect_rc 0 ".p7b (DER) with the chain inside: exit 0" "$INKAN" lint --json "$T/c.p7b"
check ".p7b: 5 certificates linted, the issuing CAs as CA certificates" python3 -c '
import json,sys; d=json.load(open(sys.argv[1]))
kinds=sorted(e["kind"] for e in d)
assert kinds==["root-ca","subordinate-ca","subordinate-ca","subordinate-ca","subscriber"], kinds
assert all(not [f for f in e["findings"] if f["severity"] in ("error","fatal")] for e in d)' "$T/out"
openssl crl2pkcs7 -nocrl -certfile "$L/bad-aki-wrong.pem" -certfile "$L/chain.pem" -out "$T/c.p7b.pem"
expect_rc 1 ".p7b (PEM): the chain inside is used as issuers" "$INKAN" lint --json "$T/c.p7b.pem"
check ".p7b (PEM): AKI compared with the issuer in the bundle" grep -q inkan.aki_does_not_match_issuer_ski "$T/out"
openssl pkcs12 -export -nokeys -in "$L/ok-sv-strict.pem" -certfile "$L/chain.pem" -passout pass: -out "$T/c.p12" 2>/dev/null
expect_rc 0 ".p12 with certificates only (no passphrase)" "$INKAN" lint --json "$T/c.p12"
check ".p12: SV strict profile read" grep -q '"sponsor-validated strict"' "$T/out"
printf 'secret\n' >"$T/pass"
openssl pkcs12 -export -nokeys -in "$L/ok-sv-strict.pem" -passout pass:secret -out "$T/c2.p12" 2>/dev/null
expect_rc 0 ".p12 with a passphrase: --passphrase-file" "$INKAN" lint --passphrase-file "$T/pass" "$T/c2.p12"

# ---------------------------------------------------------------- the test PKI
for n in alice bob carol dave erin taro; do
  expect_rc 0 "test PKI $n lints clean" "$INKAN" lint --json --chain "$PKI/ca.pem" --chain "$PKI/root.pem" "$PKI/$n.cert.pem"
  check "test PKI $n: no findings at all" python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); assert all(e["findings"]==[] for e in d), d' "$T/out"
done
expect_rc 1 "test PKI noeku: EKU errors" "$INKAN" lint --json --chain "$PKI/ca.pem" "$PKI/noeku.cert.pem"

# ---------------------------------------------------------------- Debian's Mozilla roots
MOZ=/usr/share/ca-certificates/mozilla
if [ -d "$MOZ" ]; then
  "$INKAN" lint --json "$MOZ"/*.crt >"$T/moz.json" 2>"$T/moz.err"
  rc=$?
  if [ "$rc" -le 1 ]; then ok "Mozilla roots lint without a crash (exit $rc)"; else not_ok "Mozilla roots: exit $rc"; sed 's/^/# /' "$T/moz.err" | head; fi
  python3 - "$T/moz.json" "$HERE/mozilla-roots.expected" <<'PY' >"$T/moz.cmp"
import json, sys
got = {}
for e in json.load(open(sys.argv[1])):
    got.setdefault(e["file"].rsplit("/", 1)[-1], sorted({f["code"] for f in e["findings"] if f["code"] != "inkan.certificate_expired"}))
want = {}
for line in open(sys.argv[2]):
    if line.startswith("#") or ":" not in line:
        continue
    name, _, codes = line.partition(":")
    want[name] = sorted(codes.split())
same = [n for n in want if n in got and got[n] == want[n]]
differ = [n for n in want if n in got and got[n] != want[n]]
for n in differ:
    print("# %s: got %s, recorded %s" % (n, got[n], want[n]))
print("%d %d %d %d" % (len(got), len(same), len(differ), len([n for n in got if n not in want])))
PY
  read -r total same differ new <<EOF2
$(tail -n 1 "$T/moz.cmp")
EOF2
  grep '^#' "$T/moz.cmp" | head -20
  if [ "$differ" -eq 0 ] && [ "$same" -gt 0 ]; then
    ok "Mozilla roots: $same of $total match the recorded results ($new new roots only had to lint)"
  else
    not_ok "Mozilla roots: $differ differ from tests/admin/mozilla-roots.expected"
  fi
  for f in DigiCert_Global_Root_G2 Security_Communication_RootCA3 Security_Communication_ECC_RootCA1; do
    [ -f "$MOZ/$f.crt" ] || continue
    expect_rc 0 "$f lints with no error" "$INKAN" lint "$MOZ/$f.crt"
  done
  if [ -f "$MOZ/Security_Communication_RootCA2.crt" ]; then
    expect_rc 1 "Security Communication RootCA2: serial number 0 is an error" "$INKAN" lint --json "$MOZ/Security_Communication_RootCA2.crt"
    check "RootCA2: pkix.certificate_serial_number_out_of_range" grep -q pkix.certificate_serial_number_out_of_range "$T/out"
  fi
else
  ok "# SKIP $MOZ is not there (apt-get install ca-certificates)"
fi
finish
