"""Custom domains (P4): adding, checking DNS, and the gate that serves booking pages there."""
