"""Fixtures for the blog's tests that need AWS: a CloudFront distribution in moto."""

import boto3
import pytest

from tests.aws import mocked_aws


@pytest.fixture
def distribution(settings, monkeypatch):
    with mocked_aws(monkeypatch, "us-east-1"):
        client = boto3.client("cloudfront")
        created = client.create_distribution(
            DistributionConfig={
                "CallerReference": "test",
                "Comment": "blog",
                "Enabled": True,
                "Origins": {"Quantity": 1, "Items": [{"Id": "api", "DomainName": "api.example.com",
                            "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only"}}]},
                "DefaultCacheBehavior": {"TargetOriginId": "api", "ViewerProtocolPolicy": "redirect-to-https",
                                         "CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"},
            }
        )  # fmt: skip
        settings.CLOUDFRONT_DISTRIBUTION_ID = created["Distribution"]["Id"]

        def invalidations():
            """{invalidation id: its set of paths}"""
            listing = client.list_invalidations(DistributionId=settings.CLOUDFRONT_DISTRIBUTION_ID)
            return {
                item["Id"]: set(
                    client.get_invalidation(
                        DistributionId=settings.CLOUDFRONT_DISTRIBUTION_ID, Id=item["Id"]
                    )["Invalidation"]["InvalidationBatch"]["Paths"]["Items"]
                )
                for item in listing["InvalidationList"].get("Items", [])
            }

        yield invalidations
