"""Host calendars (C1–C6): connections, the busy cache and its sync, write-back."""
