"""One vocabulary: every exception family CityLedger raises on purpose is a CityLedgerError,
so one `except CityLedgerError` at a boundary catches them all (issue 9)."""

from __future__ import annotations

import importlib

import pytest

from app.core.errors import CityLedgerError

FAMILIES = [
    ("app.core.errors", "CoreError"),
    ("app.core.errors", "CodeError"),
    ("app.ledger.db", "StoreError"),
    ("app.ledger.node", "NodeError"),
    ("app.ledger.sequencer", "SubmissionRefused"),
    ("app.ledger.sequencer", "SequencerStopped"),
    ("app.ledger.keystore", "KeystoreError"),
    ("app.ledger.trust", "TrustError"),
    ("app.ledger.proof_bundle", "NotInStoreError"),
    ("app.ledger.signing_pool", "PoolBroken"),
    ("app.ledger.keys", "UnusableKeyError"),
    ("app.net.verify", "VerifyError"),
    ("app.net.client", "PeerError"),
    ("app.net.sync", "ForkDetected"),
    ("app.gis.maps", "BoundaryError"),
    ("app.gis.assets", "AssetTableError"),
    ("app.cli.common", "CliError"),
    ("app.net.server", "Refused"),
    ("app.ui.ledger_jobs", "NoNodeError"),
    ("app.ui.ledger_jobs", "NoTrustError"),
    ("app.ui.ledger_jobs", "NotABundleError"),
    ("app.ui.io_jobs", "AssetImportError"),
]


@pytest.mark.parametrize(("module", "name"), FAMILIES)
def test_family_is_a_cityledger_error(module: str, name: str) -> None:
    cls = getattr(importlib.import_module(module), name)
    assert issubclass(cls, CityLedgerError), f"{module}.{name} is outside the hierarchy"


def test_value_error_families_stay_value_errors() -> None:
    """Callers that caught ValueError before the root existed still catch them."""
    from app.core.errors import CoreError
    from app.ledger.trust import TrustError

    assert issubclass(CoreError, ValueError)
    assert issubclass(TrustError, ValueError)
