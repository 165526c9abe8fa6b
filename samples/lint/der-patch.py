#!/usr/bin/env python3
"""der-patch.py IN.pem OUT.pem ISSUER_KEY OP...

Edits a certificate where `openssl ca` cannot make the broken encoding a
lint test needs, then signs the edited tbsCertificate again with ISSUER_KEY
(by the openssl command line, with the algorithm the outer
signatureAlgorithm names), so that only the edited rule breaks.

The certificate is parsed into a DER tree (constructed types, and OCTET
STRINGs and BIT STRINGs that hold DER, are opened); every length is
recomputed after an edit.  OPs:

  replace:OLD:NEW      replace the first element whose whole encoding is
                       hex OLD by hex NEW (searched in tbsCertificate)
  sigalg:HEX           set both signature AlgorithmIdentifiers
  outer-sigalg:HEX     set only Certificate.signatureAlgorithm
  serial:HEX           set the serialNumber INTEGER content octets
  version:N|none       set (or remove) the [0] version
  subject-empty        make the subject an empty SEQUENCE
  issuer-uid           add an issuerUniqueID after the subjectPublicKeyInfo
  subject-uid          add a subjectUniqueID after the subjectPublicKeyInfo
  issuer-empty         make the issuer an empty SEQUENCE
  no-extensions        remove the [3] extensions
  not-before-no-seconds   re-encode notBefore as UTCTime YYMMDDHHMMZ
  not-after-fraction   re-encode notAfter as GeneralizedTime with ".5" seconds
  dup-ext:OID          repeat the extension OID at the end of the list
  not-before-generalized  re-encode notBefore as GeneralizedTime
  rsa-e:HEX            set the RSA public exponent
  rsa-n-div3           make the RSA modulus divisible by 3
  rsa-n-prime-power:K  make the RSA modulus the K-th power of a prime (as long)
  ec-point-off-curve   change the EC public point so it is off the curve
  bad-signature        flip a bit of the signature (no signing again)

Only the Python standard library and openssl(1) are used.
"""
import base64
import os
import subprocess
import sys
import tempfile


class Node:
    def __init__(self, tag, content=b"", children=None, wrap=None):
        self.tag = tag          # first octet(s) of the identifier, as bytes
        self.content = content  # primitive content
        self.children = children  # list of Node, or None
        self.wrap = wrap        # b"\x00" prefix for a BIT STRING holding DER

    def encode(self):
        if self.children is not None:
            body = (self.wrap or b"") + b"".join(c.encode() for c in self.children)
        else:
            body = self.content
        return self.tag + enc_len(len(body)) + body


def enc_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def read_tlv(data, i):
    tag = data[i:i + 1]
    i += 1
    n = data[i]
    i += 1
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(data[i:i + k], "big")
        i += k
    return tag, data[i:i + n], i + n


def parse(data):
    nodes, i = [], 0
    while i < len(data):
        tag, body, i = read_tlv(data, i)
        nodes.append(make(tag, body))
    return nodes


def try_parse(body):
    try:
        nodes = parse(body)
        if b"".join(n.encode() for n in nodes) == body and nodes:
            return nodes
    except (IndexError, ValueError):
        pass
    return None


def make(tag, body):
    if tag[0] & 0x20:
        return Node(tag, children=parse(body))
    if tag == b"\x04" and body[:1] in (b"\x30", b"\x03", b"\x04", b"\x02", b"\x01"):
        kids = try_parse(body)
        if kids is not None:
            return Node(tag, children=kids)
    if tag == b"\x03" and body[:1] == b"\x00" and body[1:2] == b"\x30":
        kids = try_parse(body[1:])
        if kids is not None:
            return Node(tag, children=kids, wrap=b"\x00")
    return Node(tag, content=body)


def walk(node):
    yield node
    for c in node.children or []:
        yield from walk(c)


def oid_bytes(dotted):
    parts = [int(p) for p in dotted.split(".")]
    out = bytes([parts[0] * 40 + parts[1]])
    for p in parts[2:]:
        chunk = [p & 0x7F]
        p >>= 7
        while p:
            chunk.append(0x80 | (p & 0x7F))
            p >>= 7
        out += bytes(reversed(chunk))
    return b"\x06" + enc_len(len(out)) + out


def tbs_fields(tbs):
    """index of serial, sigalg, issuer, validity, subject, spki in tbs.children"""
    k = 1 if tbs.children[0].tag == b"\xa0" else 0
    return {"serial": k, "sigalg": k + 1, "issuer": k + 2, "validity": k + 3, "subject": k + 4, "spki": k + 5}


def rsa_key_node(spki):
    return spki.children[1].children[0]  # BIT STRING -> RSAPublicKey SEQUENCE


