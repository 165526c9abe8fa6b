#!/bin/sh
# gen-lint-certs.sh OUTDIR
#
# Generate the certificates that test "inkan lint": for every SBR rule at
# least one certificate that meets it (the ok-* cases) and one that breaks
# it, each made by a one-line recipe below.  The approach is the one of
# gen-test-pki.sh: openssl(1) 3.x "ca" with an extension section per
# certificate; where openssl cannot produce a broken encoding, the issued
# certificate is edited and signed again by samples/lint/der-patch.py.
#
# Output (OUTDIR, replaced as a whole; see OUTDIR/README):
#   NAME.pem        one certificate per case; OUTDIR/cases lists them in order
#   chain.pem       the CA certificates that issued them (not "other")
#   expiry/*.pem    leaves that end in 5, 45 and 100 days and one that
#                   expired 3 days ago (for inkan expiry)
# The expected lint codes of every case are in tests/admin/lint.sh.
#
# Dates are relative to now, so the output is regenerated at build time.
# Quiet on success; no network, no stdin.

set -eu

PROG=gen-lint-certs
if [ "$#" -ne 1 ] || [ -z "$1" ]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi
OPENSSL=${OPENSSL:-openssl}
HERE=$(cd "$(dirname "$0")" && pwd)
PATCH="python3 $HERE/lint/der-patch.py"

OUTDIR=${1%/}
case $OUTDIR in
    ""|/) echo "$PROG: refusing to use / as OUTDIR" >&2; exit 2 ;;
esac
PARENT=$(dirname -- "$OUTDIR")
mkdir -p -- "$PARENT"
TMP=$(mktemp -d "$PARENT/.$(basename -- "$OUTDIR").tmp.XXXXXX")
trap 'rm -rf -- "$TMP"' EXIT
trap 'exit 1' HUP INT PIPE TERM
O=$TMP/out
W=$TMP/work
LOG=$W/openssl.log
mkdir -p "$O/expiry" "$W/ext"
: >"$LOG"

die() { echo "$PROG: $*" >&2; exit 1; }
run() {
    echo "+ $*" >>"$LOG"
    if ! "$@" >>"$LOG" 2>&1 </dev/null; then
        echo "$PROG: command failed: $*" >&2
        tail -n 25 "$LOG" >&2
        exit 1
    fi
}

NOW=$(date -u +%s)
# ts SECONDS: now + SECONDS as YYYYMMDDHHMMSSZ
ts() { date -u -d "@$((NOW + $1))" +%Y%m%d%H%M%SZ; }
DAY=86400

# ---------------------------------------------------------------------------
# openssl configuration: CA databases and the policy; extensions come from
# one file per certificate ($W/ext/NAME.cnf).
CNF=$W/openssl.cnf
{
    echo "[ req ]"
    echo "distinguished_name = dn"
    echo "prompt = no"
    echo "string_mask = utf8only"
    echo "[ dn ]"
    echo "CN = placeholder"
    for d in root ca ecca ca2048 other; do
        cat <<EOF
[ ca_$d ]
dir = $W/db/$d
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
default_md = sha256
policy = policy_any
unique_subject = no
email_in_dn = yes
preserve = yes
copy_extensions = none
EOF
        mkdir -p "$W/db/$d/new"
        : >"$W/db/$d/index.txt"
    done
    cat <<'EOF'
[ policy_any ]
countryName = optional
stateOrProvinceName = optional
localityName = optional
organizationName = optional
organizationalUnitName = optional
commonName = optional
emailAddress = optional
EOF
} >"$CNF"
export OPENSSL_CONF="$CNF"

# ---------------------------------------------------------------------------
# Keys, in parallel.  One key per kind: the cases only differ in what the
# CA puts around it.
genkey() {
    LOG=$W/genkey-$1.log
    case $2 in
        rsa*e3) b=${2%e3}; run "$OPENSSL" genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:${b#rsa}" -pkeyopt rsa_keygen_pubexp:3 -out "$W/$1.key" ;;
        rsa*)   run "$OPENSSL" genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:${2#rsa}" -out "$W/$1.key" ;;
        ecx)    run "$OPENSSL" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:explicit -out "$W/$1.key" ;;
        ec:*)   run "$OPENSSL" genpkey -algorithm EC -pkeyopt "ec_paramgen_curve:${2#ec:}" -pkeyopt ec_param_enc:named_curve -out "$W/$1.key" ;;
        ed25519) run "$OPENSSL" genpkey -algorithm ED25519 -out "$W/$1.key" ;;
        dsa)    run "$OPENSSL" genpkey -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:1024 -out "$W/dsa.param"
                run "$OPENSSL" genpkey -paramfile "$W/dsa.param" -out "$W/$1.key" ;;
        *) die "unknown key spec $2" ;;
    esac
    # One request per key; "openssl ca -subj" gives each case its subject.
    run "$OPENSSL" req -new -key "$W/$1.key" -subj "/CN=request" -out "$W/$1.csr"
}
KEYS="root:rsa3072 ca:rsa3072 ecca:ec:P-256 ca2048:rsa2048 other:rsa2048 subca:rsa3072
leaf:rsa2048 p256:ec:P-256 p384:ec:P-384 p521:ec:P-521 ed25519:ed25519 rsa1024:rsa1024
rsa2052:rsa2052 rsa2056:rsa2056 rsae3:rsa2048e3 k1:ec:secp256k1 ecx:ecx dsa:dsa"
PIDS=
for k in $KEYS; do
    genkey "${k%%:*}" "${k#*:}" &
    PIDS="$PIDS $!"
done
for p in $PIDS; do wait "$p" || die "key generation failed"; done

