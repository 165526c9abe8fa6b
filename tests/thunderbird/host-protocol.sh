#!/bin/sh
# inkan-native-host protocol tests (tests/thunderbird/host-protocol.py).
. "$(dirname "$0")/../lib.sh"
need python3 python3
need certutil libnss3-tools
HOST=${INKAN_NATIVE_HOST:-$(dirname "$INKAN")/../plugins/thunderbird-native/inkan-native-host}
[ -x "$HOST" ] || skip_all "inkan-native-host is not built ($HOST)"
export HOST T
PYTHONDONTWRITEBYTECODE=1 exec python3 "$(dirname "$0")/host-protocol.py"
