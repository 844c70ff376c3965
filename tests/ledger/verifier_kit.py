"""A small real network for verifier, bundle and CLI tests: one real city node plus the
witness and log keys of two other member cities, and a trust file listing all three."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from app.core import note
from app.core.cosignature import CosignatureSigner, generate_witness_key
from app.ledger import trust as T

POINT = {"type": "Point", "coordinates": [114.5149, 38.0428]}
OTHER_CITIES = (
    ("130200", "Tangshan", "唐山", 118.18, 39.63),
    ("130600", "Baoding", "保定", 115.46, 38.87),
)


@dataclass
class Witness:
    city: T.City
    signer: CosignatureSigner
    log_skey: str


def other_city(code, en, zh, lon, lat) -> Witness:
    origin = f"cityledger.example/{code}"
    log_skey, log_vkey = note.generate_key(origin)
    wsk, wvk = generate_witness_key(f"{origin}/witness")
    city = T.City(
        code, en, zh, lon, lat, origin, log_vkey, wvk, (f"http://127.0.0.1:9{code[2:4]}0/",)
    )
    return Witness(city, CosignatureSigner.from_key(wsk), log_skey)


def node_city(node) -> T.City:
    return T.City(
        node.city_code,
        node.name_en,
        node.name_zh,
        114.5149,
        38.0428,
        node.origin,
        node.log_vkey,
        node.witness_vkey,
    )


def make_trust(node, witnesses, quorum=2, admin=None):
    admin = admin or T.generate_admin_key("hebei-admin")
    tf = T.TrustFile("Hebei test network", admin[1], quorum=quorum).with_city(node_city(node))
    for w in witnesses:
        tf = tf.with_city(w.city)
    return tf, admin


def cosign_latest(node, *signers) -> int:
    """Have `signers` co-sign the node's latest checkpoint, stored as a witness would."""
    cp = node.latest_checkpoint()
    msg = note.add_signatures(cp.note, *signers)
    _, sigs = note.split_note(msg)
    for s in signers:
        sig = next(x for x in sigs if x.name == s.name)
        node.store.add_cosignature(node.origin, cp.size, s.name, sig.line(), None)
    return cp.size


def build_net(path, n_codes=3, quorum=2):
    """A node of Shijiazhuang with official 'zhang' (passphrase 'official-pass'), n_codes
    issued codes co-signed by both other cities, and the trust file."""
    from app.ledger.node import Node

    node = Node.create(path, "130100", "Shijiazhuang", "石家庄", "node-pass")
    node.add_official("zhang", "official-pass")
    witnesses = [other_city(*c) for c in OTHER_CITIES]
    trust, admin = make_trust(node, witnesses, quorum=quorum)
    codes = [
        node.issue("zhang", "official-pass", "WAT", f"main {i}", POINT).code for i in range(n_codes)
    ]
    cosign_latest(node, *(w.signer for w in witnesses))
    return node, trust, witnesses, codes


@contextlib.contextmanager
def solo_node(path, city, name_en, name_zh, official="o", asset_class="WAT"):
    """A fresh node with one official (passphrase 'op') and one issued code."""
    from app.ledger.node import Node

    node = Node.create(path, city, name_en, name_zh, "pw")
    try:
        node.add_official(official, "op")
        code = node.issue(official, "op", asset_class, f"{asset_class} 1", POINT).code
        yield node, code
    finally:
        node.close()