h=$("$OPENSSL" rand -hex 14)
SERIAL_BASE=$(printf '%X%s' "$(( (0x${h%"${h#?}"} & 3) | 4 ))" "${h#?}")
N=0

# ---------------------------------------------------------------------------
# Extension profiles (the SBR profile each case starts from).
LEAF_EXT='keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = emailProtection
certificatePolicies = 2.23.140.1.5.1.3
subjectAltName = email:user@example.org
crlDistributionPoints = URI:http://crl.example.com/lint/ca.crl
authorityInfoAccess = caIssuers;URI:http://pki.example.com/lint/ca.cer
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always'
SUBCA_EXT='basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
extendedKeyUsage = emailProtection, clientAuth
certificatePolicies = 2.23.140.1.5.1.2, 2.23.140.1.5.1.3, 2.23.140.1.5.2.2, 2.23.140.1.5.2.3, 2.23.140.1.5.3.2, 2.23.140.1.5.3.3, 2.23.140.1.5.4.2, 2.23.140.1.5.4.3, 2.23.140.1.5.1.1, 2.23.140.1.5.3.1
crlDistributionPoints = URI:http://crl.example.com/lint/root.crl
authorityInfoAccess = caIssuers;URI:http://pki.example.com/lint/root.cer
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always'
ROOT_EXT='basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = none'

# ---------------------------------------------------------------------------
# make NAME PROFILE [OPTION...]: issue one certificate into $O/NAME.pem.
#   key=K        the key (default: leaf for leaves, subca for CA cases)
#   ca=C         root|ca|ecca|ca2048|other|self (default: ca; root for CAs)
#   subj=DN      the subject (default: /CN=user@example.org/emailAddress=...)
#   X:NAME=VAL   set extension line NAME (empty VAL: remove it)
#   S:SECT=L|L   add config section [SECT] with lines L (for @SECT values)
#   days=A:B     validity from now+A days to now+B days (default -1:365)
#   secs=A:N     validity from now+A seconds, N seconds long (both ends inclusive)
#   dates=A:B    absolute YYYYMMDDHHMMSSZ dates
#   md=D         signature digest; sigopt=O adds -sigopt O
#   serial=HEX   the serial number (default: 16 random octets, positive)
#   patch=OP     edit with der-patch.py and sign again (repeatable)
make() {
    name=$1 profile=$2
    shift 2
    case $profile in
        leaf) ext=$LEAF_EXT key=leaf ca=ca subj="/CN=user@example.org/emailAddress=user@example.org"
              start=$((-DAY)) end=$((365 * DAY)) ;;
        subca) ext=$SUBCA_EXT key=subca ca=root subj="/C=JP/O=Inkan Lint/CN=Inkan Lint Case $name"
               start=$((-730 * DAY)) end=$((1825 * DAY)) ;;
        root) ext=$ROOT_EXT key=subca ca=self subj="/C=JP/O=Inkan Lint/CN=Inkan Lint Case $name"
              start=$((-730 * DAY)) end=$((3650 * DAY)) ;;
        *) die "unknown profile $profile" ;;
    esac
    extf=$W/ext/$name.cnf
    printf '%s\n' "$ext" >"$extf.lines"
    : >"$extf.sections"
    md=sha256 sigopts= patches= abs_start= abs_end= serial=
    for opt in "$@"; do
        case $opt in
            key=*) key=${opt#key=} ;;
            ca=*) ca=${opt#ca=} ;;
            subj=*) subj=${opt#subj=} ;;
            X:*) kv=${opt#X:}; k=${kv%%=*}; v=${kv#*=}
                 grep -v "^$k = " "$extf.lines" >"$extf.tmp" || true
                 mv "$extf.tmp" "$extf.lines"
                 [ -z "$v" ] || echo "$k = $v" >>"$extf.lines" ;;
            S:*) kv=${opt#S:}
                 { echo "[ ${kv%%=*} ]"; echo "${kv#*=}" | tr '|' '\n'; } >>"$extf.sections" ;;
            days=*) a=${opt#days=}; start=$((${a%:*} * DAY)); end=$((${a#*:} * DAY)) ;;
            secs=*) a=${opt#secs=}; start=${a%:*}; end=$((${a%:*} + ${a#*:} - 1)) ;;
            dates=*) a=${opt#dates=}; abs_start=${a%:*}; abs_end=${a#*:} ;;
            md=*) md=${opt#md=} ;;
            sigopt=*) sigopts="$sigopts -sigopt ${opt#sigopt=}" ;;
            serial=*) serial=${opt#serial=} ;;
            patch=*) patches="$patches ${opt#patch=}" ;;
            *) die "$name: unknown option $opt" ;;
        esac
    done
    { echo "[ ext ]"; cat "$extf.lines" "$extf.sections"; } >"$extf"
    [ -n "$abs_start" ] || abs_start=$(ts "$start")
    [ -n "$abs_end" ] || abs_end=$(ts "$end")
    case $ca in
        self) set -- -name ca_root -selfsign -keyfile "$W/$key.key"; ca_key=$W/$key.key ;;
        *)    set -- -name "ca_$ca" -cert "$O/ca-$ca.pem" -keyfile "$W/$ca.key"; ca_key=$W/$ca.key ;;
    esac
    db=$W/db/${ca#self}
    [ "$ca" = self ] && db=$W/db/root
    # Positive 16-octet serial: 14 random octets (made once) + a counter.
    N=$((N + 1))
    printf '%s%04X\n' "$SERIAL_BASE" "$N" >"$db/serial"
    [ -z "$serial" ] || echo "$serial" >"$db/serial"
    # shellcheck disable=SC2086
    run "$OPENSSL" ca -batch -notext -utf8 -preserveDN -multivalue-rdn -md "$md" $sigopts \
        -subj "$subj" -extfile "$extf" -extensions ext -startdate "$abs_start" -enddate "$abs_end" \
        -in "$W/$key.csr" -out "$W/$name.crt" "$@"
    mv "$W/$name.crt" "$O/$name.pem"     # -notext: the PEM block only
    if [ -n "$patches" ]; then
        # shellcheck disable=SC2086
        run $PATCH "$O/$name.pem" "$O/$name.pem" "$ca_key" $patches
    fi
    case $name in ca-*) ;; *) echo "$name" >>"$O/cases" ;; esac
}

