"""The customer portal: self-service pages behind secure, expiring links."""
