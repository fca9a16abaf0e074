"""Subscribers: subscribe, confirm and unsubscribe; the subscriber store (DynamoDB in AWS, a
SQLite file locally); the stream handler that sends the welcome email through SES; and the
SNS handler that suppresses addresses SES reports as bouncing or complaining.

This package never imports `blog`: the blog includes our URLs and our footer form."""