# ---------------------------------------------------------------------------
# The issuing hierarchy (not lint cases: the ok-* CA cases below are).
make ca-root root subj="/C=JP/O=Inkan Lint/CN=Inkan Lint Root CA" key=root
make ca-ca subca subj="/C=JP/O=Inkan Lint/CN=Inkan Lint RSA Issuing CA" key=ca
make ca-ecca subca subj="/C=JP/O=Inkan Lint/CN=Inkan Lint ECC Issuing CA" key=ecca
make ca-ca2048 subca subj="/C=JP/O=Inkan Lint/CN=Inkan Lint RSA-2048 Issuing CA" key=ca2048
make ca-other root subj="/C=JP/O=Inkan Elsewhere/CN=Inkan Elsewhere CA" key=other
cat "$O/ca-root.pem" "$O/ca-ca.pem" "$O/ca-ecca.pem" "$O/ca-ca2048.pem" >"$O/chain.pem"
: >"$O/cases"

MV="/CN=user@example.org/emailAddress=user@example.org"
OV="/C=JP/O=Example Corp/organizationIdentifier=NTRJP-1234567890123/CN=Example Corp"
SV="/C=JP/O=Example KK/organizationIdentifier=NTRJP-9876543210987/SN=Yamada/GN=Taro/CN=Taro Yamada"
IV="/C=JP/ST=Tokyo/L=Chiyoda-ku/GN=Hanako/SN=Kokuritsu/CN=Hanako Kokuritsu"
CP_OV="X:certificatePolicies=2.23.140.1.5.2.3"
CP_SV="X:certificatePolicies=2.23.140.1.5.3.3"
CP_IV2="X:certificatePolicies=2.23.140.1.5.4.2"
CP_MV2="X:certificatePolicies=2.23.140.1.5.1.2"
OLD="dates=20250101000000Z:20251231235959Z"          # issued before the Legacy sunset
UTF8SAN_X="X:subjectAltName=@san"
UTF8SAN="S:san=email.1 = taro@xn--r8jz45g.jp|otherName.1 = 1.3.6.1.5.5.7.8.9;FORMAT:UTF8,UTF8String:"
LEI_OK=5493001KJTIIGC8Y1R12
PSS256="sigopt=rsa_padding_mode:pss sigopt=rsa_pss_saltlen:32 sigopt=rsa_mgf1_md:sha256"
SHA256RSA_NONULL=300b06092a864886f70d01010b
PSS_TRAILER=304606092a864886f70d01010a3039a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500a203020120a303020101

# ---------------------------------------------------------------------------
# Subscriber certificates that meet every rule they touch.
make ok-mv-strict leaf
make ok-mv-strict-p256 leaf key=p256 "X:keyUsage=critical, digitalSignature, keyAgreement"
make ok-mv-strict-p384 leaf key=p384 "X:keyUsage=critical, digitalSignature, keyAgreement, encipherOnly"
make ok-mv-strict-p521 leaf key=p521 "X:keyUsage=critical, keyAgreement, decipherOnly"
make ok-mv-strict-ed25519 leaf key=ed25519 "X:keyUsage=critical, digitalSignature, nonRepudiation"
make ok-mv-strict-ecdsa-issuer leaf ca=ecca key=p256 "X:keyUsage=critical, digitalSignature"
make ok-mv-strict-pss leaf $PSS256
make ok-mv-strict-pss384 leaf md=sha384 sigopt=rsa_padding_mode:pss sigopt=rsa_pss_saltlen:48 sigopt=rsa_mgf1_md:sha384
make ok-mv-strict-sha512 leaf md=sha512 "X:keyUsage=critical, keyEncipherment"
make ok-mv-strict-utf8 leaf "$UTF8SAN_X" "${UTF8SAN}太郎@例え.jp" subj="/CN=taro@xn--r8jz45g.jp"
make ok-mv-strict-empty-subject leaf subj=/ "X:subjectAltName=critical, email:user@example.org"
make ok-mv-strict-san-dirname leaf "X:subjectAltName=email:user@example.org, dirName:sandn" "S:sandn=CN = user@example.org"
make ok-mv-multi leaf "$CP_MV2" "X:keyUsage=critical, digitalSignature, keyEncipherment, dataEncipherment" \
    "X:extendedKeyUsage=emailProtection, clientAuth, 1.3.6.1.4.1.311.10.3.12" "X:basicConstraints=critical, CA:FALSE" \
    "X:subjectAltName=email:user@example.org, otherName:1.3.6.1.4.1.311.20.2.3;UTF8:user@example.org" \
    "X:certificatePolicies=@pol" "S:pol=policyIdentifier = 2.23.140.1.5.1.2|CPS.1 = https://pki.example.com/cps|userNotice.1 = @notice" \
    "S:notice=explicitText = UTF8:Inkan lint test" \
    "X:authorityInfoAccess=caIssuers;URI:http://pki.example.com/lint/ca.cer, OCSP;URI:http://ocsp.example.com/" \
    "X:1.2.840.113583.1.1.9.1=DER:3000" "X:1.2.840.113549.1.9.15=DER:3000" "X:1.3.6.1.5.5.7.1.3=DER:3000"
