-- The last known display name of each studio (from admin assertions), so an
-- email can name the studio when the current assertion carries no name.
CREATE TABLE studios (
    studio_id   text PRIMARY KEY,
    name        text        NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- When the client last proved an address: by using a create-login, reset or verification
-- link (or code) sent to it. Credential emails go to the most recently proven address.
ALTER TABLE account_emails ADD COLUMN proven_at timestamptz;

-- A signup's chosen username, held until the address is proven: only then is it taken
-- (or found taken), so the signup answer never says whether a username exists.
ALTER TABLE accounts ADD COLUMN pending_username text;
