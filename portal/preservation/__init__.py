"""The preservation area of the portal: fixity runs and their failures, for admins."""