make ok-mv-legacy leaf "X:certificatePolicies=2.23.140.1.5.1.1" "$OLD" \
    "X:crlDistributionPoints=URI:http://crl.example.com/lint/ca.crl, URI:ldap://ldap.example.com/cn=ca" \
    "X:2.5.29.9=DER:301f301d06082b060105050709013111180f31393730303130313132303030305a"
make ok-ov-strict leaf "$CP_OV" subj="$OV"
make ok-ov-multi-address leaf "X:certificatePolicies=2.23.140.1.5.2.2" \
    subj="/C=JP/ST=Tokyo/L=Chiyoda-ku/street=1-1 Kasumigaseki/postalCode=100-0013/O=Example Corp/OU=Example Research/organizationIdentifier=NTRJP-1234567890123/CN=user@example.org"
make ok-ov-gov leaf "$CP_OV" subj="/C=JP/O=Example Agency/organizationIdentifier=GOVJP/CN=Example Agency"
make ok-ov-lei leaf "$CP_OV" subj="/C=JP/O=Example Corp/organizationIdentifier=LEIXG-$LEI_OK/CN=Example Corp" \
    "X:1.3.6.1.4.1.52266.1=ASN1:PRINTABLESTRING:$LEI_OK"
make ok-ov-legacy-other-attribute leaf "X:certificatePolicies=2.23.140.1.5.2.1" "$OLD" \
    subj="/C=JP/O=Example Corp/organizationIdentifier=NTRJP-1234567890123/description=Sales/CN=Example Corp"
make ok-sv-strict leaf "$CP_SV" subj="$SV" "$UTF8SAN_X" "${UTF8SAN}太郎@例え.jp" \
    "X:1.3.6.1.4.1.52266.2=ASN1:UTF8:Director"
make ok-sv-strict-pseudonym leaf "$CP_SV" subj="/C=JP/O=Example KK/organizationIdentifier=NTRJP-9876543210987/pseudonym=Tanuki/CN=Tanuki"
make ok-sv-legacy-cn-name leaf "X:certificatePolicies=2.23.140.1.5.3.1" "$OLD" \
    subj="/C=JP/O=Example KK/organizationIdentifier=NTRJP-9876543210987/CN=Taro Yamada"
make ok-iv-multi leaf "$CP_IV2" subj="$IV/title=Professor"

# ---------------------------------------------------------------------------
# Subscriber certificates that break one rule each (the codes are in
# tests/admin/lint.sh).
#   structure, serial, validity
make bad-version-v2 leaf patch=version:1
make bad-issuer-uid leaf patch=issuer-uid
make bad-subject-uid leaf patch=subject-uid
make bad-no-extensions leaf patch=no-extensions
make bad-issuer-empty leaf patch=issuer-empty
make bad-extension-not-decodable leaf "X:keyUsage=" "X:2.5.29.15=critical, DER:0500"
make bad-duplicate-extension leaf patch=dup-ext:2.5.29.37
make bad-serial-zero leaf serial=00
make bad-serial-negative leaf patch=serial:ff2a
make bad-serial-21-octets leaf serial=7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF
make bad-serial-short leaf serial=1234
make bad-validity-826-days leaf days=-1:825
make bad-validity-at-maximum leaf secs=-86400:$((825 * DAY))
make bad-validity-legacy-1186-days leaf "X:certificatePolicies=2.23.140.1.5.1.1" dates=20240101000000Z:20270401000000Z
make bad-validity-negative leaf days=-1:-10
make bad-time-generalized leaf patch=not-before-generalized
make bad-time-utc-no-seconds leaf patch=not-before-no-seconds
make bad-legacy-after-sunset leaf "X:certificatePolicies=2.23.140.1.5.1.1"
#   algorithms and keys
make bad-sig-sha1 leaf md=sha1
make bad-sig-rsa-no-null leaf patch=sigalg:$SHA256RSA_NONULL
make bad-sig-pss-salt-20 leaf sigopt=rsa_padding_mode:pss sigopt=rsa_pss_saltlen:20 sigopt=rsa_mgf1_md:sha256
make bad-sig-pss-trailer leaf patch=sigalg:$PSS_TRAILER
make bad-sig-outer-differs leaf patch=outer-sigalg:300d06092a864886f70d01010c0500
make bad-sig-ecdsa-hash-for-curve leaf ca=ecca key=p256 md=sha384 "X:keyUsage=critical, digitalSignature"
make bad-signature leaf patch=bad-signature
make bad-issuer-name-encoding leaf \
    patch=replace:310b3009060355040613024a50:310b300906035504060c024a50
