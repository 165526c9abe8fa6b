#!/usr/bin/env python3
"""der.py: edits CMS SignedData (RFC 5652 §5) in DER, to make hostile test
signatures from good ones made by openssl cms or inkan.  No ASN.1 library:
a TLV tree, enough for definite-length DER.

  der.py drop-signers IN OUT          SignerInfos := {} (no SignerInfo)
  der.py drop-certs IN OUT            remove the [0] certificates
  der.py merge A B OUT                A with B's SignerInfos (and B's
                                      certificates) appended
  der.py flip-signature IN N OUT      flip one bit in the signature value of
                                      SignerInfo N (0-based)
  der.py info IN                      "signers=N certs=N econtent=yes|no"

EnvelopedData (RFC 5652 §6) and AuthEnvelopedData (RFC 5083):
  der.py iv-xor IN HEX OUT            XOR HEX into the CBC IV or GCM nonce
  der.py content-xor IN OFFSET HEX OUT
                                      XOR HEX into the encrypted content at
                                      OFFSET (negative: from the end)
  der.py content-truncate IN N OUT    drop the last N bytes of the ciphertext
  der.py mac-xor IN HEX OUT           XOR HEX into the GCM tag (mac)
  der.py mac-truncate IN N OUT        drop the last N bytes of the tag
  der.py content-length IN            length of the encrypted content
"""
import sys


class Node:
    def __init__(self, tag, value=None, children=None):
        self.tag = tag            # the identifier octet(s), bytes
        self.value = value        # primitive content, bytes
        self.children = children  # constructed content, list of Node

    @property
    def constructed(self):
        return self.children is not None


def parse_one(data, i):
    start = i
    tag = data[i]
    i += 1
    if tag & 0x1F == 0x1F:
        while data[i] & 0x80:
            i += 1
        i += 1
    tagbytes = data[start:i]
    n = data[i]
    i += 1
    if n == 0x80:
        raise ValueError("indefinite length (BER) is not supported")
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(data[i:i + k], "big")
        i += k
    content = data[i:i + n]
    if len(content) != n:
        raise ValueError("truncated")
    if tagbytes[0] & 0x20:
        kids, j = [], 0
        while j < n:
            kid, j = parse_one(content, j)
            kids.append(kid)
        return Node(tagbytes, children=kids), i + n
    return Node(tagbytes, value=bytes(content)), i + n


def encode(node):
    body = b"".join(encode(k) for k in node.children) if node.constructed else node.value
    n = len(body)
    if n < 0x80:
        length = bytes([n])
    else:
        b = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(b)]) + b
    return bytes(node.tag) + length + body


def load(path):
    root, end = parse_one(open(path, "rb").read(), 0)
    return root


def signed_data(root):
    # ContentInfo ::= SEQUENCE { contentType, [0] EXPLICIT SignedData }
    return root.children[1].children[0]


def parts(sd):
    """(certificates node or None, signerInfos node) of a SignedData."""
    certs = next((k for k in sd.children if k.tag == b"\xa0"), None)
    return certs, sd.children[-1]


def envelope(root):
    """(encryptedContentInfo, the envelope SEQUENCE) of (Auth)EnvelopedData."""
    env = root.children[1].children[0]
    for k in env.children:
        if (k.constructed and len(k.children) >= 3 and k.children[0].tag == b"\x06"
                and k.children[1].constructed and k.children[2].tag in (b"\x80", b"\xa0")):
            return k, env
    raise ValueError("no encryptedContentInfo")


def xor(value, offset, mask):
    v = bytearray(value)
    if offset < 0:
        offset += len(v)
    for i, b in enumerate(mask):
        v[offset + i] ^= b
    return bytes(v)


def envelope_op(op, argv):
    root = load(argv[2])
    eci, env = envelope(root)
    alg, content = eci.children[1], eci.children[2]
    if content.constructed:
        raise ValueError("constructed encryptedContent is not supported")
    if op == "content-length":
        print(len(content.value))
        return
    if op == "iv-xor":
        param = alg.children[1]
        if param.constructed:          # GCMParameters ::= SEQUENCE { nonce, icvLen }
            param = param.children[0]
        param.value = xor(param.value, 0, bytes.fromhex(argv[3]))
    elif op == "content-xor":
        content.value = xor(content.value, int(argv[3]), bytes.fromhex(argv[4]))
    elif op == "content-truncate":
        content.value = content.value[: len(content.value) - int(argv[3])]
    elif op in ("mac-xor", "mac-truncate"):
        mac = [k for k in env.children if k.tag == b"\x04"][-1]
        if op == "mac-xor":
            mac.value = xor(mac.value, 0, bytes.fromhex(argv[3]))
        else:
            mac.value = mac.value[: len(mac.value) - int(argv[3])]
    open(argv[-1], "wb").write(encode(root))


def main(argv):
    op = argv[1]
    if op in ("iv-xor", "content-xor", "content-truncate", "mac-xor", "mac-truncate", "content-length"):
        envelope_op(op, argv)
        return
    if op == "info":
        sd = signed_data(load(argv[2]))
        certs, sis = parts(sd)
        econtent = len(sd.children[2].children) > 1
        print("signers=%d certs=%d econtent=%s" % (len(sis.children), len(certs.children) if certs else 0,
                                                  "yes" if econtent else "no"))
        return
    root = load(argv[2])
    sd = signed_data(root)
    certs, sis = parts(sd)
    if op == "drop-signers":
        sis.children = []
        out = argv[3]
    elif op == "drop-certs":
        sd.children = [k for k in sd.children if k is not certs]
        out = argv[3]
    elif op == "merge":
        other = signed_data(load(argv[3]))
        ocerts, osis = parts(other)
        sis.children += osis.children
        if ocerts is not None:
            have = {encode(c) for c in certs.children}
            certs.children += [c for c in ocerts.children if encode(c) not in have]
        # digestAlgorithms: the union
        have = {encode(a) for a in sd.children[1].children}
        sd.children[1].children += [a for a in other.children[1].children if encode(a) not in have]
        out = argv[4]
    elif op == "flip-signature":
        si = sis.children[int(argv[3])]
        # SignerInfo: version, sid, digestAlgorithm, [0] signedAttrs?,
        # signatureAlgorithm, signature OCTET STRING, [1] unsignedAttrs?
        sig = [k for k in si.children if k.tag == b"\x04"][-1]
        v = bytearray(sig.value)
        v[len(v) // 2] ^= 0x01
        sig.value = bytes(v)
        out = argv[4]
    else:
        sys.exit("der.py: unknown operation " + op)
    open(out, "wb").write(encode(root))


if __name__ == "__main__":
    main(sys.argv)
