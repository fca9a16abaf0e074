"""Which stack output each of the function's resource-naming environment variables comes
from: deploy/settings.py writes them into the stage's Zappa settings at deploy time, the
rehearsal (tests/rehearsal) reads them back from the function Zappa configured, and a test
holds every resource-naming variable the code reads to this table, so the names the function
uses are the ones the templates make.

The stacks: "data" is infra/data.yaml's, "database" infra/database.yaml's (absent when the
stage brings its own database), "edge" infra/edge.yaml's (absent until the first deploy has
made the function it attaches to)."""

# variable -> (stack, output key)
OUTPUT_FOR_VARIABLE = {
    "MEDIA_BUCKET": ("data", "MediaBucketName"),
    "STATIC_BUCKET": ("data", "StaticBucketName"),
    "SUBSCRIBERS_TABLE": ("data", "SubscribersTableName"),
    "SES_CONFIGURATION_SET": ("data", "SesConfigurationSetName"),
    "SES_NOTIFICATIONS_TOPIC_ARN": ("data", "SesNotificationsTopicArn"),
    "FAILED_RECORDS_QUEUE": ("data", "FailedRecordsQueueUrl"),
    "DATABASE_HOST": ("database", "DatabaseHost"),
    "DATABASE_PORT": ("database", "DatabasePort"),
    "DATABASE_NAME": ("database", "DatabaseName"),
    "DATABASE_USER": ("database", "DatabaseUser"),
    "CLOUDFRONT_DISTRIBUTION_ID": ("edge", "DistributionId"),
    "SITE_URL": ("edge", "PublicBaseUrl"),
    "MEDIA_DOMAIN": ("edge", "PublicDomainName"),
    "STATIC_DOMAIN": ("edge", "PublicDomainName"),
    # The newsletter (issue 13): its queue and claims table, and the trigger's maximum
    # concurrency, which the function needs to pace its share of the send rate.
    "NEWSLETTER_QUEUE_URL": ("data", "NewsletterQueueUrl"),
    "NEWSLETTER_CLAIMS_TABLE": ("data", "NewsletterClaimsTableName"),
    "NEWSLETTER_CONCURRENCY": ("edge", "NewsletterConcurrency"),
}


def environment(variables, outputs):
    """`variables` (a stage's environment) with every resource name taken from `outputs`
    ({"data": {key: value}, "database": {...}, "edge": {...}}; a stack not made yet is absent
    or empty, and its variables are left out)."""
    return {
        **variables,
        **{
            name: str(outputs[stack][key])
            for name, (stack, key) in OUTPUT_FOR_VARIABLE.items()
            if key in outputs.get(stack, {})
        },
    }