make bad-spki-rsa-no-null leaf patch=replace:300d06092a864886f70d0101010500:300b06092a864886f70d010101
make bad-key-rsa-1024 leaf key=rsa1024
make bad-key-rsa-2052 leaf key=rsa2052
make bad-key-rsa-2056 leaf key=rsa2056
make bad-key-rsa-exponent-3 leaf key=rsae3
make bad-key-rsa-exponent-even leaf patch=rsa-e:010000
make bad-key-rsa-small-factor leaf patch=rsa-n-div3
make bad-key-rsa-prime-square leaf patch=rsa-n-prime-power:2
make bad-key-secp256k1 leaf key=k1 "X:keyUsage=critical, digitalSignature"
make bad-key-ec-explicit leaf key=ecx "X:keyUsage=critical, digitalSignature"
make bad-key-ec-off-curve leaf key=p256 "X:keyUsage=critical, digitalSignature" patch=ec-point-off-curve
make bad-key-dsa leaf key=dsa "X:keyUsage=critical, digitalSignature"
#   AKI, SKI
make bad-aki-missing leaf "X:authorityKeyIdentifier=none"
make bad-aki-critical leaf "X:authorityKeyIdentifier=critical, keyid:always"
make bad-aki-issuer-serial leaf "X:authorityKeyIdentifier=keyid:always, issuer:always"
make bad-aki-no-keyid leaf "X:authorityKeyIdentifier=issuer:always"
make bad-aki-wrong leaf "X:authorityKeyIdentifier=none" "X:2.5.29.35=DER:30168014000102030405060708090a0b0c0d0e0f10111213"
make bad-ski-missing leaf "X:subjectKeyIdentifier=none"
make bad-ski-critical leaf "X:subjectKeyIdentifier=critical, hash"
make bad-ski-unknown-method leaf "X:subjectKeyIdentifier=000102030405060708090a0b0c0d0e0f10111213"
#   certificatePolicies
make bad-cp-missing leaf "X:certificatePolicies="
make bad-cp-critical leaf "X:certificatePolicies=critical, 2.23.140.1.5.1.3"
make bad-cp-no-reserved leaf "X:certificatePolicies=1.3.6.1.4.1.99999.1"
make bad-cp-two-reserved leaf "X:certificatePolicies=2.23.140.1.5.1.3, 2.23.140.1.5.1.2"
make bad-cp-duplicate leaf "X:certificatePolicies=2.23.140.1.5.1.3, 2.23.140.1.5.1.3"
make bad-cp-anypolicy leaf "X:certificatePolicies=2.23.140.1.5.1.3, 2.5.29.32.0"
make bad-cp-cps-ftp leaf "X:certificatePolicies=@pol" "S:pol=policyIdentifier = 2.23.140.1.5.1.3|CPS.1 = ftp://pki.example.com/cps"
make bad-cp-noticeref leaf "X:certificatePolicies=@pol" "S:pol=policyIdentifier = 2.23.140.1.5.1.3|userNotice.1 = @notice" \
    "S:notice=explicitText = UTF8:Test|organization = Example|noticeNumbers = 1"
make bad-cp-notice-no-text leaf "X:certificatePolicies=@pol" "S:pol=policyIdentifier = 2.23.140.1.5.1.3|userNotice.1 = @notice" \
    "S:notice=organization = Example|noticeNumbers = 1"
make bad-cp-notice-visiblestring leaf "X:certificatePolicies=@pol" "S:pol=policyIdentifier = 2.23.140.1.5.1.3|userNotice.1 = @notice" \
    "S:notice=explicitText = Test"
make bad-cp-notice-ia5string leaf "X:certificatePolicies=@pol" "S:pol=policyIdentifier = 2.23.140.1.5.1.3|userNotice.1 = @notice" \
    "S:notice=explicitText = UTF8:Test" patch=replace:0c0454657374:160454657374
#   cRLDistributionPoints, authorityInfoAccess
make bad-crldp-missing leaf "X:crlDistributionPoints="
make bad-crldp-critical leaf "X:crlDistributionPoints=critical, URI:http://crl.example.com/lint/ca.crl"
make bad-crldp-ldap leaf "X:crlDistributionPoints=URI:ldap://ldap.example.com/cn=ca"
make bad-crldp-https leaf "X:crlDistributionPoints=URI:https://crl.example.com/lint/ca.crl"
make bad-crldp-ldap-and-http-multi leaf "$CP_MV2" "X:crlDistributionPoints=URI:http://crl.example.com/lint/ca.crl, URI:ldap://ldap.example.com/cn=ca"
make bad-crldp-legacy-ldap-only leaf "X:certificatePolicies=2.23.140.1.5.1.1" "$OLD" "X:crlDistributionPoints=URI:ldap://ldap.example.com/cn=ca"
make bad-crldp-reasons-only leaf "X:crlDistributionPoints=" "X:2.5.29.31=DER:3006300481020780"
make bad-crldp-dirname leaf "X:crlDistributionPoints=dp" "S:dp=fullname = dirName:dpname" "S:dpname=CN = CRL1"
make bad-aia-missing leaf "X:authorityInfoAccess="
make bad-aia-critical leaf "X:authorityInfoAccess=critical, caIssuers;URI:http://pki.example.com/lint/ca.cer"
make bad-aia-no-ca-issuers leaf "X:authorityInfoAccess=OCSP;URI:http://ocsp.example.com/"
make bad-aia-ca-issuers-https leaf "X:authorityInfoAccess=caIssuers;URI:https://pki.example.com/lint/ca.cer"
make bad-aia-ocsp-ldap leaf "X:authorityInfoAccess=caIssuers;URI:http://pki.example.com/lint/ca.cer, OCSP;URI:ldap://ocsp.example.com/"
make bad-aia-email leaf "X:authorityInfoAccess=caIssuers;email:ca@example.com"
#   basicConstraints, keyUsage, extKeyUsage
make bad-bc-ca-true leaf "X:basicConstraints=critical, CA:TRUE"
make bad-bc-pathlen leaf "X:basicConstraints=CA:FALSE, pathlen:0"
make bad-ku-missing leaf "X:keyUsage="
make bad-ku-not-critical leaf "X:keyUsage=digitalSignature, keyEncipherment"
make bad-ku-empty leaf "X:keyUsage=" "X:2.5.29.15=critical, DER:030100"
make bad-ku-strict-data-encipherment leaf "X:keyUsage=critical, digitalSignature, keyEncipherment, dataEncipherment"
make bad-ku-rsa-key-agreement leaf "X:keyUsage=critical, keyAgreement"
make bad-ku-rsa-signing-key-agreement leaf "X:keyUsage=critical, digitalSignature, keyAgreement"
make bad-ku-key-cert-sign leaf "X:keyUsage=critical, digitalSignature, keyCertSign"
make bad-ku-ec-key-encipherment leaf key=p256 "X:keyUsage=critical, digitalSignature, keyEncipherment"
make bad-ku-ec-encipher-and-decipher-only leaf key=p256 "X:keyUsage=critical, keyAgreement, encipherOnly, decipherOnly"
make bad-ku-ed25519-key-agreement leaf key=ed25519 "X:keyUsage=critical, digitalSignature, keyAgreement"
make bad-eku-missing leaf "X:extendedKeyUsage="
make bad-eku-client-auth-only leaf "X:extendedKeyUsage=clientAuth"
make bad-eku-strict-client-auth leaf "X:extendedKeyUsage=emailProtection, clientAuth"
make bad-eku-multi-server-auth leaf "$CP_MV2" "X:extendedKeyUsage=emailProtection, serverAuth"
make bad-eku-multi-any leaf "$CP_MV2" "X:extendedKeyUsage=emailProtection, anyExtendedKeyUsage"
make bad-eku-multi-document-signing-2027 leaf "$CP_MV2" "X:extendedKeyUsage=emailProtection, 1.3.6.1.4.1.311.10.3.12" \
    dates=20270702000000Z:20280101000000Z
