"""Identity's adapters: asyncpg repositories, password hashing, JWTs, sealing."""
