"""The WeChat official-account (公众号) channel: the callback protocol, which reply each message
gets, how an answer reads in WeChat, and what is remembered between deliveries."""