#   subjectAltName
make bad-san-missing leaf "X:subjectAltName="
make bad-san-dns-only leaf "X:subjectAltName=DNS:example.org" subj=/
make bad-san-uri leaf "X:subjectAltName=email:user@example.org, URI:http://example.org/"
make bad-san-dirname-attribute leaf "X:subjectAltName=email:user@example.org, dirName:sandn" "S:sandn=O = Example Corp|CN = user@example.org"
make bad-san-dirname-mailbox leaf "X:subjectAltName=email:user@example.org, dirName:sandn" "S:sandn=CN = other@example.org"
make bad-san-upn-strict leaf "X:subjectAltName=email:user@example.org, otherName:1.3.6.1.4.1.311.20.2.3;UTF8:user@example.org"
make bad-san-upn-syntax leaf "$CP_MV2" "X:subjectAltName=email:user@example.org, otherName:1.3.6.1.4.1.311.20.2.3;UTF8:user"
make bad-san-critical leaf "X:subjectAltName=critical, email:user@example.org"
make bad-san-empty-subject-not-critical leaf subj=/
make bad-san-rfc822-syntax leaf "X:subjectAltName=critical, email:user.@example.org" subj=/
make bad-utf8-ascii-local-part leaf "$UTF8SAN_X" "${UTF8SAN}user@example.org" subj="/CN=taro@xn--r8jz45g.jp"
make bad-utf8-a-label leaf "$UTF8SAN_X" "${UTF8SAN}太郎@xn--r8jz45g.jp" subj="/CN=taro@xn--r8jz45g.jp"
make bad-utf8-upper-case leaf "$UTF8SAN_X" "${UTF8SAN}太郎@Example.JP" subj="/CN=taro@xn--r8jz45g.jp"
make bad-utf8-no-at leaf "$UTF8SAN_X" "${UTF8SAN}太郎" subj="/CN=taro@xn--r8jz45g.jp"
make bad-utf8-ia5 leaf "X:subjectAltName=email:taro@xn--r8jz45g.jp, otherName:1.3.6.1.5.5.7.8.9;IA5:taro@example.jp" subj="/CN=taro@xn--r8jz45g.jp"
make bad-utf8-bom leaf "$UTF8SAN_X" "${UTF8SAN}$(printf '\357\273\277')太郎@例え.jp" subj="/CN=taro@xn--r8jz45g.jp"
#   subject
make bad-mv-organization leaf subj="/O=Example Corp$MV"
make bad-mv-cn-not-mailbox leaf subj="/CN=John Smith"
make bad-mv-email-not-in-san leaf subj="/CN=user@example.org/emailAddress=other@example.org"
make bad-mv-cn-mailbox-not-in-san leaf subj="/CN=other@example.org"
make bad-mv-other-attribute leaf subj="/description=Sales$MV"
make bad-ov-no-organization-identifier leaf "$CP_OV" subj="/C=JP/O=Example Corp/CN=Example Corp"
make bad-ov-no-organization leaf "$CP_OV" subj="/C=JP/organizationIdentifier=NTRJP-1234567890123/CN=user@example.org"
make bad-ov-cn-unknown leaf "$CP_OV" subj="/C=JP/O=Example Corp/organizationIdentifier=NTRJP-1234567890123/CN=Someone Else"
make bad-ov-strict-street leaf "$CP_OV" subj="/C=JP/L=Chiyoda-ku/street=1-1 Kasumigaseki/O=Example Corp/organizationIdentifier=NTRJP-1234567890123/CN=Example Corp"
make bad-ov-strict-postal-code leaf "$CP_OV" subj="/C=JP/postalCode=100-0013/O=Example Corp/organizationIdentifier=NTRJP-1234567890123/CN=Example Corp"
make bad-ov-given-name leaf "$CP_OV" subj="/C=JP/O=Example Corp/organizationIdentifier=NTRJP-1234567890123/GN=Taro/CN=Example Corp"
make bad-ov-multi-other-attribute leaf "X:certificatePolicies=2.23.140.1.5.2.2" subj="/C=JP/O=Example Corp/organizationIdentifier=NTRJP-1234567890123/description=Sales/CN=Example Corp"
make bad-sv-no-name leaf "$CP_SV" subj="/C=JP/O=Example KK/organizationIdentifier=NTRJP-9876543210987/CN=Taro Yamada"
make bad-sv-pseudonym-and-name leaf "$CP_SV" subj="/C=JP/O=Example KK/organizationIdentifier=NTRJP-9876543210987/GN=Taro/pseudonym=Tanuki/CN=Tanuki"
make bad-iv-organization leaf "$CP_IV2" subj="/C=JP/O=Example Corp/GN=Hanako/SN=Kokuritsu/CN=Hanako Kokuritsu"
make bad-street-without-locality leaf "X:certificatePolicies=2.23.140.1.5.2.2" subj="/C=JP/street=1-1 Kasumigaseki/O=Example Corp/organizationIdentifier=NTRJP-1234567890123/CN=Example Corp"
make bad-locality-without-country leaf "$CP_IV2" subj="/L=Chiyoda-ku/GN=Hanako/SN=Kokuritsu/CN=Hanako Kokuritsu"
make bad-country-code leaf "$CP_IV2" subj="/C=ZZ/GN=Hanako/SN=Kokuritsu/CN=Hanako Kokuritsu"
make bad-orgid-country-mismatch leaf "$CP_OV" subj="/C=DE/O=Example Corp/organizationIdentifier=NTRJP-1234567890123/CN=Example Corp"
make bad-orgid-format leaf "$CP_OV" subj="/C=JP/O=Example Corp/organizationIdentifier=JP1234/CN=Example Corp"
make bad-orgid-scheme leaf "$CP_OV" subj="/C=JP/O=Example Corp/organizationIdentifier=ABCJP-1234/CN=Example Corp"
make bad-orgid-gov-reference leaf "$CP_OV" subj="/C=JP/O=Example Agency/organizationIdentifier=GOVJP-1234/CN=Example Agency"
make bad-orgid-ntr-no-reference leaf "$CP_OV" subj="/C=JP/O=Example Corp/organizationIdentifier=NTRJP/CN=Example Corp"
make bad-orgid-lei-country leaf "$CP_OV" subj="/C=JP/O=Example Corp/organizationIdentifier=LEIJP-$LEI_OK/CN=Example Corp"
make bad-orgid-lei-checksum leaf "$CP_OV" subj="/C=JP/O=Example Corp/organizationIdentifier=LEIXG-5493001KJTIIGC8Y1R13/CN=Example Corp"
make bad-orgid-lei-format leaf "$CP_OV" subj="/C=JP/O=Example Corp/organizationIdentifier=LEIXG-12345/CN=Example Corp"
make bad-orgid-vat-state leaf "$CP_OV" subj="/C=JP/O=Example Corp/organizationIdentifier=VATJP\\+13-1234/CN=Example Corp"
make bad-orgid-state-format leaf "$CP_OV" subj="/C=JP/O=Example Corp/organizationIdentifier=NTRJP\\+ABCD-1234/CN=Example Corp"
make bad-orgid-german-ntr leaf "$CP_OV" subj="/C=DE/O=Example GmbH/organizationIdentifier=NTRDE-HRB116737/CN=Example GmbH"
make bad-orgid-encoding leaf "$CP_OV" subj="/C=JP/O=Example Corp/organizationIdentifier=NTRJP-1234567890123/CN=Example Corp" \
    patch=replace:0c134e54524a502d31323334353637383930313233:16134e54524a502d31323334353637383930313233
