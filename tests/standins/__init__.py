"""Local stand-ins for the calendar providers that have no maintained emulator (Google
Calendar, Microsoft Graph): real HTTP servers speaking the documented shapes (issue 11)."""
