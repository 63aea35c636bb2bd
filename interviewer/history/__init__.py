"""What happened: sessions (the transcript store), reports and progress across sessions."""
