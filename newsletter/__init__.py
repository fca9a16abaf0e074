"""New posts by email: when a post goes live (`blog.publishing.post_published`) one newsletter
send starts for it, once per post ever; the confirmed subscribers are read from the subscriber
store in pages and put on a queue, one message per (post, subscriber); the function consumes
the queue (an SQS event source mapping in AWS, the app's own delivery on the embedded
defaults) and sends each email through SES within the account's send rate, each pair claimed
with a conditional write first, so no message, retry or replay sends an email twice.

This package sits above `blog` and `welcome` (it reads posts and subscribers, and sends with
welcome's sender, tokens and unsubscribe view); neither of them imports it."""
