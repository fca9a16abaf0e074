"""cfn-lint passes every template with nothing to say: no errors, warnings or informational notes."""

import pytest
from cfnlint.api import ManualArgs, lint_file

from tests.infra.cfn import (
    ALARMS_TEMPLATE,
    CERTIFICATE_TEMPLATE,
    DATA_TEMPLATE,
    DATABASE_TEMPLATE,
    DEPLOYER_TEMPLATE,
    EDGE_TEMPLATE,
    WAF_TEMPLATE,
)


@pytest.mark.parametrize(
    "template",
    [
        DATA_TEMPLATE,
        DATABASE_TEMPLATE,
        EDGE_TEMPLATE,
        ALARMS_TEMPLATE,
        CERTIFICATE_TEMPLATE,
        WAF_TEMPLATE,
        DEPLOYER_TEMPLATE,
    ],
    ids=lambda p: p.name,
)
def test_template_lints_clean(template):
    """Checked against a European region and us-east-1 (where CloudFront's certificate lives)."""
    matches = lint_file(template, ManualArgs(regions=["eu-west-1", "us-east-1"], include_checks=["I"]))

    assert [str(m) for m in matches] == []
