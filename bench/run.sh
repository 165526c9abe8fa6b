#!/bin/sh
# Every benchmark of docs/performance.md, in the order the document gives
# them.  BUILD, INKAN, PKI and TMPDIR as in bench/lib.sh.
#
#   bench/run.sh [SIZE_MIB] [VERIFY_COUNT]
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
"$HERE/large.sh" "${1:-256}"
echo
"$HERE/small-sign.sh"
echo
"$HERE/verify-rate.sh" "${2:-20000}" 1
echo
"$HERE/verify-rate.sh" "${2:-20000}" 2