def int_content(v):
    b = v.to_bytes((v.bit_length() + 8) // 8, "big")
    return b


def apply(cert, op):
    tbs, outer_alg = cert.children[0], cert.children[1]
    f = tbs_fields(tbs)
    name, _, arg = op.partition(":")
    if name == "replace":
        old, new = (bytes.fromhex(x) for x in arg.split(":"))
        for n in walk(tbs):
            for idx, c in enumerate(n.children or []):
                if c.encode() == old:
                    n.children[idx] = parse(new)[0]
                    return
        sys.exit("der-patch: element %s not found" % old.hex())
    elif name == "sigalg":
        tbs.children[f["sigalg"]] = parse(bytes.fromhex(arg))[0]
        cert.children[1] = parse(bytes.fromhex(arg))[0]
    elif name == "outer-sigalg":
        cert.children[1] = parse(bytes.fromhex(arg))[0]
    elif name == "serial":
        tbs.children[f["serial"]] = Node(b"\x02", bytes.fromhex(arg))
    elif name == "version":
        if tbs.children[0].tag == b"\xa0":
            del tbs.children[0]
        if arg != "none":
            tbs.children.insert(0, Node(b"\xa0", children=[Node(b"\x02", bytes([int(arg)]))]))
    elif name == "subject-empty":
        tbs.children[f["subject"]] = Node(b"\x30", children=[])
    elif name == "issuer-uid":
        tbs.children.insert(f["spki"] + 1, Node(b"\x81", b"\x00\x01\x02\x03"))
    elif name == "subject-uid":
        tbs.children.insert(f["spki"] + 1, Node(b"\x82", b"\x00\x01\x02\x03"))
    elif name == "issuer-empty":
        tbs.children[f["issuer"]] = Node(b"\x30", children=[])
    elif name == "no-extensions":
        tbs.children = [c for c in tbs.children if c.tag != b"\xa3"]
    elif name == "not-before-no-seconds":
        t = tbs.children[f["validity"]].children[0]
        assert t.tag == b"\x17"
        t.content = t.content[:10] + b"Z"
    elif name == "not-after-fraction":
        t = tbs.children[f["validity"]].children[1]
        if t.tag == b"\x17":
            yy = int(t.content[:2])
            t.tag, t.content = b"\x18", (b"20" if yy < 50 else b"19") + t.content
        t.content = t.content[:-1] + b".5Z"
    elif name == "dup-ext":
        exts = [c for c in tbs.children if c.tag == b"\xa3"][0].children[0]
        want = oid_bytes(arg)
        for e in exts.children:
            if e.children[0].encode() == want:
                exts.children.append(parse(e.encode())[0])
                return
        sys.exit("der-patch: extension %s not found" % arg)
    elif name == "not-before-generalized":
        t = tbs.children[f["validity"]].children[0]
        assert t.tag == b"\x17"
        yy = int(t.content[:2])
        t.tag, t.content = b"\x18", (b"20" if yy < 50 else b"19") + t.content
    elif name == "rsa-e":
        rsa_key_node(tbs.children[f["spki"]]).children[1] = Node(b"\x02", bytes.fromhex(arg))
    elif name == "rsa-n-div3":
        key = rsa_key_node(tbs.children[f["spki"]])
        n = int.from_bytes(key.children[0].content, "big")
        n -= n % 3
        if n % 2 == 0:
            n -= 3
        key.children[0] = Node(b"\x02", int_content(n))
    elif name == "rsa-n-prime-power":
        key = rsa_key_node(tbs.children[f["spki"]])
        bits = int.from_bytes(key.children[0].content, "big").bit_length()
        out = subprocess.run(["openssl", "prime", "-generate", "-bits", str(bits // int(arg))],
                             check=True, capture_output=True, text=True).stdout
        key.children[0] = Node(b"\x02", int_content(int(out.strip()) ** int(arg)))
    elif name == "ec-point-off-curve":
        bits = tbs.children[f["spki"]].children[1]
        c = bytearray(bits.content)
        c[-1] ^= 0x01
        bits.content = bytes(c)
    elif name == "bad-signature":
        pass
    else:
        sys.exit("der-patch: unknown op " + op)


HASH_OIDS = {"608648016503040201": "sha256", "608648016503040202": "sha384", "608648016503040203": "sha512"}
SIG_HASH = {"2a864886f70d01010b": "sha256", "2a864886f70d01010c": "sha384", "2a864886f70d01010d": "sha512",
            "2a864886f70d010105": "sha1", "2a8648ce3d040302": "sha256", "2a8648ce3d040303": "sha384",
            "2a8648ce3d040304": "sha512", "2a8648ce3d0401": "sha1"}


def sign(tbs_der, alg, key):
    oid = alg.children[0].content.hex()
    args = []
    if oid == "2a864886f70d01010a":  # RSASSA-PSS
        params = alg.children[1].children
        digest, salt = "sha1", 20
        for p in params:
            if p.tag == b"\xa0":
                digest = HASH_OIDS[p.children[0].children[0].content.hex()]
            elif p.tag == b"\xa2":
                salt = int.from_bytes(p.children[0].content, "big")
        args = ["-" + digest, "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:%d" % salt,
                "-sigopt", "rsa_mgf1_md:" + digest]
    else:
        args = ["-" + SIG_HASH[oid]]
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "tbs")
        with open(path, "wb") as fh:
            fh.write(tbs_der)
        return subprocess.run(["openssl", "dgst"] + args + ["-sign", key, path],
                              check=True, stdout=subprocess.PIPE).stdout


def main():
    src, dst, key, ops = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    pem = open(src).read()
    b64 = pem.split("-----BEGIN CERTIFICATE-----")[1].split("-----END CERTIFICATE-----")[0]
    cert = parse(base64.b64decode(b64))[0]
    for op in ops:
        apply(cert, op)
    sig = cert.children[2]
    if "bad-signature" in ops:
        c = bytearray(sig.content)
        c[-1] ^= 0x01
        sig.content = bytes(c)
    else:
        sig.children, sig.wrap = None, None
        sig.content = b"\x00" + sign(cert.children[0].encode(), cert.children[1], key)
    der = cert.encode()
    text = base64.encodebytes(der).decode().replace("\n", "")
    with open(dst, "w") as fh:
        fh.write("-----BEGIN CERTIFICATE-----\n")
        for i in range(0, len(text), 64):
            fh.write(text[i:i + 64] + "\n")
        fh.write("-----END CERTIFICATE-----\n")


if __name__ == "__main__":
    main()
