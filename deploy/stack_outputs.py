"""Which stack output each of the function's resource-naming environment variables comes
from. zappa_settings.json still holds example names for these (generating the stage's
settings from the stacks is the next step); the rehearsal (tests/rehearsal) configures the
function from this table, and a test holds every resource-naming variable of every stage to
it, so the names the function uses are the ones the templates make."""

# variable -> (stack, output key); "data" is infra/data.yaml's stack, "edge" edge.yaml's.
OUTPUT_FOR_VARIABLE = {
    "MEDIA_BUCKET": ("data", "MediaBucketName"),
    "STATIC_BUCKET": ("data", "StaticBucketName"),
    "SUBSCRIBERS_TABLE": ("data", "SubscribersTableName"),
    "SES_CONFIGURATION_SET": ("data", "SesConfigurationSetName"),
    "SES_NOTIFICATIONS_TOPIC_ARN": ("data", "SesNotificationsTopicArn"),
    "FAILED_RECORDS_QUEUE": ("data", "FailedRecordsQueueUrl"),
    "CLOUDFRONT_DISTRIBUTION_ID": ("edge", "DistributionId"),
    # The newsletter (issue 13): its queue and claims table, and the trigger's maximum
    # concurrency, which the function needs to pace its share of the send rate.
    "NEWSLETTER_QUEUE_URL": ("data", "NewsletterQueueUrl"),
    "NEWSLETTER_CLAIMS_TABLE": ("data", "NewsletterClaimsTableName"),
    "NEWSLETTER_CONCURRENCY": ("edge", "NewsletterConcurrency"),
}


def environment(variables, outputs):
    """`variables` (a stage's aws_environment_variables) with every resource name taken from
    `outputs` ({"data": {key: value}, "edge": {...}})."""
    return {
        **variables,
        **{
            name: outputs[stack][key]
            for name, (stack, key) in OUTPUT_FOR_VARIABLE.items()
            if key in outputs[stack]
        },
    }