make bad-placeholder-value leaf "X:certificatePolicies=2.23.140.1.5.2.2" subj="/C=JP/O=Example Corp/OU=-/organizationIdentifier=NTRJP-1234567890123/CN=Example Corp"
make bad-html-entity leaf "$CP_OV" subj="/C=JP/O=Example &amp; Co/organizationIdentifier=NTRJP-1234567890123/CN=user@example.org"
LONG=averyveryveryveryveryveryveryveryveryveryverylonguser@example.org     # 65 characters
make bad-cn-too-long leaf "X:subjectAltName=email:$LONG" subj="/CN=user@example.org/emailAddress=$LONG" \
    patch=replace:0c1075736572406578616d706c652e6f7267:0c41$(printf %s "$LONG" | od -An -tx1 | tr -d ' \n')
make bad-multivalued-rdn leaf subj="/CN=user@example.org+emailAddress=user@example.org"
make bad-rdn-same-type-twice leaf "X:subjectAltName=email:user@example.org, email:other@example.org" \
    subj="/CN=user@example.org+CN=other@example.org"
#   other extensions
make bad-sda-critical leaf "X:certificatePolicies=2.23.140.1.5.1.1" "$OLD" \
    "X:2.5.29.9=critical, DER:301f301d06082b060105050709013111180f31393730303130313132303030305a"
make bad-sda-strict leaf "X:2.5.29.9=DER:301f301d06082b060105050709013111180f31393730303130313132303030305a"
make bad-qc-statements-critical leaf "X:1.3.6.1.5.5.7.1.3=critical, DER:3000"
make bad-lei-in-mv leaf "X:1.3.6.1.4.1.52266.1=ASN1:PRINTABLESTRING:$LEI_OK"
make bad-lei-critical leaf "$CP_OV" subj="$OV" "X:1.3.6.1.4.1.52266.1=critical, ASN1:PRINTABLESTRING:$LEI_OK"
make bad-lei-role-in-ov leaf "$CP_OV" subj="$OV" "X:1.3.6.1.4.1.52266.2=ASN1:UTF8:Director"
make bad-lei-role-critical leaf "$CP_SV" subj="$SV" "X:1.3.6.1.4.1.52266.2=critical, ASN1:UTF8:Director"
make bad-adobe-timestamp-strict leaf "X:1.2.840.113583.1.1.9.1=DER:3000"
make bad-adobe-timestamp-critical leaf "$CP_MV2" "X:1.2.840.113583.1.1.9.1=critical, DER:3000"
make bad-adobe-archive-strict leaf "X:1.2.840.113583.1.1.9.2=DER:3000"
make bad-adobe-archive-critical leaf "$CP_MV2" "X:1.2.840.113583.1.1.9.2=critical, DER:3000"
make bad-smime-capabilities-critical leaf "X:1.2.840.113549.1.9.15=critical, DER:3000"
make bad-name-constraints-in-leaf leaf "X:nameConstraints=permitted;email:.example.org"
make bad-unlisted-extension leaf "X:1.3.6.1.4.1.99999.7=ASN1:NULL"
make bad-unlisted-critical-extension leaf "X:1.3.6.1.4.1.99999.7=critical, ASN1:NULL"
#   issuer
make bad-issuer-not-given leaf ca=other
make bad-issuer-rsa-2048-in-2027 leaf ca=ca2048 dates=20270920000000Z:20280101000000Z

