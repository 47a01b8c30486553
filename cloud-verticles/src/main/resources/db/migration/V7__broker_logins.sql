-- Each device's hash for Mosquitto's password file ($7$ PBKDF2-SHA512, as mosquitto_passwd writes it, never the
-- password), so that the broker's files can be written again from the registry at any time (`nattery broker-files`).
-- Devices provisioned before this column have none and are left out of the broker's file.
ALTER TABLE devices ADD COLUMN broker_password_hash text
  CHECK (broker_password_hash ~ '^\$7\$[0-9]{1,9}\$[A-Za-z0-9+/]+={0,2}\$[A-Za-z0-9+/]+={0,2}$');
