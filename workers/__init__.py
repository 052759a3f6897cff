"""Background jobs: arq worker settings for production, an in-process runner for the embedded
default. Jobs take their work from due rows in the database, so a lost or repeated run loses and
doubles nothing; Redis only carries the wake-ups."""