# ---------------------------------------------------------------------------
# CA certificates: ok ones, then one broken rule each.
make ok-root root key=root subj="/C=JP/O=Inkan Lint/CN=Inkan Lint Root CA"
make ok-subca subca key=ca subj="/C=JP/O=Inkan Lint/CN=Inkan Lint RSA Issuing CA"
make ok-subca-ec subca key=ecca subj="/C=JP/O=Inkan Lint/CN=Inkan Lint ECC Issuing CA"
make ok-subca-anypolicy subca "X:certificatePolicies=2.5.29.32.0"
make ok-subca-constrained subca "X:nameConstraints=critical, permitted;email:.example.org, permitted;email:example.org"
make bad-subca-no-eku subca "X:extendedKeyUsage="
make bad-subca-eku-no-email subca "X:extendedKeyUsage=clientAuth"
make bad-subca-eku-server-auth subca "X:extendedKeyUsage=emailProtection, serverAuth"
make bad-subca-eku-critical subca "X:extendedKeyUsage=critical, emailProtection"
make bad-subca-eku-2027 subca "X:extendedKeyUsage=emailProtection, 1.3.6.1.4.1.311.10.3.12" dates=20270702000000Z:20300101000000Z
make bad-subca-no-crl-sign subca "X:keyUsage=critical, keyCertSign"
make bad-subca-ku-not-critical subca "X:keyUsage=keyCertSign, cRLSign"
make bad-subca-ku-key-encipherment subca "X:keyUsage=critical, keyCertSign, cRLSign, digitalSignature, keyEncipherment"
make bad-subca-bc-not-critical subca "X:basicConstraints=CA:true, pathlen:0"
make bad-subca-no-policies subca "X:certificatePolicies="
make bad-subca-private-policy subca "X:certificatePolicies=1.3.6.1.4.1.99999.1"
make bad-subca-no-crldp subca "X:crlDistributionPoints="
make bad-subca-crldp-critical subca "X:crlDistributionPoints=critical, URI:http://crl.example.com/lint/root.crl"
make bad-subca-no-aia subca "X:authorityInfoAccess="
make bad-subca-no-organization subca subj="/C=JP/CN=Inkan Lint Case bad-subca-no-organization"
make bad-subca-name-constraint-mailbox subca "X:nameConstraints=permitted;email:user@example.org"
make bad-subca-name-constraints-not-critical subca "X:nameConstraints=permitted;email:.example.org"
make bad-subca-no-key-usage subca "X:keyUsage="
make bad-subca-name-constraints-empty subca "X:2.5.29.30=critical, DER:3000"
make bad-subca-name-constraints-maximum subca "X:2.5.29.30=critical, DER:3015a0133011810c2e6578616d706c652e6f7267810105"
make bad-subca-generalized-fraction subca patch=not-after-fraction
make bad-subca-no-ski subca "X:subjectKeyIdentifier=none"
make bad-subca-no-aki subca "X:authorityKeyIdentifier=none"
make bad-subca-rsa-3072-after-2026-09-15 subca days=-1:1825
make bad-root-eku root "X:extendedKeyUsage=emailProtection"
make bad-root-policies root "X:certificatePolicies=2.23.140.1.5.1.3"
make bad-root-pathlen root "X:basicConstraints=critical, CA:true, pathlen:1"

# ---------------------------------------------------------------------------
# For inkan expiry: ordinary MV Strict leaves with chosen end dates.
for spec in 5:in-5-days 45:in-45-days 100:in-100-days -3:expired-3-days-ago; do
    make "exp-${spec#*:}" leaf days=-400:${spec%%:*}
    mv "$O/exp-${spec#*:}.pem" "$O/expiry/${spec#*:}.pem"
done
grep -v "^exp-" "$O/cases" >"$W/cases" || true
mv "$W/cases" "$O/cases"

# The private key of every leaf made with key=leaf, so that tests can make
# a signing identity from a certificate that breaks a rule.
cp "$W/leaf.key" "$O/leaf.key.pem"

cat >"$O/README" <<'EOF'
inkan lint test certificates -- generated by samples/gen-lint-certs.sh; do
not edit.  NAME.pem: one certificate per case (list in "cases"); ok-* meet
every rule they touch, bad-* break one rule each (expected codes in
tests/admin/lint.sh).  chain.pem: the root and the issuing CAs (RSA-3072,
ECC P-256, RSA-2048) that issued them; bad-issuer-not-given comes from a
CA that is not in chain.pem.  leaf.key.pem: the (unencrypted) key of the
RSA-2048 leaves, for test identities.  expiry/: leaves ending in 5, 45 and 100 days
and one that expired 3 days ago.  Dates are relative to generation time.
EOF
rm -rf -- "$OUTDIR"
mv -- "$O" "$OUTDIR"
