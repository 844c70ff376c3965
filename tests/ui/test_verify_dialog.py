"""The verify dialog on real proof bundles: a good one passes, a tampered one fails."""

from __future__ import annotations

from app.ui.dialogs.verify import VerifyDialog


def _bundle_bytes(node_dir) -> bytes:
    from app.ledger.node import Node
    from app.ledger.proof_bundle import export_proof_bundle

    node = Node.open(node_dir)
    try:
        return export_proof_bundle(
            node, node_dir.joinpath("seed_code").read_text(), quorum=0
        ).encode()
    finally:
        node.close()


def _verify_file(qtbot, make_window, node_dir, path):
    w = make_window(node_dir, per_city=50)
    dialog = VerifyDialog(w.backend, parent=w)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.verify_file(str(path))
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=30000)
    return dialog


def test_good_bundle_verifies(qtbot, make_window, node_dir, tmp_path):
    path = tmp_path / "good.tlog-proof"
    path.write_bytes(_bundle_bytes(node_dir))
    dialog = _verify_file(qtbot, make_window, node_dir, path)
    assert dialog.result_view.result.ok, dialog.result_view.failed_checks()
    assert dialog.result_view.failed_checks() == []


def test_tampered_bundle_shows_a_failed_check(qtbot, make_window, node_dir, tmp_path):
    import dataclasses

    from app.ledger.proof_bundle import decode_proof_bundle

    bundle = decode_proof_bundle(_bundle_bytes(node_dir))
    assert b"Seed pump" in bundle.entry
    forged = dataclasses.replace(bundle, entry=bundle.entry.replace(b"Seed pump", b"Fake pump"))
    path = tmp_path / "tampered.tlog-proof"
    path.write_bytes(forged.encode())  # well-formed bundle, altered signed entry
    dialog = _verify_file(qtbot, make_window, node_dir, path)
    assert not dialog.result_view.result.ok
    failed = [name.lower() for name in dialog.result_view.failed_checks()]
    assert failed, "a tampered entry must fail at least one check"
    assert "entry signature" in failed or "inclusion" in failed
    assert "NOT verified" in dialog.result_view.verdict.text()


def test_typed_code_verifies_against_the_node(qtbot, make_window, node_dir):
    w = make_window(node_dir, per_city=50)
    seed = node_dir.joinpath("seed_code").read_text()
    dialog = VerifyDialog(w.backend, initial=seed.lower().replace("-", ""), parent=w)
    qtbot.addWidget(dialog)
    dialog.verify_text()
    qtbot.waitUntil(lambda: dialog.result_view.result is not None, timeout=30000)
    assert dialog.result_view.result.ok, dialog.result_view.failed_checks()


def _verify_typed(qtbot, w, text):
    dialog = VerifyDialog(w.backend, initial=text, parent=w)
    qtbot.addWidget(dialog)
    dialog.verify_text()
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=30000)
    return dialog


def test_typos_in_a_code_get_the_code_parsers_message(qtbot, make_window, node_dir):
    from tests.ledger.test_pasted import _typos

    w = make_window(node_dir, per_city=50)
    seed = node_dir.joinpath("seed_code").read_text()
    for what, typo in _typos(seed).items():
        dialog = _verify_typed(qtbot, w, typo)
        shown = dialog.result_view.verdict.text()
        assert "Recognised an identity code with a typo" in dialog.recognised.text(), what
        assert "tlog-proof" not in shown and "Bundle format" not in shown, (what, shown)
        assert "check character" in shown or "18 letters" in shown or "'WTA'" in shown, shown
        assert not dialog.map_button.isVisible()
        dialog.close()


def test_a_verified_code_names_its_asset_and_city_and_shows_it_on_the_map(
    qtbot, make_window, node_dir
):
    w = make_window(node_dir, per_city=50)
    seed = node_dir.joinpath("seed_code").read_text()
    dialog = w.verify(seed)
    dialog.verify_text()
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=30000)
    assert dialog.outcome.result.ok
    assert "Recognised an identity code in typed or pasted text" in dialog.recognised.text()
    assert "Seed pump" in dialog.asset.text() and "Shijiazhuang" in dialog.asset.text()
    assert dialog.map_button.isVisibleTo(dialog)
    with qtbot.waitSignal(w.detailsShown, timeout=30000):
        dialog.map_button.click()
    assert w.inspector.code == seed


def test_a_qr_image_file_is_decoded_and_verified(qtbot, make_window, node_dir, tmp_path):
    import segno

    seed = node_dir.joinpath("seed_code").read_text()
    path = tmp_path / "code.png"
    segno.make_qr(seed).save(str(path), scale=5)
    dialog = _verify_file(qtbot, make_window, node_dir, path)
    assert "QR image" in dialog.recognised.text()
    assert dialog.outcome.pasted.code == seed and dialog.outcome.result.ok
