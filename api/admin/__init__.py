"""The operator console: the page at /admin and its API under /admin/api (behind
POLICYBOT_ADMIN_TOKEN), the review of asked questions, the policy-gap report, the document
library, and applying reviewed questions to the bot while it serves."""
