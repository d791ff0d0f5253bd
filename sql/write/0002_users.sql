-- Accounts. The email is stored normalised (trimmed, lower case), so uniqueness holds however it was
-- typed; the password only as a bcrypt hash.
CREATE TABLE users (
    user_id       uuid PRIMARY KEY,
    email         text NOT NULL UNIQUE,
    name          text NOT NULL DEFAULT '',
    password_hash text NOT NULL,
    role          text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
    created_at    timestamptz NOT NULL DEFAULT now()
);
